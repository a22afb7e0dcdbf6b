// End-to-end scoring of a run with an honest test predictor (the truth blurred inside the hole by a sigma stored in
// each checkpoint): the least-blurred epoch must win, every number must match metrics computed here independently
// from the bundle's records, and the outputs must not depend on the batch size.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { readBundle } from '@bgfill/dataset';
import { holeRatioBin } from '@bgfill/masks';
import { registerEvalCommands } from '../src/cli.js';
import { cellOrigin, gridGeometry } from '../src/grid.js';
import type { RgbImage } from '../src/metrics/image.js';
import { pairMetrics } from '../src/metrics/pair-metrics.js';
import { scoreRun, SCORE_RUN_FILES } from '../src/score-run.js';
import { blurComposite, buildTinyBundle, fakePredictorFactory, parseCsv, tempDir, writeCheckpoint } from './score-fixtures.js';

const BLUR: Record<number, number> = { 1: 3, 2: 0.6, 3: 1.5 };

async function setup(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t);
  const bundle = await buildTinyBundle(join(root, 'bundle'));
  const run = join(root, 'run');
  for (const [epoch, blur] of Object.entries(BLUR)) await writeCheckpoint(run, Number(epoch), { blur });
  return { root, bundle, run };
}

/** The bundle's val records, read directly. */
async function records(bundle: string) {
  const out = [];
  for await (const ex of readBundle(bundle, { split: 'val' })) out.push(ex);
  return out;
}

function mean(values: number[]): number {
  return values.reduce((a, v) => a + v, 0) / values.length;
}

async function rawPixels(png: Buffer | string): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function cellEquals(grid: { data: Buffer; width: number }, left: number, top: number, image: RgbImage): boolean {
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width * 3; x++) {
      if (grid.data[((top + y) * grid.width + left) * 3 + x] !== image.data[y * image.width * 3 + x]) return false;
    }
  }
  return true;
}

test('scores every checkpoint; the least-blurred epoch wins; numbers match metrics computed independently', async (t) => {
  const { bundle, run } = await setup(t);
  const { factory, log } = fakePredictorFactory();
  const result = await scoreRun({ run, data: bundle, loadPredictor: factory, batchSize: 4, gridSamples: 3 });

  t.is(result.best.epoch, 2);
  t.deepEqual(result.scored, [1, 2, 3]);
  t.deepEqual(result.skipped, []);
  t.is(log.loads.length, 3);
  t.is(log.disposed, 3);
  t.deepEqual(log.batches, [4, 4, 1, 4, 4, 1, 4, 4, 1]); // 9 records in batches of 4

  // Independent expectation: per-record metrics of the blurred composites, plain means, bins from the stored ratios.
  const recs = await records(bundle);
  t.is(recs.length, 9);
  const json = JSON.parse(await readFile(join(result.out, 'scores.json'), 'utf8'));
  t.is(json.bestEpoch, 2);
  t.is(json.data.records, 9);
  for (const epoch of [1, 2, 3]) {
    const per = [];
    for (const r of recs) per.push({ m: pairMetrics(await blurComposite(r.image, r.mask!, BLUR[epoch]), r.image, r.mask), bin: holeRatioBin(r.holeRatio!) });
    const got = json.epochs.find((e: { epoch: number }) => e.epoch === epoch);
    t.is(got.all.images, 9);
    for (const name of ['l1', 'psnr', 'ssim', 'msssim', 'l1Hole', 'psnrHole'] as const) {
      t.true(Math.abs(got.all.metrics[name].mean - mean(per.map((p) => p.m[name]!))) < 1e-9, `epoch ${epoch} ${name}`);
    }
    const byBin = new Map<string, typeof per>();
    for (const p of per) byBin.set(p.bin, [...(byBin.get(p.bin) ?? []), p]);
    t.deepEqual(Object.keys(got.bins).sort(), [...byBin.keys()].sort(), `epoch ${epoch} bins`);
    for (const [bin, members] of byBin) {
      t.is(got.bins[bin].images, members.length);
      t.true(Math.abs(got.bins[bin].metrics.l1Hole.mean - mean(members.map((p) => p.m.l1Hole!))) < 1e-9, `epoch ${epoch} bin ${bin}`);
    }
  }
  // More blur is worse on every metric: epoch 2 (σ 0.6) < epoch 3 (σ 1.5) < epoch 1 (σ 3).
  const msssim = (epoch: number) => json.epochs.find((e: { epoch: number }) => e.epoch === epoch).all.metrics.msssim.mean;
  t.true(msssim(2) > msssim(3) && msssim(3) > msssim(1));

  // scores.csv carries the same numbers (shortest round-trip decimals), images.csv every record of every epoch.
  const csv = parseCsv(await readFile(join(result.out, 'scores.csv'), 'utf8'));
  for (const row of csv.filter((r) => r.group === 'all')) {
    const got = json.epochs.find((e: { epoch: number }) => e.epoch === Number(row.epoch));
    t.is(Number(row.msssim_mean), got.all.metrics.msssim.mean);
    t.is(Number(row.l1_hole_mean), got.all.metrics.l1Hole.mean);
    t.is(row.best, row.epoch === '2' ? '1' : '0');
  }
  const images = parseCsv(await readFile(join(result.out, 'images.csv'), 'utf8'));
  t.is(images.length, 27);
  t.deepEqual(images.filter((r) => r.epoch === '1').map((r) => r.key), recs.map((r) => r.key));

  const best = JSON.parse(await readFile(join(result.out, 'best.json'), 'utf8'));
  t.like(best, { epoch: 2, rule: 'msssim', direction: 'higher', checkpoint: join(run, 'epoch-0002/generator.safetensors') });
  const md = await readFile(join(result.out, 'scores.md'), 'utf8');
  t.regex(md, /\n\| \*\*2 ★\*\* \| 9 \| \*\*/);
  t.is(md.match(/\n\| (\d|\*\*\d)/g)?.length, 6); // three epochs in each of the two tables

  // The grid: samples 0, 3, 6 (spread over 9); columns masked input, epoch 2 (best), 3 (last), 1, truth — pixel exact.
  const grid = await rawPixels(join(result.out, 'grid.png'));
  const labels = ['masked input', 'epoch 2 (best)', 'epoch 3 (last)', 'epoch 1', 'ground truth'];
  const layout = { rowLabels: ['', '', ''], columns: labels.map((label) => ({ label, images: recs.slice(0, 3).map((r) => r.image) })) };
  const g = gridGeometry(layout);
  t.is(grid.width, g.width);
  t.is(grid.height, g.height);
  for (const [row, index] of [0, 3, 6].entries()) {
    const r = recs[index];
    const columns = [undefined, 2, 3, 1];
    for (const [c, epoch] of columns.entries()) {
      if (epoch === undefined) continue;
      const { left, top } = cellOrigin(g, row, c);
      t.true(cellEquals(grid, left, top, await blurComposite(r.image, r.mask!, BLUR[epoch])), `row ${row}, epoch ${epoch}`);
    }
    const truth = cellOrigin(g, row, 4);
    t.true(cellEquals(grid, truth.left, truth.top, r.image), `row ${row}, truth`);
  }

  const svg = await readFile(join(result.out, 'plot.svg'), 'utf8');
  t.true(svg.startsWith('<svg'));
  for (const epoch of [1, 2, 3]) t.regex(svg, new RegExp(`aria-label="epoch: ${epoch}; mean: [^"]*; metric: MS-SSIM"`));
  const plot = await sharp(join(result.out, 'plot.png')).metadata();
  t.is(plot.format, 'png');
  t.true(plot.width! > 500);
  t.deepEqual(Object.keys(result.files).sort(), Object.keys(SCORE_RUN_FILES).sort());
});

test('outputs are byte-identical whatever the batch size', async (t) => {
  const { root, bundle, run } = await setup(t);
  const names = ['scores.json', 'scores.csv', 'images.csv', 'scores.md', 'best.json', 'plot.svg', 'plot.png', 'grid.png', 'report.html'];
  const outputs: Buffer[][] = [];
  for (const batchSize of [1, 5]) {
    const out = join(root, `out-${batchSize}`);
    await scoreRun({ run, data: bundle, out, loadPredictor: fakePredictorFactory().factory, batchSize, gridSamples: 2, limit: 7 });
    outputs.push(await Promise.all(names.map((n) => readFile(join(out, n)))));
  }
  names.forEach((n, i) => t.true(outputs[0][i].equals(outputs[1][i]), n));
});

test('bgfill eval --run through the CLI declaration; eval pair keeps its own --out', async (t) => {
  const { root, bundle, run } = await setup(t);
  let stderr = '';
  const program = new Command('bgfill').enablePositionalOptions().exitOverride();
  registerEvalCommands(program, { loadPredictor: fakePredictorFactory().factory, stderr: (s) => void (stderr += s), stdout: () => {} });
  const out = join(root, 'cli-out');
  await program.parseAsync(['eval', '--run', run, '--data', bundle, '--out', out, '--limit', '4', '--rule', 'l1', '--grid-epochs', 'best,1', '--grid-samples', '2'], { from: 'user' });
  t.regex(stderr, /best epoch 2 by l1/);
  const best = JSON.parse(await readFile(join(out, 'best.json'), 'utf8'));
  t.is(best.rule, 'l1');
  t.is(best.data.records, 4);
  const grid = await sharp(join(out, 'grid.png')).metadata();
  const cell = { data: new Uint8Array(96 * 96 * 3), width: 96, height: 96, channels: 3 as const };
  const expected = gridGeometry({ rowLabels: ['', ''], columns: ['masked input', 'epoch 2 (best)', 'epoch 1', 'ground truth'].map((label) => ({ label, images: [cell, cell] })) });
  t.deepEqual([grid.width, grid.height], [expected.width, expected.height]);

  const fixtures = new URL('./fixtures/metrics-pairs/', import.meta.url).pathname;
  const pairOut = join(root, 'pair.json');
  const pair = new Command('bgfill').enablePositionalOptions().exitOverride();
  registerEvalCommands(pair, { stdout: () => {}, stderr: () => {} });
  await pair.parseAsync(['eval', 'pair', '--pred', `${fixtures}00_blur.png`, '--target', `${fixtures}00_ref.png`, '--out', pairOut], { from: 'user' });
  t.true((await readFile(pairOut, 'utf8')).includes('"pairs"'));

  const missing = new Command('bgfill').enablePositionalOptions().exitOverride();
  registerEvalCommands(missing, { loadPredictor: fakePredictorFactory().factory, stderr: () => {} });
  await t.throwsAsync(missing.parseAsync(['eval', '--data', bundle], { from: 'user' }), { message: /needs --run RUN and --data BUNDLE/ });
});

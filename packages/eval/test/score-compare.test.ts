// Rows beside the run's epochs: the start (epoch 0, from config.json's --init), compare nets and classical
// baselines, scored on the same records and masks, cached, compared record by record with the reference row, shown
// in every table, the grid (study layout, hole crops) and the report; records without a hole are left out and counted.
// The honest test predictor blurs the truth inside the hole by a sigma stored in each checkpoint, so every expected
// number is computed here independently from the bundle's records.
import test from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { readBundle } from '@bgfill/dataset';
import { classicalInpaint } from '../src/classical/inpaint.js';
import { registerEvalCommands } from '../src/cli.js';
import { cellOrigin, gridGeometry } from '../src/grid.js';
import { cropEnlarged, enlargement, holeRegion } from '../src/grid-crop.js';
import type { RgbImage } from '../src/metrics/image.js';
import { pairMetrics } from '../src/metrics/pair-metrics.js';
import { scoreRun } from '../src/score-run.js';
import { blurComposite, buildTinyBundle, fakePredictorFactory, parseCsv, tempDir, writeCheckpoint } from './score-fixtures.js';

/** Person boxes, and 30 % of draws empty (no hole): record 2 of the nine has none. */
const RECIPE = 'person-box*0.7|scribble:0*0.3';
const BLUR = { start: 4, 1: 2, 2: 0.6, other: 1 } as const;

async function setup(t: Parameters<typeof tempDir>[0], options: { init?: 'file' | 'folder' | null } = {}) {
  const root = await tempDir(t);
  const bundle = await buildTinyBundle(join(root, 'bundle'), { recipe: RECIPE });
  const run = join(root, 'run');
  await writeCheckpoint(run, 1, { blur: BLUR[1] });
  await writeCheckpoint(run, 2, { blur: BLUR[2] });
  let init: string | null = null;
  if (options.init === 'file') {
    init = join(root, 'start.safetensors');
    await writeFile(init, JSON.stringify({ blur: BLUR.start }));
  } else if (options.init === 'folder') {
    init = join(root, 'earlier-run', 'epoch-0007');
    await writeCheckpoint(join(root, 'earlier-run'), 7, { blur: BLUR.start });
  }
  await writeFile(join(run, 'config.json'), JSON.stringify({ data: bundle, out: run, init, epochs: 2 }));
  const other = join(root, 'other.pth');
  await writeFile(other, JSON.stringify({ blur: BLUR.other }));
  return { root, bundle, run, other };
}

async function records(bundle: string) {
  const out = [];
  for await (const ex of readBundle(bundle, { split: 'val' })) out.push(ex);
  return out;
}

const mean = (values: number[]) => values.reduce((a, v) => a + v, 0) / values.length;

async function rawPixels(png: Buffer | string) {
  const { data, info } = await sharp(png).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function cellEquals(grid: { data: Buffer; width: number }, left: number, top: number, image: RgbImage): boolean {
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width * 3; x++) if (grid.data[((top + y) * grid.width + left) * 3 + x] !== image.data[y * image.width * 3 + x]) return false;
  }
  return true;
}

test('start (from --init), compare and baseline rows: scored on the same records, compared with the start, in every output', async (t) => {
  const { bundle, run, other, root } = await setup(t, { init: 'file' });
  const { factory, log } = fakePredictorFactory();
  const result = await scoreRun({ run, data: bundle, loadPredictor: factory, compare: [`other=${other}`], baselines: 'telea,mean', gridSamples: 3, gridEpochs: 'start,2,other,telea', bootstrap: 500, seed: 3 });
  t.deepEqual(result.scoredRows, ['start', '1', '2', 'other', 'telea', 'mean']);
  t.deepEqual(log.loads, [join(root, 'start.safetensors'), join(run, 'epoch-0001/generator.safetensors'), join(run, 'epoch-0002/generator.safetensors'), other]);
  t.is(result.best.epoch, 2);
  t.deepEqual(result.others.map((o) => [o.kind, o.name, o.label, o.epoch]), [
    ['start', 'start', 'start', 0],
    ['compare', 'other', 'other', null],
    ['baseline', 'telea', 'Telea', null],
    ['baseline', 'mean', 'border mean', null],
  ]);

  // Independent per-record metrics for every row.
  const recs = await records(bundle);
  const withHole = recs.flatMap((r, i) => (r.holeRatio! > 0 ? [i] : []));
  t.is(recs.length - withHole.length, 1, 'one record has an empty mask');
  t.is(result.holeless, 1);
  const outputs: Record<string, (r: (typeof recs)[number]) => Promise<RgbImage>> = {
    start: (r) => blurComposite(r.image, r.mask!, BLUR.start),
    '2': (r) => blurComposite(r.image, r.mask!, BLUR[2]),
    other: (r) => blurComposite(r.image, r.mask!, BLUR.other),
    telea: async (r) => classicalInpaint(r.image, r.mask!, { method: 'telea' }),
    mean: async (r) => classicalInpaint(r.image, r.mask!, { method: 'mean' }),
  };
  const l1Hole: Record<string, Array<number | undefined>> = {};
  for (const [row, make] of Object.entries(outputs)) l1Hole[row] = await Promise.all(recs.map(async (r) => pairMetrics(await make(r), r.image, r.mask).l1Hole));
  for (const o of result.others) t.true(Math.abs(o.all.metrics.l1Hole.mean - mean(withHole.map((i) => l1Hole[o.name][i]!))) < 1e-12, o.name);
  t.is(result.others[0].all.metrics.l1Hole.n, withHole.length, 'hole metrics leave the empty mask out');

  // The statistics: every row against the start; the best epoch's mean difference and better share, exactly.
  const s = result.statistics;
  t.is(s.reference.name, 'start');
  t.deepEqual(s.rows.map((r) => r.row), ['1', '2', 'other', 'telea', 'mean']);
  const diffs = withHole.map((i) => l1Hole['2'][i]! - l1Hole.start[i]!);
  const bestDiff = s.best!.all.metrics.l1Hole;
  t.is(bestDiff.n, withHole.length);
  t.true(Math.abs(bestDiff.mean - mean(diffs)) < 1e-12);
  t.is(bestDiff.better, diffs.filter((d) => d < 0).length / diffs.length);
  t.true(bestDiff.lo <= bestDiff.mean && bestDiff.mean <= bestDiff.hi && bestDiff.hi < 0, 'less blur than the start: clearly better');
  t.true(bestDiff.excludesZero);
  // Eight records are too few for the words to call it (the interval itself excludes zero, as best.json records).
  t.regex(s.sentence, /^epoch 2: hole L1 −0\.\d{4} \(95 % CI −0\.\d{4} … −0\.\d{4}\) against the start, better on 100 % of 8 records: too few records to judge \(fewer than 10\)\.$/);
  t.deepEqual(s.bestAgainst.map((c) => [c.row, c.reference]), [['2', 'other'], ['2', 'telea'], ['2', 'mean']]);
  t.true(s.findings.some((f) => /^epoch 2 against Telea: hole L1 /.test(f)));
  t.true(s.findings.some((f) => /^1 of 9 records have no hole/.test(f)));

  // best.json: the chosen epoch's difference from the reference, with its interval and whether it excludes zero.
  const best = JSON.parse(await readFile(join(result.out, 'best.json'), 'utf8'));
  t.like(best, { epoch: 2, reference: { row: 'start', kind: 'start' }, records: 8, level: 0.95, resamples: 500, seed: 3, summary: s.sentence });
  t.like(best.difference.l1Hole, { n: 8, excludesZero: true, better: 1 });
  t.is(best.data.holeless, 1);

  // Tables: the start is epoch 0 in scores.csv and images.csv; every row in differences.csv; scores.md opens with the sentence.
  const csv = parseCsv(await readFile(join(result.out, 'scores.csv'), 'utf8')).filter((r) => r.group === 'all');
  t.deepEqual(csv.map((r) => [r.row, r.kind, r.epoch]), [['start', 'start', '0'], ['1', 'epoch', '1'], ['2', 'epoch', '2'], ['other', 'compare', ''], ['telea', 'baseline', ''], ['mean', 'baseline', '']]);
  const images = parseCsv(await readFile(join(result.out, 'images.csv'), 'utf8'));
  t.is(images.length, 6 * 9);
  t.is(Number(images.find((r) => r.row === 'telea' && r.index === '0')!.l1_hole), l1Hole.telea[0]!);
  const differences = parseCsv(await readFile(join(result.out, 'differences.csv'), 'utf8'));
  const d2 = differences.find((r) => r.row === '2' && r.group === 'all' && r.metric === 'l1Hole')!;
  t.like(d2, { reference: 'start', records: '8', n: '8', excludes_zero: '1', better: '1' });
  t.is(Number(d2.mean), bestDiff.mean);
  const md = await readFile(join(result.out, 'scores.md'), 'utf8');
  t.true(md.startsWith(`${s.sentence}\n`));
  t.regex(md, /## Against the reference \(start\)/);
  t.regex(md, /\n\| Telea \| 8 \| /);
  const json = JSON.parse(await readFile(join(result.out, 'scores.json'), 'utf8'));
  t.is(json.version, 2);
  t.is(json.start.checkpoint, join(root, 'start.safetensors'));
  t.is(json.statistics.rows.length, 5);
  t.is(json.holeless, 1);

  // The plot draws the other rows as horizontal lines; the report opens with the sentence and has every section.
  const svg = await readFile(join(result.out, 'plot.svg'), 'utf8');
  t.regex(svg, /other rows/);
  const html = await readFile(join(result.out, 'report.html'), 'utf8');
  t.true(html.includes(`<body>\n<p class="summary" id="summary">${s.sentence}</p>`));
  for (const id of ['findings', 'differences', 'differences-table', 'bin-differences', 'best-against', 'start', 'reference', 'holeless']) t.true(html.includes(`id="${id}"`), id);
  t.is(html.match(/<tr data-row="start" class="row-start">/g)?.length, 1);

  // The grid: records with a hole only (0, 3, 6 of the eight with one), columns exactly as asked, pixel exact.
  const grid = await rawPixels(join(result.out, 'grid.png'));
  const shown = [0, 3, 6];
  const columns = [undefined, 'start', '2', 'other', 'telea'] as const;
  const g = gridGeometry({ rowLabels: shown.map(() => ''), columns: ['masked input', 'start', 'epoch 2', 'other', 'Telea', 'ground truth'].map((label) => ({ label, images: [recs[0].image] })) });
  t.deepEqual([grid.width, grid.height], [g.width, g.height]);
  for (const [row, index] of shown.entries()) {
    for (const [c, name] of columns.entries()) {
      if (name === undefined) continue;
      const { left, top } = cellOrigin(g, row, c);
      t.true(cellEquals(grid, left, top, await outputs[name](recs[index])), `record ${index}, ${name}`);
    }
  }

  // A rerun reads every row from the cache.
  const again = await scoreRun({ run, data: bundle, loadPredictor: factory, compare: [`other=${other}`], baselines: 'telea,mean', gridSamples: 3, gridEpochs: 'start,2,other,telea', bootstrap: 500, seed: 3 });
  t.deepEqual(again.scoredRows, []);
  t.deepEqual(again.cachedRows, ['start', '1', '2', 'other', 'telea', 'mean']);
  t.deepEqual(again.statistics, result.statistics);
});

test('the start may be an epoch folder; its scores are cached by the generator file digest', async (t) => {
  const { bundle, run, root } = await setup(t, { init: 'folder' });
  const { factory, log } = fakePredictorFactory();
  const first = await scoreRun({ run, data: bundle, loadPredictor: factory, gridSamples: 0 });
  t.deepEqual(first.scoredRows, ['start', '1', '2']);
  t.is(log.loads[0], join(root, 'earlier-run', 'epoch-0007', 'generator.safetensors'));
  const again = await scoreRun({ run, data: bundle, loadPredictor: factory, gridSamples: 0 });
  t.deepEqual(again.cachedRows, ['start', '1', '2']);
  t.is(log.loads.length, 3);
});

test('a run trained from scratch has no start: the first epoch is the reference, and the report says why', async (t) => {
  const { bundle, run } = await setup(t, { init: null });
  const result = await scoreRun({ run, data: bundle, loadPredictor: fakePredictorFactory().factory, baselines: 'ns', gridSamples: 2 });
  t.deepEqual(result.others.map((o) => o.name), ['ns']);
  t.is(result.statistics.reference.name, '1');
  t.regex(result.statistics.sentence, /^epoch 2: hole L1 −0\.\d{4} \(95 % CI .*\) against epoch 1, better on \d+ % of 8 records/);
  const html = await readFile(join(result.out, 'report.html'), 'utf8');
  t.regex(html, /<dd id="start">none: the run was trained from scratch \(no --init\), so it has no epoch 0<\/dd>/);
  t.false(result.notes.some((n) => /grid: start/.test(n)), 'the default grid asks for the start quietly');
  // Asked for explicitly, a missing start is noted.
  const explicit = await scoreRun({ run, data: bundle, loadPredictor: fakePredictorFactory().factory, gridSamples: 2, gridEpochs: 'start,best', out: join(run, 'eval2') });
  t.true(explicit.notes.some((n) => /grid: start was not scored/.test(n)));
});

test('--reference picks the row the others are compared with; the best epoch against itself says so', async (t) => {
  const { bundle, run, other } = await setup(t, { init: 'file' });
  const factory = fakePredictorFactory().factory;
  const byTelea = await scoreRun({ run, data: bundle, loadPredictor: factory, baselines: 'telea', reference: 'telea', gridSamples: 0 });
  t.is(byTelea.statistics.reference.name, 'telea');
  t.deepEqual(byTelea.statistics.rows.map((r) => r.row), ['start', '1', '2']);
  t.regex(byTelea.statistics.sentence, / against Telea, /);
  const byBest = await scoreRun({ run, data: bundle, loadPredictor: factory, compare: [`other=${other}`], reference: 'best', gridSamples: 0 });
  t.is(byBest.statistics.best, null);
  t.regex(byBest.statistics.sentence, /^epoch 2 is the best epoch and the reference itself/);
  await t.throwsAsync(scoreRun({ run, data: bundle, loadPredictor: factory, reference: 'telea' }), { instanceOf: BgfillError, message: /add --baseline telea.*reference/ });
  await t.throwsAsync(scoreRun({ run, data: bundle, loadPredictor: factory, compare: ['start=x.pth'] }), { instanceOf: BgfillError, message: /compare/ });
  await t.throwsAsync(scoreRun({ run, data: bundle, loadPredictor: factory, baselines: 'blur' }), { instanceOf: BgfillError, message: /baseline/ });
  await t.throwsAsync(scoreRun({ run, data: bundle, loadPredictor: factory, gridCrop: 'face' }), { instanceOf: BgfillError, message: /grid crop/ });
});

test('a compare net that cannot be loaded is skipped and listed (a --reference to it falls back to the start); --grid-crop hole enlarges each record\'s hole region', async (t) => {
  const { bundle, run, root } = await setup(t, { init: 'file' });
  const missing = join(root, 'nowhere.pth');
  const broken = join(root, 'broken.pth');
  await writeFile(broken, 'not a checkpoint');
  const result = await scoreRun({ run, data: bundle, loadPredictor: fakePredictorFactory().factory, compare: [`gone=${missing}`, `broken=${broken}`], reference: 'gone', gridSamples: 2, gridEpochs: 'start,best', gridCrop: 'hole' });
  t.deepEqual(result.skipped.map((s) => [s.row, s.epoch]), [['gone', null], ['broken', null]]);
  t.is(result.statistics.reference.name, 'start');
  t.true(result.notes.includes('--reference gone: that row was not scored (skipped, or not in the run), so the reference is the start'));
  t.regex(result.skipped[0].reason, /nowhere\.pth: no such file/);
  t.regex(result.skipped[1].reason, /cannot load the checkpoint/);
  const html = await readFile(join(result.out, 'report.html'), 'utf8');
  t.regex(html, /<li>gone \(<code>[^<]*nowhere\.pth<\/code>\): /);

  const recs = await records(bundle);
  const shown = [0, 5]; // spread over the eight records with a hole (record 2 has none)
  const grid = await rawPixels(join(result.out, 'grid.png'));
  const cells = await Promise.all(
    shown.map(async (i) => {
      const r = recs[i];
      const box = holeRegion(r.mask!)!;
      const scale = enlargement(box, r.image.width, r.image.height);
      return [await blurComposite(r.image, r.mask!, BLUR.start), await blurComposite(r.image, r.mask!, BLUR[2]), r.image].map((img) => cropEnlarged(img, box, scale));
    }),
  );
  const g = gridGeometry({ rowLabels: ['', ''], columns: ['masked input', 'start', 'epoch 2 (best)', 'ground truth'].map((label, c) => ({ label, images: cells.map((row) => row[Math.min(c, 2)]) })) });
  t.deepEqual([grid.width, grid.height], [g.width, g.height]);
  for (const [row, expected] of cells.entries()) {
    for (const [k, c] of [1, 2, 3].entries()) {
      const { left, top } = cellOrigin(g, row, c);
      t.true(cellEquals(grid, left, top, expected[k]), `row ${row}, column ${c}`);
    }
    t.true(expected[0].width > 0 && expected[0].width % holeRegion(recs[shown[row]].mask!)!.width === 0);
  }
});

test('bgfill eval --run wires --compare (repeatable), --baseline, --reference, --bootstrap, --seed and --grid-crop', async (t) => {
  const { bundle, run, other, root } = await setup(t, { init: 'file' });
  const second = join(root, 'second.pth');
  await writeFile(second, JSON.stringify({ blur: 3 }));
  let stderr = '';
  const program = new Command('bgfill').enablePositionalOptions().exitOverride();
  registerEvalCommands(program, { loadPredictor: fakePredictorFactory().factory, stderr: (s) => void (stderr += s), stdout: () => {} });
  const out = join(root, 'cli');
  await mkdir(out, { recursive: true });
  await program.parseAsync(
    ['eval', '--run', run, '--data', bundle, '--out', out, '--compare', `other=${other}`, '--compare', `second=${second}`, '--baseline', 'telea,ns', '--reference', 'start', '--bootstrap', '300', '--seed', '9', '--grid-epochs', 'start,best,telea', '--grid-crop', 'hole', '--grid-samples', '2'],
    { from: 'user' },
  );
  t.regex(stderr, /epoch 2: hole L1 .* against the start, better on 100 % of 8 records/);
  const best = JSON.parse(await readFile(join(out, 'best.json'), 'utf8'));
  t.like(best, { resamples: 300, seed: 9, reference: { row: 'start' } });
  const json = JSON.parse(await readFile(join(out, 'scores.json'), 'utf8'));
  t.deepEqual(json.others.map((o: { name: string }) => o.name), ['start', 'other', 'second', 'telea', 'ns']);
});

// Issue 16's user story end to end, at toy size and through the real `bgfill` binary: inpaint with RFR-Net weights
// in the authors' checkpoint layout (detected from the keys), fine-tune them with `bgfill train --arch rfrnet`,
// export the result to ONNX, train an InpaintSANet run, and compare both architectures in one report
// (`bgfill eval --run … --compare`).
import test from 'ava';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { readBundle } from '@bgfill/dataset';
import { pairMetrics, readRgbImage } from '@bgfill/eval';
import { writeSafetensors } from '@bgfill/trainer';
import { hashVggWeights } from '../packages/trainer/test/fixtures/rfrnet/vgg-weights.js';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../', import.meta.url));
const BIN = join(REPO, 'packages/cli/bin/bgfill.js');
/** RFR-Net of width 8 saved by the authors' code as they save it ({n_iter, generator, optimizer_G}). */
const AUTHORS = join(REPO, 'packages/trainer/test/fixtures/rfrnet/rfrnet-w8.pth');

/** `bgfill ARGS` in `cwd`; the long-running commands get `--no-progress` (export has no progress bar). */
async function bgfill(cwd: string, args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BIN, ...args, ...(args[0] === 'export' ? [] : ['--no-progress'])], { cwd, maxBuffer: 1 << 24, env: { ...process.env, CI: '1' } });
}

interface Row {
  name: string;
  kind: string;
  all: { images: number; metrics: Record<string, { mean: number }> };
}

test('inpaint with the authors\' RFR-Net checkpoint, fine-tune it with --arch rfrnet, compare it with an InpaintSANet run in one report', async (t) => {
  t.timeout(240_000);
  const root = await mkdtemp(join(tmpdir(), 'bgfill-rfr-compare-'));
  t.teardown(() => rm(root, { recursive: true, force: true }));
  await mkdir(join(root, 'in'));
  const scenes = (await readdir(join(REPO, 'samples/scenes'))).filter((n) => n.endsWith('.jpg')).sort().slice(0, 6);
  for (const name of scenes) await copyFile(join(REPO, 'samples/scenes', name), join(root, 'in', name));
  await bgfill(root, ['dataset', 'build', '--input', 'in', '--size', '32', '--split-ratios', 'train=0.5,val=0.5', '--masks', 'person-box', '--out', 'bundle', '--seed', '1']);
  // VGG-16 for the perceptual and style losses: hashed weights in torchvision's layout stand in for vgg16-397923af.pth.
  await writeSafetensors(join(root, 'vgg16.safetensors'), hashVggWeights());

  const sanet = await bgfill(root, ['train', '--data', 'bundle', '--out', 'sanet', '--epochs', '2', '--steps-per-epoch', '1', '--batch-size', '2', '--cnum', '4', '--d-cnum', '4', '--backend', 'wasm', '--seed', '1', '--json']);
  t.like(JSON.parse(sanet.stdout), { lastEpoch: 2 });
  const rfr = await bgfill(root, [
    'train', '--arch', 'rfrnet', '--data', 'bundle', '--out', 'rfr', '--init', AUTHORS, '--vgg', 'vgg16.safetensors',
    '--epochs', '1', '--steps-per-epoch', '1', '--batch-size', '2', '--lr', '1e-3', '--backend', 'wasm', '--seed', '1', '--json',
  ]);
  t.like(JSON.parse(rfr.stdout), { lastEpoch: 1 });
  t.regex(rfr.stderr, /RFR-Net objective: L1 valid ×1 and hole ×6, perceptual ×0\.05 and style ×120/);
  t.like(JSON.parse(await readFile(join(root, 'rfr', 'config.json'), 'utf8')), { arch: 'rfrnet', init: AUTHORS, rfrnet: { width: 8, batchNorm: 'frozen' } });
  t.false('arch' in JSON.parse(await readFile(join(root, 'sanet', 'config.json'), 'utf8')), 'InpaintSANet runs write config.json as before the registry');
  // The fine-tuned epoch exports to ONNX (checked against tfjs by the command itself).
  const exported = JSON.parse((await bgfill(root, ['export', 'onnx', '--arch', 'rfrnet', '--checkpoint', 'rfr/epoch-0001', '--out', 'rfr.onnx', '--json'])).stdout);
  t.true(exported.check.maxAbsDiff < 1e-5, JSON.stringify(exported.check));

  // The val records as files, and `bgfill inpaint` on them with the authors' checkpoint (architecture detected).
  const records: Array<{ image: { width: number; height: number; channels: 3; data: Uint8Array }; mask: { width: number; height: number; data: Uint8Array } }> = [];
  for await (const ex of readBundle(join(root, 'bundle'), { split: 'val' })) records.push({ image: { ...ex.image, channels: 3 }, mask: ex.mask! });
  await mkdir(join(root, 'photos'));
  await mkdir(join(root, 'holes'));
  for (const [i, r] of records.entries()) {
    await sharp(Buffer.from(r.image.data), { raw: { width: r.image.width, height: r.image.height, channels: 3 } }).png().toFile(join(root, 'photos', `${i}.png`));
    await sharp(Buffer.from(r.mask.data.map((v) => v * 255)), { raw: { width: r.mask.width, height: r.mask.height, channels: 1 } }).png().toFile(join(root, 'holes', `${i}.png`));
  }
  const filled = await bgfill(root, ['inpaint', '--checkpoint', AUTHORS, '--image', 'photos', '--mask', 'holes', '--out', 'filled', '--backend', 'wasm', '--json']);
  t.is(JSON.parse(filled.stdout).written.length, records.length);

  // One report: the InpaintSANet run's epochs, the fine-tuned RFR-Net epoch and the authors' weights as compare rows.
  const evaluated = await bgfill(root, ['eval', '--run', 'sanet', '--data', 'bundle', '--backend', 'wasm', '--compare', 'rfr=rfr/epoch-0001', '--compare', `authors=${AUTHORS}`, '--grid-epochs', 'best,rfr', '--bootstrap', '200', '--json']);
  const summary = JSON.parse(evaluated.stdout);
  t.deepEqual(summary.skipped, []);
  t.deepEqual(summary.scoredRows, ['1', '2', 'rfr', 'authors']);
  const scores = JSON.parse(await readFile(join(root, 'sanet', 'eval', 'scores.json'), 'utf8'));
  const others: Row[] = scores.others;
  t.deepEqual(others.map((o) => `${o.kind}:${o.name}`), ['compare:rfr', 'compare:authors']);
  t.deepEqual(scores.epochs.map((e: { epoch: number }) => e.epoch), [1, 2]);
  const table = await readFile(join(root, 'sanet', 'eval', 'scores.md'), 'utf8');
  for (const name of ['rfr', 'authors']) t.regex(table, new RegExp(`^\\| ${name} \\|`, 'm'), `scores.md has a ${name} row`);
  const report = await readFile(join(root, 'sanet', 'eval', 'report.html'), 'utf8');
  for (const epoch of ['1', '2']) t.true(report.includes(`<tr data-epoch="${epoch}"`), `report.html has epoch ${epoch}`);
  for (const name of ['rfr', 'authors']) t.true(report.includes(`<tr data-row="${name}" class="row-compare">`), `report.html has the ${name} row`);

  // The authors row holds bgfill inpaint's RFR-Net fills of these records, scored: the same hole L1, record by record.
  const withHole = [...records.entries()].filter(([, r]) => r.mask.data.some((v) => v === 1));
  t.true(withHole.length > 0, 'some val record has a hole');
  let sum = 0;
  for (const [i, r] of withHole) sum += pairMetrics(await readRgbImage(join(root, 'filled', `${i}.png`)), r.image, r.mask, { msssim: { scales: 1 } }).l1Hole!;
  const row = (name: string) => others.find((o) => o.name === name)!;
  t.true(Math.abs(row('authors').all.metrics.l1Hole.mean - sum / withHole.length) < 1e-9, `${row('authors').all.metrics.l1Hole.mean} vs ${sum / withHole.length}`);
  t.not(row('rfr').all.metrics.l1Hole.mean, row('authors').all.metrics.l1Hole.mean, 'the fine-tuned epoch is scored, not the weights it started from');

  // The RFR-Net run the other way round: its start (the authors' .pth, read from config.json's --init) and its
  // epoch, with the InpaintSANet epoch as a compare row; the start scores as the authors row did. --arch names the
  // run's architecture only: the InpaintSANet compare net still loads as what its file holds.
  const back = JSON.parse((await bgfill(root, ['eval', '--run', 'rfr', '--arch', 'rfrnet', '--data', 'bundle', '--backend', 'wasm', '--compare', 'sanet=sanet/epoch-0002', '--grid-samples', '0', '--bootstrap', '200', '--json'])).stdout);
  t.deepEqual(back.skipped, []);
  const rfrScores = JSON.parse(await readFile(join(root, 'rfr', 'eval', 'scores.json'), 'utf8'));
  t.deepEqual(rfrScores.others.map((o: Row) => `${o.kind}:${o.name}`), ['start:start', 'compare:sanet']);
  t.deepEqual(rfrScores.others[0].all.metrics, row('authors').all.metrics);
  t.deepEqual(rfrScores.epochs[0].all.metrics, row('rfr').all.metrics);
});

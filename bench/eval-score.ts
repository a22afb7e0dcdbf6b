/**
 * `bgfill eval --run` scoring cost: how much the scorer adds to the network's own work, and what the cache saves.
 *
 *   node --import tsx bench/eval-score.ts [--records 16] [--size 256] [--cnum 8] [--batch 8] [--backend wasm|onnx|webgpu|…] [--rounds 2]
 *
 * One checkpoint (a seeded cnum-`cnum` generator) scored on `records` sample scenes at size² with fixed
 * person-box+scribble masks, through the trainer's `createPredictor`. All in one process, timed in wall-clock and
 * process CPU seconds (user + system; steadier on a shared machine). Lines, each with its ratio to the baseline:
 *   baseline  predictor only: the same batches through `predict`, no metrics, no files;
 *   metrics   `scoreImage` (L1, PSNR, SSIM, MS-SSIM, hole L1/PSNR) on those outputs, alone;
 *   scoreRun  the whole first run: digest, data reading, prediction, metrics, cache, CSV/JSON/MD, plot, grid, HTML;
 *   rerun     scoreRun again: everything from the cache (no predictor load), outputs rewritten;
 *   batch 1   predictor only with batches of one (what `--batch-size 8` saves);
 * and what issue 13's rows and statistics add to scoring that checkpoint:
 *   + baselines  first runs in fresh folders, taking turns `rounds` times: without baselines, with `--baseline telea`,
 *                and with `--baseline telea,ns,mean` (3 more rows: fills, metrics, cache, the paired statistics of
 *                the rows against the epoch and of the epoch against each); the overhead is each configuration's
 *                mean CPU time over the mean without baselines;
 *   fills        the telea / ns / mean fills alone on the same records, per 256² image;
 *   statistics   the paired bootstrap alone (2,000 resamples): 3 rows against the reference and the epoch against 3.
 */
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset } from '../packages/dataset/src/build.js';
import { scoreImage } from '../packages/eval/src/score-checkpoint.js';
import { evalBatches, openEvalSet } from '../packages/eval/src/score-data.js';
import { scoreRun } from '../packages/eval/src/score-run.js';
import { classicalInpaint, type ClassicalMethod } from '../packages/eval/src/classical/inpaint.js';
import { PairedBootstrap } from '../packages/eval/src/bootstrap.js';
import { compareRows } from '../packages/eval/src/paired-stats.js';
import type { RgbImage } from '../packages/eval/src/metrics/image.js';
import { selectEngine } from '../packages/trainer/src/inference/engine-select.js';
import { parseEngineRequest } from '../packages/trainer/src/inference/engine-name.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { createPredictor } from '../packages/trainer/src/predictor.js';
import { saveGeneratorCheckpoint } from '../packages/trainer/src/weights/checkpoint.js';

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] !== undefined ? process.argv[i + 1] : fallback;
}
const records = Number(arg('records', '16'));
const size = Number(arg('size', '256'));
const cnum = Number(arg('cnum', '8'));
const batch = Number(arg('batch', '8'));
const backend = arg('backend', 'wasm');
const rounds = Number(arg('rounds', '2'));

async function timed<T>(fn: () => Promise<T>): Promise<{ value: T; wall: number; cpu: number }> {
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  const value = await fn();
  const wall = (performance.now() - t0) / 1000;
  const c = process.cpuUsage(c0);
  return { value, wall, cpu: (c.user + c.system) / 1e6 };
}

const root = await mkdtemp(join(tmpdir(), 'bgfill-bench-eval-'));
try {
  const bundle = join(root, 'bundle');
  const scenes = fileURLToPath(new URL('../samples/scenes/', import.meta.url));
  await buildDataset({ source: 'folder', input: scenes, out: bundle, labels: 'none', splitRatios: 'val=1', size, format: 'jpeg', masks: 'person-box+scribble:0-3', maskSplits: ['val'], seed: 1, progress: false });
  const run = join(root, 'run');
  await mkdir(join(run, 'epoch-0001'), { recursive: true });
  const checkpoint = join(run, 'epoch-0001', 'generator.safetensors');
  const g = new InpaintGenerator({ cnum }, { seed: 1 });
  await saveGeneratorCheckpoint(checkpoint, g);
  g.dispose();
  const info = await selectEngine(parseEngineRequest(backend), { strict: true });
  const set = await openEvalSet(bundle, { split: 'val', limit: records });

  const predictOnly = async (batchSize: number) => {
    const predictor = await createPredictor(checkpoint, { backend });
    const pairs: Array<{ item: Parameters<typeof scoreImage>[0]; out: RgbImage }> = [];
    try {
      for await (const { items } of evalBatches(set, batchSize)) {
        const outs = await predictor.predict({ images: items.map((i) => i.image), masks: items.map((i) => i.mask) });
        items.forEach((item, k) => pairs.push({ item, out: outs[k] }));
      }
    } finally {
      predictor.dispose();
    }
    return pairs;
  };
  await predictOnly(batch); // warm-up: kernels compiled, weights paths cached
  const base = await timed(() => predictOnly(batch));
  const metrics = await timed(async () => base.value.map(({ item, out }) => scoreImage(item, out)));
  const first = await timed(() => scoreRun({ run, data: bundle, limit: records, loadPredictor: createPredictor, backend, batchSize: batch, progress: false }));
  const rerun = await timed(() => scoreRun({ run, data: bundle, limit: records, loadPredictor: createPredictor, backend, batchSize: batch, progress: false }));
  const single = await timed(() => predictOnly(1));
  if (rerun.value.scored.length !== 0) throw new Error('rerun was not served from the cache');
  // First runs in fresh folders (nothing cached): without baselines, with Telea alone, and with all three classical
  // baselines as further rows (and their statistics), taking turns `rounds` times after the warm-up above; each
  // configuration's mean.
  const fresh = async (round: number, baselines: string) =>
    timed(() => scoreRun({ run, data: bundle, limit: records, loadPredictor: createPredictor, backend, batchSize: batch, progress: false, baselines, out: join(root, `eval-${round}-${baselines}`) }));
  const configs = ['none', 'telea', 'telea,ns,mean'];
  const times = new Map(configs.map((c) => [c, [] as Array<{ wall: number; cpu: number }>]));
  for (let round = 0; round < rounds; round++) {
    for (const config of configs) {
      const t = await fresh(round, config);
      if (t.value.scored.length !== 1 || t.value.others.length !== (config === 'none' ? 0 : config.split(',').length)) throw new Error(`the ${config} run did not score the epoch and its baselines`);
      times.get(config)!.push(t);
    }
  }
  const average = (ts: Array<{ wall: number; cpu: number }>) => ({ wall: ts.reduce((a, t) => a + t.wall, 0) / ts.length, cpu: ts.reduce((a, t) => a + t.cpu, 0) / ts.length });
  const withoutBaselines = average(times.get('none')!);
  const withTelea = average(times.get('telea')!);
  const withBaselines = average(times.get('telea,ns,mean')!);
  const items = base.value.map(({ item }) => item);
  const fills: Array<readonly [ClassicalMethod, { value: RgbImage[]; wall: number; cpu: number }]> = [];
  for (const method of ['telea', 'ns', 'mean'] as ClassicalMethod[]) fills.push([method, await timed(async () => items.map((it) => classicalInpaint(it.image, it.mask, { method })))]);
  const statistics = await timed(async () => {
    const boot = new PairedBootstrap();
    const epoch = { name: '1', images: base.value.map(({ item, out }) => scoreImage(item, out)) };
    const rows = fills.map(([method, t]) => ({ name: method, images: t.value.map((filled, i) => scoreImage(items[i], filled)) }));
    const c0 = process.cpuUsage();
    for (const row of rows) compareRows(row, epoch, boot), compareRows(epoch, row, boot);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  });

  const rows: Array<[string, { wall: number; cpu: number }]> = [
    [`baseline: predict only, batch ${batch}`, base],
    ['metrics only', metrics],
    [`scoreRun (first run, batch ${batch})`, first],
    ['scoreRun rerun (cached)', rerun],
    ['predict only, batch 1', single],
    [`scoreRun, fresh folder (mean of ${rounds}, batch ${batch})`, withoutBaselines],
    [`scoreRun + baseline telea, fresh folder (mean of ${rounds})`, withTelea],
    [`scoreRun + baselines telea,ns,mean, fresh folder (mean of ${rounds})`, withBaselines],
    ...fills.map(([method, t]) => [`${method} fill only`, t] as [string, { wall: number; cpu: number }]),
  ];
  console.log(`${records} records at ${size}², generator cnum ${cnum}, backend ${info.name} (${info.reason}), Node ${process.version}`);
  console.log('| step | wall s | CPU s | records/CPU-s | CPU ratio to baseline |');
  console.log('|---|---|---|---|---|');
  for (const [name, t] of rows) {
    console.log(`| ${name} | ${t.wall.toFixed(2)} | ${t.cpu.toFixed(2)} | ${(records / t.cpu).toFixed(2)} | ${(t.cpu / base.cpu).toFixed(3)} |`);
  }
  const perImage = (t: { cpu: number }) => `${((1000 * t.cpu) / records).toFixed(1)} ms`;
  console.log(`\nper ${size}² image (CPU): predict ${perImage(base)}, ${fills.map(([m, t]) => `${m} ${perImage(t)}`).join(', ')}`);
  console.log(`paired statistics of 6 comparisons (2,000 resamples, ${records} records): ${(statistics.value * 1000).toFixed(1)} ms CPU`);
  const runs = (config: string) => times.get(config)!.map((t) => t.cpu.toFixed(2)).join(', ');
  for (const [config, t] of [['telea', withTelea], ['telea,ns,mean', withBaselines]] as const) {
    const overhead = (t.cpu - withoutBaselines.cpu) / withoutBaselines.cpu;
    console.log(
      `baseline${config.includes(',') ? 's' : ''} ${config} + statistics add ${(100 * overhead).toFixed(1)} % CPU to scoring the checkpoint ` +
        `(${withoutBaselines.cpu.toFixed(2)} → ${t.cpu.toFixed(2)} s; runs: ${runs('none')} / ${runs(config)})`,
    );
  }
} finally {
  await rm(root, { recursive: true, force: true });
}

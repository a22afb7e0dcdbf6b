/**
 * `bgfill eval --run` scoring cost: how much the scorer adds to the network's own work, and what the cache saves.
 *
 *   node --import tsx bench/eval-score.ts [--records 16] [--size 256] [--cnum 8] [--batch 8] [--backend wasm|onnx|webgpu|…] [--rounds 2] [--variants 1] [--settle 3]
 *
 * One checkpoint (a seeded cnum-`cnum` generator) scored on `records` sample scenes at size² with fixed
 * person-box+scribble masks, through the trainer's `createPredictor`. All in one process, timed in wall-clock and
 * process CPU seconds (user + system, of every thread, the fill threads' too; steadier on a shared machine). Lines,
 * each with its ratio to the baseline:
 *   baseline  predictor only: the same batches through `predict`, no metrics, no files;
 *   metrics   `scoreImage` (L1, PSNR, SSIM, MS-SSIM, hole L1/PSNR) on those outputs, alone;
 *   scoreRun  the whole first run: digest, data reading, prediction, metrics, cache, CSV/JSON/MD, plot, grid, HTML;
 *   rerun     scoreRun again: everything from the cache (no predictor load), outputs rewritten;
 *   batch 1   predictor only with batches of one (what `--batch-size 8` saves);
 * and what issue 13's rows and statistics add to scoring that checkpoint, in rounds (`rounds` times, taking turns):
 *   checkpoint   a first run in a fresh folder without baselines: what scoring the checkpoint costs;
 *   + baselines  the same folder copied three times and run again: without baselines, with `--baseline telea` and
 *                with `--baseline telea,ns,mean`. The epoch comes from the cache in all three, so the difference to
 *                the run without is exactly the baselines' own work (reading the records, fills, metrics, cache,
 *                the paired statistics of the rows against the epoch and of the epoch against each, their table
 *                rows, plot marks and grid columns), measured without the network's run-to-run spread; the
 *                overhead is its median over the checkpoint's median;
 *   whole runs   a first run in a fresh folder with all three baselines, against the checkpoint's: the same
 *                overhead as a difference of two whole runs (the cross-check; it carries the network's spread);
 *   fills        the telea / ns / mean fills alone on the same records, per image (best of 3 passes);
 * (each run in the rounds starts after `settle` idle seconds, see below).
 *   statistics   the paired bootstrap alone (2,000 resamples): 3 rows against the reference and the epoch against 3.
 */
import { cp, mkdtemp, mkdir, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp, { type Sharp } from 'sharp';
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
const variants = Number(arg('variants', '1'));
const settle = Number(arg('settle', '3'));
if (![1, 2, 3, 4].includes(variants)) throw new Error(`--variants is 1 to 4, not ${variants}`);

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
  const samples = fileURLToPath(new URL('../samples/scenes/', import.meta.url));
  // --variants 2–4 adds each sample scene mirrored, flipped and turned half round (up to 4 × 16 records), so that a
  // row's fixed part (its table row, plot marks, grid column) is spread over more records, as in a real evaluation.
  let scenes = samples;
  if (variants > 1) {
    scenes = join(root, 'scenes');
    await mkdir(scenes);
    const turns = [(s: Sharp) => s, (s: Sharp) => s.flop(), (s: Sharp) => s.flip(), (s: Sharp) => s.rotate(180)].slice(0, variants);
    for (const name of (await readdir(samples)).filter((f) => /\.jpe?g$/i.test(f))) {
      for (const [k, turn] of turns.entries()) await turn(sharp(join(samples, name))).jpeg({ quality: 95 }).toFile(join(scenes, `${k}-${name}`));
    }
  }
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
  // Rounds: the checkpoint scored in a fresh folder; that folder copied and run again without baselines, with
  // Telea, with all three (the epoch from the cache each time, so the differences are the baselines' own work);
  // and a fresh folder with all three baselines (the whole-run cross-check).
  type Time = { wall: number; cpu: number };
  // Each timed run starts after `settle` idle seconds: on this machine, JavaScript runs ~1.6× slower for about two
  // seconds after onnxruntime has kept both cores busy (measured: every metric of a record 33 ms right after four
  // predictions, 21 ms two seconds later, in one process), which would otherwise fall on whichever run comes next.
  const score = async (out: string, baselines: string) => {
    await new Promise((done) => setTimeout(done, settle * 1000));
    return timed(() => scoreRun({ run, data: bundle, limit: records, loadPredictor: createPredictor, backend, batchSize: batch, progress: false, baselines, out }));
  };
  const expect = (t: Awaited<ReturnType<typeof score>>, label: string, scored: number, others: number) => {
    if (t.value.scored.length !== scored || t.value.others.length !== others) {
      throw new Error(`${label}: scored ${t.value.scored.length} epochs and ${t.value.others.length} other rows, expected ${scored} and ${others}`);
    }
  };
  const series = { checkpoint: [] as Time[], cached: [] as Time[], telea: [] as Time[], all: [] as Time[], wholeAll: [] as Time[] };
  for (let round = 0; round < rounds; round++) {
    const fresh = join(root, `eval-${round}`);
    const checkpoint = await score(fresh, 'none');
    expect(checkpoint, 'checkpoint', 1, 0);
    series.checkpoint.push(checkpoint);
    for (const [key, baselines, others] of [['cached', 'none', 0], ['telea', 'telea', 1], ['all', 'telea,ns,mean', 3]] as const) {
      const copy = join(root, `eval-${round}-${key}`);
      await cp(fresh, copy, { recursive: true });
      const t = await score(copy, baselines);
      expect(t, `${baselines} on the cached epoch`, 0, others);
      series[key].push(t);
    }
    const whole = await score(join(root, `eval-${round}-whole`), 'telea,ns,mean');
    expect(whole, 'fresh run with all three baselines', 1, 3);
    series.wholeAll.push(whole);
  }
  const median = (ts: readonly Time[]): Time => {
    const pick = (values: number[]) => {
      const v = [...values].sort((a, b) => a - b);
      return v.length % 2 === 1 ? v[v.length >> 1] : (v[v.length / 2 - 1] + v[v.length / 2]) / 2;
    };
    return { wall: pick(ts.map((t) => t.wall)), cpu: pick(ts.map((t) => t.cpu)) };
  };
  const difference = (a: readonly Time[], b: readonly Time[]) => a.map((t, i) => ({ wall: t.wall - b[i].wall, cpu: t.cpu - b[i].cpu }));
  const checkpointTime = median(series.checkpoint);
  const teleaCost = median(difference(series.telea, series.cached));
  const allCost = median(difference(series.all, series.cached));
  const wholeCost = median(difference(series.wholeAll, series.checkpoint));
  const items = base.value.map(({ item }) => item);
  const fills: Array<readonly [ClassicalMethod, { value: RgbImage[]; wall: number; cpu: number }]> = [];
  for (const method of ['telea', 'ns', 'mean'] as ClassicalMethod[]) {
    let best: { value: RgbImage[]; wall: number; cpu: number } | undefined;
    for (let pass = 0; pass < 3; pass++) {
      const t = await timed(async () => items.map((it) => classicalInpaint(it.image, it.mask, { method })));
      if (best === undefined || t.cpu < best.cpu) best = t;
    }
    fills.push([method, best!]);
  }
  const statistics = await timed(async () => {
    const boot = new PairedBootstrap();
    const epoch = { name: '1', images: base.value.map(({ item, out }) => scoreImage(item, out)) };
    const rows = fills.map(([method, t]) => ({ name: method, images: t.value.map((filled, i) => scoreImage(items[i], filled)) }));
    const c0 = process.cpuUsage();
    for (const row of rows) compareRows(row, epoch, boot), compareRows(epoch, row, boot);
    const c = process.cpuUsage(c0);
    return (c.user + c.system) / 1e6;
  });

  const rows: Array<[string, Time]> = [
    [`baseline: predict only, batch ${batch}`, base],
    ['metrics only', metrics],
    [`scoreRun (first run, batch ${batch})`, first],
    ['scoreRun rerun (cached)', rerun],
    ['predict only, batch 1', single],
    [`checkpoint: scoreRun in a fresh folder (median of ${rounds})`, checkpointTime],
    [`+ baseline telea on the cached epoch, minus the same run without (median of ${rounds})`, teleaCost],
    [`+ baselines telea,ns,mean on the cached epoch, minus the same run without (median of ${rounds})`, allCost],
    [`whole runs: fresh folder with telea,ns,mean minus the checkpoint's (median of ${rounds})`, wholeCost],
    ...fills.map(([method, t]) => [`${method} fill only (best of 3)`, t] as [string, Time]),
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
  const percent = (cost: Time, of: Time, key: 'cpu' | 'wall') => `${((100 * cost[key]) / of[key]).toFixed(1)} %`;
  const list = (ts: readonly Time[]) => ts.map((t) => t.cpu.toFixed(2)).join(', ');
  console.log(`scoring the checkpoint: ${checkpointTime.cpu.toFixed(2)} CPU s, ${checkpointTime.wall.toFixed(2)} s wall (runs: ${list(series.checkpoint)} CPU s)`);
  for (const [label, cost, key] of [['baseline telea + statistics', teleaCost, 'telea'], ['baselines telea,ns,mean + statistics', allCost, 'all']] as const) {
    console.log(
      `${label} add ${percent(cost, checkpointTime, 'cpu')} CPU (${percent(cost, checkpointTime, 'wall')} wall) to scoring the checkpoint ` +
        `(${cost.cpu.toFixed(2)} CPU s; runs on the cached epoch: ${list(series[key])} against ${list(series.cached)} without)`,
    );
  }
  console.log(`cross-check, whole runs: all three add ${percent(wholeCost, checkpointTime, 'cpu')} CPU (${percent(wholeCost, checkpointTime, 'wall')} wall) (fresh runs with them: ${list(series.wholeAll)})`);
} finally {
  await rm(root, { recursive: true, force: true });
}

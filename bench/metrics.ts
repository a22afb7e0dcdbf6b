/**
 * SSIM / MS-SSIM speed of @bgfill/eval's buffer metrics against scikit-image's SSIM, one core each.
 *
 *   node --import tsx bench/metrics.ts [seconds=2] [rounds=3]
 *
 * Pairs: the six 256×256 RGB fixture pairs (packages/eval/test/fixtures/metrics-pairs), called round-robin.
 * Ours: `ssim(pred, target)` and `msssim(pred, target)` (torchmetrics defaults: window 11, σ 1.5, 5 scales) on
 * 8-bit RGB buffers. Baseline: bench/metrics_skimage.py, scikit-image `structural_similarity(gaussian_weights=True,
 * sigma=1.5, use_sample_covariance=False, channel_axis=2, data_range=255)`, spawned from this run with OMP / OpenBLAS /
 * MKL threads 1 and pinned to one core with taskset when available. Node runs the metrics on its main thread.
 *
 * Rates are pairs per CPU-second of the measuring process (user + system), so a busy shared machine slows both
 * sides alike; wall-clock rates are printed too. Each round measures baseline, SSIM and MS-SSIM back to back; the
 * reported ratios are the medians over rounds (ours / scikit-image; > 1 means faster).
 * Goals: SSIM ≥ 2× scikit-image per core; MS-SSIM ≥ scikit-image's single-scale SSIM.
 */
import { spawnSync } from 'node:child_process';
import { cpus } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readRgbImage } from '../packages/eval/src/image-io.js';
import type { RgbImage } from '../packages/eval/src/metrics/image.js';
import { msssim } from '../packages/eval/src/metrics/msssim.js';
import { ssim } from '../packages/eval/src/metrics/ssim.js';

const seconds = Number(process.argv[2] ?? 2);
const rounds = Number(process.argv[3] ?? 3);
const fixtures = fileURLToPath(new URL('../packages/eval/test/fixtures/metrics-pairs/', import.meta.url));
const names: Array<[string, string]> = [
  ['00_blur.png', '00_ref.png'],
  ['01_jpeg.png', '01_ref.png'],
  ['02_noise.png', '02_ref.png'],
  ['03_holeblur.png', '03_ref.png'],
  ['04_bright.png', '04_ref.png'],
  ['05_same.png', '05_ref.png'],
];
const pairs: Array<[RgbImage, RgbImage]> = await Promise.all(
  names.map(async ([p, t]) => [await readRgbImage(join(fixtures, p)), await readRgbImage(join(fixtures, t))] as [RgbImage, RgbImage]),
);

interface Rate {
  cpu: number;
  wall: number;
}

/** Call `f` round-robin over the pairs for `budget` seconds after a warm-up; pairs per CPU- and wall-second. */
function rate(f: (a: RgbImage, b: RgbImage) => number): Rate {
  const warmEnd = performance.now() + 300;
  let i = 0;
  while (performance.now() < warmEnd) f(...pairs[i++ % pairs.length]);
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  while (performance.now() - start < seconds * 1000) f(...pairs[n++ % pairs.length]);
  const wall = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { cpu: n / ((cpu.user + cpu.system) / 1e6), wall: n / wall };
}

function skimage(): Rate & { values: number[] } {
  const script = fileURLToPath(new URL('./metrics_skimage.py', import.meta.url));
  const files = names.flatMap(([p, t]) => [join(fixtures, p), join(fixtures, t)]);
  const hasTaskset = spawnSync('taskset', ['--version']).status === 0;
  const args = [script, String(seconds), ...files];
  const run = hasTaskset
    ? spawnSync('taskset', ['-c', '0', '/usr/bin/python3', ...args], { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } })
    : spawnSync('/usr/bin/python3', args, { encoding: 'utf8', env: { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' } });
  if (run.status !== 0) throw new Error(`scikit-image baseline failed: ${run.stderr}`);
  const out = JSON.parse(run.stdout.trim().split('\n').pop() ?? '{}') as { pairs_per_cpu_second: number; pairs_per_wall_second: number; values: number[] };
  return { cpu: out.pairs_per_cpu_second, wall: out.pairs_per_wall_second, values: out.values };
}

const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)];
const f = (v: number) => v.toFixed(1).padStart(6);

console.log(`machine: ${process.arch}, ${cpus().length} cores (${cpus()[0]?.model ?? '?'}), Node ${process.versions.node}; ${seconds} s per measurement, ${rounds} rounds, one core each`);
const ratios = { ssim: [] as number[], msssim: [] as number[] };
let values: number[] = [];
for (let r = 0; r < rounds; r++) {
  const base = skimage();
  values = base.values;
  const s = rate(ssim);
  const m = rate(msssim);
  ratios.ssim.push(s.cpu / base.cpu);
  ratios.msssim.push(m.cpu / base.cpu);
  console.log(
    `round ${r + 1}: pairs per CPU-second (wall) — scikit-image SSIM ${f(base.cpu)} (${f(base.wall)})  ` +
      `ours SSIM ${f(s.cpu)} (${f(s.wall)})  ours MS-SSIM ${f(m.cpu)} (${f(m.wall)})`,
  );
}
console.log(`SSIM    ours / scikit-image SSIM: ${median(ratios.ssim).toFixed(2)}x  (goal ≥ 2)   rounds: ${ratios.ssim.map((v) => v.toFixed(2)).join(', ')}`);
console.log(`MS-SSIM ours / scikit-image SSIM: ${median(ratios.msssim).toFixed(2)}x  (goal ≥ 1)   rounds: ${ratios.msssim.map((v) => v.toFixed(2)).join(', ')}`);
// The two SSIMs differ slightly by design (scikit-image truncates the Gaussian at 3.5σ the same way but pads with
// reflect-including-the-edge and crops (window−1)/2 before averaging); printed so a broken build is visible.
console.log(`SSIM values, ours vs scikit-image: ${pairs.map(([p, t], i) => `${ssim(p, t).toFixed(4)}/${values[i].toFixed(4)}`).join('  ')}`);

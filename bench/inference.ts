/**
 * Inference throughput of the generator (cnum 32 by default) at 256², per backend, batch 1 and 8.
 *
 *   node --import tsx bench/inference.ts [--size 256] [--cnum 32] [--batches 1,8] [--rounds 2] [--threads N]
 *                                        [--backends webgpu,tensorflow,wasm] [--no-cpu-baseline] [--profile]
 *
 * For each backend that initialises (others are listed with the reason), one warm-up forward then --rounds timed
 * forwards per batch size; prints images/s by wall clock and CPU seconds per image (user + system, all threads:
 * steadier than wall time on a shared machine). Baselines run in the same process:
 * - the pure-JavaScript cpu backend at batch 1 (slow: about a minute per image; --no-cpu-baseline skips it);
 * - for GPU backends, PyTorch 2.11 on one H100 at batch 8, float32: 299 images/s (/work/shared/notes/gpu-baseline.md).
 * --profile adds, per backend, the kernels' share of one batch-1 forward (tf.profile, wall time per kernel).
 * Also the `inpaint()` path at batch 1 (image conversion, reflect padding, compositing) on the first backend.
 * (bgfill's kernel replacements are measured on their own in bench/inference-kernels.ts: inference runs the dilated
 * layers as native dilated convolutions, so SpaceToBatchND only matters for training.)
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { initBackend } from '../packages/trainer/src/backend/index.js';
import type { BackendName } from '../packages/trainer/src/backend/index.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { inpaint } from '../packages/trainer/src/inference/inpaint.js';
import { arg, cpuSeconds } from './bench-helpers.js';

// The repository root has no dependencies of its own: load tfjs as the trainer package resolves it (same instance).
const requireFromTrainer = createRequire(new URL('../packages/trainer/package.json', import.meta.url));
const tf = requireFromTrainer('@tensorflow/tfjs') as typeof import('../packages/trainer/node_modules/@tensorflow/tfjs/dist/index.js');
type Tensor4D = import('../packages/trainer/node_modules/@tensorflow/tfjs/dist/index.js').Tensor4D;

const size = Number(arg('size', '256'));
const cnum = Number(arg('cnum', '32'));
const rounds = Number(arg('rounds', '2'));
const batches = arg('batches', '1,8').split(',').map(Number);
const backends = arg('backends', 'webgpu,tensorflow,wasm').split(',') as BackendName[];
const threads = process.argv.includes('--threads') ? Number(arg('threads', '1')) : undefined;
const cpuBaseline = !process.argv.includes('--no-cpu-baseline');
const profile = process.argv.includes('--profile');
const PYTORCH_H100_BATCH8 = 299; // images/s, float32, gpu-baseline.md

interface Timing {
  wallPerImage: number;
  cpuPerImage: number;
}

/** Forward passes of `generator` at batch `n`: one warm-up, then the best of `rounds` (wall and CPU per image). */
async function forward(generator: InpaintGenerator, n: number, roundsHere = rounds): Promise<Timing> {
  const x = tf.randomUniform([n, size, size, 3], -1, 1, 'float32', 1) as Tensor4D;
  const mask = tf.cast(tf.greater(tf.randomUniform([n, size, size, 1], 0, 1, 'float32', 2), 0.7), 'float32') as Tensor4D;
  const once = async () => {
    const out = tf.tidy(() => generator.apply(x, mask).refined);
    await out.data();
    out.dispose();
  };
  await once();
  let best: Timing = { wallPerImage: Infinity, cpuPerImage: Infinity };
  for (let r = 0; r < roundsHere; r++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    await once();
    const wall = (performance.now() - t0) / 1000 / n;
    const cpu = (cpuSeconds() - c0) / n;
    if (wall < best.wallPerImage) best = { wallPerImage: wall, cpuPerImage: cpu };
  }
  tf.dispose([x, mask]);
  return best;
}

function line(label: string, t: Timing, extra = ''): void {
  console.log(`${label.padEnd(42)} ${(1 / t.wallPerImage).toFixed(3).padStart(8)} img/s wall   ${t.cpuPerImage.toFixed(2).padStart(7)} CPU-s/img${extra}`);
}

console.log(`bgfill inference bench: ${size}², cnum ${cnum}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const results = new Map<string, Timing>();
let first: BackendName | undefined;
for (const name of backends) {
  let reason: string;
  try {
    reason = (await initBackend(name, { strict: true, ...(threads !== undefined ? { threads } : {}) })).reason;
  } catch (err) {
    console.log(`${name}: not available (${err instanceof Error ? err.message : String(err)})`);
    continue;
  }
  first ??= name;
  console.log(`${name}: ${reason}`);
  const generator = new InpaintGenerator({ cnum }, { seed: 1 });
  for (const n of batches) {
    const t = await forward(generator, n);
    results.set(`${name}/${n}`, t);
    const gpu = name === 'webgpu' || name === 'tensorflow';
    line(`  ${name} batch ${n}`, t, gpu && n === 8 ? `   = ${((1 / t.wallPerImage) / PYTORCH_H100_BATCH8).toFixed(3)}× PyTorch H100 (299 img/s)` : '');
  }
  if (profile) {
    const x = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 1) as Tensor4D;
    const mask = tf.cast(tf.greater(tf.randomUniform([1, size, size, 1], 0, 1, 'float32', 2), 0.7), 'float32') as Tensor4D;
    const info = await tf.profile(async () => {
      const out = tf.tidy(() => generator.apply(x, mask).refined);
      await out.data();
      out.dispose();
    });
    const byKernel = new Map<string, number>();
    // Fused ops appear twice (the op wrapper and its kernel): keep kernels, whose names start with a capital.
    for (const k of info.kernels) if (/^[A-Z]/.test(k.name)) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
    const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
    const top = [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 8);
    console.log(`  kernel time, batch 1 (${total.toFixed(0)} ms in ${info.kernels.length} kernel calls): ${top.map(([n, ms]) => `${n} ${((100 * ms) / total).toFixed(0)} %`).join(', ')}`);
    tf.dispose([x, mask]);
  }
  generator.dispose();
}

if (first) {
  await initBackend(first, { strict: true });
  const generator = new InpaintGenerator({ cnum }, { seed: 1 });
  const image = { data: new Uint8Array(size * size * 3).map((_, i) => (i * 7) % 256), width: size, height: size };
  const hole = new Uint8Array(size * size).map((_, i) => (i % size > size / 4 && i % size < (3 * size) / 4 && i > (size * size) / 4 && i < (3 * size * size) / 4 ? 1 : 0));
  await inpaint(generator, image, { width: size, height: size, data: hole });
  let best: Timing = { wallPerImage: Infinity, cpuPerImage: Infinity };
  for (let r = 0; r < rounds; r++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    await inpaint(generator, image, { width: size, height: size, data: hole });
    const t = { wallPerImage: (performance.now() - t0) / 1000, cpuPerImage: cpuSeconds() - c0 };
    if (t.wallPerImage < best.wallPerImage) best = t;
  }
  const raw = results.get(`${first}/1`);
  line(`  ${first} inpaint() end to end, batch 1`, best, raw ? `   overhead vs forward: ${((best.wallPerImage / raw.wallPerImage - 1) * 100).toFixed(1)} %` : '');
  generator.dispose();
}

if (cpuBaseline) {
  await initBackend('cpu', { strict: true });
  const generator = new InpaintGenerator({ cnum }, { seed: 1 });
  const t = await forward(generator, 1, 1);
  line('  cpu (pure JS) batch 1 — baseline', t);
  for (const [key, r] of results) {
    console.log(`  ${key.padEnd(14)} vs cpu baseline: ${(t.wallPerImage / r.wallPerImage).toFixed(1)}× wall, ${(t.cpuPerImage / r.cpuPerImage).toFixed(1)}× CPU time`);
  }
  generator.dispose();
}
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

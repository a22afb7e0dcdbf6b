/**
 * bgfill's fused WebGPU training kernels (packages/trainer/src/backend/webgpu-fused/) against the stock tfjs-webgpu path
 * on a GPU, in one run: first the fused path's gradients against the stock path's on the same GPU (the generator's
 * and the discriminator's, at the real width), then GPU dispatches per full step, then the full training step of
 * bench/gpu.ts's train part (256², cnum 32) at batch 8 and 32 with each kernel set, then a kernel profile of the
 * fused generator step, and the rows for bench/RESULTS.md. Packed for a GPU machine without Node by
 * `../shared/tools/gpu-bundle.sh bench/gpu-fused.ts .gpu-fused` and run there by `bash bench/gpu-fused-run.sh OUT`,
 * which times PyTorch on the same net and GPU first and passes its figures in.
 *
 *   node --import tsx bench/gpu-fused.ts [--out DIR] [--batches 8,32] [--torch-train8 N] [--torch-train32 N] [--smoke]
 *
 * --smoke: tiny sizes (32², cnum 4, batches of 2), to check the script on a CPU through a software adapter (lavapipe).
 * Exit code 3 when the fused gradients disagree with the stock ones (the fused path is then not timed).
 */
import * as tf from '@tensorflow/tfjs';
import type { Scalar } from '@tensorflow/tfjs';
import { initBackend } from '../packages/trainer/src/backend/init-backend.js';
import { countDispatches } from '../packages/trainer/src/backend/webgpu-fused/dispatch-counter.js';
import { useWebGpuKernels, type WebGpuKernels } from '../packages/trainer/src/backend/webgpu-fused/install.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { SnPatchDiscriminator } from '../packages/trainer/src/train/discriminator.js';
import { hingeDiscriminatorLoss, maskedL1 } from '../packages/trainer/src/train/losses.js';
import { measureTrainStep, randomBatch, trainingNets } from '../packages/trainer/src/train/step-timing.js';
import { arg, resultLog } from './bench-helpers.js';
import { gradientDifference, releasePooledBuffers, type GradientDifference } from './webgpu-bench-helpers.js';

const smoke = process.argv.includes('--smoke');
const SIZE = smoke ? 32 : 256;
const CNUM = smoke ? 4 : 32;
const D_CNUM = smoke ? 4 : 64;
const batches = arg('batches', '8,32').split(',').map(Number);
const B = (n: number) => (smoke ? Math.min(2, n) : n);
const torch: Record<number, number | undefined> = { 8: Number(arg('torch-train8', '0')) || undefined, 32: Number(arg('torch-train32', '0')) || undefined };
const { print, record } = resultLog(arg('out', 'gpu-out'), 'gpu-fused-results.json');
const KERNELS: WebGpuKernels[] = ['stock', 'fused'];
/** All gradients together within 1 % of the stock path's (relative L2): wasm against cpu measured 7e-3 on this net. */
const GRADIENT_LIMIT = 1e-2;

const info = await initBackend('webgpu', { strict: true });
await print(`backend: ${info.reason}`);
record({ what: 'backend', reason: info.reason });

/** Gradients keyed by parameter name (variableGrads keys them by the variables' own names, which differ per instance). */
async function read(grads: tf.NamedTensorMap, params: ReadonlyMap<string, tf.Variable>): Promise<Map<string, Float32Array>> {
  const out = new Map<string, Float32Array>();
  for (const [name, v] of params) out.set(name, (await grads[v.name].data()) as Float32Array);
  tf.dispose(Object.values(grads));
  return out;
}

/** Every generator and discriminator gradient of one training-mode step's losses, with one kernel set. */
async function gradients(kernels: WebGpuKernels): Promise<{ generator: Map<string, Float32Array>; discriminator: Map<string, Float32Array> }> {
  useWebGpuKernels(kernels);
  const size = smoke ? 32 : 64;
  const generator = new InpaintGenerator({ cnum: CNUM }, { seed: 7 });
  const discriminator = new SnPatchDiscriminator({ cnum: D_CNUM }, { seed: 7 });
  const { images, masks } = randomBatch(2, size);
  try {
    // squared error: smooth, so float rounding cannot flip a sign(x) the way L1's |x| can
    const g = tf.variableGrads(() => {
      const out = generator.apply(images, masks, { training: true });
      return tf.add(tf.mean(tf.squaredDifference(out.coarse, images)), tf.mean(tf.squaredDifference(out.refined, images))) as Scalar;
    }, [...generator.params.values()]);
    g.value.dispose();
    const d = tf.variableGrads(() => {
      const scores = discriminator.apply(tf.concat([images, tf.reverse(images, 2)], 0), tf.concat([masks, masks], 0));
      const [real, fake] = tf.split(scores, 2, 0);
      const h = hingeDiscriminatorLoss(real, fake);
      return tf.mul(tf.add(h.real, h.fake), 0.5) as Scalar;
    }, [...discriminator.params.values()]);
    d.value.dispose();
    return { generator: await read(g.grads, generator.params), discriminator: await read(d.grads, discriminator.params) };
  } finally {
    tf.dispose([images, masks]);
    generator.dispose();
    discriminator.dispose();
  }
}

/** Dispatches of one full training step (after a warm-up step) with one kernel set. */
async function dispatchesPerStep(kernels: WebGpuKernels, batch: number): Promise<number> {
  useWebGpuKernels(kernels);
  const nets = trainingNets({ cnum: CNUM, dCnum: D_CNUM });
  const data = randomBatch(batch, SIZE);
  try {
    await nets.step(data, 1);
    const stop = countDispatches();
    await nets.step(data, 2);
    return stop().total;
  } finally {
    tf.dispose([data.images, data.masks]);
    nets.dispose();
  }
}

// ---- 1. gradients: fused against stock on this GPU
const stockGrads = await gradients('stock');
const fusedGrads = await gradients('fused');
const agreement: Record<string, GradientDifference> = {
  generator: gradientDifference(stockGrads.generator, fusedGrads.generator),
  discriminator: gradientDifference(stockGrads.discriminator, fusedGrads.discriminator),
};
const agree = Object.values(agreement).every((d) => d.overall <= GRADIENT_LIMIT);
for (const [net, d] of Object.entries(agreement)) {
  await print(`${net} gradients, fused vs stock on this GPU (${smoke ? 32 : 64}², cnum ${CNUM}, batch 2): ${d.tensors} tensors; all together relative L2 ${d.overall.toExponential(2)}; worst tensor ${d.worst.toExponential(2)} (${d.worstName})`);
  record({ what: 'gradients', net, ...d });
}
await print(agree ? `gradients agree (all together within ${GRADIENT_LIMIT} of the stock path's)` : `FUSED GRADIENTS DISAGREE (limit ${GRADIENT_LIMIT}): the fused path is not timed`);

// ---- 2. dispatches per full step
const dispatches: Partial<Record<WebGpuKernels, number>> = {};
for (const kernels of agree ? KERNELS : (['stock'] as const)) {
  releasePooledBuffers();
  dispatches[kernels] = await dispatchesPerStep(kernels, B(8));
  await print(`dispatches per full step (G + D + both Adams), ${SIZE}² batch ${B(8)}, ${kernels}: ${dispatches[kernels]}`);
  record({ what: 'dispatches', kernels, size: SIZE, batch: B(8), dispatches: dispatches[kernels] });
}

// ---- 3. the training step, stock and fused, at each batch
interface Row {
  batch: number;
  kernels: WebGpuKernels;
  wall?: number;
  cpu?: number;
  rate?: number;
  bare?: number;
  error?: string;
}
const rows: Row[] = [];
for (const batch of batches) {
  for (const kernels of agree ? KERNELS : (['stock'] as const)) {
    releasePooledBuffers();
    useWebGpuKernels(kernels);
    try {
      const { full, bare } = await measureTrainStep({ size: SIZE, batch: B(batch), cnum: CNUM, dCnum: D_CNUM, steps: batch >= 32 ? 2 : 3, warmup: 1 });
      const row = { batch: B(batch), kernels, wall: full.wall, cpu: full.cpu, rate: B(batch) / full.wall, bare: B(batch) / bare.wall };
      rows.push(row);
      const vs = torch[batch] ? `; ${(row.rate / torch[batch]!).toFixed(3)}× PyTorch fp32 (${torch[batch]!.toFixed(1)} img/s, same GPU)` : '';
      await print(`train step ${SIZE}² batch ${B(batch)} cnum ${CNUM}, ${kernels}: ${full.wall.toFixed(3)} s wall (${full.cpu.toFixed(2)} s CPU) = ${row.rate.toFixed(2)} img/s; bare G step ${row.bare.toFixed(2)} img/s${vs}`);
      record({ what: 'train', ...row, torch: torch[batch] });
    } catch (err) {
      rows.push({ batch: B(batch), kernels, error: String((err as Error).message ?? err).split('\n')[0] });
      await print(`train step batch ${B(batch)}, ${kernels}: FAILED: ${rows[rows.length - 1].error}`);
    }
  }
}

// ---- 4. where the fused step's GPU time goes
if (agree) {
  releasePooledBuffers();
  useWebGpuKernels('fused');
  const generator = new InpaintGenerator({ cnum: CNUM }, { seed: 0 });
  const { images, masks } = randomBatch(B(8), SIZE);
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => {
      const out = generator.apply(images, masks, { training: true });
      return tf.add(maskedL1(out.coarse, images, masks, { hole: 1, valid: 1 }), maskedL1(out.refined, images, masks, { hole: 1, valid: 1 })) as Scalar;
    }, [...generator.params.values()]);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  await step();
  const profile = await tf.profile(step);
  const byKernel = new Map<string, number>();
  // kernels only (named in capitals): a custom op's entry would count its inner kernels' time twice
  for (const k of profile.kernels) if (/^[A-Z]/.test(k.name)) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + (Number.isFinite(Number(k.kernelTimeMs)) ? Number(k.kernelTimeMs) : 0));
  const total = [...byKernel.values()].reduce((a, b) => a + b, 0);
  const top = [...byKernel].sort((a, b) => b[1] - a[1]).slice(0, 12);
  await print(`fused G forward + backward, batch ${B(8)}: ${total.toFixed(0)} ms GPU in ${profile.kernels.length} kernel calls: ${top.map(([n, ms]) => `${n} ${ms.toFixed(1)} ms`).join(', ')}`);
  record({ what: 'fused-profile', batch: B(8), totalMs: total, calls: profile.kernels.length, top });
  tf.dispose([images, masks]);
  generator.dispose();
}

// ---- 5. rows for bench/RESULTS.md
await print('rows for bench/RESULTS.md (kernels | batch | step (wall) | img/s | vs PyTorch fp32, same GPU | bare G step img/s | dispatches per full step):');
for (const r of rows) {
  const vs = r.rate && torch[r.batch] ? `${(r.rate / torch[r.batch]!).toFixed(3)}×` : '';
  const cells = r.error
    ? [r.kernels, r.batch, `failed: ${r.error}`, '', '', '', '']
    : [r.kernels, r.batch, `${r.wall!.toFixed(3)} s`, r.rate!.toFixed(2), vs, r.bare!.toFixed(2), r.batch === B(8) ? String(dispatches[r.kernels] ?? '') : ''];
  await print(`| ${cells.join(' | ')} |`);
}
await print('done');
process.exit(agree ? 0 : 3);

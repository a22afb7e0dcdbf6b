/**
 * The GPU bench: inference and training of the generator through tfjs-backend-webgpu (Dawn over Vulkan), with the
 * filter-gradient strategies bgfill offers compared in the same process, a kernel profile, and the training loss
 * curve on the GPU against the CPU (wasm) on a small config. Packed for a GPU machine with Node-less images by
 * `../shared/tools/gpu-bundle.sh bench/gpu.ts` and run there as `bash .gpu/run.sh [--out DIR] [--quick]`
 * (bench/gpu-run.sh runs it next to PyTorch's figures for the same net on the same GPU).
 *
 *   node --import tsx bench/gpu.ts [--out DIR] [--quick] [--parts infer,filter,train,profile,curve]
 *                                  [--backend webgpu] [--smoke]   (--smoke: tiny sizes, to check the script on a CPU)
 *
 * Prints one line per measurement and writes them all to DIR/gpu-results.json. Ratios are against the baselines in
 * the same process (the stock kernel, batch 1) and, when bench/gpu-run.sh passes them, PyTorch's figures from the
 * same run (--torch-infer8 N --torch-train8 N: images/s, float32).
 */
import { existsSync, readFileSync, writeFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import type { NamedAttrMap, Scalar, Tensor, Tensor4D } from '@tensorflow/tfjs';
import { initBackend } from '../packages/trainer/src/backend/init-backend.js';
import { useFilterGradient, type FilterGradientStrategy } from '../packages/trainer/src/backend/register-kernels.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { measureTrainStep, trainingNets } from '../packages/trainer/src/train/step-timing.js';
import { arg, resultLog } from './bench-helpers.js';
import { gradientDifference, releasePooledBuffers } from './webgpu-bench-helpers.js';

const outDir = arg('out', 'gpu-out');
const quick = process.argv.includes('--quick');
const parts = new Set(arg('parts', 'infer,filter,train,profile,curve,grads').split(','));
const backendName = arg('backend', 'webgpu') as 'webgpu' | 'wasm';
/** Spatial sizes are divided by this and batches capped at 2 under --smoke. */
const smoke = process.argv.includes('--smoke');
const S = (n: number) => (smoke ? Math.max(16, n / 8) : n);
const B = (n: number) => (smoke ? Math.min(2, n) : n);
const CNUM = smoke ? 4 : 32;
const torchInfer8 = Number(arg('torch-infer8', '0')) || undefined;
const torchTrain8 = Number(arg('torch-train8', '0')) || undefined;
const { print, record } = resultLog(outDir, 'gpu-results.json');

const info = await initBackend(backendName, { strict: true });
await print(`backend: ${info.name} (${info.reason})`);
record({ what: 'backend', reason: info.reason });

async function forwardRate(generator: InpaintGenerator, n: number, size: number, rounds: number): Promise<number> {
  const x = tf.randomUniform([n, size, size, 3], -1, 1, 'float32', 1) as Tensor4D;
  const mask = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([n, size, size, 1], 0, 1, 'float32', 2), 0.7), 'float32')) as Tensor4D;
  const once = async () => {
    const out = tf.tidy(() => generator.apply(x, mask).refined);
    await out.data();
    out.dispose();
  };
  await once();
  await once();
  const start = performance.now();
  for (let r = 0; r < rounds; r++) await once();
  tf.dispose([x, mask]);
  return (n * rounds) / ((performance.now() - start) / 1000);
}

type KernelTimes = { total: number; calls: number; top: [string, number][] };
async function kernelProfile(run: () => Promise<void>): Promise<KernelTimes> {
  const p = await tf.profile(run);
  const byKernel = new Map<string, number>();
  for (const k of p.kernels) if (/^[A-Z]/.test(k.name)) byKernel.set(k.name, (byKernel.get(k.name) ?? 0) + Number(k.kernelTimeMs));
  const total = [...byKernel.values()].reduce((a, b) => a + (Number.isFinite(b) ? b : 0), 0);
  return { total, calls: p.kernels.length, top: [...byKernel.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10) };
}
const showProfile = (p: KernelTimes) =>
  `${p.total.toFixed(0)} ms GPU in ${p.calls} kernel calls: ${p.top.map(([n, ms]) => `${n} ${ms.toFixed(0)} ms`).join(', ')}`;

if (parts.has('infer')) {
  const generator = new InpaintGenerator({ cnum: CNUM }, { seed: 1 });
  const rates: Record<string, number> = {};
  for (const n of quick ? [1, 8] : [1, 8, 32]) {
    rates[n] = await forwardRate(generator, B(n), S(256), n === 1 ? 10 : 4);
    const vs = n === 8 && torchInfer8 ? `; ${(rates[n] / torchInfer8).toFixed(3)}× PyTorch fp32 (${torchInfer8.toFixed(0)} img/s, same GPU)` : '';
    await print(`inference 256² cnum 32 batch ${n}: ${rates[n].toFixed(1)} img/s (${(rates[n] / rates[1]).toFixed(2)}× batch 1)${vs}`);
    record({ what: 'inference', batch: n, imagesPerSecond: rates[n], torchInfer8 });
  }
  if (backendName === 'webgpu') {
    tf.env().set('WEBGPU_CPU_FORWARD', false);
    const noCpu = await forwardRate(generator, B(8), S(256), 4);
    tf.env().set('WEBGPU_CPU_FORWARD', true);
    await print(`inference batch 8 with WEBGPU_CPU_FORWARD=false: ${noCpu.toFixed(1)} img/s (${(noCpu / rates[8]).toFixed(2)}× default)`);
    record({ what: 'inference', batch: 8, flag: 'WEBGPU_CPU_FORWARD=false', imagesPerSecond: noCpu });
  }
  if (backendName === 'webgpu') {
    // tfjs-backend-webgpu's own switches that could matter for this net, one at a time at batch 8.
    for (const [flag, value] of [['WEBGPU_CONV_SEPARATE_IM2COL_SHADER', true], ['WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE', 64], ['WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false]] as const) {
      const before = tf.env().get(flag);
      tf.env().set(flag, value);
      const rate = await forwardRate(generator, B(8), S(256), 4);
      tf.env().set(flag, before);
      await print(`inference batch 8 with ${flag}=${value}: ${rate.toFixed(1)} img/s (${(rate / rates[8]).toFixed(2)}× default)`);
      record({ what: 'inference', batch: 8, flag: `${flag}=${value}`, imagesPerSecond: rate });
    }
  }
  const x = tf.randomUniform([B(8), S(256), S(256), 3], -1, 1, 'float32', 1) as Tensor4D;
  const mask = tf.zeros([B(8), S(256), S(256), 1]) as Tensor4D;
  const prof = await kernelProfile(async () => {
    const out = tf.tidy(() => generator.apply(x, mask).refined);
    await out.data();
    out.dispose();
  });
  await print(`inference profile, batch 8: ${showProfile(prof)}`);
  record({ what: 'inference-profile', batch: 8, ...prof });
  tf.dispose([x, mask]);
  generator.dispose();
}

const STRATEGIES: FilterGradientStrategy[] = ['stock', 'batch-axis', 'im2col'];

if (parts.has('filter')) {
  // The generator's conv shapes at batch 8, 256²: the 5×5 stem, a stride-2 layer, 3×3 at 128² and at 64².
  const layers = [
    { name: 'stem 5×5 4→32 @256²', x: [8, 256, 256, 4], f: [5, 5, 4, 32], stride: 1, pad: 2 },
    { name: '3×3 s2 32→64 @256²', x: [8, 256, 256, 32], f: [3, 3, 32, 64], stride: 2, pad: 'same' },
    { name: '3×3 64→64 @128²', x: [8, 128, 128, 64], f: [3, 3, 64, 64], stride: 1, pad: 1 },
    { name: '3×3 128→128 @64²', x: [8, 64, 64, 128], f: [3, 3, 128, 128], stride: 1, pad: 1 },
  ] as const;
  for (const layer of layers) {
    const x = tf.randomNormal([B(layer.x[0]), S(layer.x[1]), S(layer.x[2]), layer.x[3]]) as Tensor4D;
    const yShape = tf.tidy(() => tf.conv2d(x, tf.zeros([...layer.f]) as Tensor4D, layer.stride, layer.pad as 'same').shape);
    const dy = tf.randomNormal(yShape) as Tensor4D;
    const flops = 2 * yShape.reduce((a, b) => a * b, 1) * layer.f[0] * layer.f[1] * layer.f[2];
    const times: Record<string, number> = {};
    let reference: Float32Array | undefined;
    for (const strategy of backendName === 'wasm' ? STRATEGIES.slice(1) : STRATEGIES) {
      useFilterGradient(backendName, strategy);
      const run = () =>
        tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, { strides: layer.stride, pad: layer.pad, dataFormat: 'NHWC', filterShape: [...layer.f] } as unknown as NamedAttrMap) as Tensor;
      const first = run();
      const values = (await first.data()) as Float32Array;
      first.dispose();
      let diff = 0;
      if (!reference) reference = values;
      else for (let i = 0; i < values.length; i++) diff = Math.max(diff, Math.abs(values[i] - reference[i]));
      const reps = 5;
      const start = performance.now();
      const outs: Tensor[] = [];
      for (let r = 0; r < reps; r++) outs.push(run());
      await outs[reps - 1].data();
      tf.dispose(outs);
      times[strategy] = (performance.now() - start) / reps;
      await print(`filter gradient ${layer.name}, ${strategy}: ${times[strategy].toFixed(2)} ms (${(flops / times[strategy] / 1e6).toFixed(0)} GFLOP/s; ${(times.stock / times[strategy]).toFixed(2)}× stock; max |diff| vs stock ${diff.toExponential(1)})`);
      record({ what: 'filter-gradient', layer: layer.name, strategy, ms: times[strategy], gflops: flops / times[strategy] / 1e6, maxDiffVsStock: diff });
    }
    tf.dispose([x, dy]);
  }
}

/** The fastest strategy by full training step (set by the train part), used by the later parts. */
let best: FilterGradientStrategy = backendName === 'wasm' ? 'batch-axis' : 'im2col';

if (parts.has('train')) {
  let bestRate = 0;
  const only = arg('strategies', '');
  for (const strategy of only ? (only.split(',') as FilterGradientStrategy[]) : quick ? (['batch-axis', 'im2col'] as const) : STRATEGIES) {
    releasePooledBuffers();
    useFilterGradient(backendName, strategy);
    const { full, bare } = await measureTrainStep({ size: S(256), batch: B(8), cnum: CNUM, steps: strategy === 'stock' ? 1 : 2, warmup: 1 });
    const rate = B(8) / full.wall;
    if (rate > bestRate) [best, bestRate] = [strategy, rate];
    const vs = torchTrain8 ? `; ${(rate / torchTrain8).toFixed(3)}× PyTorch fp32 (${torchTrain8.toFixed(1)} img/s, same GPU)` : '';
    await print(`train step 256² batch 8 cnum 32, ${strategy}: ${full.wall.toFixed(3)} s wall (${full.cpu.toFixed(2)} s CPU) = ${rate.toFixed(2)} img/s; bare G step ${(B(8) / bare.wall).toFixed(2)} img/s${vs}`);
    record({ what: 'train', batch: 8, strategy, wall: full.wall, cpu: full.cpu, imagesPerSecond: rate, bareImagesPerSecond: B(8) / bare.wall, torchTrain8 });
  }
  useFilterGradient(backendName, best);
  if (backendName === 'webgpu') {
  tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false);
  const mm = await measureTrainStep({ size: S(256), batch: B(8), cnum: CNUM, steps: 2, warmup: 1 });
  await print(`train step batch 8, ${best} + WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false: ${(B(8) / mm.full.wall).toFixed(2)} img/s (${(bestRate / (B(8) / mm.full.wall)) < 1 ? 'faster' : 'not faster'} than ${bestRate.toFixed(2)})`);
  record({ what: 'train', batch: 8, strategy: best, flag: 'WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE=false', wall: mm.full.wall, cpu: mm.full.cpu, imagesPerSecond: B(8) / mm.full.wall });
  if (B(8) / mm.full.wall < bestRate) tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', true);
  }
  if (!quick) {
    releasePooledBuffers();
    const big = await measureTrainStep({ size: S(256), batch: B(32), cnum: CNUM, steps: 1, warmup: 1 });
    await print(`train step 256² batch 32, ${best}: ${big.full.wall.toFixed(3)} s = ${(B(32) / big.full.wall).toFixed(2)} img/s`);
    record({ what: 'train', batch: 32, strategy: best, wall: big.full.wall, cpu: big.full.cpu, imagesPerSecond: B(32) / big.full.wall });
  }
}

if (parts.has('profile')) {
  useFilterGradient(backendName, best);
  const generator = new InpaintGenerator({ cnum: CNUM }, { seed: 0 });
  const images = tf.randomUniform([B(8), S(256), S(256), 3], -1, 1, 'float32', 1) as Tensor4D;
  const masks = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([B(8), S(256), S(256), 1], 0, 1, 'float32', 2), 0.7), 'float32')) as Tensor4D;
  const step = async () => {
    const { value, grads } = tf.variableGrads(() => {
      const out = generator.apply(images, masks, { training: true });
      return tf.add(tf.mean(tf.abs(tf.sub(out.coarse, images))), tf.mean(tf.abs(tf.sub(out.refined, images)))) as Scalar;
    }, [...generator.params.values()]);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
  await step();
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  const prof = await kernelProfile(step);
  const cpu = process.cpuUsage(cpu0);
  await print(`G forward+backward profile, batch 8, ${best}: ${showProfile(prof)}; wall ${(performance.now() - wall0).toFixed(0)} ms, CPU ${((cpu.user + cpu.system) / 1000).toFixed(0)} ms`);
  record({ what: 'train-profile', batch: 8, strategy: best, ...prof });
  tf.dispose([images, masks]);
  generator.dispose();
}

if (parts.has('curve')) {
  releasePooledBuffers();
  // The same 10 training steps (64², cnum 8, D cnum 16, batch 4, fixed data and seeds) on the GPU and on wasm.
  const curve = async (backend: 'webgpu' | 'wasm'): Promise<number[]> => {
    await initBackend(backend, { strict: true });
    if (backend === 'webgpu') useFilterGradient(backendName, best);
    const nets = trainingNets({ cnum: 8, dCnum: 16, seed: 5 });
    const losses: number[] = [];
    for (let s = 1; s <= 10; s++) {
      const values = new Float32Array(4 * 64 * 64 * 3).map((_, i) => Math.sin(i * 0.37 + s) * 0.8);
      const holes = new Float32Array(4 * 64 * 64).map((_, i) => ((i % 64) > 16 && (i % 64) < 40 && ((i >> 6) % 64) > 20 && ((i >> 6) % 64) < 50 ? 1 : 0));
      const images = tf.tensor4d(values, [4, 64, 64, 3]);
      const masks = tf.tensor4d(holes, [4, 64, 64, 1]);
      const l = await nets.step({ images, masks }, s, 1e-3);
      losses.push(l.l1Coarse + l.l1Refined);
      tf.dispose([images, masks]);
    }
    nets.dispose();
    return losses;
  };
  const losses = await curve(backendName);
  await print(`loss curve (L1 coarse + refined), 10 steps 64² cnum 8 batch 4, ${backendName}: ${losses.map((v) => v.toFixed(5)).join(' ')}`);
  // The wasm reference is made once on a CPU (`--backend wasm --parts curve --write-reference`) and carried along:
  // the GPU machine's bundle has no wasm binaries.
  const referenceFile = 'bench/gpu-curve-wasm.json';
  if (process.argv.includes('--write-reference')) writeFileSync(referenceFile, `${JSON.stringify({ backend: backendName, losses }, null, 1)}\n`);
  else if (existsSync(referenceFile)) {
    const reference = (JSON.parse(readFileSync(referenceFile, 'utf8')) as { losses: number[] }).losses;
    const rel = losses.map((g, i) => Math.abs(g - reference[i]) / Math.max(1e-6, Math.abs(reference[i])));
    await print(`                                               wasm reference: ${reference.map((v) => v.toFixed(5)).join(' ')} (max relative difference ${Math.max(...rel).toExponential(2)})`);
    record({ what: 'loss-curve', backend: backendName, losses, wasm: reference, maxRelativeDifference: Math.max(...rel) });
  }
}
if (parts.has('grads')) {
  // Generator gradients of one training-mode forward (squared error on both stages) on this backend against the pure-JS cpu
  // backend in the same process: 32², cnum 8, batch 2, fixed inputs and weights.
  const gradients = async (backend: string): Promise<Map<string, Float32Array>> => {
    await tf.setBackend(backend);
    const generator = new InpaintGenerator({ cnum: 8 }, { seed: 7 });
    const images = tf.tensor4d(new Float32Array(2 * 32 * 32 * 3).map((_, i) => Math.sin(i * 0.13) * 0.9), [2, 32, 32, 3]);
    const masks = tf.tensor4d(new Float32Array(2 * 32 * 32).map((_, i) => ((i % 32) > 8 && (i % 32) < 20 && ((i >> 5) % 32) > 6 ? 1 : 0)), [2, 32, 32, 1]);
    const { value, grads } = tf.variableGrads(() => {
      const out = generator.apply(images, masks, { training: true });
      // squared error: smooth, so float rounding cannot flip a sign(x) the way L1's |x| can
      return tf.add(tf.mean(tf.squaredDifference(out.coarse, images)), tf.mean(tf.squaredDifference(out.refined, images))) as Scalar;
    }, [...generator.params.values()]);
    const result = new Map<string, Float32Array>();
    for (const [name, g] of Object.entries(grads)) result.set(name.slice(name.indexOf('/') + 1), (await g.data()) as Float32Array);
    tf.dispose([value, images, masks, ...Object.values(grads)]);
    generator.dispose();
    return result;
  };
  const mine = await gradients(backendName);
  const reference = await gradients('cpu');
  const { overall, worst, worstName } = gradientDifference(reference, mine);
  await print(`generator gradients, ${backendName} vs cpu (32², cnum 8, batch 2, squared error): ${reference.size} tensors; all together relative L2 difference ${overall.toExponential(2)}; worst tensor ${worst.toExponential(2)} (${worstName})`);
  record({ what: 'gradients', backend: backendName, tensors: reference.size, overallRelativeL2: overall, worstRelativeL2: worst, worstName });
  await tf.setBackend(backendName);
}
await print('done');
process.exit(0);

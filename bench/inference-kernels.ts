/**
 * bgfill's wasm kernels against what they replace or complete, in the same process.
 *
 *   node --import tsx bench/inference-kernels.ts [--threads 1] [--rounds 5]
 *
 * 1. SpaceToBatchND + BatchToSpaceND round trip at the generator's 1/4 resolution for cnum 32 (1×64×64×128),
 *    rates 2/4/8/16, as the dilated layers run them under a gradient tape: bgfill's two-rank-4-transpose kernels vs
 *    tfjs-backend-wasm's own (rank-6 transpose).
 * 2. Conv2DBackpropFilter (the weight gradient wasm lacks) on training-sized layers: bgfill's batch-axis convolution
 *    vs the forward convolution of the same layer (the same multiply-adds: the yardstick a gradient kernel should
 *    approach) and vs the per-tap formulation (one strided slice and BatchMatMul per kernel tap). (The cpu backend's
 *    stock kernel took 288 s for the first layer below, 1265× bgfill's: not run by default.)
 * 3. Conv2DBackpropInput (the data gradient) on the generator's stride-1 layer shapes at batch 2: bgfill's
 *    flipped-filter forward convolution (conv-input-gradient.ts) vs tfjs-backend-wasm's own kernel, and vs the
 *    forward convolution of the same layer.
 * 4. Conv2DBackpropInput with stride 2 on the SN-PatchGAN discriminator's 5×5 'same' layers and the generator's
 *    4×4 padding-1 layers (batch 2, as section 3): bgfill's s² phase convolutions interleaved by batchToSpaceND
 *    (conv-input-gradient.ts) vs tfjs-backend-wasm's own kernel, and vs the forward convolution of the same layer.
 * `--sections 3` runs only the third (default: 1,2,3,4).
 * Times are process CPU time (user + system) per call, best of --rounds after a warm-up; threads default to 1 so
 * CPU time is the single-thread time on a shared machine.
 */
import { createRequire } from 'node:module';
import { loadavg } from 'node:os';
import { initBackend } from '../packages/trainer/src/backend/index.js';
import { arg } from './bench-helpers.js';

const requireFromTrainer = createRequire(new URL('../packages/trainer/package.json', import.meta.url));
const tf = requireFromTrainer('@tensorflow/tfjs') as typeof import('../packages/trainer/node_modules/@tensorflow/tfjs/dist/index.js');
type Tensor = import('../packages/trainer/node_modules/@tensorflow/tfjs/dist/index.js').Tensor;
type Tensor4D = import('../packages/trainer/node_modules/@tensorflow/tfjs/dist/index.js').Tensor4D;
type KernelConfig = import('../packages/trainer/node_modules/@tensorflow/tfjs/dist/index.js').KernelConfig;
requireFromTrainer('@tensorflow/tfjs-backend-wasm');

const threads = Number(arg('threads', '1'));
const rounds = Number(arg('rounds', '5'));
const sections = new Set(arg('sections', '1,2,3,4').split(',').map(Number));

// tfjs-backend-wasm's own kernels, captured before initBackend replaces them.
const stock = ['SpaceToBatchND', 'BatchToSpaceND'].map((name) => tf.getKernel(name, 'wasm')!);
const stockInputGradient = [tf.getKernel('Conv2DBackpropInput', 'wasm')!];

function cpuMs(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1000;
}

/** Best CPU milliseconds per call of `fn` (its result is read back, then disposed). */
function best(fn: () => Tensor): number {
  const once = () => {
    const y = fn();
    y.dataSync();
    y.dispose();
  };
  once();
  let min = Infinity;
  for (let r = 0; r < rounds; r++) {
    const t0 = cpuMs();
    once();
    min = Math.min(min, cpuMs() - t0);
  }
  return min;
}

function use(configs: KernelConfig[]): void {
  for (const k of configs) {
    tf.unregisterKernel(k.kernelName, 'wasm');
    tf.registerKernel(k);
  }
}

const backend = await initBackend('wasm', { threads });
console.log(`bgfill wasm kernels bench: ${backend.reason}; Node ${process.version}; load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const ours = stock.map((k) => tf.getKernel(k.kernelName, 'wasm')!);
const oursInputGradient = [tf.getKernel('Conv2DBackpropInput', 'wasm')!];

if (sections.has(1)) {
  console.log('\n1. spaceToBatchND → batchToSpaceND round trip, 1×64×64×128 (CPU ms per round trip)');
  const x = tf.randomUniform([1, 64, 64, 128]) as Tensor4D;
  for (const r of [2, 4, 8, 16]) {
    const trip = () => tf.tidy(() => tf.batchToSpaceND(tf.spaceToBatchND(x, [r, r], [[r, r], [r, r]]), [r, r], [[r, r], [r, r]]));
    use(stock);
    const before = best(trip);
    use(ours);
    const after = best(trip);
    console.log(`   rate ${String(r).padStart(2)}: tfjs-wasm ${before.toFixed(1).padStart(6)} ms   bgfill ${after.toFixed(1).padStart(6)} ms   ${(before / after).toFixed(1)}× faster`);
  }
  x.dispose();
}

/**
 * The textbook alternative: for each kernel tap, the strided slice of the padded input times dy
 * (dw[i, j] = slice(x)ᵀ · dy over B·Ho·Wo), one BatchMatMul per tap.
 */
function perTapFilterGradient(x: Tensor4D, dy: Tensor4D, k: number, stride: number): Tensor {
  return tf.tidy(() => {
    const [b, h, w, cin] = x.shape;
    const [, ho, wo, cout] = dy.shape;
    const padH = Math.max((ho - 1) * stride + k - h, 0);
    const padW = Math.max((wo - 1) * stride + k - w, 0);
    const xp = tf.pad(x, [[0, 0], [Math.floor(padH / 2), padH - Math.floor(padH / 2)], [Math.floor(padW / 2), padW - Math.floor(padW / 2)], [0, 0]]);
    const dy2 = tf.reshape(dy, [b * ho * wo, cout]);
    const taps: Tensor[] = [];
    for (let i = 0; i < k; i++) {
      for (let j = 0; j < k; j++) {
        const s = tf.stridedSlice(xp, [0, i, j, 0], [b, i + (ho - 1) * stride + 1, j + (wo - 1) * stride + 1, cin], [1, stride, stride, 1]);
        taps.push(tf.matMul(tf.reshape(s, [b * ho * wo, cin]), dy2, true, false));
      }
    }
    return tf.reshape(tf.stack(taps), [k, k, cin, cout]);
  });
}

if (sections.has(2)) {
  console.log('\n2. Conv2DBackpropFilter (CPU ms per call)');
  const layers: Array<{ label: string; x: number[]; k: number; cout: number; stride: number }> = [
    { label: 'first layer 5×5, 4→64 (cnum 32 gated), 256², batch 2', x: [2, 256, 256, 4], k: 5, cout: 64, stride: 1 },
    { label: '3×3 stride 2, 64→128, 256² → 128², batch 2', x: [2, 256, 256, 64], k: 3, cout: 128, stride: 2 },
    { label: '3×3, 128→256 at 64², batch 2', x: [2, 64, 64, 128], k: 3, cout: 256, stride: 1 },
  ];
  for (const layer of layers) {
    const input = tf.randomUniform(layer.x as [number, number, number, number]) as Tensor4D;
    const filter = tf.randomUniform([layer.k, layer.k, layer.x[3], layer.cout]) as Tensor4D;
    const dy = tf.tidy(() => tf.randomUniform(tf.conv2d(input, filter, layer.stride, 'same').shape)) as Tensor4D;
    const attrs = { strides: layer.stride, pad: 'same', dataFormat: 'NHWC', dimRoundingMode: undefined, filterShape: filter.shape };
    const grad = () => tf.engine().runKernel('Conv2DBackpropFilter', { x: input, dy }, attrs as never) as Tensor;
    const ms = best(grad);
    const fwd = best(() => tf.conv2d(input, filter, layer.stride, 'same'));
    const taps = best(() => perTapFilterGradient(input, dy, layer.k, layer.stride));
    console.log(`   ${layer.label}: bgfill ${ms.toFixed(0)} ms = ${(ms / fwd).toFixed(2)}× its forward conv (${fwd.toFixed(0)} ms); per-tap matMul ${taps.toFixed(0)} ms (${(taps / ms).toFixed(1)}× slower)`);
    tf.dispose([input, filter, dy]);
  }
}

/**
 * tfjs-wasm's own Conv2DBackpropInput against bgfill's on one layer shape (CPU ms per call, best of the rounds), with
 * the forward convolution for scale and the relative difference of the two results; `digits` of the printed ms.
 */
function compareInputGradient(layer: { label: string; x: [number, number, number, number]; k: number; cout: number }, stride: number, pad: 'same' | number, digits: number): void {
  const filter = tf.randomUniform([layer.k, layer.k, layer.x[3], layer.cout]) as Tensor4D;
  const input = tf.randomUniform(layer.x) as Tensor4D;
  const dy = tf.tidy(() => tf.randomUniform(tf.conv2d(input, filter, stride, pad).shape)) as Tensor4D;
  const attrs = { strides: stride, pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: layer.x };
  const grad = () => tf.engine().runKernel('Conv2DBackpropInput', { dy, filter }, attrs as never) as Tensor;
  use(stockInputGradient);
  const before = best(grad);
  const reference = grad();
  use(oursInputGradient);
  const after = best(grad);
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(grad(), reference))).dataSync()[0] / tf.max(tf.abs(reference)).dataSync()[0]);
  const fwd = best(() => tf.conv2d(input, filter, stride, pad));
  console.log(
    `   ${layer.label}: tfjs-wasm ${before.toFixed(0).padStart(5)} ms   bgfill ${after.toFixed(digits).padStart(4 + 2 * digits)} ms   ${(before / after).toFixed(1)}× faster` +
      `   (forward conv ${fwd.toFixed(digits)} ms; max |diff| / max |dx| ${diff.toExponential(1)})`,
  );
  tf.dispose([filter, dy, input, reference]);
}

if (sections.has(3)) {
  console.log('\n3. Conv2DBackpropInput, stride 1, batch 2 (CPU ms per call)');
  const shapes: Array<{ label: string; x: [number, number, number, number]; k: number; cout: number }> = [
    { label: '3×3, 64→64 at 128²', x: [2, 128, 128, 64], k: 3, cout: 64 },
    { label: '3×3, 128→128 at 64²', x: [2, 64, 64, 128], k: 3, cout: 128 },
    { label: '5×5, 4→32 at 256²', x: [2, 256, 256, 4], k: 5, cout: 32 },
  ];
  for (const layer of shapes) compareInputGradient(layer, 1, 'same', 0);
}
if (sections.has(4)) {
  console.log('\n4. Conv2DBackpropInput, stride 2, batch 2 (CPU ms per call)');
  // The discriminator (train/discriminator.ts): 5×5, stride 2, 'same', widths cnum·(1, 2, 4, …), cnum 64, 4 input
  // channels (image + mask). The generator (model/architecture.ts): 4×4, stride 2, padding 1, cnum 32; each gated
  // layer has a feature and a gate convolution of this shape. Sizes for a 64² training step.
  const shapes: Array<{ label: string; x: [number, number, number, number]; k: number; cout: number; pad: 'same' | number }> = [
    { label: 'D 5×5 s2, 4→64 at 64²', x: [2, 64, 64, 4], k: 5, cout: 64, pad: 'same' },
    { label: 'D 5×5 s2, 64→128 at 32²', x: [2, 32, 32, 64], k: 5, cout: 128, pad: 'same' },
    { label: 'D 5×5 s2, 128→256 at 16²', x: [2, 16, 16, 128], k: 5, cout: 256, pad: 'same' },
    { label: 'G 4×4 s2 p1, 32→64 at 64²', x: [2, 64, 64, 32], k: 4, cout: 64, pad: 1 },
    { label: 'G 4×4 s2 p1, 64→128 at 32²', x: [2, 32, 32, 64], k: 4, cout: 128, pad: 1 },
  ];
  for (const layer of shapes) compareInputGradient(layer, 2, layer.pad, 1);
}
console.log(`\nload average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

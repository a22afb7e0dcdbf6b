// bgfill's custom kernels and gradient overrides against TensorFlow.js's own reference implementations:
// the wasm Conv2DBackpropFilter against the cpu backend's kernel (stock tfjs) on random geometries, the replaced
// wasm SpaceToBatchND/BatchToSpaceND against the cpu kernels, and the Mean/Sum gradient overrides against the
// stock gradient functions (bit for bit) and against values computed in JS; the replaced wasm Conv2DBackpropInput
// (forward convolutions with the flipped filter: one for stride 1, one per phase for strides > 1; the stock kernel
// for mostly-padding geometries) against the cpu kernel.
import test, { type ExecutionContext } from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import type { GradConfig, KernelConfig, KernelFunc, NamedAttrMap, Tensor } from '@tensorflow/tfjs';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { rngFor } from '@bgfill/core';
import { initBackend } from '../src/backend/init-backend.js';
import { registerBgfillKernels, useFilterGradient, type FilterGradientStrategy } from '../src/backend/register-kernels.js';
import { splitCount } from '../src/backend/conv-filter-gradient-im2col.js';
import { filterGradientGeometry } from '../src/backend/conv-filter-gradient.js';
import { axisPhases, conv2DBackpropInputKernel, coversInputGradient, inputGradientGeometry, MAX_WORK_RATIO, phaseFilter, workRatio, type InputGradAttrs } from '../src/backend/conv-input-gradient.js';
import { wasmIdentityKernel } from '../src/backend/wasm-identity-kernel.js';
import { InpaintGenerator } from '../src/model/generator.js';

type Pad = 'same' | 'valid' | number | [[number, number], [number, number], [number, number], [number, number]];

/** The stock gradients, captured before bgfill replaces them. */
const stock: Record<'Mean' | 'Sum', GradConfig> = {
  Mean: tf.getGradient('Mean')!,
  Sum: tf.getGradient('Sum')!,
};

/** tfjs-backend-wasm's own kernels (registered on import above), before bgfill replaces them. */
const stockSpaceToBatch = tf.getKernel('SpaceToBatchND', 'wasm');
const stockBatchToSpace = tf.getKernel('BatchToSpaceND', 'wasm');
const stockInputGradient = tf.getKernel('Conv2DBackpropInput', 'wasm')!;
const stockSlice = tf.getKernel('Slice', 'wasm')!;
const stockSplit = tf.getKernel('SplitV', 'wasm')!;
const stockIdentity = tf.getKernel('Identity', 'wasm')!;

test.before(async () => {
  await initBackend('wasm', { threads: 1 });
});

function randomTensor(shape: number[], seed: string): tf.Tensor {
  const rng = rngFor('kernels-test', seed);
  const size = shape.reduce((a, b) => a * b, 1);
  const values = new Float32Array(size);
  for (let i = 0; i < size; i++) values[i] = rng.normal();
  return tf.tensor(values, shape, 'float32');
}

function maxAbs(a: Float32Array | Int32Array | Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i]));
  return m;
}

function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

interface ConvCase {
  x: number[];
  k: number;
  cin: number;
  cout: number;
  stride: number;
  pad: Pad;
}

/** Random geometries: odd and even sizes, strides 1 and 2, every padding form the Conv2D op accepts. */
function randomCases(n: number): ConvCase[] {
  const rng = rngFor('kernels-test', 'cases');
  const cases: ConvCase[] = [];
  while (cases.length < n) {
    const k = [1, 3, 5][rng.int(0, 2)];
    const stride = rng.int(1, 2);
    const h = rng.int(k, 15);
    const w = rng.int(k, 15);
    const cin = rng.int(1, 5);
    const cout = rng.int(1, 6);
    const form = cases.length % 4;
    const pad: Pad =
      form === 0 ? 'same' : form === 1 ? 'valid' : form === 2 ? rng.int(0, 2) : [[0, 0], [rng.int(0, 2), rng.int(0, 2)], [rng.int(0, 2), rng.int(0, 2)], [0, 0]];
    cases.push({ x: [rng.int(1, 3), h, w, cin], k, cin, cout, stride, pad });
  }
  return cases;
}

/** d(Σ dy·conv2d(x, f))/df on the current backend, through tf.grad (so through the registered kernel). */
function filterGradViaTape(x: tf.Tensor, dy: tf.Tensor, f: tf.Tensor, stride: number, pad: Pad): Float32Array {
  return tf.tidy(() => {
    const grad = tf.grad((filter: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(x as tf.Tensor4D, filter as tf.Tensor4D, stride, pad), dy)));
    return grad(f as tf.Tensor4D).dataSync() as Float32Array;
  });
}

/** Random cases plus two large enough for the im2col kernel to split its reduction (M = B·Ho·Wo ≥ 2048). */
const filterCases: ConvCase[] = [
  ...randomCases(24),
  { x: [4, 32, 32, 2], k: 3, cin: 2, cout: 3, stride: 1, pad: 'same' },
  { x: [3, 45, 41, 2], k: 5, cin: 2, cout: 2, stride: 1, pad: [[0, 0], [2, 1], [0, 2], [0, 0]] },
];

/** The filter gradient on `backend` with `strategy` against the cpu backend's own kernel (stock tfjs). */
async function checkFilterGradient(t: ExecutionContext, backend: string, strategy: FilterGradientStrategy): Promise<void> {
  for (const [i, c] of filterCases.entries()) {
    const x = randomTensor(c.x, `x${i}`);
    const f = randomTensor([c.k, c.k, c.cin, c.cout], `f${i}`);
    const yShape = tf.tidy(() => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad).shape);
    const dy = randomTensor(yShape, `dy${i}`);
    await tf.setBackend('cpu');
    useFilterGradient('cpu', 'stock');
    const reference = filterGradViaTape(x, dy, f, c.stride, c.pad);
    await tf.setBackend(backend);
    useFilterGradient(backend, strategy);
    const got = filterGradViaTape(x, dy, f, c.stride, c.pad);
    const tolerance = 1e-5 * Math.max(1, maxAbs(reference));
    const diff = maxAbsDiff(got, reference);
    t.true(diff <= tolerance, `${backend} ${strategy} case ${i} ${JSON.stringify(c)}: max |diff| ${diff.toExponential(2)} > ${tolerance.toExponential(2)}`);
    tf.dispose([x, f, dy]);
  }
  useFilterGradient('cpu', 'stock');
  await tf.setBackend('wasm');
  useFilterGradient('wasm', 'batch-axis');
}

test.serial('wasm Conv2DBackpropFilter (batch-axis, the default) matches the cpu kernel on random shapes, strides 1/2 and every padding form', async (t) => {
  t.truthy(tf.getKernel('Conv2DBackpropFilter', 'wasm'), 'registered for wasm');
  await checkFilterGradient(t, 'wasm', 'batch-axis');
});

test.serial('the im2col filter gradient (the GPU kernel, built from generic kernels) matches the cpu kernel on wasm and on cpu', async (t) => {
  await checkFilterGradient(t, 'wasm', 'im2col');
  await checkFilterGradient(t, 'cpu', 'im2col');
});

test('splitCount: a divisor of the row count, at most 64 groups of at least 1024 rows', (t) => {
  for (const rows of [1, 1000, 2047, 2048, 3200, 4096, 8 * 128 * 128, 8 * 64 * 64, 32 * 256 * 256, 7919 * 2]) {
    const s = splitCount(rows);
    t.true(Number.isInteger(s) && s >= 1 && s <= 64, `${rows} → ${s}`);
    t.is(rows % s, 0, `${rows} → ${s} divides`);
    if (s > 1) t.true(rows / s >= 1024, `${rows} → ${s}: ${rows / s} rows per group`);
  }
  t.is(splitCount(8 * 128 * 128), 64);
  t.is(splitCount(2047), 1);
  t.is(splitCount(7919 * 2), 2); // a prime factor: only 2 divides
});

/**
 * Reference for a dilated filter gradient that does not use dilation at all: a dilated 3×3 kernel is a
 * (2d+1)×(2d+1) kernel with zeros between the taps, so its gradient is the stock gradient of the expanded
 * kernel, read at the tap positions.
 */
function dilatedReference(x: tf.Tensor, dy: tf.Tensor, k: number, cin: number, cout: number, stride: number, dilation: number, pad: Pad): Float32Array {
  const e = (k - 1) * dilation + 1;
  const full = filterGradViaTape(x, dy, tf.zeros([e, e, cin, cout]), stride, pad);
  const out = new Float32Array(k * k * cin * cout);
  let q = 0;
  for (let i = 0; i < k; i++) {
    for (let j = 0; j < k; j++) {
      for (let c = 0; c < cin; c++) for (let o = 0; o < cout; o++) out[q++] = full[(((i * dilation) * e + j * dilation) * cin + c) * cout + o];
    }
  }
  return out;
}

test.serial('the kernel also handles dilations (and dilation with stride), against an expanded-kernel reference', async (t) => {
  const cases = [
    { x: [2, 13, 11, 3], k: 3, cout: 4, stride: 1, dilation: 2, pad: 'same' as Pad },
    { x: [1, 17, 16, 2], k: 3, cout: 3, stride: 1, dilation: 4, pad: 4 as Pad },
    { x: [2, 15, 14, 3], k: 3, cout: 2, stride: 2, dilation: 2, pad: 'valid' as Pad },
    { x: [1, 12, 12, 2], k: 5, cout: 2, stride: 1, dilation: 2, pad: [[0, 0], [3, 1], [0, 2], [0, 0]] as Pad },
  ];
  for (const strategy of ['batch-axis', 'im2col'] as const) {
    useFilterGradient('wasm', strategy);
    for (const [i, c] of cases.entries()) {
      const cin = c.x[3];
      const x = randomTensor(c.x, `dx${i}`);
      const e = (c.k - 1) * c.dilation + 1;
      const yShape = tf.tidy(() => tf.conv2d(x as tf.Tensor4D, tf.zeros([e, e, cin, c.cout]) as tf.Tensor4D, c.stride, c.pad).shape);
      const dy = randomTensor(yShape, `ddy${i}`);
      await tf.setBackend('cpu');
      const reference = dilatedReference(x, dy, c.k, cin, c.cout, c.stride, c.dilation, c.pad);
      await tf.setBackend('wasm');
      const got = tf.tidy(() =>
        (
          tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, {
            strides: c.stride,
            pad: c.pad,
            dataFormat: 'NHWC',
            filterShape: [c.k, c.k, cin, c.cout],
            dilations: c.dilation,
          } as unknown as NamedAttrMap) as Tensor
        ).dataSync(),
      ) as Float32Array;
      const tolerance = 1e-5 * Math.max(1, maxAbs(reference));
      const diff = maxAbsDiff(got, reference);
      t.true(diff <= tolerance, `${strategy}, dilated case ${i}: max |diff| ${diff.toExponential(2)} > ${tolerance.toExponential(2)}`);
      tf.dispose([x, dy]);
    }
  }
  useFilterGradient('wasm', 'batch-axis');
});

test('filterGradientGeometry: strides and dilations swap, padding reaches exactly the rows the gradient reads', (t) => {
  const g = filterGradientGeometry([2, 9, 9, 3], [3, 3, 3, 4], 2, 'same', 1);
  t.deepEqual(g.strides, [1, 1]);
  t.deepEqual(g.dilations, [2, 2]);
  t.deepEqual(g.pad, [[0, 0], [1, 1], [1, 1], [0, 0]]);
  t.is(g.outHeight, 5);
  // 'valid' with a remainder: the last input row is never read, so no bottom padding and an output larger than k.
  const v = filterGradientGeometry([1, 8, 8, 1], [3, 3, 1, 1], 2, 'valid', 1);
  t.deepEqual(v.pad, [[0, 0], [0, 0], [0, 0], [0, 0]]);
  t.is(v.outHeight, 3);
});

test.serial('a full generator gradient runs on wasm (no kernel missing) and matches the cpu backend', async (t) => {
  const image = randomTensor([2, 32, 32, 3], 'gen-image');
  const maskValues = new Float32Array(2 * 32 * 32);
  for (let y = 8; y < 24; y++) for (let x = 10; x < 20; x++) maskValues[y * 32 + x] = maskValues[1024 + y * 32 + x + 2] = 1;
  const mask = tf.tensor4d(maskValues, [2, 32, 32, 1]);
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    const generator = new InpaintGenerator({ cnum: 4 }, { seed: 3 });
    const { value, grads } = tf.variableGrads(() => {
      const out = generator.apply(tf.clipByValue(image, -1, 1) as tf.Tensor4D, mask, { training: true });
      return tf.add(tf.mean(tf.abs(tf.sub(out.coarse, image))), tf.mean(tf.abs(tf.sub(out.refined, image)))) as tf.Scalar;
    });
    const result = { loss: value.dataSync()[0], grads: new Map(Object.entries(grads).map(([k, g]) => [k.slice(k.indexOf('/') + 1), g.dataSync() as Float32Array])) };
    tf.dispose([value, grads]);
    generator.dispose();
    return result;
  };
  const cpu = await run('cpu');
  const wasm = await run('wasm');
  t.true(Math.abs(cpu.loss - wasm.loss) < 1e-5, `loss ${cpu.loss} vs ${wasm.loss}`);
  t.is(wasm.grads.size, cpu.grads.size);
  let worst = 0;
  for (const [name, g] of cpu.grads) {
    const w = wasm.grads.get(name)!;
    worst = Math.max(worst, maxAbsDiff(g, w) / Math.max(1e-3, maxAbs(g)));
  }
  t.log(`${cpu.grads.size} gradients, worst relative difference ${worst.toExponential(2)}`);
  t.true(worst < 1e-3, `worst relative gradient difference ${worst}`);
  tf.dispose([image, mask]);
});

/** Sizes uploaded through backend.write while `fn` runs (a host-filled `ones(x.shape)` shows up here). */
function uploadsDuring(fn: () => void): number[] {
  const backend = tf.backend() as unknown as { write: (...args: unknown[]) => unknown };
  const original = backend.write;
  const sizes: number[] = [];
  backend.write = function (this: unknown, values: unknown, ...rest: unknown[]) {
    if (values && typeof values === 'object' && 'length' in values) sizes.push((values as ArrayLike<number>).length);
    return original.call(this, values, ...rest);
  };
  try {
    fn();
  } finally {
    backend.write = original;
  }
  return sizes;
}

const reductionCases: Array<{ shape: number[]; axis: number | number[] | null; keepDims: boolean }> = [
  { shape: [4, 6, 5, 3], axis: [0, 1, 2], keepDims: false },
  { shape: [4, 6, 5, 3], axis: [1, 2], keepDims: true },
  { shape: [7, 9], axis: -1, keepDims: false },
  { shape: [3, 4, 5], axis: null, keepDims: false },
  { shape: [2, 3], axis: [], keepDims: false },
];

for (const backend of ['cpu', 'wasm']) {
  for (const op of ['Mean', 'Sum'] as const) {
    test.serial(`${op} gradient on ${backend}: bit-identical to the stock gradient, right values${backend === 'cpu' ? '' : ', no host-side ones'}`, async (t) => {
      await tf.setBackend(backend);
      registerBgfillKernels();
      const mine = tf.getGradient(op)!;
      t.not(mine, stock[op], 'the override is registered');
      for (const [i, c] of reductionCases.entries()) {
        const x = randomTensor(c.shape, `${op}-x${i}`);
        const y = tf.tidy(() => (op === 'Mean' ? tf.mean(x, c.axis ?? undefined, c.keepDims) : tf.sum(x, c.axis ?? undefined, c.keepDims)));
        const dy = randomTensor(y.shape, `${op}-dy${i}`);
        const attrs = { axis: c.axis ?? c.shape.map((_, d) => d), keepDims: c.keepDims } as unknown as NamedAttrMap;
        let ours: Float32Array | undefined;
        const uploads = uploadsDuring(() => {
          ours = tf.tidy(() => (mine.gradFunc(dy, [x], attrs) as Record<string, () => Tensor>).x().dataSync() as Float32Array);
        });
        let theirs: Float32Array | undefined;
        const stockUploads = uploadsDuring(() => {
          theirs = tf.tidy(() => (stock[op].gradFunc(dy, [x], attrs) as Record<string, () => Tensor>).x().dataSync() as Float32Array);
        });
        // Only wasm (and GPU backends) keep kernel outputs off the JS heap; on cpu every result goes through write().
        if (backend !== 'cpu' && x.size > y.size) t.true(stockUploads.includes(x.size), `${op} case ${i}: the stock gradient uploads ones(x.shape) (the probe works)`);
        t.deepEqual(Array.from(ours!), Array.from(theirs!), `${op} case ${i}: same bits as tfjs-core's gradient`);
        if (backend !== 'cpu') t.false(uploads.some((n) => n === x.size && x.size > y.size), `${op} case ${i}: no x-sized upload (${uploads.join(',')})`);
        // Independent values: dx[i] = dy[reduced index of i] (÷ n for Mean), computed in plain JS.
        const axes = c.axis === null ? c.shape.map((_, d) => d) : tf.util.parseAxisParam(c.axis, c.shape);
        const n = axes.reduce((a, ax) => a * c.shape[ax], 1);
        const dyValues = dy.dataSync();
        const strides = c.shape.map((_, d) => c.shape.slice(d + 1).reduce((a, b) => a * b, 1));
        const keptShape = c.shape.map((s, d) => (axes.includes(d) ? 1 : s));
        const keptStrides = keptShape.map((_, d) => keptShape.slice(d + 1).reduce((a, b) => a * b, 1));
        for (let flat = 0; flat < x.size; flat++) {
          let j = 0;
          for (let d = 0; d < c.shape.length; d++) {
            const coord = Math.floor(flat / strides[d]) % c.shape[d];
            if (!axes.includes(d)) j += coord * keptStrides[d];
          }
          const expected = op === 'Mean' ? dyValues[j] / n : dyValues[j];
          if (Math.abs(ours![flat] - expected) > 1e-7 * Math.max(1, Math.abs(expected))) {
            t.fail(`${op} case ${i}: dx[${flat}] = ${ours![flat]}, expected ${expected}`);
            break;
          }
        }
        tf.dispose([x, y, dy]);
      }
      t.pass();
    });
  }
}

test.serial('wasm SpaceToBatchND / BatchToSpaceND (replaced) equal the cpu kernels, values and gradients', async (t) => {
  const rng = rngFor('kernels-test', 'space-batch');
  for (let i = 0; i < 16; i++) {
    const bh = [1, 2, 3, 4, 8][rng.int(0, 4)];
    const bw = i % 3 === 0 ? bh : [1, 2, 4][rng.int(0, 2)];
    const [pt, pl] = [rng.int(0, 5), rng.int(0, 5)];
    const h = rng.int(3, 20);
    const w = rng.int(3, 20);
    // Bottom/right padding makes the padded size a multiple of the block, as model/conv.ts does.
    const pads: [[number, number], [number, number]] = [[pt, (bh - ((h + pt) % bh)) % bh], [pl, (bw - ((w + pl) % bw)) % bw]];
    const x = randomTensor([rng.int(1, 3), h, w, rng.int(1, 6)], `s2b-x${i}`) as tf.Tensor4D;
    const crops: [[number, number], [number, number]] = [[rng.int(0, 1), rng.int(0, 1)], [rng.int(0, 1), 0]];
    const both = () =>
      tf.tidy(() => {
        const s = tf.spaceToBatchND(x, [bh, bw], pads);
        const back = tf.batchToSpaceND(s, [bh, bw], crops);
        const g = tf.grad((v: tf.Tensor) => tf.sum(tf.mul(tf.batchToSpaceND(tf.spaceToBatchND(v as tf.Tensor4D, [bh, bw], pads), [bh, bw], crops), back)))(x);
        return [s.dataSync(), back.dataSync(), g.dataSync(), s.shape, back.shape] as const;
      });
    await tf.setBackend('cpu');
    const want = both();
    await tf.setBackend('wasm');
    const got = both();
    const label = `case ${i}: x [${x.shape}] block ${bh}×${bw} pads ${JSON.stringify(pads)} crops ${JSON.stringify(crops)}`;
    t.deepEqual(got[3], want[3], `${label}: spaceToBatch shape`);
    t.deepEqual(got[4], want[4], `${label}: batchToSpace shape`);
    t.deepEqual(Array.from(got[0]), Array.from(want[0]), `${label}: spaceToBatch values`);
    t.deepEqual(Array.from(got[1]), Array.from(want[1]), `${label}: batchToSpace values`);
    t.true(maxAbsDiff(got[2], want[2]) < 1e-5, `${label}: gradient`);
    x.dispose();
  }
  // The replacement really is installed (so the comparison above ran through it).
  t.truthy(stockSpaceToBatch);
  t.not(tf.getKernel('SpaceToBatchND', 'wasm')?.kernelFunc, stockSpaceToBatch?.kernelFunc);
  t.not(tf.getKernel('BatchToSpaceND', 'wasm')?.kernelFunc, stockBatchToSpace?.kernelFunc);
});

/** Bytes copied out of the wasm heap by backend.readSync while `fn` runs (the stock Slice reads its whole input). */
function heapReadsDuring(fn: () => void): number {
  const backend = tf.backend() as unknown as { readSync: (...args: unknown[]) => ArrayLike<number> & { byteLength: number } };
  const original = backend.readSync;
  let bytes = 0;
  backend.readSync = function (this: unknown, ...args: unknown[]) {
    const values = original.apply(this, args);
    bytes += values.byteLength;
    return values;
  };
  try {
    fn();
  } finally {
    backend.readSync = original;
  }
  return bytes;
}

test.serial('wasm Slice / SplitV (replaced) equal the cpu kernels on every rank, dtype and kind of box, and read only what they copy', async (t) => {
  const rng = rngFor('kernels-test', 'slice');
  for (let i = 0; i < 40; i++) {
    const rank = rng.int(1, 5);
    const shape = Array.from({ length: rank }, () => rng.int(1, 6));
    const begin = shape.map((n) => rng.int(0, n - 1));
    // −1: to the end; 0 (sometimes): an empty box
    const size = shape.map((n, d) => (rng.int(0, 4) === 0 ? -1 : i % 13 === 0 && d === 0 ? 0 : rng.int(0, n - begin[d])));
    const dtype = (['float32', 'int32', 'bool'] as const)[i % 3];
    const axis = rng.int(0, rank - 1);
    const pieces = rng.int(1, 3);
    const bounds = [0, ...Array.from({ length: pieces - 1 }, () => rng.int(0, shape[axis])).sort((a, b) => a - b), shape[axis]];
    const splits = bounds.slice(1).map((b, k) => b - bounds[k]);
    // −1: the rest (not first: tfjs's prepareSplitSize miscounts a leading −1)
    if (i % 2 === 0 && pieces > 1) splits[rng.int(1, pieces - 1)] = -1;
    const run = () =>
      tf.tidy(() => {
        const r = randomTensor(shape, `slice-x${i}`);
        // bool through a comparison: tfjs-wasm's cast to bool keeps any byte value (stock kernels too)
        const x = dtype === 'bool' ? tf.greater(r, 0) : tf.cast(tf.mul(r, 3), dtype);
        const box = tf.slice(x, begin, size);
        const parts = tf.split(x, splits, axis);
        return { box: [Array.from(box.dataSync()), box.shape] as const, parts: parts.map((p) => [Array.from(p.dataSync()), p.shape] as const) };
      });
    await tf.setBackend('cpu');
    const want = run();
    await tf.setBackend('wasm');
    const got = run();
    const label = `case ${i}: ${dtype} [${shape}] begin [${begin}] size [${size}] split ${JSON.stringify(splits)} on axis ${axis}`;
    t.deepEqual(got.box, want.box, `${label}: slice`);
    t.deepEqual(got.parts, want.parts, `${label}: split`);
  }
  // Equal pieces by count, along an inner axis (strided boxes).
  const x = randomTensor([2, 6, 3], 'split-count');
  const byCount = () => tf.tidy(() => tf.split(x, 3, 1).map((p) => Array.from(p.dataSync())));
  await tf.setBackend('cpu');
  const want = byCount();
  await tf.setBackend('wasm');
  t.deepEqual(byCount(), want, 'split into 3 equal pieces along axis 1');
  x.dispose();
  // The Adam case: a long vector into many pieces. The stock kernels copied the whole vector out once per piece.
  const long = tf.zeros([64 * 1024]);
  const sizes = new Array<number>(64).fill(1024);
  const bytes = heapReadsDuring(() => tf.dispose(tf.split(long, sizes)));
  t.is(bytes, 0, 'no whole-input copies out of the heap');
  t.not(tf.getKernel('SplitV', 'wasm')?.kernelFunc, stockSplit.kernelFunc);
  t.not(tf.getKernel('Slice', 'wasm')?.kernelFunc, stockSlice.kernelFunc);
  registerBgfillKernels(); // idempotent: nothing re-wrapped
  const kernel = tf.getKernel('Slice', 'wasm');
  t.is(tf.getKernel('Slice', 'wasm'), kernel);
  long.dispose();
});

test.serial('wasm Identity (opt-in BGFILL_WASM_IDENTITY=shared) shares the buffer: same values, one allocation, freed when the last holder goes', async (t) => {
  await tf.setBackend('wasm');
  t.is(tf.getKernel('Identity', 'wasm')?.kernelFunc, stockIdentity.kernelFunc, 'not replaced by default (unmeasured)');
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(wasmIdentityKernel(stockIdentity));
  t.teardown(() => {
    tf.unregisterKernel('Identity', 'wasm');
    tf.registerKernel(stockIdentity);
  });
  const backend = tf.backend();
  const before = backend.numDataIds();
  const x = randomTensor([3, 5, 7], 'identity');
  const values = Array.from(x.dataSync());
  const y = tf.clone(x); // the Identity kernel, as tfjs's saving of tensors for gradients runs it
  t.is(y.dataId, x.dataId, 'the same buffer');
  t.is(backend.numDataIds(), before + 1, 'no second allocation');
  x.dispose();
  t.deepEqual(Array.from(y.dataSync()), values, 'still readable after the original is gone');
  y.dispose();
  t.is(backend.numDataIds(), before, 'freed with the last holder');
  // Variables stay independent: assign swaps the variable's buffer, the clone keeps the old values.
  const v = tf.variable(tf.tensor([1, 2, 3]));
  const c = tf.clone(v);
  tf.tidy(() => v.assign(tf.tensor([4, 5, 6])));
  t.deepEqual(Array.from(c.dataSync()), [1, 2, 3]);
  tf.dispose([v, c]);
});

test('registerBgfillKernels is idempotent', (t) => {
  registerBgfillKernels();
  const kernel = tf.getKernel('Conv2DBackpropFilter', 'wasm');
  const s2b = tf.getKernel('SpaceToBatchND', 'wasm');
  const mean = tf.getGradient('Mean');
  t.notThrows(() => registerBgfillKernels());
  t.is(tf.getKernel('Conv2DBackpropFilter', 'wasm'), kernel);
  t.is(tf.getKernel('SpaceToBatchND', 'wasm'), s2b);
  t.is(tf.getGradient('Mean'), mean);
});

/** d(Σ dy·conv2d(x, f))/dx on the current backend, through tf.grad (so through the registered Conv2DBackpropInput). */
function inputGradViaTape(x: tf.Tensor, dy: tf.Tensor, f: tf.Tensor, stride: number | [number, number], pad: Pad): Float32Array {
  return tf.tidy(() => {
    const grad = tf.grad((input: tf.Tensor) => tf.sum(tf.mul(tf.conv2d(input as tf.Tensor4D, f as tf.Tensor4D, stride, pad), dy)));
    return grad(x as tf.Tensor4D).dataSync() as Float32Array;
  });
}

/**
 * Random data-gradient geometries: odd and even sizes, kernels 1/3/5 (and 2/4, whose 'same' padding is asymmetric),
 * batch 1–3, channels 1–6, every padding form, including pads wider than the kernel (dy rows that only meet padding).
 * Every fifth case has stride 2.
 */
function inputGradientCases(n: number): ConvCase[] {
  const rng = rngFor('kernels-test', 'input-gradient-cases');
  const cases: ConvCase[] = [];
  while (cases.length < n) {
    const i = cases.length;
    const k = i % 7 === 6 ? [2, 4][rng.int(0, 1)] : [1, 3, 5][rng.int(0, 2)];
    const h = rng.int(k, 16);
    const w = rng.int(k, 16);
    const form = i % 4;
    const pad: Pad =
      form === 0 ? 'same' : form === 1 ? 'valid' : form === 2 ? rng.int(0, k + 1) : [[0, 0], [rng.int(0, k + 1), rng.int(0, k + 1)], [rng.int(0, k + 1), rng.int(0, k + 1)], [0, 0]];
    cases.push({ x: [rng.int(1, 3), h, w, rng.int(1, 6)], k, cin: 0, cout: rng.int(1, 6), stride: i % 5 === 4 ? 2 : 1, pad });
    cases[i].cin = cases[i].x[3];
  }
  // dy much smaller than x (the space-to-batch dilated layers' shape): left to the stock kernel.
  cases.push({ x: [3, 3, 3, 4], k: 3, cin: 4, cout: 5, stride: 1, pad: 'valid' }, { x: [2, 5, 4, 2], k: 5, cin: 2, cout: 3, stride: 1, pad: [[0, 0], [0, 0], [0, 1], [0, 0]] });
  return cases;
}

/** A data-gradient geometry with per-axis kernel sizes and strides. */
interface StridedCase {
  x: [number, number, number, number];
  kh: number;
  kw: number;
  cout: number;
  strides: [number, number];
  pad: Pad;
}

/**
 * Random strided geometries: strides 2 and 3 (and mixed, 2×1, 1×3, 3×2), kernels 1–5 per axis (even ones included,
 * and kernels smaller than the stride, where some dx rows are never read), odd and even sizes, batch 1–3, channels
 * 1–6, every padding form with pads up to k + 1; then the training shapes scaled down (the discriminator's 5×5 'same'
 * and the generator's 4×4 padding 1) and sizes below the stride.
 */
function stridedCases(n: number): StridedCase[] {
  const rng = rngFor('kernels-test', 'strided-input-gradient-cases');
  const strideChoices: Array<[number, number]> = [[2, 2], [2, 2], [2, 2], [3, 3], [2, 1], [1, 3], [3, 2]];
  const cases: StridedCase[] = [];
  while (cases.length < n) {
    const i = cases.length;
    const kh = rng.int(1, 5);
    const kw = i % 3 === 0 ? kh : rng.int(1, 5);
    const strides = strideChoices[i % strideChoices.length];
    const form = i % 4;
    const pad: Pad =
      form === 0 ? 'same' : form === 1 ? 'valid' : form === 2 ? rng.int(0, Math.max(kh, kw) + 1) : [[0, 0], [rng.int(0, kh + 1), rng.int(0, kh + 1)], [rng.int(0, kw + 1), rng.int(0, kw + 1)], [0, 0]];
    cases.push({ x: [rng.int(1, 3), rng.int(kh, 17), rng.int(kw, 17), rng.int(1, 6)], kh, kw, cout: rng.int(1, 6), strides, pad });
  }
  cases.push(
    { x: [2, 16, 16, 4], kh: 5, kw: 5, cout: 8, strides: [2, 2], pad: 'same' },
    { x: [1, 16, 16, 6], kh: 4, kw: 4, cout: 8, strides: [2, 2], pad: 1 },
    { x: [2, 9, 7, 3], kh: 1, kw: 1, cout: 2, strides: [2, 2], pad: 'valid' },
    { x: [1, 8, 11, 2], kh: 2, kw: 2, cout: 3, strides: [3, 3], pad: 'same' },
    { x: [3, 2, 2, 3], kh: 1, kw: 2, cout: 2, strides: [3, 3], pad: 'valid' },
  );
  return cases;
}

/**
 * Multiply-adds of the phase convolutions over the products that matter, counted by brute force: a product is
 * useful when its (dx pixel, tap) pair reads a dy position inside dy (stride s: s·p = r + pt − i with p in range);
 * dx pixel (r, c) belongs to phase (r mod sh, c mod sw), and a phase that has any useful product computes all its
 * taps (those i ≡ r + pt mod sh, j likewise) for each of its ⌈H / sh⌉ × ⌈W / sw⌉ outputs.
 */
function bruteForceWorkRatio(x: number[], k: number | [number, number], stride: number | [number, number], pad: Pad): number {
  const [, h, w] = x;
  const [kh, kw] = typeof k === 'number' ? [k, k] : k;
  const [sh, sw] = typeof stride === 'number' ? [stride, stride] : stride;
  const info = tf.backend_util.computeConv2DInfo(x as [number, number, number, number], [kh, kw, x[3], 1], [sh, sw], 1, pad, undefined, false, 'channelsLast');
  const mod = (v: number, s: number) => ((v % s) + s) % s;
  let useful = 0;
  const live = new Set<string>();
  for (let r = 0; r < h; r++) {
    for (let c = 0; c < w; c++) {
      for (let i = 0; i < kh; i++) {
        for (let j = 0; j < kw; j++) {
          const pr = r + info.padInfo.top - i;
          const pc = c + info.padInfo.left - j;
          if (mod(pr, sh) !== 0 || mod(pc, sw) !== 0) continue;
          if (pr / sh >= 0 && pr / sh < info.outHeight && pc / sw >= 0 && pc / sw < info.outWidth) {
            useful++;
            live.add(`${r % sh},${c % sw}`);
          }
        }
      }
    }
  }
  let computed = 0;
  for (const key of live) {
    const [a, b] = key.split(',').map(Number);
    let rowTaps = 0;
    let colTaps = 0;
    for (let i = 0; i < kh; i++) rowTaps += mod(a + info.padInfo.top - i, sh) === 0 ? 1 : 0;
    for (let j = 0; j < kw; j++) colTaps += mod(b + info.padInfo.left - j, sw) === 0 ? 1 : 0;
    computed += Math.ceil(h / sh) * Math.ceil(w / sw) * rowTaps * colTaps;
  }
  return computed / useful;
}

test('inputGradientGeometry: the flipped-filter convolution pads k − 1 − p, crops dy where the forward padding is wider', (t) => {
  // 'same' 3×3 pads 1 on every side: so does the gradient.
  t.deepEqual(inputGradientGeometry([1, 8, 8, 3], [3, 3, 3, 4], 'same'), { crop: [[0, 0], [0, 0]], pad: [[0, 0], [1, 1], [1, 1], [0, 0]] });
  // 'valid' 5×5: the full convolution (4 each side): 4 + (8 − 4) + 4 − 5 + 1 = 8 rows back.
  t.deepEqual(inputGradientGeometry([1, 8, 9, 1], [5, 5, 1, 1], 'valid'), { crop: [[0, 0], [0, 0]], pad: [[0, 0], [4, 4], [4, 4], [0, 0]] });
  // 'same' 4×4: tfjs pads 1 top/left, 2 bottom/right; the gradient mirrors it (2 top/left, 1 bottom/right).
  t.deepEqual(inputGradientGeometry([1, 8, 8, 1], [4, 4, 1, 1], 'same').pad, [[0, 0], [2, 1], [2, 1], [0, 0]]);
  // 1×1 kernel, pad 2: dy is 8×8 and its two outer rings only saw zeros: crop them, no padding.
  t.deepEqual(inputGradientGeometry([1, 4, 4, 1], [1, 1, 1, 1], 2), { crop: [[2, 2], [2, 2]], pad: [[0, 0], [0, 0], [0, 0], [0, 0]] });
  // Explicit, asymmetric, one side wider than k − 1: top 4 on a 3×3 crops 2 rows of dy, bottom 0 pads 2.
  t.deepEqual(inputGradientGeometry([1, 6, 6, 1], [3, 3, 1, 1], [[0, 0], [4, 0], [1, 2], [0, 0]]), { crop: [[2, 0], [0, 0]], pad: [[0, 0], [0, 2], [1, 0], [0, 0]] });
});

test('workRatio: the full convolution\'s multiply-adds over the useful ones, as counted by brute force', (t) => {
  t.is(workRatio([256, 3, 3, 8], [3, 3, 8, 8], 'valid'), 9);
  t.is(workRatio([1, 4, 4, 8], [3, 3, 8, 8], 'valid'), 4);
  t.true(Math.abs(workRatio([1, 64, 64, 8], [3, 3, 8, 8], 'same') - (192 / 190) ** 2) < 1e-12);
  // The discriminator's 5×5 stride-2 'same' layer at 32²: 16 outputs × (2 + 3) taps per axis over 77 useful ones.
  t.true(Math.abs(workRatio([1, 32, 32, 64], [5, 5, 64, 128], 'same', undefined, 2) - (80 / 77) ** 2) < 1e-12);
  for (const c of inputGradientCases(40)) {
    const want = bruteForceWorkRatio(c.x, c.k, c.stride, c.pad);
    const got = workRatio(c.x as [number, number, number, number], [c.k, c.k, c.cin, c.cout], c.pad, undefined, c.stride);
    t.true(Math.abs(got - want) < 1e-9 * want, `${JSON.stringify(c)}: ${got} vs ${want}`);
  }
  for (const c of stridedCases(60)) {
    const want = bruteForceWorkRatio(c.x, [c.kh, c.kw], c.strides, c.pad);
    const got = workRatio(c.x, [c.kh, c.kw, c.x[3], c.cout], c.pad, undefined, c.strides);
    t.true(Math.abs(got - want) < 1e-9 * want || (got === Infinity && want === Infinity), `${JSON.stringify(c)}: ${got} vs ${want}`);
  }
});

/**
 * Run `body` with the wasm data-gradient kernel rebuilt around a fallback that counts its calls (to see which cases
 * take the fast path), then put the installed kernel back.
 */
async function withCountingInputGradient(body: (fallbackCalls: () => number) => Promise<void>): Promise<void> {
  const installedKernel = tf.getKernel('Conv2DBackpropInput', 'wasm')!;
  let calls = 0;
  const counting: KernelFunc = (args) => {
    calls++;
    return stockInputGradient.kernelFunc(args);
  };
  const probe: KernelConfig = conv2DBackpropInputKernel('wasm', { ...stockInputGradient, kernelFunc: counting });
  try {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(probe);
    await body(() => calls);
  } finally {
    tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
    tf.registerKernel(installedKernel);
  }
}

/** One data-gradient case: the path taken (fallback calls during it) and dx against the cpu reference. */
function checkInputGradientCase(t: ExecutionContext, label: string, got: Float32Array, reference: Float32Array, xShape: number[], fallbacks: number, fast: boolean, fastPath: string): void {
  t.is(fallbacks, fast ? 0 : 1, `${label}: ${fast ? fastPath : 'stock fallback'}`);
  t.is(got.length, xShape.reduce((a, b) => a * b, 1), `${label}: dx has x's size`);
  const tolerance = 1e-5 * Math.max(1, maxAbs(reference));
  const diff = maxAbsDiff(got, reference);
  t.true(diff <= tolerance, `${label}: max |diff| ${diff.toExponential(2)} > ${tolerance.toExponential(2)}`);
}

test.serial('wasm Conv2DBackpropInput (replaced) matches the cpu kernel on random shapes and paddings, strides 1 and 2; mostly-padding geometries go to the stock kernel', async (t) => {
  await tf.setBackend('wasm');
  t.not(tf.getKernel('Conv2DBackpropInput', 'wasm')!.kernelFunc, stockInputGradient.kernelFunc, 'registerBgfillKernels replaced the stock kernel');
  const cases = inputGradientCases(40);
  let fastCases = 0;
  await withCountingInputGradient(async (fallbackCalls) => {
    for (const [i, c] of cases.entries()) {
      const x = randomTensor(c.x, `ix${i}`);
      const f = randomTensor([c.k, c.k, c.cin, c.cout], `if${i}`);
      const yShape = tf.tidy(() => tf.conv2d(x as tf.Tensor4D, f as tf.Tensor4D, c.stride, c.pad).shape);
      const dy = randomTensor(yShape, `idy${i}`);
      await tf.setBackend('cpu');
      const reference = inputGradViaTape(x, dy, f, c.stride, c.pad);
      await tf.setBackend('wasm');
      const before = fallbackCalls();
      const got = inputGradViaTape(x, dy, f, c.stride, c.pad);
      const fast = bruteForceWorkRatio(c.x, c.k, c.stride, c.pad) <= MAX_WORK_RATIO;
      fastCases += fast ? 1 : 0;
      checkInputGradientCase(t, `case ${i} ${JSON.stringify(c)}`, got, reference, c.x, fallbackCalls() - before, fast, 'flipped-filter convolution');
      tf.dispose([x, f, dy]);
    }
  });
  t.true(cases.some((c) => c.stride === 2) && cases.some((c) => Array.isArray(c.pad)), 'the cases cover stride 2 and explicit padding');
  t.true(fastCases >= 30 && fastCases < cases.length, `${fastCases} of ${cases.length} cases ran the flipped-filter convolution, the rest the fallback`);
});

/**
 * Run Conv2DBackpropInput directly on `backend` (as conv2dTranspose does): its output, and what it left behind —
 * tensors, backend data ids — and the wasm heap's bytes afterwards (0 elsewhere).
 */
async function runInputGradientKernel(backend: string, dy: Tensor, f: Tensor, attrs: object) {
  await tf.setBackend(backend);
  const before = tf.memory().numTensors;
  const dataIds = tf.backend().numDataIds();
  const out = tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, attrs as unknown as NamedAttrMap) as Tensor;
  const result = { shape: out.shape, values: out.dataSync() as Float32Array };
  out.dispose();
  return { ...result, leaked: tf.memory().numTensors - before, leakedData: tf.backend().numDataIds() - dataIds, bytes: backend === 'wasm' ? tf.memory().numBytes : 0 };
}

test.serial('wasm Conv2DBackpropInput called directly (as conv2dTranspose does) equals the cpu kernel, and leaks no tensors', async (t) => {
  const dy = randomTensor([2, 12, 10, 5], 'direct-dy');
  const f = randomTensor([3, 3, 4, 5], 'direct-f');
  const attrs = { strides: 1, pad: [[0, 0], [2, 0], [1, 3], [0, 0]], dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: [2, 12, 8, 4] };
  const run = (backend: string) => runInputGradientKernel(backend, dy, f, attrs);
  const cpu = await run('cpu');
  const wasmBytes = (await tf.setBackend('wasm'), tf.memory().numBytes);
  const wasm = await run('wasm');
  t.deepEqual(wasm.shape, [2, 12, 8, 4]);
  t.deepEqual(wasm.shape, cpu.shape);
  t.true(maxAbsDiff(wasm.values, cpu.values) <= 1e-5 * Math.max(1, maxAbs(cpu.values)));
  t.is(wasm.leaked, 0);
  t.is(wasm.bytes, wasmBytes, 'the flipped filter and cropped dy are freed');
  tf.dispose([dy, f]);
});

/** dx of a 1-D convolution by its definition: dx[s·p + i − pt] += dy[p]·w[i]. */
function scatterGradient1d(n: number, dy: number[], w: number[], s: number, pt: number): number[] {
  const dx = new Array<number>(n).fill(0);
  dy.forEach((g, p) => w.forEach((v, i) => {
    const r = s * p + i - pt;
    if (r >= 0 && r < n) dx[r] += g * v;
  }));
  return dx;
}

test('axisPhases: the phases\' stride-1 correlations, interleaved, give the 1-D data gradient computed by scattering', (t) => {
  const rng = rngFor('kernels-test', 'axis-phases');
  t.deepEqual(axisPhases(64, 32, 4, 2, 1), [
    { residue: 0, tapBegin: 0, taps: 2, crop: [0, 0], pad: [1, 0], empty: false },
    { residue: 1, tapBegin: 1, taps: 2, crop: [0, 0], pad: [0, 1], empty: false },
  ]);
  let checked = 0;
  while (checked < 400) {
    const k = rng.int(1, 6);
    const s = rng.int(1, 4);
    const n = rng.int(1, 20);
    const pt = rng.int(0, k + 2);
    const pb = rng.int(0, k + 2);
    const outSize = Math.floor((n + pt + pb - k) / s) + 1;
    if (n + pt + pb < k) continue;
    checked++;
    const dy = Array.from({ length: outSize }, () => rng.normal());
    const w = Array.from({ length: k }, () => rng.normal());
    const flipped = [...w].reverse();
    const want = scatterGradient1d(n, dy, w, s, pt);
    const phases = axisPhases(n, outSize, k, s, pt);
    const m = Math.ceil(n / s);
    const label = `n ${n}, k ${k}, s ${s}, pads ${pt}/${pb}`;
    t.deepEqual(phases.map((ph) => ph.residue), [...Array(s).keys()], label);
    t.is(phases.reduce((sum, ph) => sum + ph.taps, 0), k, `${label}: every tap belongs to one phase`);
    const got = new Array<number>(m * s).fill(0);
    for (const ph of phases) {
      if (ph.empty) continue;
      const source = [...new Array<number>(ph.pad[0]).fill(0), ...dy.slice(ph.crop[0], outSize - ph.crop[1]), ...new Array<number>(ph.pad[1]).fill(0)];
      t.is(source.length - ph.taps + 1, m, `${label}, phase ${ph.residue}: the correlation outputs ⌈n / s⌉ values`);
      for (let mi = 0; mi < m; mi++) {
        let sum = 0;
        for (let u = 0; u < ph.taps; u++) sum += source[mi + u] * flipped[ph.tapBegin + s * u];
        got[s * mi + ph.residue] = sum;
      }
    }
    t.true(maxAbsDiff(got.slice(0, n), want) < 1e-12, `${label}: ${got.slice(0, n).join(' ')} vs ${want.join(' ')}`);
  }
});

test.serial('phaseFilter: the phase\'s taps of the filter turned 180° with channels swapped, as tf.reverse + tf.transpose + tf.stridedSlice give them', async (t) => {
  await tf.setBackend('cpu');
  const rng = rngFor('kernels-test', 'phase-filter');
  for (let n = 0; n < 12; n++) {
    const shape: [number, number, number, number] = [rng.int(1, 5), rng.int(1, 5), rng.int(1, 4), rng.int(1, 4)];
    const strides: [number, number] = [rng.int(1, 3), rng.int(1, 3)];
    const w = randomTensor(shape, `phase-filter-${n}`);
    const values = w.dataSync() as Float32Array;
    const flipped = tf.tidy(() => tf.transpose(tf.reverse(w, [0, 1]), [0, 1, 3, 2]));
    for (const rp of axisPhases(9, 4, shape[0], strides[0], 1)) {
      for (const cp of axisPhases(7, 3, shape[1], strides[1], 0)) {
        if (rp.taps === 0 || cp.taps === 0) continue;
        const want = tf.tidy(() =>
          tf.stridedSlice(flipped, [rp.tapBegin, cp.tapBegin, 0, 0], [rp.tapBegin + strides[0] * (rp.taps - 1) + 1, cp.tapBegin + strides[1] * (cp.taps - 1) + 1, shape[3], shape[2]], [...strides, 1, 1]).dataSync(),
        );
        t.deepEqual(Array.from(phaseFilter(values, shape, strides, rp, cp)), Array.from(want), `filter ${shape}, strides ${strides}, phase ${rp.residue},${cp.residue}`);
      }
    }
    tf.dispose([w, flipped]);
  }
  await tf.setBackend('wasm');
});

test.serial('wasm Conv2DBackpropInput with strides 2 and 3 (s² phase convolutions) matches the cpu kernel; odd sizes, kernels 1–5, every padding form', async (t) => {
  await tf.setBackend('wasm');
  const cases = stridedCases(60);
  let fastCases = 0;
  await withCountingInputGradient(async (fallbackCalls) => {
    for (const [i, c] of cases.entries()) {
      const x = randomTensor(c.x, `sx${i}`);
      const f = randomTensor([c.kh, c.kw, c.x[3], c.cout], `sf${i}`);
      const info = tf.backend_util.computeConv2DInfo(c.x, [c.kh, c.kw, c.x[3], c.cout], c.strides, 1, c.pad, undefined, false, 'channelsLast');
      const dy = randomTensor([c.x[0], info.outHeight, info.outWidth, c.cout], `sdy${i}`);
      await tf.setBackend('cpu');
      const reference = inputGradViaTape(x, dy, f, c.strides, c.pad);
      await tf.setBackend('wasm');
      const before = fallbackCalls();
      // The kernel as the tape calls it, but directly: tfjs-wasm's forward Conv2D corrupts its heap for unequal
      // strides (strides [3, 2] on a 13×5 input: "memory access out of bounds" at the next dispose), so the wasm side
      // skips the forward pass. The attributes are those tfjs-core's conv2d gradient passes.
      const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: c.x };
      const got = tf.tidy(() => (tf.engine().runKernel('Conv2DBackpropInput', { dy, filter: f }, attrs as unknown as NamedAttrMap) as Tensor).dataSync() as Float32Array);
      const fast = bruteForceWorkRatio(c.x, [c.kh, c.kw], c.strides, c.pad) <= MAX_WORK_RATIO;
      fastCases += fast ? 1 : 0;
      checkInputGradientCase(t, `case ${i} ${JSON.stringify(c)}`, got, reference, c.x, fallbackCalls() - before, fast, 'phase convolutions');
      tf.dispose([x, f, dy]);
    }
  });
  t.true(fastCases >= 45, `${fastCases} of ${cases.length} strided cases ran the phase convolutions`);
  t.true(cases.slice(-5).every((c) => bruteForceWorkRatio(c.x, [c.kh, c.kw], c.strides, c.pad) <= MAX_WORK_RATIO), 'the fixed shapes (training layers, k < s, H < s) take the phase path');
});

test.serial('wasm Conv2DBackpropInput with strides [2, 3] called directly (as conv2dTranspose does) equals the cpu kernel, and leaks nothing', async (t) => {
  const dy = randomTensor([2, 6, 4, 5], 'strided-direct-dy');
  const f = randomTensor([4, 5, 3, 5], 'strided-direct-f');
  // Forward: 12 rows, pad 1/2, 4 taps, stride 2 → ⌊11 / 2⌋ + 1 = 6; 11 columns, pad 2/1, 5 taps, stride 3 → 4.
  const attrs = { strides: [2, 3], pad: [[0, 0], [1, 2], [2, 1], [0, 0]], dataFormat: 'NHWC', dimRoundingMode: undefined, inputShape: [2, 12, 11, 3] };
  t.true(coversInputGradient(attrs as InputGradAttrs, f.shape, dy.shape), 'the phase convolutions take this geometry');
  const run = (backend: string) => runInputGradientKernel(backend, dy, f, attrs);
  const cpu = await run('cpu');
  await run('wasm'); // moves dy and the filter back to wasm, so the next run counts only what the kernel makes
  const wasmBytes = tf.memory().numBytes;
  const wasm = await run('wasm');
  t.is(wasm.leakedData, 0, 'every intermediate the kernel made on the backend is released');
  t.deepEqual(wasm.shape, [2, 12, 11, 3]);
  t.deepEqual(wasm.shape, cpu.shape);
  t.true(maxAbsDiff(wasm.values, cpu.values) <= 1e-5 * Math.max(1, maxAbs(cpu.values)));
  t.is(wasm.leaked, 0);
  t.is(wasm.bytes, wasmBytes, 'the sub-filters, phases and their concatenation are freed');
  tf.dispose([dy, f]);
});

test('BGFILL_WASM_INPUT_GRADIENT: stock keeps tfjs-wasm\'s kernel, the default replaces it, anything else is refused', async (t) => {
  const script = [
    "import * as tf from '@tensorflow/tfjs';",
    "import '@tensorflow/tfjs-backend-wasm';",
    "const { registerBgfillKernels } = await import('./src/backend/register-kernels.ts');",
    "const stock = tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc;",
    'try { registerBgfillKernels(); } catch (err) { console.log(`error: ${err.message}`); process.exit(0); }',
    "console.log(tf.getKernel('Conv2DBackpropInput', 'wasm').kernelFunc === stock ? 'stock' : 'replaced');",
  ].join('\n');
  const cwd = new URL('..', import.meta.url).pathname;
  const run = async (value: string | undefined) => {
    const env = { ...process.env };
    if (value === undefined) delete env.BGFILL_WASM_INPUT_GRADIENT;
    else env.BGFILL_WASM_INPUT_GRADIENT = value;
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd, env });
    return stdout.trim();
  };
  t.is(await run(undefined), 'replaced');
  t.is(await run('flipped-conv'), 'replaced');
  t.is(await run('stock'), 'stock');
  t.regex(await run('xnnpack'), /^error: BGFILL_WASM_INPUT_GRADIENT must be one of flipped-conv, stock, got xnnpack$/);
});

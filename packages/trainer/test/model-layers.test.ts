// The generator's building blocks against independent references: tfjs's native dilated convolution and
// resize op, a dilated-by-zero-insertion kernel for gradients, and plain double-precision loops.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { rngFor } from '@bgfill/core';
import { conv2dTorch, convOutputSize } from '../src/model/conv.js';
import { upsampleNearest2x } from '../src/model/upsample.js';
import { batchNormTraining, batchNormInference, channelMean } from '../src/model/batch-norm.js';
import { channelGate } from '../src/model/channel-gate.js';
import { attentionChunk, coordinateMap, selfAttention, type SelfAttentionWeights } from '../src/model/self-attention.js';

test.before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

function random(shape: number[], seed: string, scale = 1): tf.Tensor {
  const rng = rngFor(seed);
  const size = shape.reduce((a, b) => a * b, 1);
  return tf.tensor(Float32Array.from({ length: size }, () => rng.normal() * scale), shape);
}

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

/** A k×k kernel dilated by zero insertion to (k−1)r+1, built from differentiable ops (concat, reshape, slice). */
function zeroInsertedKernel(kernel: tf.Tensor4D, r: number): tf.Tensor4D {
  const [k, , ci, co] = kernel.shape;
  const rows = tf.reshape(tf.concat([tf.expandDims(kernel, 1), tf.zeros([k, r - 1, k, ci, co])], 1), [k * r, k, ci, co]);
  const rowsCut = tf.slice(rows, [0, 0, 0, 0], [(k - 1) * r + 1, k, ci, co]);
  const h = (k - 1) * r + 1;
  const cols = tf.reshape(tf.concat([tf.expandDims(rowsCut, 2), tf.zeros([h, k, r - 1, ci, co])], 2), [h, k * r, ci, co]);
  return tf.slice(cols, [0, 0, 0, 0], [h, h, ci, co]) as tf.Tensor4D;
}

test('space-to-batch dilated convolutions equal tfjs’s native dilated conv2d, for sizes that are not multiples of the rate too', async (t) => {
  const cases: Array<[number, number, number, number]> = [
    // [height, width, rate, padding]
    [16, 16, 2, 2],
    [13, 7, 2, 2],
    [9, 11, 4, 4],
    [8, 8, 16, 16],
    [10, 6, 3, 3],
    [12, 12, 2, 0],
    [7, 9, 3, 1],
  ];
  for (const [h, w, r, p] of cases) {
    const x = random([2, h, w, 3], `x${h}${w}${r}`) as tf.Tensor4D;
    const kernel = random([3, 3, 3, 4], `k${h}${w}${r}`) as tf.Tensor4D;
    const bias = random([4], `b${h}`) as tf.Tensor1D;
    const geometry = { stride: 1, padding: p, dilation: r };
    const ours = conv2dTorch(x, kernel, bias, geometry, 'space-to-batch');
    const auto = conv2dTorch(x, kernel, bias, geometry); // no tape: the native kernel
    const native = tf.add(tf.conv2d(x, kernel, 1, [[0, 0], [p, p], [p, p], [0, 0]], 'NHWC', [r, r]), bias);
    t.deepEqual(ours.shape, native.shape, `${h}×${w} rate ${r} pad ${p}`);
    t.deepEqual(ours.shape.slice(1, 3), [convOutputSize(h, 3, geometry), convOutputSize(w, 3, geometry)]);
    t.true((await maxDiff(ours, native)) < 1e-5, `${h}×${w} rate ${r} pad ${p}`);
    t.true((await maxDiff(auto, native)) < 1e-5, `auto, ${h}×${w} rate ${r} pad ${p}`);
    tf.dispose([x, kernel, bias, ours, auto, native]);
  }
});

test('strided and padded convolutions follow PyTorch’s size rule ⌊(n + 2p − k)/s⌋ + 1', async (t) => {
  for (const [n, k, s, p] of [[64, 4, 2, 1], [63, 4, 2, 1], [32, 5, 1, 2], [31, 3, 1, 1]]) {
    const x = random([1, n, n, 2], `s${n}${k}`) as tf.Tensor4D;
    const kernel = random([k, k, 2, 3], `sk${n}${k}`) as tf.Tensor4D;
    const y = conv2dTorch(x, kernel, null, { stride: s, padding: p, dilation: 1 });
    t.is(y.shape[1], Math.floor((n + 2 * p - k) / s) + 1);
    const reference = tf.conv2d(tf.pad(x, [[0, 0], [p, p], [p, p], [0, 0]]), kernel, s, 'valid');
    t.true((await maxDiff(y, reference)) < 1e-5);
    tf.dispose([x, kernel, y, reference]);
  }
});

test('rates 8 and 16 with taps inside the map (the generator at 128² and 256²): both paths equal a zero-inserted dense kernel', async (t) => {
  // The parity fixtures are 64² and 32² inputs: at 1/4 resolution, rate-16 taps only ever meet the padding there.
  for (const [h, w, r] of [[40, 36, 16], [64, 64, 16], [24, 20, 8]] as const) {
    const x = random([1, h, w, 3], `big${h}${r}`) as tf.Tensor4D;
    const kernel = random([3, 3, 3, 2], `bigk${h}${r}`) as tf.Tensor4D;
    const reference = tf.conv2d(x, zeroInsertedKernel(kernel, r), 1, [[0, 0], [r, r], [r, r], [0, 0]]);
    const geometry = { stride: 1, padding: r, dilation: r };
    for (const path of ['native', 'space-to-batch'] as const) {
      const ours = path === 'native' ? conv2dTorch(x, kernel, null, geometry) : conv2dTorch(x, kernel, null, geometry, 'space-to-batch');
      t.deepEqual(ours.shape, reference.shape);
      t.true((await maxDiff(ours, reference)) < 1e-4, `${path}, ${h}×${w} rate ${r}`);
      ours.dispose();
    }
    tf.dispose([x, kernel, reference]);
  }
});

test('dilated convolution gradients (input and kernel) equal those of a zero-inserted dense kernel', async (t) => {
  // Under a tape, 'auto' takes the space-to-batch path (tfjs's own dilated Conv2D has no gradient).
  for (const [h, r] of [[9, 2], [10, 4], [6, 3]] as const) {
    const x = random([2, h, h, 2], `gx${h}`) as tf.Tensor4D;
    const kernel = random([3, 3, 2, 3], `gk${h}`) as tf.Tensor4D;
    const weight = random([2, h, h, 3], `gw${h}`); // a fixed projection makes the loss depend on every output
    const loss = (f: (x: tf.Tensor4D, k: tf.Tensor4D) => tf.Tensor4D) => (a: tf.Tensor, b: tf.Tensor) => tf.sum(tf.mul(f(a as tf.Tensor4D, b as tf.Tensor4D), weight));
    const [dxOurs, dkOurs] = tf.grads(loss((a, b) => conv2dTorch(a, b, null, { stride: 1, padding: r, dilation: r })))([x, kernel]);
    const [dxRef, dkRef] = tf.grads(loss((a, b) => tf.conv2d(a, zeroInsertedKernel(b, r), 1, [[0, 0], [r, r], [r, r], [0, 0]])))([x, kernel]);
    t.true((await maxDiff(dxOurs, dxRef)) < 1e-4, `dx, ${h}px rate ${r}`);
    t.true((await maxDiff(dkOurs, dkRef)) < 1e-4, `dkernel, ${h}px rate ${r}`);
    t.true((await tf.max(tf.abs(dkOurs)).data())[0] > 0.1, 'gradients are not trivially zero');
    tf.dispose([x, kernel, weight, dxOurs, dkOurs, dxRef, dkRef]);
  }
});

test('nearest ×2 upsampling equals tf.image.resizeNearestNeighbor and PyTorch’s floor(i/2) rule', async (t) => {
  const x = random([2, 3, 5, 4], 'up') as tf.Tensor4D;
  const ours = upsampleNearest2x(x);
  const resized = tf.image.resizeNearestNeighbor(x, [6, 10]);
  t.deepEqual(await ours.data(), await resized.data());
  const small = upsampleNearest2x(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1]));
  t.deepEqual(Array.from(await small.data()), [1, 1, 2, 2, 1, 1, 2, 2, 3, 3, 4, 4, 3, 3, 4, 4]);
  const [dx] = tf.grads((a: tf.Tensor) => tf.sum(upsampleNearest2x(a as tf.Tensor4D)))([x]);
  t.deepEqual(Array.from(new Set(await dx.data())), [4], 'each input pixel feeds four outputs');
  tf.dispose([x, ours, resized, small, dx]);
});

test('training-mode batch norm: batch statistics, and running statistics with momentum 0.1 and unbiased variance', async (t) => {
  const x = random([2, 3, 4, 2], 'bn', 2) as tf.Tensor4D;
  const p = {
    weight: tf.tensor1d([1.5, 0.5]),
    bias: tf.tensor1d([0.1, -0.2]),
    runningMean: tf.tensor1d([0.3, -0.1]),
    runningVar: tf.tensor1d([2, 0.5]),
  };
  const { y, runningMean, runningVar } = batchNormTraining(x, p);
  const values = await x.data();
  const ys = await y.data();
  for (let c = 0; c < 2; c++) {
    const xs: number[] = [];
    const yc: number[] = [];
    for (let i = c; i < values.length; i += 2) {
      xs.push(values[i]);
      yc.push(ys[i]);
    }
    const n = xs.length;
    const mean = xs.reduce((a, b) => a + b, 0) / n;
    const biased = xs.reduce((a, b) => a + (b - mean) ** 2, 0) / n;
    const w = [1.5, 0.5][c];
    const b = [0.1, -0.2][c];
    for (let i = 0; i < n; i++) t.true(Math.abs(yc[i] - ((xs[i] - mean) / Math.sqrt(biased + 1e-5)) * w - b) < 1e-5);
    t.true(Math.abs((await runningMean.data())[c] - (0.9 * [0.3, -0.1][c] + 0.1 * mean)) < 1e-6);
    t.true(Math.abs((await runningVar.data())[c] - (0.9 * [2, 0.5][c] + (0.1 * biased * n) / (n - 1))) < 1e-6);
  }
  const inference = batchNormInference(x, p);
  const xv = await x.data();
  const iv = await inference.data();
  t.true(Math.abs(iv[0] - ((xv[0] - 0.3) / Math.sqrt(2 + 1e-5)) * 1.5 - 0.1) < 1e-6);
  t.throws(() => batchNormTraining(tf.zeros([1, 1, 1, 2]) as tf.Tensor4D, p), { message: /more than 1 value per channel/ });
  const m = channelMean(x);
  t.true((await maxDiff(tf.reshape(m, [2]), tf.mean(x, [0, 1, 2]))) < 1e-6);
  tf.dispose([x, y, runningMean, runningVar, inference, m, ...Object.values(p)]);
});

test('GCT gate: exactly 1 at its initial parameters, and the Yang et al. formula otherwise', async (t) => {
  const y = random([2, 3, 3, 4], 'gct') as tf.Tensor4D;
  const init = channelGate(y, { alpha: tf.ones([4]), gamma: tf.zeros([4]), beta: tf.zeros([4]) });
  t.deepEqual(Array.from(new Set(await init.data())), [1]);
  const alpha = [1, 0.5, 2, 1.5];
  const gamma = [0.3, -0.7, 1.1, 0.2];
  const beta = [0.1, 0, -0.4, 0.5];
  const gate = await channelGate(y, { alpha: tf.tensor1d(alpha), gamma: tf.tensor1d(gamma), beta: tf.tensor1d(beta) }).data();
  const v = await y.data();
  for (let n = 0; n < 2; n++) {
    const emb = [0, 1, 2, 3].map((c) => {
      let s = 0;
      for (let i = 0; i < 9; i++) s += v[(n * 9 + i) * 4 + c] ** 2;
      return Math.sqrt(s + 1e-5) * alpha[c];
    });
    const norm = Math.sqrt(emb.reduce((a, e) => a + e * e, 0) / 4 + 1e-5);
    for (let c = 0; c < 4; c++) t.true(Math.abs(gate[n * 4 + c] - (1 + Math.tanh((emb[c] * gamma[c]) / norm + beta[c]))) < 1e-5);
  }
});

function attentionWeights(c: number, seed: string, gamma: number, coord: boolean): SelfAttentionWeights {
  const d = c / 8;
  return {
    queryKernel: random([1, 1, c, d], `${seed}q`, 0.5) as tf.Tensor4D,
    queryBias: random([d], `${seed}qb`, 0.1) as tf.Tensor1D,
    keyKernel: random([1, 1, c, d], `${seed}k`, 0.5) as tf.Tensor4D,
    keyBias: random([d], `${seed}kb`, 0.1) as tf.Tensor1D,
    valueKernel: random([1, 1, c, c], `${seed}v`, 0.5) as tf.Tensor4D,
    valueBias: random([c], `${seed}vb`, 0.1) as tf.Tensor1D,
    gamma: tf.tensor1d([gamma]),
    coordKernel: coord ? (random([1, 1, 2, d], `${seed}c`) as tf.Tensor4D) : undefined,
    coordBias: coord ? (random([d], `${seed}cb`) as tf.Tensor1D) : undefined,
  };
}

test('self-attention with gamma 0 is the identity', async (t) => {
  const x = random([2, 3, 4, 16], 'id') as tf.Tensor4D;
  const y = selfAttention(x, attentionWeights(16, 'id', 0, true), { scaled: true });
  t.deepEqual(await y.data(), await x.data());
});

test('self-attention (plain, scaled, coordinate bias) equals a double-precision loop implementation', async (t) => {
  const [n, h, w, c] = [1, 3, 2, 16];
  const d = c / 8;
  const x = random([n, h, w, c], 'att') as tf.Tensor4D;
  const xv = await x.data();
  for (const [scaled, coord] of [[false, false], [true, false], [false, true], [true, true]] as const) {
    const p = attentionWeights(c, 'att', 0.7, coord);
    const got = await selfAttention(x, p, { scaled }).data();
    const [wq, bq, wk, bk, wv, bv] = await Promise.all([p.queryKernel, p.queryBias, p.keyKernel, p.keyBias, p.valueKernel, p.valueBias].map((v) => v.data()));
    const wc = coord ? await p.coordKernel!.data() : null;
    const bc = coord ? await p.coordBias!.data() : null;
    const N = h * w;
    const proj = (i: number, wt: ArrayLike<number>, b: ArrayLike<number>, out: number) =>
      Array.from({ length: out }, (_, o) => {
        let s = b[o];
        for (let k = 0; k < c; k++) s += xv[i * c + k] * wt[k * out + o];
        return s;
      });
    const q = Array.from({ length: N }, (_, i) => proj(i, wq, bq, d));
    const k = Array.from({ length: N }, (_, i) => {
      const key = proj(i, wk, bk, d);
      if (wc && bc) {
        const yy = (2 * Math.floor(i / w) + 1) / h - 1;
        const xx = (2 * (i % w) + 1) / w - 1;
        for (let o = 0; o < d; o++) key[o] += yy * wc[o] + xx * wc[d + o] + bc[o];
      }
      return key;
    });
    const v = Array.from({ length: N }, (_, i) => proj(i, wv, bv, c));
    let worst = 0;
    for (let i = 0; i < N; i++) {
      const e = k.map((kj) => kj.reduce((s, kv, o) => s + kv * q[i][o], 0) / (scaled ? Math.sqrt(d) : 1));
      const m = Math.max(...e);
      const z = e.map((ej) => Math.exp(ej - m));
      const sum = z.reduce((a, b) => a + b, 0);
      for (let ch = 0; ch < c; ch++) {
        const out = z.reduce((s, zj, j) => s + (zj / sum) * v[j][ch], 0);
        worst = Math.max(worst, Math.abs(got[i * c + ch] - (0.7 * out + xv[i * c + ch])));
      }
    }
    t.true(worst < 1e-5, `scaled ${scaled} coord ${coord}: ${worst}`);
  }
});

test('self-attention in chunks of images (large batches) gives the unchunked values and gradients', async (t) => {
  const x = random([5, 4, 3, 16], 'chunks') as tf.Tensor4D;
  const p = attentionWeights(16, 'chunks', 0.9, true);
  const scoreBytes = (4 * 3) ** 2 * 4; // one image's score matrix
  t.is(attentionChunk(5, 12, 2 * scoreBytes), 2);
  t.is(attentionChunk(5, 12, scoreBytes - 1), 1, 'never below one image');
  t.is(attentionChunk(32, 64 * 64), 16, '256² inputs: 16 images (1 GiB of scores) at a time');
  const run = (maxChunkBytes?: number) =>
    tf.tidy(() => {
      const f = (input: tf.Tensor) => tf.sum(tf.square(selfAttention(input as tf.Tensor4D, p, { scaled: true, maxChunkBytes })));
      const grad = tf.grad(f)(x);
      return [selfAttention(x, p, { scaled: true, maxChunkBytes }).dataSync(), grad.dataSync()];
    });
  const [whole, wholeGrad] = run();
  for (const bytes of [scoreBytes, 2 * scoreBytes]) {
    const [chunked, chunkedGrad] = run(bytes);
    t.deepEqual(Array.from(chunked), Array.from(whole), `${bytes / scoreBytes} image(s) per chunk: values`);
    let worst = 0;
    for (let i = 0; i < whole.length; i++) worst = Math.max(worst, Math.abs(chunkedGrad[i] - wholeGrad[i]));
    t.true(worst <= 1e-6, `${bytes / scoreBytes} image(s) per chunk: gradient differs by ${worst}`);
  }
});

test('the coordinate map holds pixel-centre (y, x) in −1…1', async (t) => {
  t.deepEqual(Array.from(await coordinateMap(1, 2).data()), [0, -0.5, 0, 0.5]);
  const m = await coordinateMap(4, 4).data();
  t.deepEqual([m[0], m[1], m[30], m[31]], [-0.75, -0.75, 0.75, 0.75]);
});

// Tensor SSIM / MS-SSIM against the float64 buffer versions, on TensorFlow.js's cpu and wasm backends; gradients
// (existence, finiteness, a finite-difference check against the float64 implementation, an ascent step).
// Serial: the tests switch the global tfjs backend.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BgfillError, rngFor } from '@bgfill/core';
import type { FloatImage, RgbImage } from '../src/metrics/image.js';
import { msssim } from '../src/metrics/msssim.js';
import type { MsssimOptions } from '../src/metrics/options.js';
import { ssim } from '../src/metrics/ssim.js';
import { msssimTensor, ssimTensor } from '../src/metrics/tensor.js';
import { EXTRA, VALUES, crop, fixture } from './fixtures/metrics-pairs/fixtures.js';

function toTensor(images: Array<RgbImage | FloatImage>): tf.Tensor4D {
  const { width, height, channels } = images[0];
  const data = new Float32Array(images.length * width * height * channels);
  images.forEach((img, i) => data.set(img.data, i * width * height * channels));
  return tf.tensor4d(data, [images.length, height, width, channels]);
}

function randomFloat(width: number, height: number, channels: number, seed: string): FloatImage {
  const rng = rngFor('tensor-test', seed);
  // Float32-representable values, so the tensor and the float64 buffer hold the same numbers.
  return { data: Float64Array.from({ length: width * height * channels }, () => Math.fround(rng.uniform(0, 1))), width, height, channels };
}

async function useBackend(name: 'cpu' | 'wasm'): Promise<void> {
  if (!(await tf.setBackend(name))) throw new Error(`tfjs backend ${name} did not start`);
  await tf.ready();
}

test.serial('cpu backend: tensor SSIM / MS-SSIM agree with the buffer versions (128² crops, batch of 3)', async (t) => {
  await useBackend('cpu');
  const pairs = VALUES.pairs.slice(0, 3);
  const box = [64, 64, 128, 128];
  const preds = await Promise.all(pairs.map(async (p) => crop(await fixture(p.dist), box)));
  const targets = await Promise.all(pairs.map(async (p) => crop(await fixture(p.ref), box)));
  const [s, m] = tf.tidy(() => {
    const x = toTensor(preds);
    const y = toTensor(targets);
    return [ssimTensor(x, y, { dataRange: 255 }).arraySync(), msssimTensor(x, y, { dataRange: 255 }).arraySync()];
  });
  for (let i = 0; i < pairs.length; i++) {
    const es = ssim(preds[i], targets[i]);
    const em = msssim(preds[i], targets[i]);
    t.true(Math.abs(s[i] - es) < 1e-5, `${pairs[i].dist} ssim ${s[i]} vs ${es}`);
    t.true(Math.abs(m[i] - em) < 1e-5, `${pairs[i].dist} msssim ${m[i]} vs ${em}`);
  }
});

test.serial('wasm backend: tensor values match torchmetrics on all six 256² pairs, and the −1…1 reference', async (t) => {
  await useBackend('wasm');
  const preds = await Promise.all(VALUES.pairs.map((p) => fixture(p.dist)));
  const targets = await Promise.all(VALUES.pairs.map((p) => fixture(p.ref)));
  const [s, m] = tf.tidy(() => {
    const x = toTensor(preds);
    const y = toTensor(targets);
    return [ssimTensor(x, y, { dataRange: 255 }).arraySync(), msssimTensor(x, y, { dataRange: 255 }).arraySync()];
  });
  VALUES.pairs.forEach((p, i) => {
    t.true(Math.abs(s[i] - p.ssim) < 1e-5, `${p.dist} ssim ${s[i]} vs torchmetrics ${p.ssim}`);
    t.true(Math.abs(m[i] - p.msssim) < 1e-5, `${p.dist} msssim ${m[i]} vs torchmetrics ${p.msssim}`);
  });
  // Images on −1…1 with dataRange 2 (the trainer's convention), against make_extra.py's float64 torch values.
  for (const c of EXTRA.cases.filter((k) => k.transform === 'signed')) {
    const value = tf.tidy(() => {
      const x = tf.sub(tf.div(toTensor([preds[2]]), 127.5), 1) as tf.Tensor4D;
      const y = tf.sub(tf.div(toTensor([targets[2]]), 127.5), 1) as tf.Tensor4D;
      const f = c.metric === 'ssim' ? ssimTensor : msssimTensor;
      return f(x, y, { dataRange: 2 }).arraySync()[0];
    });
    t.is(c.dist, '02_noise.png');
    t.true(Math.abs(value - c.value) < 1e-5, `${c.name}: ${value} vs ${c.value}`);
  }
});

test.serial('each image of a batch is scored on its own: batch results equal one-at-a-time results', async (t) => {
  await useBackend('cpu');
  const a = [0, 1, 2].map((i) => randomFloat(40, 36, 3, `ba${i}`));
  const b = a.map((img, i) => {
    const noise = randomFloat(40, 36, 3, `bb${i}`).data;
    return { ...img, data: img.data.map((v, k) => Math.fround(0.8 * v + 0.2 * noise[k])) };
  });
  const opts = { dataRange: 1, scales: 2, windowSize: 7 };
  const batch = tf.tidy(() => msssimTensor(toTensor(a), toTensor(b), opts).arraySync());
  for (let i = 0; i < 3; i++) {
    const single = tf.tidy(() => msssimTensor(toTensor([a[i]]), toTensor([b[i]]), opts).arraySync()[0]);
    t.true(Math.abs(batch[i] - single) < 1e-6);
    t.true(Math.abs(batch[i] - msssim(a[i], b[i], opts)) < 1e-5);
  }
});

/** Central differences of a float64 buffer metric with respect to each value of `pred`. */
function numericGradient(f: (img: FloatImage) => number, pred: FloatImage, h = 1e-6): Float64Array {
  const g = new Float64Array(pred.data.length);
  for (let i = 0; i < g.length; i++) {
    const plus = { ...pred, data: pred.data.slice() };
    const minus = { ...pred, data: pred.data.slice() };
    plus.data[i] += h;
    minus.data[i] -= h;
    g[i] = (f(plus) - f(minus)) / (2 * h);
  }
  return g;
}

for (const backend of ['cpu', 'wasm'] as const) {
  test.serial(`${backend}: tf.grad of MS-SSIM and SSIM equals finite differences of the float64 implementation`, async (t) => {
    await useBackend(backend);
    const target = randomFloat(13, 12, 2, 'fd-target');
    const noise = randomFloat(13, 12, 2, 'fd-noise');
    const pred: FloatImage = { ...target, data: target.data.map((v, i) => Math.fround(0.6 * v + 0.4 * noise.data[i])) };
    const msOpts: MsssimOptions & { dataRange: number } = { dataRange: 1, scales: 2, windowSize: 5, sigma: 1 };
    const cases = [
      { name: 'msssim', tensor: msssimTensor, buffer: (p: FloatImage) => msssim(p, target, msOpts), opts: msOpts },
      { name: 'ssim', tensor: ssimTensor, buffer: (p: FloatImage) => ssim(p, target, msOpts), opts: msOpts },
    ];
    for (const c of cases) {
      const grad = tf.tidy(() => {
        const y = toTensor([target]);
        return tf.grad((x: tf.Tensor) => tf.sum(c.tensor(x as tf.Tensor4D, y, c.opts)))(toTensor([pred])).dataSync();
      });
      const fd = numericGradient(c.buffer, pred);
      const scale = Math.max(...fd.map(Math.abs));
      t.true(scale > 1e-3, `${c.name}: gradient not trivially small (${scale})`);
      let worst = 0;
      for (let i = 0; i < fd.length; i++) {
        t.true(Number.isFinite(grad[i]));
        worst = Math.max(worst, Math.abs(grad[i] - fd[i]));
      }
      t.log(`${c.name} on ${backend}: worst |autodiff − numeric| = ${worst.toExponential(2)}, largest component ${scale.toExponential(2)}`);
      // float32 autodiff vs float64 central differences: observed ~3e-7 of the largest component.
      t.true(worst < 1e-4 * scale, `${c.name} on ${backend}: worst |autodiff − numeric| ${worst} vs scale ${scale}`);
    }
  });
}

test.serial('a gradient ascent step on MS-SSIM (the loss is 1 − MS-SSIM) raises MS-SSIM, on wasm', async (t) => {
  await useBackend('wasm');
  const ref = crop(await fixture('00_ref.png'), [100, 60, 48, 48]);
  const dist = crop(await fixture('00_blur.png'), [100, 60, 48, 48]);
  const opts = { dataRange: 2, scales: 3 };
  const [before, after, finite] = tf.tidy(() => {
    const x = tf.sub(tf.div(toTensor([dist]), 127.5), 1) as tf.Tensor4D;
    const y = tf.sub(tf.div(toTensor([ref]), 127.5), 1) as tf.Tensor4D;
    const loss = (p: tf.Tensor) => tf.sub(1, tf.mean(msssimTensor(p as tf.Tensor4D, y, opts)));
    const g = tf.grad(loss)(x);
    const stepped = tf.sub(x, tf.mul(g, 0.5)) as tf.Tensor4D;
    return [
      msssimTensor(x, y, opts).arraySync()[0],
      msssimTensor(stepped, y, opts).arraySync()[0],
      tf.all(tf.isFinite(g)).arraySync() === 1,
    ] as const;
  });
  t.true(finite);
  t.true(after > before, `${after} > ${before}`);
});

test.serial('anti-correlated images: relu zeroes a scale, MS-SSIM is 0 and its gradient stays finite', async (t) => {
  await useBackend('cpu');
  const a = randomFloat(24, 24, 1, 'anti');
  const b: FloatImage = { ...a, data: a.data.map((v) => 1 - v) };
  const opts = { dataRange: 1, scales: 2, windowSize: 5 };
  t.is(msssim(a, b, opts), 0);
  const [value, finite] = tf.tidy(() => {
    const y = toTensor([b]);
    const f = (x: tf.Tensor) => tf.sum(msssimTensor(x as tf.Tensor4D, y, opts));
    const g = tf.grad(f)(toTensor([a]));
    return [f(toTensor([a])).arraySync() as number, tf.all(tf.isFinite(g)).arraySync() === 1] as const;
  });
  t.is(value, 0);
  t.true(finite);
});

test.serial('tensor errors: rank, shape, size, missing data range; no tensors leak', async (t) => {
  await useBackend('cpu');
  const before = tf.memory().numTensors;
  const x = tf.zeros([1, 64, 64, 3]) as tf.Tensor4D;
  const y = tf.zeros([1, 64, 60, 3]) as tf.Tensor4D;
  const r3 = tf.zeros([64, 64, 3]);
  t.throws(() => msssimTensor(x, x, { dataRange: 1 }), {
    instanceOf: BgfillError,
    message: /at least 96×96 pixels; got 64×64\. Use 4 scales/,
  });
  t.throws(() => ssimTensor(x, y, { dataRange: 1 }), { instanceOf: BgfillError, message: /differ in shape: pred is \[1, 64, 64, 3\], target is \[1, 64, 60, 3\]/ });
  t.throws(() => ssimTensor(r3 as unknown as tf.Tensor4D, x, { dataRange: 1 }), { instanceOf: BgfillError, message: /pred\.rank/ });
  t.throws(() => ssimTensor(x, x, undefined as unknown as { dataRange: number }), { instanceOf: BgfillError, message: /dataRange/ });
  const ones = tf.onesLike(x) as tf.Tensor4D;
  const s = msssimTensor(x, ones, { dataRange: 1, scales: 3 });
  s.dispose();
  tf.dispose([x, y, r3, ones]);
  t.is(tf.memory().numTensors, before, 'every intermediate tensor is disposed');
});

import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { type Mask, type Size } from '@bgfill/masks';
import { batches, cropOrigin, fromImageTensor, prepareItem, toBatchTensors, type SourceExample } from '../src/train/data.js';
import { hingeDiscriminatorLoss, hingeGeneratorLoss, maskedL1 } from '../src/train/losses.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

/** A 12×10 image whose pixel (x, y) channel c holds (x + 20·y + 7·c) mod 256, and a mask with hole where x > y. */
function example(key = 'k'): SourceExample {
  const width = 12;
  const height = 10;
  const data = new Uint8Array(width * height * 3);
  const mask = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      for (let c = 0; c < 3; c++) data[(y * width + x) * 3 + c] = (x + 20 * y + 7 * c) % 256;
      mask[y * width + x] = x > y ? 1 : 0;
    }
  }
  return { key, image: { data, width, height, channels: 3 }, mask: { width, height, data: mask } };
}

test('crop origins are a pure function of (seed, epoch, index) and stay inside the image', (t) => {
  const size = { width: 12, height: 10 };
  t.deepEqual(cropOrigin(3, 2, 5, size, 8), cropOrigin(3, 2, 5, size, 8));
  const origins = new Set<string>();
  for (let i = 0; i < 200; i++) {
    const o = cropOrigin(3, 2, i, size, 8);
    t.true(o.x >= 0 && o.x <= 4 && o.y >= 0 && o.y <= 2);
    origins.add(`${o.x},${o.y}`);
  }
  t.is(origins.size, 5 * 3, 'every position is reached');
  t.notDeepEqual([0, 1, 2, 3].map((i) => cropOrigin(3, 1, i, size, 8)), [0, 1, 2, 3].map((i) => cropOrigin(3, 2, i, size, 8)));
});

test('prepareItem crops image and stored mask at the same place', (t) => {
  const ex = example();
  const item = prepareItem(ex, { seed: 1, epoch: 4, index: 9, crop: 8 });
  const { x, y } = cropOrigin(1, 4, 9, { width: 12, height: 10 }, 8);
  t.deepEqual([item.image.width, item.image.height, item.mask.width, item.mask.height], [8, 8, 8, 8]);
  for (let r = 0; r < 8; r++) {
    for (let c = 0; c < 8; c++) {
      t.is(item.image.data[(r * 8 + c) * 3 + 2], (x + c + 20 * (y + r) + 14) % 256);
      t.is(item.mask.data[r * 8 + c], x + c > y + r ? 1 : 0);
    }
  }
});

test('online masks are asked for the crop size with an index naming epoch and position', (t) => {
  const calls: Array<[Size, string]> = [];
  const maskFor = (size: Size, index: string): Mask => {
    calls.push([size, index]);
    return { ...size, data: new Uint8Array(size.width * size.height).fill(1) };
  };
  const item = prepareItem(example(), { seed: 1, epoch: 2, index: 17, crop: 8, maskFor });
  t.deepEqual(calls, [[{ width: 8, height: 8 }, 'e2-i17']]);
  t.true(item.mask.data.every((v) => v === 1));
  const full = prepareItem(example(), { seed: 1, epoch: 2, index: 3, crop: null, maskFor });
  t.deepEqual([full.image.width, full.image.height], [12, 10]);
});

test('bad records are named: too small for the crop, no stored mask', (t) => {
  t.throws(() => prepareItem(example('abc'), { seed: 0, epoch: 1, index: 0, crop: 11 }), { instanceOf: BgfillError, message: /record abc: image 12×10 is smaller than --crop 11/ });
  const noMask = { ...example('m1'), mask: undefined };
  t.throws(() => prepareItem(noMask, { seed: 0, epoch: 1, index: 0, crop: null }), { message: /record m1 has no stored mask/ });
  // Records read from a bundle carry their source file (image/filename): messages name it first.
  const named = { ...example('9c5a9600339f44e3d8cdf2750c9bef21'), filename: 'photos/beach.jpg' };
  t.throws(() => prepareItem(named, { seed: 0, epoch: 1, index: 0, crop: 11 }), {
    instanceOf: BgfillError,
    message: 'record photos/beach.jpg (key 9c5a9600339f…): image 12×10 is smaller than --crop 11',
  });
});

test('batch tensors: x / 127.5 − 1 and 0/1 masks; back to bytes exactly', async (t) => {
  const items = [0, 1].map((i) => prepareItem(example(`k${i}`), { seed: 0, epoch: 1, index: i, crop: 8 }));
  const { images, masks } = toBatchTensors(items);
  t.deepEqual(images.shape, [2, 8, 8, 3]);
  t.deepEqual(masks.shape, [2, 8, 8, 1]);
  const px = images.dataSync();
  t.is(px[8 * 8 * 3 + 5], Math.fround(items[1].image.data[5] / 127.5 - 1));
  t.deepEqual(Array.from(masks.dataSync().slice(0, 64)), Array.from(items[0].mask.data));
  const back = await fromImageTensor(images);
  t.deepEqual(back.map((b) => Array.from(b.data)), items.map((it) => Array.from(it.image.data)));
  tf.dispose([images, masks]);
});

test('batches numbers examples from 0 across batches and stops after the steps; a short stream is an error', async (t) => {
  async function* stream(n: number) {
    for (let i = 0; i < n; i++) yield example(`r${i}`);
  }
  const seen: Array<[string, number]> = [];
  const prepare = (ex: SourceExample, index: number) => {
    seen.push([ex.key, index]);
    return prepareItem(ex, { seed: 0, epoch: 1, index, crop: null });
  };
  const got: string[][] = [];
  for await (const b of batches(stream(7), { batchSize: 2, steps: 3, prepare, source: 's' })) got.push(b.map((i) => i.key));
  t.deepEqual(got, [['r0', 'r1'], ['r2', 'r3'], ['r4', 'r5']]);
  t.deepEqual(seen.map((s) => s[1]), [0, 1, 2, 3, 4, 5], 'no read past the last step');
  await t.throwsAsync(async () => {
    for await (const _ of batches(stream(7), { batchSize: 2, steps: 4, prepare, source: 'bundle (train)' })) void _;
  }, { message: /bundle \(train\): the stream ended after 7 examples/ });
});

test('masked L1 weights hole and valid pixels separately (against a plain loop)', (t) => {
  const n = 2 * 4 * 4;
  const p = Float32Array.from({ length: n * 3 }, (_, i) => Math.sin(i));
  const q = Float32Array.from({ length: n * 3 }, (_, i) => Math.cos(i * 0.7));
  const m = Float32Array.from({ length: n }, (_, i) => (i % 3 === 0 ? 1 : 0));
  let expected = 0;
  for (let i = 0; i < n * 3; i++) expected += Math.abs(p[i] - q[i]) * (m[Math.floor(i / 3)] ? 6 : 0.5);
  expected /= n * 3;
  const got = tf.tidy(() =>
    maskedL1(tf.tensor4d(p, [2, 4, 4, 3]), tf.tensor4d(q, [2, 4, 4, 3]), tf.tensor4d(m, [2, 4, 4, 1]), { hole: 6, valid: 0.5 }).dataSync()[0],
  );
  t.true(Math.abs(got - expected) < 1e-6);
});

test('hinge losses: relu(1 − real), relu(1 + fake), −fake', (t) => {
  const real = tf.tensor1d([2, 0.5, -1]);
  const fake = tf.tensor1d([-2, 0, 1]);
  const h = hingeDiscriminatorLoss(real, fake);
  t.true(Math.abs(h.real.dataSync()[0] - (0 + 0.5 + 2) / 3) < 1e-7);
  t.true(Math.abs(h.fake.dataSync()[0] - (0 + 1 + 2) / 3) < 1e-7);
  const g = hingeGeneratorLoss(fake);
  t.true(Math.abs(g.dataSync()[0] - 1 / 3) < 1e-7);
  tf.dispose([real, fake, h.real, h.fake, g]);
});

// Scoring with the real model: checkpoints written by the trainer (`InpaintGenerator({ cnum: 4 }, { seed })` +
// `saveGeneratorCheckpoint`) and the trainer's `createPredictor` on the wasm backend. The scores must equal the
// metrics of composites computed here directly with `generator.apply`, and the choice their argmax.
import test from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { readBundle } from '@bgfill/dataset';
import { BgfillError, rngFor } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import { InpaintGenerator, createPredictor, saveGeneratorCheckpoint } from '@bgfill/trainer';
import type { RgbImage } from '../src/metrics/image.js';
import { pairMetrics } from '../src/metrics/pair-metrics.js';
import type { PredictorFactory } from '../src/predictor.js';
import { scoreRun } from '../src/score-run.js';
import { buildTinyBundle, parseCsv, tempDir } from './score-fixtures.js';

const SEEDS: Record<number, number> = { 1: 11, 2: 12, 3: 13 };

async function writeRun(run: string): Promise<void> {
  for (const [epoch, seed] of Object.entries(SEEDS)) {
    const g = new InpaintGenerator({ cnum: 4 }, { seed });
    const dir = join(run, `epoch-000${epoch}`);
    await mkdir(dir, { recursive: true });
    await saveGeneratorCheckpoint(join(dir, 'generator.safetensors'), g, { epoch });
    g.dispose();
  }
}

/** The composite straight from the generator, without the predictor adapter. */
async function directComposite(seed: number, image: RgbImage, mask: Mask): Promise<Uint8Array> {
  const g = new InpaintGenerator({ cnum: 4 }, { seed });
  try {
    const out = tf.tidy(() => {
      const x = tf.sub(tf.div(tf.tensor4d(Float32Array.from(image.data), [1, image.height, image.width, 3]), 127.5), 1) as tf.Tensor4D;
      const m = tf.tensor4d(Float32Array.from(mask.data), [1, image.height, image.width, 1]);
      return g.apply(x, m, { training: false }).composite;
    });
    const values = await out.data();
    out.dispose();
    return Uint8Array.from(values, (v) => Math.min(255, Math.max(0, Math.round((v + 1) * 127.5))));
  } finally {
    g.dispose();
  }
}

function randomCase(width: number, height: number, seed: string): { image: RgbImage; mask: Mask } {
  const rng = rngFor('predictor-test', seed);
  const image: RgbImage = { data: Uint8Array.from({ length: width * height * 3 }, () => rng.int(0, 255)), width, height, channels: 3 };
  const mask: Mask = { width, height, data: new Uint8Array(width * height) };
  for (let y = 10; y < height - 20; y++) for (let x = 15; x < width - 30; x++) mask.data[y * width + x] = 1;
  return { image, mask };
}

test.serial('createPredictor: the composite keeps known pixels, matches generator.apply, and pads odd sizes', async (t) => {
  const root = await tempDir(t);
  const path = join(root, 'g.safetensors');
  const g = new InpaintGenerator({ cnum: 4 }, { seed: 5 });
  await saveGeneratorCheckpoint(path, g);
  g.dispose();
  const predictor = await createPredictor(path, { backend: 'wasm' });
  t.is(tf.getBackend(), 'wasm');
  try {
    const a = randomCase(64, 48, 'a');
    const b = randomCase(64, 48, 'b');
    const [pa, pb] = await predictor.predict({ images: [a.image, b.image], masks: [a.mask, b.mask] });
    t.deepEqual(pa.data, await directComposite(5, a.image, a.mask));
    t.deepEqual(pb.data, await directComposite(5, b.image, b.mask));
    // 50×38 is no multiple of 4: padded to 52×40 inside, cropped back; known pixels come back unchanged.
    const odd = randomCase(50, 38, 'odd');
    const [po] = await predictor.predict({ images: [odd.image], masks: [odd.mask] });
    t.is(po.width, 50);
    t.is(po.height, 38);
    let changedOutside = 0;
    let changedInside = 0;
    for (let i = 0; i < odd.mask.data.length; i++) {
      const same = [0, 1, 2].every((c) => po.data[i * 3 + c] === odd.image.data[i * 3 + c]);
      if (odd.mask.data[i]) changedInside += same ? 0 : 1;
      else changedOutside += same ? 0 : 1;
    }
    t.is(changedOutside, 0);
    t.true(changedInside > 0);
    await t.throwsAsync(predictor.predict({ images: [a.image, odd.image], masks: [a.mask, odd.mask] }), { instanceOf: BgfillError, message: /images\[1\]/ });
  } finally {
    predictor.dispose();
  }
  await t.throwsAsync(predictor.predict({ images: [], masks: [] }).then(() => predictor.predict(randomCaseBatch())), { message: /disposed/ });
  await writeFile(join(root, 'bad.safetensors'), 'not a checkpoint at all');
  await t.throwsAsync(createPredictor(join(root, 'bad.safetensors'), { backend: 'wasm' }), { instanceOf: BgfillError, message: /bad\.safetensors/ });
});

function randomCaseBatch() {
  const c = randomCase(8, 8, 'tiny');
  return { images: [c.image], masks: [c.mask] };
}

test.serial('scoring real checkpoints: scores equal direct generator outputs; reruns load only new or changed checkpoints', async (t) => {
  const root = await tempDir(t);
  const bundle = await buildTinyBundle(join(root, 'bundle'), { pattern: '00[1-4]-*.jpg' });
  const run = join(root, 'run');
  await writeRun(run);
  const loads: string[] = [];
  const loadPredictor: PredictorFactory = (path, options) => {
    loads.push(path.split('/').at(-2)!);
    return createPredictor(path, options);
  };
  const r = await scoreRun({ run, data: bundle, loadPredictor, backend: 'wasm', batchSize: 3, gridSamples: 2 });
  t.deepEqual(loads, ['epoch-0001', 'epoch-0002', 'epoch-0003']);

  const records = [];
  for await (const ex of readBundle(bundle, { split: 'val' })) records.push(ex);
  const csv = parseCsv(await readFile(join(r.out, 'images.csv'), 'utf8'));
  const means: Record<number, { msssim: number; l1: number }> = {};
  for (const [epoch, seed] of Object.entries(SEEDS)) {
    let msssim = 0;
    let l1 = 0;
    for (const [i, rec] of records.entries()) {
      const out: RgbImage = { data: await directComposite(seed, rec.image, rec.mask!), width: rec.image.width, height: rec.image.height, channels: 3 };
      const m = pairMetrics(out, rec.image, rec.mask);
      const row = csv.find((c) => c.epoch === epoch && c.index === String(i))!;
      t.is(Number(row.l1), m.l1, `epoch ${epoch} record ${i} l1`);
      t.is(Number(row.msssim), m.msssim, `epoch ${epoch} record ${i} msssim`);
      msssim += m.msssim / records.length;
      l1 += m.l1 / records.length;
    }
    means[Number(epoch)] = { msssim, l1 };
  }
  const expected = Object.entries(means).sort(([, a], [, b]) => b.msssim - a.msssim || a.l1 - b.l1)[0][0];
  t.is(r.best.epoch, Number(expected));

  // A new epoch and a damaged one: only the new one loads; the damaged one is skipped with the loader's reason.
  const g = new InpaintGenerator({ cnum: 4 }, { seed: 14 });
  await mkdir(join(run, 'epoch-0004'), { recursive: true });
  await saveGeneratorCheckpoint(join(run, 'epoch-0004', 'generator.safetensors'), g);
  g.dispose();
  await mkdir(join(run, 'epoch-0005'), { recursive: true });
  const good = await readFile(join(run, 'epoch-0001', 'generator.safetensors'));
  await writeFile(join(run, 'epoch-0005', 'generator.safetensors'), good.subarray(0, good.length - 1000)); // truncated
  loads.length = 0;
  const again = await scoreRun({ run, data: bundle, loadPredictor, backend: 'wasm', batchSize: 3, gridSamples: 2 });
  t.deepEqual(loads, ['epoch-0004', 'epoch-0005']);
  t.deepEqual(again.cached, [1, 2, 3]);
  t.deepEqual(again.skipped.map((s) => s.epoch), [5]);
  t.regex(again.skipped[0].reason, /cannot load the checkpoint: .*epoch-0005\/generator\.safetensors/);
  t.deepEqual(again.epochs.slice(0, 3), r.epochs);
});

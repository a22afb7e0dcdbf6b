import test from 'ava';
import { copyFile, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError } from '@bgfill/core';
import { bankFromBitmaps, createMaskGenerator, linearRamp } from '@bgfill/masks';
import { initBackend } from '../src/backend/index.js';
import { parseTrainConfig } from '../src/train/config.js';
import { maskProgress } from '../src/train/online-masks.js';
import { readRunConfig } from '../src/train/run-folder.js';
import { parseLog } from '../src/train/run-log.js';
import { train } from '../src/train/train.js';
import { makeBundle, tempDir } from './train-helpers.js';

// Online masks from a person bank with a ramp, in in-process runs on the wasm backend at 32².

test.before(async () => {
  await initBackend('wasm');
});

/** A bank file holding one outline (an ellipse of the given size). */
async function writeBank(file: string, w: number, h: number): Promise<string> {
  const data = new Uint8Array(w * h);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[y * w + x] = ((2 * x + 1 - w) / w) ** 2 + ((2 * y + 1 - h) / h) ** 2 < 1 ? 1 : 0;
  await writeFile(file, bankFromBitmaps([{ width: w, height: h, data }]));
  return file;
}

test('maskProgress: finished epochs and the steps before the example’s batch', (t) => {
  t.deepEqual(maskProgress(1, 0, 100, 8), { epoch: 0, step: 0 });
  t.deepEqual(maskProgress(3, 17, 100, 8), { epoch: 2, step: 202 });
  t.deepEqual(maskProgress(2, 7, 5, 8), { epoch: 1, step: 5 });
});

test.serial('train records the bank digest, logs the ramped recipe per epoch, and a changed bank refuses --resume', async (t) => {
  const root = await tempDir('train-bank');
  const bank = await writeBank(join(root, 'people.bgbank'), 12, 30);
  const data = await makeBundle({ count: 2, size: 32 });
  const out = join(root, 'run');
  const masks = `person-bank:${bank}(dilate=ramp(0,4,0,2))+scribble:0-1`;
  const lines: string[] = [];
  const config = parseTrainConfig({ data, out, masks, epochs: 2, stepsPerEpoch: 1, batchSize: 2, generator: { cnum: 4 }, discriminator: { cnum: 4 }, seed: 1, backend: 'wasm' });
  await train(config, { log: (l) => lines.push(l) });
  const digest = (await createMaskGenerator(masks)).banks[0].sha256;
  const saved = await readRunConfig(out);
  t.deepEqual(saved.maskBanks, { [bank]: digest });
  // The recipe's value at each epoch: LaMa's LinearRamp at 0 and 1 finished epochs.
  const epochs = parseLog(await readFile(join(out, 'log.jsonl'), 'utf8')).filter((e) => e.type === 'epoch');
  const expected = [0, 1].map((e) => `person-bank:${bank}(dilate=${Math.round(linearRamp(0, 4, 0, 2, e))})+scribble:0-1`);
  t.deepEqual(
    epochs.map((e) => e.masks),
    expected,
  );
  t.true(lines.includes(`masks for epoch 2: ${expected[1]} (recipe ${masks})`), lines.join('\n'));

  // Another bank at the same path: resuming is refused, and nothing is written.
  const original = join(root, 'original.bgbank');
  await copyFile(bank, original);
  await writeBank(bank, 14, 30);
  const resumed = { ...saved, epochs: 3 };
  const err = await t.throwsAsync(train(resumed, { resume: true }), { instanceOf: BgfillError });
  t.regex(err?.message ?? '', new RegExp(`mask bank ${bank} changed since the run started \\(sha256 ${digest}, now sha256 [0-9a-f]{64}\\)`));
  t.is(parseLog(await readFile(join(out, 'log.jsonl'), 'utf8')).filter((e) => e.type === 'epoch').length, 2);
  // The original bank back: the run continues.
  await copyFile(original, bank);
  const result = await train(resumed, { resume: true });
  t.is(result.lastEpoch, 3);
});

test.serial('a recipe without banks records none', async (t) => {
  const data = await makeBundle({ count: 2, size: 32 });
  const out = join(await tempDir('train-nobank'), 'run');
  await train(parseTrainConfig({ data, out, masks: 'person-box', epochs: 1, stepsPerEpoch: 1, batchSize: 2, generator: { cnum: 4 }, discriminator: { cnum: 4 }, backend: 'wasm' }));
  t.is((await readRunConfig(out)).maskBanks, undefined);
  t.false('maskBanks' in JSON.parse(await readFile(join(out, 'config.json'), 'utf8')));
});

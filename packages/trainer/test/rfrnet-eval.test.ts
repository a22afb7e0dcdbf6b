// `bgfill eval --run` on an RFR-Net run and an InpaintSANet run: the trainer's predictor picks each checkpoint's
// architecture from the registry, so both are scored on the same records of the same bundle.
import test from 'ava';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { readBundle } from '@bgfill/dataset';
import { scoreRun, type RgbImage } from '@bgfill/eval';
import { initBackend } from '../src/backend/index.js';
import { loadInpaintNet } from '../src/arch/registry.js';
import { InpaintGenerator } from '../src/model/generator.js';
import { inpaint } from '../src/inference/inpaint.js';
import { createPredictor } from '../src/predictor.js';
import { RfrNet } from '../src/rfrnet/network.js';
import { generatorWeights, saveGeneratorCheckpoint } from '../src/weights/checkpoint.js';
import { rfrFixturePath } from './fixtures/rfrnet/load-fixture.js';
import { makeBundle, tempDir } from './train-helpers.js';

test.before(async () => {
  await initBackend('wasm');
});

async function epochFile(run: string, epoch: number): Promise<string> {
  const dir = join(run, `epoch-${String(epoch).padStart(4, '0')}`);
  await mkdir(dir, { recursive: true });
  return join(dir, 'generator.safetensors');
}

test.serial('eval --run scores an RFR-Net run and an InpaintSANet run on the same records; the RFR predictor gives what bgfill inpaint gives', async (t) => {
  const data = await makeBundle({ count: 3, size: 32, masks: 'person-box' });
  const root = await tempDir('rfr-eval');
  // RFR-Net: the fixture's weights (the authors' checkpoint layout) as epoch 1, and with 2 recurrences as epoch 2.
  const rfrRun = join(root, 'rfr');
  const authors = await loadInpaintNet(rfrFixturePath('rfrnet-w8.pth'));
  await saveGeneratorCheckpoint(await epochFile(rfrRun, 1), authors);
  const shorter = new RfrNet({ width: 8, iterations: 2 });
  shorter.loadStateDict(await generatorWeights(authors));
  await saveGeneratorCheckpoint(await epochFile(rfrRun, 2), shorter);
  shorter.dispose();
  const ganRun = join(root, 'gan');
  for (const epoch of [1, 2]) {
    const g = new InpaintGenerator({ cnum: 4 }, { seed: epoch });
    await saveGeneratorCheckpoint(await epochFile(ganRun, epoch), g);
    g.dispose();
  }
  const score = (run: string) =>
    scoreRun({ run, data, split: 'train', backend: 'wasm', loadPredictor: createPredictor, gridSamples: 2, fitMsssimScales: true, progress: false });
  const [rfr, gan] = [await score(rfrRun), await score(ganRun)];
  for (const result of [rfr, gan]) {
    t.deepEqual(result.skipped, []);
    t.deepEqual(result.epochs.map((e) => e.epoch), [1, 2]);
    for (const e of result.epochs) t.true(Number.isFinite(e.all.metrics.l1.mean) && Number.isFinite(e.all.metrics.msssim.mean), `epoch ${e.epoch} scored`);
  }
  // images.csv: epoch, index, key, … per record.
  const records = async (out: string) => (await readFile(join(out, 'images.csv'), 'utf8')).trim().split('\n').slice(1).map((line) => line.split(',').slice(0, 3).join());
  t.deepEqual(await records(rfr.out), await records(gan.out), 'the same records, epoch by epoch');
  t.notDeepEqual(rfr.epochs[0].all.metrics.l1, rfr.epochs[1].all.metrics.l1, 'the recurrence count is stored and used');

  // The predictor through the registry is bgfill inpaint's pipeline (RFR-Net's 0…1 codec) on the same image.
  const [example] = await firstRecord(data);
  const predictor = await createPredictor(await epochFile(rfrRun, 1), { backend: 'wasm' });
  const [predicted] = await predictor.predict({ images: [example.image], masks: [example.mask] });
  predictor.dispose();
  const direct = await inpaint(authors, example.image, example.mask);
  t.deepEqual(predicted.data, direct.data);
  authors.dispose();
});

async function firstRecord(bundle: string): Promise<Array<{ image: RgbImage; mask: { width: number; height: number; data: Uint8Array } }>> {
  for await (const ex of readBundle(bundle, { split: 'train' })) {
    return [{ image: { ...ex.image, channels: 3 }, mask: ex.mask! }];
  }
  throw new Error('empty bundle');
}

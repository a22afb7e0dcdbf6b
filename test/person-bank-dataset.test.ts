// A dataset built with person-bank masks records the bank's digest in dataset.json, and a changed bank is another build.
import test from 'ava';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BgfillError } from '@bgfill/core';
import { buildDataset, readManifest } from '@bgfill/dataset';
import { bankFromBitmaps } from '@bgfill/masks';

const scenes = fileURLToPath(new URL('../samples/scenes/', import.meta.url));

async function writeBank(file: string, w: number, h: number): Promise<void> {
  const data = Uint8Array.from({ length: w * h }, (_, i) => ((i % w) - w / 2) ** 2 / (w / 2) ** 2 + (Math.floor(i / w) - h / 2) ** 2 / (h / 2) ** 2 < 1 ? 1 : 0);
  await writeFile(file, bankFromBitmaps([{ width: w, height: h, data }]));
}

test('dataset.json records the person bank digest; the same build with another bank is refused', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'bank-dataset-'));
  const photos = join(root, 'photos');
  await mkdir(photos);
  for (const n of (await readdir(scenes)).filter((n) => n.endsWith('.jpg')).sort().slice(0, 2)) await copyFile(join(scenes, n), join(photos, n));
  const bank = join(root, 'people.bgbank');
  await writeBank(bank, 10, 30);
  const options = { source: 'folder' as const, input: photos, size: 32, labels: 'none' as const, splitRatios: 'train=1', masks: `person-bank:${bank}(dilate=2)`, maskSplits: ['train'], seed: 0 };
  await buildDataset({ ...options, out: join(root, 'a') });
  const manifest = await readManifest(join(root, 'a'));
  const { createHash } = await import('node:crypto');
  t.deepEqual(manifest.maskBanks, { [bank]: createHash('sha256').update(await readFile(bank)).digest('hex') });
  t.is(manifest.splits.train.maskStrategy, `person-bank:${bank}(dilate=2)`);
  await writeBank(bank, 12, 30);
  const err = await t.throwsAsync(buildDataset({ ...options, out: join(root, 'a') }), { instanceOf: BgfillError });
  t.regex(err?.message ?? '', /holds a different bundle/);
  // Without banks the manifest has no maskBanks field.
  await buildDataset({ ...options, masks: 'person-box', out: join(root, 'b') });
  t.false('maskBanks' in JSON.parse(await readFile(join(root, 'b', 'dataset.json'), 'utf8')));
});

import test from 'ava';
import { createHash } from 'node:crypto';
import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { createMaskGenerator, parseMaskConfig } from '@bgfill/masks';
import { buildDataset, readRejects } from '../src/build.js';
import { readManifest } from '../src/manifest.js';
import { decodeMaskPng } from '../src/mask-feature.js';
import { decodeRecord, type BundleRecord } from '../src/record.js';
import { parseIndex, readTfRecords } from '../src/tfrecord-reader.js';
import { makeBadInputs, makePlaces, patternJpeg, PLACES_CATEGORIES, snapshot, tempDir, writeImage } from './helpers.js';

const sha256 = (data: string | Buffer): string => createHash('sha256').update(data).digest('hex');

/** All records of a split, read shard by shard with the low-level reader (not reader.ts). */
async function splitRecords(dir: string, split: string): Promise<Array<BundleRecord & { shard: string; offset: number }>> {
  const manifest = await readManifest(dir);
  const out: Array<BundleRecord & { shard: string; offset: number }> = [];
  for (const shard of manifest.shards.filter((s) => s.split === split)) {
    for await (const raw of readTfRecords(join(dir, shard.file))) out.push({ ...decodeRecord(raw.data), shard: shard.file, offset: raw.offset });
  }
  return out;
}

test('Places365 layout: every listed image once, labelled from the lists, passed through or resized, indexed and digested', async (t) => {
  const root = await tempDir(t);
  const places = await makePlaces(root, 3, 5, 64);
  const out = join(root, 'bundle');
  const result = await buildDataset({ source: 'places365', input: root, out, size: 64, recordsPerShard: 4, progress: false });
  t.is(result.records, 17);
  t.is(result.rejected, 0);
  const manifest = await readManifest(out);
  t.deepEqual(manifest.categories, ['abbey', 'beach', 'canyon', 'office']);
  t.is(manifest.splits.train.count, 12);
  t.is(manifest.splits.val.count, 5);
  t.deepEqual(
    manifest.shards.map((s) => s.file),
    ['train-00000-of-00003.tfrecord', 'train-00001-of-00003.tfrecord', 'train-00002-of-00003.tfrecord', 'val-00000-of-00002.tfrecord', 'val-00001-of-00002.tfrecord'],
  );
  t.deepEqual(manifest.splits.train.categories, { abbey: 3, beach: 3, canyon: 3, office: 3 });

  for (const [split, listed, dirName] of [['train', places.train, 'data_256'], ['val', places.val, 'val_256']] as const) {
    const records = await splitRecords(out, split);
    const name = (rel: string): string => `${dirName}/${rel.replace(/^\//, '')}`;
    const expected = listed.map((e) => name(e.rel)).sort();
    t.deepEqual(records.map((r) => r.filename).sort(), expected, `${split}: each listed image exactly once`);
    for (const r of records) {
      const entry = listed.find((e) => name(e.rel) === r.filename)!;
      t.is(r.label, entry.label);
      t.is(r.labelText, PLACES_CATEGORIES[entry.label].replace(/^\/[a-z]\//, ''));
      t.is(r.key, sha256(r.filename), 'key is the SHA-256 of the filename');
      t.deepEqual([r.width, r.height, r.format], [64, 64, 'jpeg']);
      const source = await readFile(join(root, r.filename));
      const meta = await sharp(source).metadata();
      if (meta.width === 64 && meta.height === 64) t.deepEqual(Buffer.from(r.encoded), source, `${r.filename} passed through byte for byte`);
      else t.deepEqual(await sharp(r.encoded).metadata().then((m) => [m.width, m.height]), [64, 64]);
    }
  }
  for (const shard of manifest.shards) {
    const bytes = await readFile(join(out, shard.file));
    t.is(shard.bytes, bytes.length);
    t.is(shard.sha256, sha256(bytes));
    const frames = [];
    for await (const raw of readTfRecords(join(out, shard.file))) frames.push({ offset: raw.offset, length: raw.length });
    t.deepEqual(parseIndex(await readFile(join(out, shard.indexFile), 'utf8')), frames);
  }
  t.is(await readFile(join(out, 'rejects.jsonl'), 'utf8'), '');
});

test('category filters: include / exclude by Places name or /x/name; unknown names are an error', async (t) => {
  const root = await tempDir(t);
  await makePlaces(root, 2, 4, 64);
  const built = await buildDataset({
    source: 'places365', input: root, out: join(root, 'a'), size: 64, includeCategories: ['abbey', '/c/canyon'], progress: false,
  });
  t.deepEqual(Object.keys(built.manifest!.splits.train.categories), ['abbey', 'canyon']);
  const records = await splitRecords(join(root, 'a'), 'val');
  t.true(records.every((r) => r.labelText === 'abbey' || r.labelText === 'canyon'));
  const excluded = await buildDataset({ source: 'places365', input: root, out: join(root, 'b'), size: 64, excludeCategories: ['office'], progress: false });
  t.deepEqual(Object.keys(excluded.manifest!.splits.train.categories), ['abbey', 'beach', 'canyon']);
  await t.throwsAsync(
    buildDataset({ source: 'places365', input: root, out: join(root, 'c'), size: 64, includeCategories: ['abbbey'], progress: false }),
    { instanceOf: BgfillError, message: /--include-categories.*"abbbey"/ },
  );
});

test('a plain folder with bad inputs: each bad one skipped with its reason, the rest built; hash split per key', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'photos');
  const good: string[] = [];
  for (let i = 0; i < 12; i++) {
    const rel = `${i % 2 ? 'cats' : 'dogs'}/img-${i}.jpg`;
    await writeImage(join(input, rel), await patternJpeg(70 + i, 64 + 2 * i, i));
    good.push(rel);
  }
  const bad = await makeBadInputs(input);
  const out = join(root, 'bundle');
  const result = await buildDataset({ source: 'folder', input, out, size: 64, splitRatios: 'train=0.6,val=0.4', recordsPerShard: 5, progress: false });
  t.is(result.records, 12);
  const rejects = await readRejects(out);
  t.deepEqual(rejects.map((r) => r.file).sort(), Object.values(bad).sort());
  const codes = Object.fromEntries(rejects.map((r) => [r.file, r.code]));
  t.deepEqual(
    Object.fromEntries(Object.entries(bad).map(([k, rel]) => [k, codes[rel]])),
    { empty: 'empty', truncated: 'decode-error', text: 'not-an-image', dangling: 'missing', fifo: 'not-a-file', directory: 'not-a-file', bomb: 'too-many-pixels', tiny: 'too-small' },
  );
  const manifest = await readManifest(out);
  t.is(manifest.rejected.count, 8);
  t.is(manifest.splits.train.planned + manifest.splits.val.planned, 20);
  t.is(manifest.splits.train.rejected + manifest.splits.val.rejected, 8);
  t.true(manifest.splits.train.count > 0 && manifest.splits.val.count > 0);
  const all = [...(await splitRecords(out, 'train')), ...(await splitRecords(out, 'val'))];
  t.deepEqual(all.map((r) => r.filename).sort(), good.sort());
  t.true(all.every((r) => r.labelText === (r.filename.startsWith('cats/') ? 'cats' : 'dogs')));
  t.deepEqual(manifest.categories, ['bad', 'cats', 'dogs']);

  // A record's split depends on its key only: drop half the inputs and the rest keep their split.
  const splitOf = new Map<string, string>();
  for (const split of ['train', 'val']) for (const r of await splitRecords(out, split)) splitOf.set(r.filename, split);
  const subsetDir = join(root, 'subset');
  for (const rel of good.filter((_, i) => i % 2 === 0)) await writeImage(join(subsetDir, rel), await readFile(join(input, rel)));
  const subOut = join(root, 'sub-bundle');
  await buildDataset({ source: 'folder', input: subsetDir, out: subOut, size: 64, splitRatios: 'train=0.6,val=0.4', progress: false });
  for (const split of ['train', 'val']) for (const r of await splitRecords(subOut, split)) t.is(splitOf.get(r.filename), split, r.filename);
});

test('record order is a seeded shuffle: not the listing order, and another seed gives another order', async (t) => {
  const root = await tempDir(t);
  await makePlaces(root, 4, 2, 64);
  const order = async (seed: number): Promise<string[]> => {
    const out = join(root, `s${seed}`);
    await buildDataset({ source: 'places365', input: root, out, size: 64, seed, progress: false });
    return (await splitRecords(out, 'train')).map((r) => r.filename);
  };
  const a = await order(1);
  const b = await order(2);
  t.deepEqual([...a].sort(), [...b].sort());
  t.notDeepEqual(a, [...a].sort());
  t.notDeepEqual(a, b);
  t.deepEqual(await order(1), a);
});

test('concurrency 1 and 8 give byte-identical bundles (masks, random crops, gzip)', async (t) => {
  const root = await tempDir(t);
  await makePlaces(root, 3, 6, 64);
  await makeBadInputs(join(root, 'data_256'));
  const base = {
    source: 'places365' as const, input: root, size: 48, crop: 'random' as const, recordsPerShard: 3, seed: 'det',
    masks: 'person-box', maskSplits: ['val'], progress: false,
  };
  for (const gzip of [false, true]) {
    await buildDataset({ ...base, gzip, out: join(root, `c1-${gzip}`), concurrency: 1 });
    await buildDataset({ ...base, gzip, out: join(root, `c8-${gzip}`), concurrency: 8 });
    const one = await snapshot(join(root, `c1-${gzip}`));
    const eight = await snapshot(join(root, `c8-${gzip}`));
    t.deepEqual([...one.keys()], [...eight.keys()]);
    for (const [name, bytes] of one) t.true(bytes.equals(eight.get(name)!), `${name} identical (gzip ${gzip})`);
    t.true([...one.keys()].some((k) => (gzip ? k.endsWith('.tfrecord.gz') : k.endsWith('.tfrecord'))));
  }
});

test.serial('rejected inputs get their own reason at any concurrency: rejects.jsonl is byte-identical run to run', async (t) => {
  // libvips keeps one error buffer per process: under concurrent decodes a failed input's reason could be lost or
  // another input's ("Unknown error", "Warning treated as error…"), so rejects.jsonl differed between runs. Serial:
  // as in the CLI, the build must be the only sharp work in the process (this file's other tests decode too).
  const root = await tempDir(t);
  const input = join(root, 'in');
  for (let i = 0; i < 24; i++) await writeImage(join(input, `${String(i).padStart(2, '0')}.jpg`), await patternJpeg(120, 90, i));
  for (let i = 0; i < 6; i++) await writeImage(join(input, `bad${i}.jpg`), (await patternJpeg(120, 90, 50 + i)).subarray(0, 300 + 40 * i));
  const base = { source: 'folder' as const, input, size: 48, splitRatios: 'train=1', seed: 3, progress: false };
  await buildDataset({ ...base, out: join(root, 'c1'), concurrency: 1 });
  const reference = await readFile(join(root, 'c1', 'rejects.jsonl'), 'utf8');
  const reasons = reference.trim().split('\n').map((l) => (JSON.parse(l) as { reason: string }).reason);
  t.is(reasons.length, 6);
  for (const r of reasons) {
    t.regex(r, /^cannot decode: [^]*VipsJpeg: /, 'the JPEG decoder\'s own message');
    t.notRegex(r, /Unknown error|Warning treated as error/);
  }
  for (let run = 0; run < 3; run++) {
    await buildDataset({ ...base, out: join(root, `c8-${run}`), concurrency: 8 });
    t.is(await readFile(join(root, `c8-${run}`, 'rejects.jsonl'), 'utf8'), reference, `run ${run} at concurrency 8`);
  }
});

test('validation masks: drawn by @bgfill/masks from (seed, record key), stored as PNG with their hole ratio', async (t) => {
  const root = await tempDir(t);
  await makePlaces(root, 2, 6, 64);
  const out = join(root, 'bundle');
  const result = await buildDataset({ source: 'places365', input: root, out, size: 64, masks: 'person-box', maskSplits: ['val'], seed: 11, progress: false });
  const generator = await createMaskGenerator(parseMaskConfig('person-box'));
  t.true(result.manifest!.splits.val.hasMasks);
  t.false(result.manifest!.splits.train.hasMasks);
  t.is(result.manifest!.splits.val.maskStrategy, generator.label);
  t.true((await splitRecords(out, 'train')).every((r) => r.mask === undefined));
  const val = await splitRecords(out, 'val');
  let sum = 0;
  for (const r of val) {
    const expected = generator.generate({ width: 64, height: 64 }, 11, r.key);
    const stored = await decodeMaskPng(r.mask!.encoded);
    t.deepEqual(stored.data, expected.data, `${r.filename}: the mask of its key`);
    const ratio = expected.data.reduce((a, v) => a + v, 0) / expected.data.length;
    t.true(Math.abs(r.mask!.holeRatio - ratio) < 1e-6);
    sum += r.mask!.holeRatio;
  }
  t.true(Math.abs(result.manifest!.splits.val.meanHoleRatio! - sum / val.length) < 1e-6);
  // Fixed holes: masks depend on (seed, key) only, so another build (other concurrency) gives each key the same mask.
  const again = join(root, 'again');
  await buildDataset({ source: 'places365', input: root, out: again, size: 64, masks: 'person-box', maskSplits: ['val'], seed: 11, concurrency: 1, progress: false });
  const byKey = new Map((await splitRecords(again, 'val')).map((r) => [r.key, Buffer.from(r.mask!.encoded)]));
  for (const r of val) t.deepEqual(byKey.get(r.key), Buffer.from(r.mask!.encoded));
});

test('--shard-mb picks records per shard from the mean record size of a seeded sample', async (t) => {
  const root = await tempDir(t);
  await makePlaces(root, 3, 0, 64);
  const out = join(root, 'bundle');
  const result = await buildDataset({ source: 'places365', input: root, out, size: 64, shardMb: 0.004, progress: false });
  const manifest = result.manifest!;
  // Fewer than 64 inputs: the sample is all of them, so the mean is the bundle's own mean framed record size.
  const mean = manifest.shards.reduce((a, s) => a + s.bytes, 0) / manifest.records;
  t.is(manifest.recordsPerShard, Math.floor((0.004 * 2 ** 20) / mean));
  t.true(manifest.shards.filter((s) => s.split === 'train').every((s) => s.planned <= manifest.recordsPerShard));
  t.true(manifest.shards.length > 1);
});

test('rerunning a finished build keeps every shard; a different build into the same folder is refused', async (t) => {
  const root = await tempDir(t);
  await makePlaces(root, 2, 3, 64);
  const out = join(root, 'bundle');
  const options = { source: 'places365' as const, input: root, out, size: 64, recordsPerShard: 2, progress: false };
  const first = await buildDataset(options);
  const before = await snapshot(out);
  const second = await buildDataset(options);
  t.is(second.shardsWritten, 0);
  t.is(second.shardsKept, first.shardsWritten);
  t.deepEqual(await snapshot(out), before);
  // A damaged shard is rebuilt on rerun, and only that one.
  const victim = first.manifest!.shards[1].file;
  await rm(join(out, victim));
  const third = await buildDataset(options);
  t.is(third.shardsWritten, 1);
  t.deepEqual(await snapshot(out), before);
  await t.throwsAsync(buildDataset({ ...options, seed: 99 }), { instanceOf: BgfillError, message: /different (bundle|build)/ });
});

test('odd inputs (CMYK, 16-bit, grey, RGBA, EXIF-rotated) all become 3-channel sRGB records of the target size', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'odd');
  const rgb = await sharp({ create: { width: 90, height: 70, channels: 3, background: { r: 200, g: 80, b: 30 } } }).png().toBuffer();
  await writeImage(join(input, 'cmyk.jpg'), await sharp(rgb).toColourspace('cmyk').jpeg().toBuffer());
  await writeImage(join(input, 'deep.png'), await sharp(rgb).toColourspace('rgb16').png().toBuffer());
  await writeImage(join(input, 'grey.jpg'), await sharp(rgb).toColourspace('b-w').jpeg().toBuffer());
  await writeImage(join(input, 'alpha.png'), await sharp(rgb).ensureAlpha(0.5).png().toBuffer());
  await writeImage(join(input, 'rotated.jpg'), await sharp(rgb).withMetadata({ orientation: 8 }).jpeg().toBuffer());
  const out = join(root, 'bundle');
  const result = await buildDataset({ source: 'folder', input, out, size: 64, labels: 'none', progress: false });
  t.is(result.records, 5);
  t.is(result.rejected, 0);
  for (const r of await splitRecords(out, 'train')) {
    const meta = await sharp(r.encoded).metadata();
    t.deepEqual([meta.width, meta.height, meta.channels, meta.space, meta.depth, meta.hasAlpha], [64, 64, 3, 'srgb', 'uchar', false], r.filename);
  }
});

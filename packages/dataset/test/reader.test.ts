import test from 'ava';
import { createHash } from 'node:crypto';
import { cp, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { buildDataset } from '../src/build.js';
import { readManifest } from '../src/manifest.js';
import { readBundle, TfRecordError, type DecodedExample, type ReadOptions } from '../src/reader.js';
import { decodeRecord } from '../src/record.js';
import { readTfRecords } from '../src/tfrecord-reader.js';
import { toTfDataset } from '../src/tf-dataset.js';
import { makePlaces } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'bgfill-reader-'));
const bundle = join(root, 'bundle');
test.before(async () => {
  await makePlaces(root, 5, 6, 64); // 20 train, 6 val
  await buildDataset({ source: 'places365', input: root, out: bundle, size: 64, recordsPerShard: 3, masks: 'person-box', maskSplits: ['val'], progress: false });
});
test.after.always(() => rmSync(root, { recursive: true, force: true }));

async function collect(dir: string, options: ReadOptions): Promise<DecodedExample[]> {
  const out: DecodedExample[] = [];
  for await (const ex of readBundle(dir, options)) out.push(ex);
  return out;
}

const keys = (xs: readonly DecodedExample[]): string[] => xs.map((x) => x.key);

/** The split's records in shard order, read with the low-level reader. */
async function shardOrder(split: string): Promise<Array<{ key: string; shard: string; offset: number }>> {
  const manifest = await readManifest(bundle);
  const out = [];
  for (const s of manifest.shards.filter((x) => x.split === split)) {
    for await (const r of readTfRecords(join(bundle, s.file))) out.push({ key: decodeRecord(r.data).key, shard: s.file, offset: r.offset });
  }
  return out;
}

test('unshuffled reading follows the shards in order, with positions, shard and offset; images decode to RGB', async (t) => {
  const examples = await collect(bundle, { split: 'train' });
  const expected = await shardOrder('train');
  t.deepEqual(examples.map((e) => ({ key: e.key, shard: e.shard, offset: e.offset })), expected);
  t.deepEqual(examples.map((e) => e.position), expected.map((_, i) => i));
  for (const e of examples.slice(0, 4)) {
    const reference = await sharp(e.encoded).raw().toBuffer();
    t.deepEqual([e.image.width, e.image.height, e.image.channels], [64, 64, 3]);
    t.deepEqual(Buffer.from(e.image.data), reference);
    t.is(e.mask, undefined);
  }
});

test('every example names its source file (image/filename), so errors downstream can say which input it was', async (t) => {
  const manifest = await readManifest(bundle);
  for (const split of ['train', 'val']) {
    const examples = await collect(bundle, { split, shuffleBuffer: 8, seed: 3, decode: false });
    // The Places365 lists name these files: data_256/<x>/<category>/NNNNNNNN.jpg and val_256/Places365_val_NNNNNNNN.jpg.
    let passedOver = 0; // larger inputs were resized: their bytes differ
    const pattern = split === 'train' ? /^data_256\/[a-z]\/[a-z]+\/\d{8}\.jpg$/ : /^val_256\/Places365_val_\d{8}\.jpg$/;
    for (const e of examples) {
      t.regex(e.filename, pattern);
      t.is(e.key, createHash('sha256').update(e.filename).digest('hex'), 'the key is the SHA-256 of the filename');
      const source = await readFile(join(root, e.filename));
      const meta = await sharp(source).metadata();
      if (meta.width === 64 && meta.height === 64) t.deepEqual(source, Buffer.from(e.encoded), `${e.filename}: 64² inputs are stored byte for byte`);
      else passedOver++;
    }
    t.is(new Set(examples.map((e) => e.filename)).size, manifest.splits[split].count);
    t.true(passedOver < examples.length);
  }
});

test('validation examples carry their mask, decoded to 0/1 with the stored hole ratio', async (t) => {
  const examples = await collect(bundle, { split: 'val' });
  t.is(examples.length, 6);
  for (const e of examples) {
    t.truthy(e.mask);
    t.deepEqual([e.mask!.width, e.mask!.height], [64, 64]);
    t.true(e.mask!.data.every((v) => v === 0 || v === 1));
    const ratio = e.mask!.data.reduce((a, v) => a + v, 0) / e.mask!.data.length;
    t.true(Math.abs(ratio - e.holeRatio!) < 1e-6);
    t.is(e.maskStrategy, 'person-box');
  }
});

test('seeded shuffle: same records, another order; same seed same order; another seed another order', async (t) => {
  const plain = keys(await collect(bundle, { split: 'train' }));
  const a = keys(await collect(bundle, { split: 'train', shuffleBuffer: 8, seed: 1 }));
  const again = keys(await collect(bundle, { split: 'train', shuffleBuffer: 8, seed: 1, concurrency: 1 }));
  const b = keys(await collect(bundle, { split: 'train', shuffleBuffer: 8, seed: 2 }));
  t.deepEqual([...a].sort(), [...plain].sort());
  t.notDeepEqual(a, plain);
  t.deepEqual(a, again);
  t.notDeepEqual(a, b);
});

test('worker partitions are disjoint, cover the split, and each is every count-th record', async (t) => {
  const plain = keys(await collect(bundle, { split: 'train' }));
  const parts: string[][] = [];
  for (let index = 0; index < 3; index++) parts.push(keys(await collect(bundle, { split: 'train', worker: { index, count: 3 } })));
  parts.forEach((p, i) => t.deepEqual(p, plain.filter((_, r) => r % 3 === i)));
  t.deepEqual(parts.flat().sort(), [...plain].sort());
  // Shuffled workers still split the same records between them.
  const shuffled: string[][] = [];
  for (let index = 0; index < 3; index++) shuffled.push(keys(await collect(bundle, { split: 'train', worker: { index, count: 3 }, shuffleBuffer: 4, seed: 9 })));
  shuffled.forEach((p, i) => t.deepEqual([...p].sort(), [...parts[i]].sort()));
});

test('repeat: each epoch holds every record once, in a new order when shuffling', async (t) => {
  const n = 20;
  const xs = await collect(bundle, { split: 'train', repeat: true, shuffleBuffer: 6, seed: 4, limit: 2 * n + 3 });
  t.is(xs.length, 2 * n + 3);
  const e0 = xs.slice(0, n);
  const e1 = xs.slice(n, 2 * n);
  t.true(e0.every((x) => x.epoch === 0) && e1.every((x) => x.epoch === 1) && xs[2 * n].epoch === 2);
  t.deepEqual(keys(e0).sort(), keys(e1).sort());
  t.is(new Set(keys(e0)).size, n);
  t.notDeepEqual(keys(e0), keys(e1));
});

test('skip resumes exactly: the stream from position k equals the tail of the unskipped stream', async (t) => {
  const options: ReadOptions = { split: 'train', repeat: true, shuffleBuffer: 5, seed: 'resume', limit: 45 };
  const full = await collect(bundle, options);
  for (const k of [1, 7, 20, 33]) {
    const tail = await collect(bundle, { ...options, skip: k, limit: 45 - k });
    t.deepEqual(keys(tail), keys(full.slice(k)), `skip ${k}`);
    t.deepEqual(tail.map((x) => x.position), full.slice(k).map((x) => x.position));
  }
});

test('decode: false hands back the stored bytes', async (t) => {
  const xs = await collect(bundle, { split: 'val', decode: false, limit: 2 });
  t.is(xs.length, 2);
  t.deepEqual(Buffer.from(xs[0].image.data), Buffer.from(xs[0].encoded));
  t.is(xs[0].mask, undefined);
  t.truthy(xs[0].maskEncoded);
});

test('a corrupt record is named by shard and offset; CRC checks can be turned off', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'bgfill-reader-bad-'));
  t.teardown(() => rmSync(dir, { recursive: true, force: true }));
  await cp(bundle, dir, { recursive: true });
  const manifest = await readManifest(dir);
  const shard = manifest.shards.find((s) => s.split === 'train' && s.shardIndex === 1)!;
  const bytes = await readFile(join(dir, shard.file));
  const records = [];
  for await (const r of readTfRecords(join(dir, shard.file))) records.push(r);
  const victim = records[1];
  const name = Buffer.from(decodeRecord(victim.data).filename);
  const at = bytes.indexOf(name, victim.offset);
  bytes[at + name.length - 5] = 'X'.charCodeAt(0); // 00000001.jpg → 0000000X.jpg inside the payload
  await writeFile(join(dir, shard.file), bytes);
  const err = await t.throwsAsync(collect(dir, { split: 'train' }), { instanceOf: TfRecordError });
  t.is(err?.file, shard.file);
  t.is(err?.offset, victim.offset);
  t.regex(err?.message ?? '', new RegExp(`${shard.file} @ offset ${victim.offset}: data CRC mismatch`));
  const unchecked = await collect(dir, { split: 'train', verifyCrc: false });
  t.true(unchecked.some((x) => x.filename.endsWith('X.jpg')));
});

test('bad options and unknown splits are errors naming the option', async (t) => {
  await t.throwsAsync(collect(bundle, { split: 'test' }), { instanceOf: BgfillError, message: /\(train, val\) for split but received "test"/ });
  t.throws(() => readBundle(bundle, { split: 'train', worker: { index: 3, count: 3 } }), { instanceOf: BgfillError, message: /worker\.index/ });
  t.throws(() => readBundle(bundle, { split: 'train', skip: -1 }), { instanceOf: BgfillError });
});

test('toTfDataset yields image [h,w,3] in [0,1], mask [h,w,1] and an int32 label', async (t) => {
  const tf = await import('@tensorflow/tfjs');
  await tf.setBackend('cpu');
  const ds = await toTfDataset(bundle, { split: 'val', limit: 3, tf });
  const items = await ds.toArray();
  const reference = await collect(bundle, { split: 'val', limit: 3 });
  t.is(items.length, 3);
  for (const [i, item] of items.entries()) {
    t.deepEqual(item.image.shape, [64, 64, 3]);
    t.is(item.image.dtype, 'float32');
    const pixels = await item.image.data();
    t.true(Math.abs(pixels[100] - reference[i].image.data[100] / 255) < 1e-6);
    t.deepEqual(item.mask!.shape, [64, 64, 1]);
    t.deepEqual(Array.from(await item.mask!.data()), Array.from(reference[i].mask!.data));
    t.is(item.label.dtype, 'int32');
    t.is((await item.label.data())[0], reference[i].label);
  }
  const batched = await (await toTfDataset(bundle, { split: 'train', tf, limit: 8 })).batch(4).toArray();
  const first = batched[0] as unknown as Record<string, { shape: number[] }>;
  t.deepEqual(first.image.shape, [4, 64, 64, 3]);
  t.false('mask' in first);
});

import test from 'ava';
import { mkdtemp, readFile, readdir, writeFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync } from 'node:zlib';
import { createHash } from 'node:crypto';
import { frameRecord, formatIndex, TfRecordWriter } from '../src/tfrecord-writer.js';
import { parseIndex, readTfRecords, scanTfRecords, TfRecordError, type ScanItem } from '../src/tfrecord-reader.js';

const fixtures = new URL('./fixtures/', import.meta.url);
const vectors = JSON.parse(await readFile(new URL('framing-vectors.json', fixtures), 'utf8')) as { payloads_hex: string[] };
const payloads = vectors.payloads_hex.map((h) => Buffer.from(h, 'hex'));
const pythonFile = new URL('python-written.tfrecord', fixtures).pathname;

async function collect<T>(it: AsyncIterable<T>): Promise<T[]> {
  const out: T[] = [];
  for await (const x of it) out.push(x);
  return out;
}

test('known framing bytes of an empty record', (t) => {
  // length 0 (8 zero bytes), masked CRC-32C of those bytes, no data, masked CRC of nothing (= the mask delta).
  t.is(frameRecord(Buffer.alloc(0)).toString('hex'), '0000000000000000' + '29039807' + 'd8ea82a2');
});

test('framing is byte-identical to the Python reference writer', async (t) => {
  const expected = await readFile(pythonFile);
  t.deepEqual(Buffer.concat(payloads.map(frameRecord)), expected);
});

test('TfRecordWriter writes the reference bytes, the reference index and the file digest', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-tfr-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'x.tfrecord');
  const writer = await TfRecordWriter.create(path);
  for (const p of payloads) await writer.write(p);
  t.false((await readdir(dir)).includes('x.tfrecord'), 'no final name before commit');
  const shard = await writer.commit();
  const bytes = await readFile(path);
  t.deepEqual(bytes, await readFile(pythonFile));
  t.is(shard.bytes, bytes.length);
  t.is(shard.sha256, createHash('sha256').update(bytes).digest('hex'));
  t.is(formatIndex(shard.index), await readFile(new URL('python-written.index', fixtures), 'utf8'));
  t.deepEqual(await readdir(dir), ['x.tfrecord']);
});

test('gzip shards decompress to the same record stream; the reader reads Python gzip output', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-tfr-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const path = join(dir, 'x.tfrecord.gz');
  const writer = await TfRecordWriter.create(path, { compression: 'gzip' });
  for (const p of payloads) await writer.write(p);
  const shard = await writer.commit();
  const written = await readFile(path);
  t.is(shard.sha256, createHash('sha256').update(written).digest('hex'));
  t.deepEqual(gunzipSync(written), await readFile(pythonFile));
  const fromPython = await collect(readTfRecords(new URL('python-written.tfrecord.gz', fixtures).pathname));
  t.deepEqual(fromPython.map((r) => r.data), payloads);
});

test('reader returns the payloads, offsets and lengths of the Python file, also with tiny read chunks', async (t) => {
  const index = parseIndex(await readFile(new URL('python-written.index', fixtures), 'utf8'));
  for (const chunkBytes of [1 << 20, 7, 1]) {
    const records = await collect(readTfRecords(pythonFile, { chunkBytes }));
    t.deepEqual(records.map((r) => r.data), payloads);
    t.deepEqual(records.map((r) => ({ offset: r.offset, length: r.length })), index);
  }
});

test('a flipped payload byte is reported with its offset and the scan goes on', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-tfr-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const bytes = Buffer.from(await readFile(pythonFile));
  const index = parseIndex(await readFile(new URL('python-written.index', fixtures), 'utf8'));
  bytes[index[2].offset + 12 + 3] ^= 0x20; // inside "hello tfrecord"
  const path = join(dir, 'bad.tfrecord');
  await writeFile(path, bytes);
  const items: ScanItem[] = await collect(scanTfRecords(path));
  t.deepEqual(
    items.map((i) => (i.kind === 'problem' ? `${i.fault}@${i.offset}` : `ok@${i.offset}`)),
    index.map((e, i) => (i === 2 ? `data-crc@${e.offset}` : `ok@${e.offset}`)),
  );
  const err = await t.throwsAsync(collect(readTfRecords(path)), { instanceOf: TfRecordError });
  t.is(err?.offset, index[2].offset);
  t.regex(err?.message ?? '', /bad\.tfrecord @ offset \d+: data CRC mismatch/);
  // With CRC checks off the damaged payload comes through unchanged.
  const unchecked = await collect(readTfRecords(path, { verifyCrc: false }));
  t.is(unchecked[2].data.toString(), 'helLo tfrecord');
});

test('a corrupt length or a truncated file ends the scan with a named problem', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-tfr-'));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  const good = await readFile(pythonFile);
  const index = parseIndex(await readFile(new URL('python-written.index', fixtures), 'utf8'));
  const badLength = Buffer.from(good);
  badLength[index[3].offset] ^= 0x01;
  await writeFile(join(dir, 'len.tfrecord'), badLength);
  const a = await collect(scanTfRecords(join(dir, 'len.tfrecord')));
  t.is(a.length, 4);
  t.like(a[3], { kind: 'problem', fault: 'length-crc', offset: index[3].offset });

  for (const [cut, fault] of [
    [index[4].offset + 5, 'truncated-header'],
    [index[4].offset + 20, 'truncated-data'],
  ] as const) {
    await writeFile(join(dir, 'cut.tfrecord'), good.subarray(0, cut));
    const items = await collect(scanTfRecords(join(dir, 'cut.tfrecord')));
    t.is(items.length, 5);
    t.like(items[4], { kind: 'problem', fault, offset: index[4].offset });
  }
});

test('parseIndex rejects a malformed line with its number', (t) => {
  t.deepEqual(parseIndex('0 16\n16 17\n'), [
    { offset: 0, length: 16 },
    { offset: 16, length: 17 },
  ]);
  t.throws(() => parseIndex('0 16\nx y\n', 'a.index'), { message: /a\.index:2/ });
});

import test from 'ava';
import { cp, readFile, rm, writeFile } from 'node:fs/promises';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import sharp from 'sharp';
import { buildDataset } from '../src/build.js';
import { MANIFEST_FILE, readManifest, type DatasetManifest } from '../src/manifest.js';
import { decodeRecord, encodeRecord } from '../src/record.js';
import { formatIndex, frameRecord } from '../src/tfrecord-writer.js';
import { readTfRecords } from '../src/tfrecord-reader.js';
import { formatIssue, verifyBundle } from '../src/verify.js';
import { formatInspectReport, holeHistogram, inspectBundle } from '../src/inspect.js';
import { readBundle } from '../src/reader.js';
import { makePlaces } from './helpers.js';

const root = mkdtempSync(join(tmpdir(), 'bgfill-verify-'));
const bundle = join(root, 'bundle');
const gzipped = join(root, 'gz');
test.before(async () => {
  await makePlaces(root, 3, 5, 64);
  const common = { source: 'places365', input: root, size: 64, recordsPerShard: 4, masks: 'person-box', maskSplits: ['val'], progress: false } as const;
  await buildDataset({ ...common, out: bundle });
  await buildDataset({ ...common, out: gzipped, gzip: true });
});
test.after.always(() => rmSync(root, { recursive: true, force: true }));

let copies = 0;
async function copy(): Promise<string> {
  const dir = join(root, `copy-${copies++}`);
  await cp(bundle, dir, { recursive: true });
  return dir;
}

async function framesOf(path: string): Promise<Array<{ offset: number; data: Buffer }>> {
  const out = [];
  for await (const r of readTfRecords(path)) out.push({ offset: r.offset, data: Buffer.from(r.data) });
  return out;
}

test('a sound bundle verifies, with and without decoding, plain and GZIP', async (t) => {
  for (const dir of [bundle, gzipped]) {
    const report = await verifyBundle(dir, { decode: true });
    t.deepEqual(report.issues.map(formatIssue), []);
    t.true(report.ok);
    t.is(report.records, 17);
    t.is(report.decoded, 17);
    t.is(report.shards, (await readManifest(dir)).shards.length);
  }
});

test('a flipped payload byte is named by shard, offset and record number', async (t) => {
  const dir = await copy();
  const shard = (await readManifest(dir)).shards[1];
  const frames = await framesOf(join(dir, shard.file));
  const bytes = await readFile(join(dir, shard.file));
  bytes[frames[2].offset + 40] ^= 0xff;
  await writeFile(join(dir, shard.file), bytes);
  const report = await verifyBundle(dir);
  t.false(report.ok);
  const lines = report.issues.map(formatIssue);
  t.true(lines.includes(`${shard.file} @ offset ${frames[2].offset} (record 2): data CRC mismatch (corrupt record payload)`), lines.join('\n'));
  t.true(lines.some((l) => l.startsWith(`${shard.file}: SHA-256`)));
  t.true(lines.some((l) => l.includes('holds 3 readable records, dataset.json says 4')));
});

test('truncated, missing and stray shards, and a damaged index, are reported', async (t) => {
  const dir = await copy();
  const [a, b, c] = (await readManifest(dir)).shards;
  const bytes = await readFile(join(dir, a.file));
  await writeFile(join(dir, a.file), bytes.subarray(0, bytes.length - 10));
  await rm(join(dir, b.file));
  await writeFile(join(dir, c.indexFile), (await readFile(join(dir, c.indexFile), 'utf8')).replace(/^0 /, '1 '));
  await writeFile(join(dir, 'extra-00000-of-00001.tfrecord'), frameRecord(Buffer.from('x')));
  const lines = (await verifyBundle(dir)).issues.map(formatIssue);
  t.true(lines.some((l) => new RegExp(`^${a.file} @ offset \\d+ \\(record 3\\): file ends inside a record`).test(l)), lines.join('\n'));
  t.true(lines.includes(`${b.file}: missing (listed in dataset.json)`));
  t.true(lines.some((l) => l.startsWith(`${c.indexFile}: SHA-256 does not match`)));
  t.true(lines.some((l) => l.startsWith(`${c.indexFile}: line 1 says 1 `)));
  t.true(lines.includes('extra-00000-of-00001.tfrecord: shard file not listed in dataset.json'));
});

test('an image that no longer decodes, in an otherwise consistent shard, is found only with decode', async (t) => {
  const dir = await copy();
  const manifest = await readManifest(dir);
  const shard = manifest.shards[0];
  const frames = await framesOf(join(dir, shard.file));
  const records = frames.map((f) => decodeRecord(f.data));
  records[1] = { ...records[1], encoded: records[1].encoded.subarray(0, 200) }; // truncated JPEG, fresh CRCs
  const payloads = records.map(encodeRecord);
  const file = Buffer.concat(payloads.map(frameRecord));
  let offset = 0;
  const index = formatIndex(payloads.map((p) => ({ offset: (offset += p.length + 16) - p.length - 16, length: p.length + 16 })));
  await writeFile(join(dir, shard.file), file);
  await writeFile(join(dir, shard.indexFile), index);
  const patched: DatasetManifest = {
    ...manifest,
    shards: manifest.shards.map((s) =>
      s.file === shard.file
        ? { ...s, bytes: file.length, sha256: createHash('sha256').update(file).digest('hex'), indexSha256: createHash('sha256').update(index).digest('hex') }
        : s,
    ),
  };
  await writeFile(join(dir, MANIFEST_FILE), JSON.stringify(patched));
  t.true((await verifyBundle(dir)).ok, 'framing, digests and schema are all consistent');
  const lines = (await verifyBundle(dir, { decode: true })).issues.map(formatIssue);
  t.is(lines.length, 1);
  t.regex(lines[0], new RegExp(`^${shard.file} @ offset ${frames[1].offset} \\(record 1\\): image does not decode`));
});

test('inspect: statistics agree with the records, and the preview tints holes red', async (t) => {
  const preview = join(root, 'preview.png');
  const report = await inspectBundle(bundle, { preview, count: 5, tile: 128 });
  const val = report.splits.find((s) => s.split === 'val')!;
  const train = report.splits.find((s) => s.split === 'train')!;
  t.is(train.count, 12);
  t.deepEqual(train.sizes, { '64x64': 12 });
  t.is(train.holeRatio, null);
  t.is(report.preview, preview);
  const examples = [];
  for await (const ex of readBundle(bundle, { split: 'val' })) examples.push(ex);
  const ratios = examples.map((e) => e.mask!.data.reduce((a, v) => a + v, 0) / e.mask!.data.length);
  t.true(Math.abs(val.holeRatio!.mean - ratios.reduce((a, r) => a + r, 0) / ratios.length) < 1e-6);
  t.deepEqual(val.holeRatio!.histogram, holeHistogram(ratios));
  t.is(val.holeRatio!.histogram.reduce((a, n) => a + n, 0), 5);
  t.regex(formatInspectReport(report), /split val: 5 records in 2 shards/);

  // 5 tiles → 3 columns × 2 rows of 128 px with 2 px gaps.
  const { data, info } = await sharp(preview).raw().toBuffer({ resolveWithObject: true });
  t.deepEqual([info.width, info.height], [3 * 128 + 4 * 2, 2 * 128 + 3 * 2]);
  // Tile 0 is the first val record (masks are preview-worthy), scaled ×2: check a pixel deep inside a hole.
  const first = examples[0];
  const m = first.mask!;
  const inside = (x: number, y: number): boolean => {
    for (let dy = -3; dy <= 3; dy++) for (let dx = -3; dx <= 3; dx++) if (!m.data[(y + dy) * m.width + x + dx]) return false;
    return true;
  };
  let hx = -1;
  let hy = -1;
  for (let y = 3; y < 61 && hx < 0; y++) for (let x = 3; x < 61; x++) if (inside(x, y)) [hx, hy] = [x, y];
  t.true(hx >= 0, 'the first mask has a hole');
  const src = first.image.data.subarray((hy * 64 + hx) * 3, (hy * 64 + hx) * 3 + 3);
  const at = ((2 + 2 * hy) * info.width + 2 + 2 * hx) * 3;
  const got = [...data.subarray(at, at + 3)];
  const want = [(src[0] + 255) >> 1, src[1] >> 1, src[2] >> 1];
  t.true(got.every((v, i) => Math.abs(v - want[i]) <= 12), `tinted ${got} ≈ ${want}`);
});

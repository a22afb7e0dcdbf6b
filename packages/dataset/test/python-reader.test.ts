// Our shards, read back by an independent standard-library Python reader (test/fixtures/read-tfrecord.py).
import test from 'ava';
import { execFileSync, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset } from '../src/build.js';
import { readManifest } from '../src/manifest.js';
import { decodeRecord } from '../src/record.js';
import { readTfRecords } from '../src/tfrecord-reader.js';
import { makePlaces, tempDir } from './helpers.js';

const python = '/usr/bin/python3';
const hasPython = spawnSync(python, ['-c', 'import gzip, hashlib, json, struct'], { stdio: 'ignore' }).status === 0;
const script = fileURLToPath(new URL('fixtures/read-tfrecord.py', import.meta.url));
const sha = (b: Uint8Array): string => createHash('sha256').update(b).digest('hex');

interface PyRecord {
  offset: number;
  length: number;
  features: Record<string, { bytes_sha256?: string[]; int64?: number[]; float?: number[] }>;
}

(hasPython ? test : test.skip)('shards (plain and GZIP, with masks) read back identically by the independent Python reader', async (t) => {
  const root = await tempDir(t);
  await makePlaces(root, 2, 3, 64);
  for (const gzip of [false, true]) {
    const out = join(root, `bundle-${gzip}`);
    await buildDataset({ source: 'places365', input: root, out, size: 48, recordsPerShard: 4, masks: 'person-box', maskSplits: ['val'], gzip, progress: false });
    for (const shard of (await readManifest(out)).shards) {
      const py = JSON.parse(execFileSync(python, [script, join(out, shard.file), join(out, shard.indexFile)], { encoding: 'utf8' })) as {
        records: PyRecord[];
      };
      const ours: Array<{ offset: number; length: number; record: ReturnType<typeof decodeRecord> }> = [];
      for await (const r of readTfRecords(join(out, shard.file))) ours.push({ offset: r.offset, length: r.length, record: decodeRecord(r.data) });
      t.is(py.records.length, ours.length, shard.file);
      py.records.forEach((p, i) => {
        const o = ours[i];
        t.deepEqual([p.offset, p.length], [o.offset, o.length]);
        const f = p.features;
        t.deepEqual(f['image/encoded'].bytes_sha256, [sha(o.record.encoded)]);
        t.deepEqual(f['image/filename'].bytes_sha256, [sha(Buffer.from(o.record.filename))]);
        t.deepEqual(f['image/key/sha256'].bytes_sha256, [sha(Buffer.from(o.record.key))]);
        t.deepEqual([f['image/width'].int64, f['image/height'].int64, f['image/channels'].int64], [[48], [48], [3]]);
        t.deepEqual(f['image/class/label'].int64, [o.record.label]);
        if (o.record.mask) {
          t.deepEqual(f['mask/encoded'].bytes_sha256, [sha(o.record.mask.encoded)]);
          t.true(Math.abs(f['mask/hole_ratio'].float![0] - o.record.mask.holeRatio) < 1e-7);
        } else t.false('mask/encoded' in f);
      });
    }
  }
});

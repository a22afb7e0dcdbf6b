import test from 'ava';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError, rngFor } from '@bgfill/core';
import { hashSplit, parseSplitRatios } from '../src/split.js';
import { planShards, recordKey, seededShuffle, shardsForWorker } from '../src/shard-plan.js';
import { listFolder } from '../src/sources/folder.js';
import { listPlaces365, parsePlacesCategories } from '../src/sources/places365.js';
import { parseCategoryList } from '../src/sources/categories.js';
import type { SourceItem } from '../src/sources/source.js';
import { makePlaces, patternJpeg, tempDir, writeImage } from './helpers.js';
import { createHash } from 'node:crypto';

const item = (filename: string, split?: string): SourceItem => ({ path: `/x/${filename}`, filename, label: -1, labelText: '', ...(split ? { split } : {}) });

test('parseSplitRatios keeps ratios that sum to 1 and rejects bad input', (t) => {
  t.deepEqual(parseSplitRatios('train=0.9,val=0.1'), [
    { split: 'train', ratio: 0.9 },
    { split: 'val', ratio: 0.1 },
  ]);
  t.deepEqual(parseSplitRatios({ train: 0.75, val: 0.25 }), [
    { split: 'train', ratio: 0.75 },
    { split: 'val', ratio: 0.25 },
  ]);
  // 0.1 + 0.2 + 0.7 is 0.9999999999999999 in binary: within the tolerance, and the result sums to 1.
  const thirds = parseSplitRatios('a=0.1,b=0.2,c=0.7');
  t.true(Math.abs(thirds.reduce((s, r) => s + r.ratio, 0) - 1) < 1e-15);
  for (const bad of ['', 'train', 'train=0', 'train=-1,val=1', 'Train=1', 'train=1,train=2', 'a b=1']) {
    t.throws(() => parseSplitRatios(bad), { instanceOf: BgfillError }, bad);
  }
});

test('parseSplitRatios: ratios that do not sum to 1 are an error naming the sum (no silent rescaling)', (t) => {
  for (const [bad, sum] of [['train=0.3,val=0.1', '0.4'], ['train=0.9,val=0.2', '1.1'], ['train=9,val=1', '10'], ['train=0.999', '0.999']] as const) {
    const err = t.throws(() => parseSplitRatios(bad), { instanceOf: BgfillError }, bad);
    t.is(err?.message, `--split-ratios ${bad} sums to ${sum}; the ratios must sum to 1 (e.g. train=0.9,val=0.1)`);
  }
  t.throws(() => parseSplitRatios({ train: 0.5, val: 0.4 }), { instanceOf: BgfillError, message: /sums to 0\.9;/ });
  t.notThrows(() => parseSplitRatios('train=0.9999995,val=0.0000005'));
  t.throws(() => parseSplitRatios('train=0.99999,val=0.0000005'), { message: /sums to 0\.9999905;/ });
});

test('hashSplit follows the ratios over many keys and depends only on (seed, key)', (t) => {
  const ratios = parseSplitRatios('train=0.8,val=0.15,test=0.05');
  const counts: Record<string, number> = { train: 0, val: 0, test: 0 };
  const n = 20000;
  for (let i = 0; i < n; i++) counts[hashSplit(recordKey(`img-${i}.jpg`), 0, ratios)]++;
  // Binomial standard deviations at n = 20000 are under 0.003; allow 4 of them.
  t.true(Math.abs(counts.train / n - 0.8) < 0.012, `train ${counts.train / n}`);
  t.true(Math.abs(counts.val / n - 0.15) < 0.012, `val ${counts.val / n}`);
  t.true(Math.abs(counts.test / n - 0.05) < 0.012, `test ${counts.test / n}`);
  const key = recordKey('a.jpg');
  t.is(hashSplit(key, 3, ratios), hashSplit(key, 3, ratios));
  t.is(recordKey('a/b.jpg'), createHash('sha256').update('a/b.jpg').digest('hex'));
});

test('seededShuffle is a permutation, reproducible, and uniform enough', (t) => {
  const xs = Array.from({ length: 50 }, (_, i) => i);
  const a = seededShuffle(xs, rngFor(1, 's'));
  t.deepEqual([...a].sort((p, q) => p - q), xs);
  t.deepEqual(seededShuffle(xs, rngFor(1, 's')), a);
  // Position of element 0 over 3000 shuffles of 3: each position about 1/3.
  const where = [0, 0, 0];
  for (let i = 0; i < 3000; i++) where[seededShuffle([0, 1, 2], rngFor(i, 'u')).indexOf(0)]++;
  t.true(where.every((c) => Math.abs(c - 1000) < 120), `${where}`);
});

test('planShards: sorted, de-duplicated, split, shuffled, cut into named shards; listing order does not matter', (t) => {
  const items = Array.from({ length: 23 }, (_, i) => item(`f${String(i).padStart(2, '0')}.jpg`, i < 17 ? 'train' : 'val'));
  const options = { seed: 7, splits: ['train', 'val'], recordsPerShard: 5, compression: 'none' as const };
  const plan = planShards([...items, item('f03.jpg', 'train')], options);
  t.deepEqual(plan.rejects, [{ file: 'f03.jpg', reason: 'listed more than once (kept the first)', code: 'duplicate' }]);
  t.deepEqual(plan.shards.map((s) => s.file), [
    'train-00000-of-00004.tfrecord', 'train-00001-of-00004.tfrecord', 'train-00002-of-00004.tfrecord', 'train-00003-of-00004.tfrecord',
    'val-00000-of-00002.tfrecord', 'val-00001-of-00002.tfrecord',
  ]);
  t.deepEqual(plan.shards.map((s) => s.records.length), [5, 5, 5, 2, 5, 1]);
  t.deepEqual(plan.splits, [{ split: 'train', records: 17 }, { split: 'val', records: 6 }]);
  const reversed = planShards([...items].reverse(), options);
  t.deepEqual(reversed.shards.map((s) => s.records.map((r) => r.filename)), plan.shards.map((s) => s.records.map((r) => r.filename)));
  t.is(planShards(items, { ...options, compression: 'gzip' }).shards[0].file, 'train-00000-of-00004.tfrecord.gz');
  t.is(plan.shards[0].indexFile, 'train-00000-of-00004.index');
  // Workers take every N-th shard of the global order, together exactly once.
  const shares = [0, 1, 2].map((w) => shardsForWorker(plan, w, 3).map((s) => s.global));
  t.deepEqual(shares, [[0, 3], [1, 4], [2, 5]]);
  t.throws(() => shardsForWorker(plan, 3, 3), { instanceOf: BgfillError, message: /--worker/ });
});

test('Places365 lists: categories parsed, list errors name file and line, test list unlabelled', async (t) => {
  t.deepEqual(parsePlacesCategories(['/a/abbey 0', '/a/apartment_building/outdoor 1', ''], 'c'), ['abbey', 'apartment_building/outdoor']);
  t.throws(() => parsePlacesCategories(['/a/abbey 0', '/b/beach 2'], 'cats.txt'), { message: /cats\.txt: category index 1 is missing/ });
  t.throws(() => parsePlacesCategories(['abbey'], 'cats.txt'), { message: /cats\.txt:1: expected/ });
  const root = await tempDir(t);
  await makePlaces(root, 1, 2, 64);
  await writeFile(join(root, 'places365_test.txt'), 'Places365_test_00000001.jpg\n');
  const listing = await listPlaces365({ root, splits: ['test'] });
  t.deepEqual(listing.items, [{ path: join(root, 'test_256/Places365_test_00000001.jpg'), filename: 'test_256/Places365_test_00000001.jpg', label: -1, labelText: '', split: 'test' }]);
  await writeFile(join(root, 'places365_val.txt'), 'Places365_val_00000001.jpg 0\nPlaces365_val_00000002.jpg 9\n');
  await t.throwsAsync(listPlaces365({ root, splits: ['val'] }), { message: /places365_val\.txt:2: label 9 is not in categories_places365\.txt/ });
  await t.throwsAsync(listPlaces365({ root, splits: ['extra'] }), { instanceOf: BgfillError, message: /--split/ });
});

test('folder source: list files with labels and relative or absolute paths; category lists from @file', async (t) => {
  const root = await tempDir(t);
  await writeImage(join(root, 'imgs', 'a.jpg'), await patternJpeg(64, 64, 1));
  await writeImage(join(root, 'imgs', 'sub', 'b.jpg'), await patternJpeg(64, 64, 2));
  await writeFile(join(root, 'list.txt'), `# comment\nimgs/a.jpg 3\n${join(root, 'imgs', 'sub', 'b.jpg')} 0\n\n`);
  const listing = await listFolder({ root: '', list: join(root, 'list.txt') });
  t.deepEqual(listing.items.map((i) => [i.filename, i.label, i.labelText]), [['imgs/a.jpg', 3, '3'], ['imgs/sub/b.jpg', 0, '0']]);
  const globbed = await listFolder({ root: join(root, 'imgs') });
  t.deepEqual(globbed.items.map((i) => [i.filename, i.label, i.labelText]).sort(), [['a.jpg', -1, ''], ['sub/b.jpg', 0, 'sub']]);
  await writeFile(join(root, 'cats.txt'), '/a/abbey 0\nbeach\n# no\n');
  t.deepEqual(parseCategoryList(`@${join(root, 'cats.txt')}`), ['/a/abbey', 'beach']);
  t.deepEqual(parseCategoryList('a, b,,c'), ['a', 'b', 'c']);
});

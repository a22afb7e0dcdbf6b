import test from 'ava';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError } from '@bgfill/core';
import { buildDataset } from '../src/build.js';
import { mergeWorkers } from '../src/merge.js';
import { makeBadInputs, makePlaces, snapshot, tempDir } from './helpers.js';

async function fixture(t: Parameters<typeof tempDir>[0]): Promise<string> {
  const root = await tempDir(t);
  await makePlaces(root, 3, 7, 64);
  await makeBadInputs(join(root, 'data_256'));
  return root;
}

const options = (root: string) =>
  ({ source: 'places365', input: root, size: 64, recordsPerShard: 2, masks: 'person-box', maskSplits: ['val'], seed: 3, progress: false }) as const;

function sameFiles(t: Parameters<typeof tempDir>[0], a: Map<string, Buffer>, b: Map<string, Buffer>, what: string): void {
  t.deepEqual([...a.keys()], [...b.keys()], what);
  for (const [name, bytes] of a) t.true(bytes.equals(b.get(name)!), `${what}: ${name}`);
}

test('three workers in separate folders, merged, equal a single build byte for byte', async (t) => {
  const root = await fixture(t);
  await buildDataset({ ...options(root), out: join(root, 'single') });
  const results = [];
  for (const worker of [2, 0, 1]) results.push(await buildDataset({ ...options(root), out: join(root, `w${worker}`), worker, workers: 3 }));
  t.true(results.every((r) => r.manifest === null && r.workerManifest !== null));
  // Each worker built only its share: shard g goes to worker g % 3.
  const w1 = (await readdir(join(root, 'w1'))).filter((f) => f.endsWith('.tfrecord')).sort();
  const single = (await readdir(join(root, 'single'))).filter((f) => f.endsWith('.tfrecord')).sort();
  t.deepEqual(w1, single.filter((_, g) => g % 3 === 1));

  const merged = await mergeWorkers(join(root, 'merged'), [join(root, 'w0'), join(root, 'w1'), join(root, 'w2')]);
  t.is(merged.workers, 3);
  sameFiles(t, await snapshot(join(root, 'merged'), { skipParts: true }), await snapshot(join(root, 'single'), { skipParts: true }), 'separate folders');
});

test('workers sharing one folder, merged in place, equal a single build', async (t) => {
  const root = await fixture(t);
  await buildDataset({ ...options(root), out: join(root, 'single') });
  const shared = join(root, 'shared');
  for (const worker of [1, 0]) await buildDataset({ ...options(root), out: shared, worker, workers: 2 });
  await mergeWorkers(shared, [shared]);
  const merged = await snapshot(shared, { skipParts: true });
  for (const name of [...merged.keys()]) if (name.startsWith('worker-')) merged.delete(name);
  sameFiles(t, merged, await snapshot(join(root, 'single'), { skipParts: true }), 'shared folder');
});

test('merge refuses missing workers and mixed builds', async (t) => {
  const root = await fixture(t);
  await buildDataset({ ...options(root), out: join(root, 'a0'), worker: 0, workers: 2 });
  await t.throwsAsync(mergeWorkers(join(root, 'm'), [join(root, 'a0')]), { instanceOf: BgfillError, message: /missing worker manifests for worker 1 of 2/ });
  await buildDataset({ ...options(root), seed: 4, out: join(root, 'b1'), worker: 1, workers: 2 });
  await t.throwsAsync(mergeWorkers(join(root, 'm'), [join(root, 'a0'), join(root, 'b1')]), { instanceOf: BgfillError, message: /different build/ });
});

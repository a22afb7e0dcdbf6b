// The per-checkpoint cache: a rerun loads only new or changed checkpoints; a different record count misses;
// identical checkpoint files are scored once; a crash part-way keeps the finished epochs; a damaged entry is rescored.
import test from 'ava';
import { access, readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { scoreRun } from '../src/score-run.js';
import { buildTinyBundle, fakePredictorFactory, tempDir, writeCheckpoint } from './score-fixtures.js';

async function setup(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t);
  const bundle = await buildTinyBundle(join(root, 'bundle'), { pattern: '00[1-5]-*.jpg' });
  return { root, bundle, run: join(root, 'run') };
}

const epochNames = (paths: string[]) => paths.map((p) => p.split('/').at(-2));
const cacheEntries = async (out: string) => (await readdir(join(out, 'cache'))).filter((f) => f.endsWith('.json')).length;

test('a rerun after new epochs loads only the new checkpoints and reuses the cached scores exactly', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, { blur: 2 });
  await writeCheckpoint(run, 2, { blur: 1 });
  const first = fakePredictorFactory();
  const a = await scoreRun({ run, data: bundle, loadPredictor: first.factory, gridSamples: 2 });
  t.deepEqual(epochNames(first.log.loads), ['epoch-0001', 'epoch-0002']);
  t.is(await cacheEntries(a.out), 2);

  await writeCheckpoint(run, 3, { blur: 0.5 });
  const second = fakePredictorFactory();
  const b = await scoreRun({ run, data: bundle, loadPredictor: second.factory, gridSamples: 2 });
  t.deepEqual(epochNames(second.log.loads), ['epoch-0003']);
  t.deepEqual(b.scored, [3]);
  t.deepEqual(b.cached, [1, 2]);
  t.is(b.best.epoch, 3);
  t.deepEqual(b.epochs.slice(0, 2), a.epochs); // cached epochs: the very same numbers
  t.is(await cacheEntries(b.out), 3);

  // Nothing new: nothing loaded, not even for the grid (sample outputs are cached too).
  const third = fakePredictorFactory();
  const c = await scoreRun({ run, data: bundle, loadPredictor: third.factory, gridSamples: 2 });
  t.deepEqual(third.log.loads, []);
  t.deepEqual(c.epochs, b.epochs);

  // A changed checkpoint (same epoch, new bytes) is a new digest: only it is rescored.
  await writeCheckpoint(run, 1, { blur: 0.3 });
  const fourth = fakePredictorFactory();
  const d = await scoreRun({ run, data: bundle, loadPredictor: fourth.factory, gridSamples: 2 });
  t.deepEqual(epochNames(fourth.log.loads), ['epoch-0001']);
  t.is(d.best.epoch, 1);
});

test('the record count is part of the key; more grid samples than cached are predicted for the grid epochs only', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, { blur: 2 });
  await writeCheckpoint(run, 2, { blur: 1 });
  await scoreRun({ run, data: bundle, loadPredictor: fakePredictorFactory().factory, gridSamples: 2 });
  const limited = fakePredictorFactory();
  await scoreRun({ run, data: bundle, limit: 3, loadPredictor: limited.factory, gridSamples: 2 });
  t.is(limited.log.loads.length, 2); // 3 records ≠ 5 records: both miss

  const moreSamples = fakePredictorFactory();
  const r = await scoreRun({ run, data: bundle, loadPredictor: moreSamples.factory, gridSamples: 4, gridEpochs: 'best' });
  t.deepEqual(r.scored, []);
  t.deepEqual(epochNames(moreSamples.log.loads), ['epoch-0002']); // only the best epoch's column needed the new samples
  t.deepEqual(moreSamples.log.batches, [4]);
});

test('the engine that runs is resolved once, handed to every predictor, and part of the key', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, { blur: 2 });
  await writeCheckpoint(run, 2, { blur: 1 });
  const asked: string[] = [];
  const withEngine = (engine: string) => {
    const fake = fakePredictorFactory();
    const backends: Array<string | undefined> = [];
    return {
      fake,
      backends,
      options: {
        loadPredictor: async (path: string, o: { backend?: string }) => (backends.push(o.backend), fake.factory(path, o)),
        resolveBackend: async (requested: string) => (asked.push(requested), engine),
      },
    };
  };
  const onnx = withEngine('onnx');
  const lines: string[] = [];
  await scoreRun({ run, data: bundle, gridSamples: 2, log: (l) => lines.push(l), ...onnx.options });
  t.deepEqual(asked, ['auto'], 'resolved once, before scoring');
  t.true(onnx.backends.length >= 2 && onnx.backends.every((b) => b === 'onnx'), onnx.backends.join());
  t.true(lines.includes('backend auto: onnx'));
  const again = withEngine('onnx');
  await scoreRun({ run, data: bundle, gridSamples: 2, ...again.options });
  t.deepEqual(again.fake.log.loads, [], 'same engine: cached');
  const wasm = withEngine('wasm');
  const r = await scoreRun({ run, data: bundle, gridSamples: 2, ...wasm.options });
  t.deepEqual(epochNames(wasm.fake.log.loads).slice(0, 2), ['epoch-0001', 'epoch-0002'], 'another engine: rescored');
  t.deepEqual(r.scored, [1, 2]);
});

test('identical checkpoint files are scored once; the tie goes to the earliest epoch', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 4, { blur: 1 });
  await writeCheckpoint(run, 7, { blur: 1 });
  const { factory, log } = fakePredictorFactory();
  const r = await scoreRun({ run, data: bundle, loadPredictor: factory, gridSamples: 0 });
  t.deepEqual(epochNames(log.loads), ['epoch-0004']);
  t.deepEqual(r.epochs[0].all, r.epochs[1].all);
  t.is(r.best.epoch, 4);
  t.deepEqual(r.best.tiedOnRule, [4, 7]);
  t.is(r.best.decidedBy, 'earliest epoch');
});

test('a crash part-way keeps the finished epochs: the rerun loads only the unfinished one', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, { blur: 2 });
  await writeCheckpoint(run, 2, { blur: 1 });
  await writeCheckpoint(run, 3, { blur: 0.5, failOnCall: 1 });
  const crashing = fakePredictorFactory();
  await t.throwsAsync(scoreRun({ run, data: bundle, loadPredictor: crashing.factory, batchSize: 2 }), { message: /simulated crash/ });
  t.is(await cacheEntries(join(run, 'eval')), 2);
  await t.throwsAsync(readFile(join(run, 'eval', 'scores.json'))); // no report from a failed run

  await writeCheckpoint(run, 3, { blur: 0.5 });
  const resumed = fakePredictorFactory();
  const r = await scoreRun({ run, data: bundle, loadPredictor: resumed.factory, batchSize: 2 });
  t.deepEqual(epochNames(resumed.log.loads), ['epoch-0003']);
  t.deepEqual(r.cached, [1, 2]);
  t.is(r.best.epoch, 3);
  t.is(crashing.log.disposed, 3); // the crashed predictor was disposed too
});

test('a damaged cache entry is reported and rescored, not trusted', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, { blur: 1 });
  const a = await scoreRun({ run, data: bundle, loadPredictor: fakePredictorFactory().factory, gridSamples: 1 });
  const [entry] = (await readdir(join(a.out, 'cache'))).filter((f) => f.endsWith('.json'));
  const path = join(a.out, 'cache', entry);
  const text = await readFile(path, 'utf8');
  await writeFile(path, text.replace(/"l1": [0-9.e-]+/, '"l1": "lots"'));
  const again = fakePredictorFactory();
  const b = await scoreRun({ run, data: bundle, loadPredictor: again.factory, gridSamples: 1 });
  t.is(again.log.loads.length, 1);
  t.true(b.notes.some((n) => n.includes('damaged cache entry')));
  t.deepEqual(b.epochs, a.epochs);
  t.is(await readFile(path, 'utf8'), text); // rewritten whole
});

test('a grid column whose checkpoint cannot be reloaded is left out with a note, not a failure', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, { blur: 2 });
  await writeCheckpoint(run, 2, { blur: 1 });
  await scoreRun({ run, data: bundle, loadPredictor: fakePredictorFactory().factory, gridSamples: 1 });
  const failing = async () => {
    throw new Error('device lost');
  };
  const r = await scoreRun({ run, data: bundle, loadPredictor: failing, gridSamples: 3, gridEpochs: 'best,1' });
  t.deepEqual(r.cached, [1, 2]);
  t.deepEqual(r.notes.filter((n) => n.startsWith('grid:')), [
    'grid: epoch 2 left out: cannot load the checkpoint: device lost',
    'grid: epoch 1 left out: cannot load the checkpoint: device lost',
  ]);
  t.is(r.files.grid, undefined);
  await t.throwsAsync(access(join(r.out, 'grid.png')), { code: 'ENOENT' }); // the first run's grid is gone too
  t.regex(await readFile(join(r.out, 'report.html'), 'utf8'), /grid: epoch 2 left out/);
});

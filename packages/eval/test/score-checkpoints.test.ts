// Several predictors scored on one reading of the records (how `eval --run` scores its classical rows): each gets
// exactly what it gets scored alone, the records are read once, and a failing one is named.
import test from 'ava';
import { BgfillError } from '@bgfill/core';
import { join } from 'node:path';
import { classicalPredictor } from '../src/classical/predictor.js';
import type { Predictor } from '../src/predictor.js';
import { scoreCheckpoint, scoreCheckpoints } from '../src/score-checkpoint.js';
import { evalBatches, openEvalSet, type EvalBatch, type EvalSet } from '../src/score-data.js';
import { buildTinyBundle, fakePredictorFactory, tempDir, writeCheckpoint } from './score-fixtures.js';

/** The set's batches, counting each batch read. */
async function* counted(set: EvalSet, batchSize: number, reads: { count: number }): AsyncGenerator<EvalBatch> {
  for await (const batch of evalBatches(set, batchSize)) {
    reads.count++;
    yield batch;
  }
}

test('scoreCheckpoints reads the records once and gives each predictor what scoreCheckpoint gives it alone', async (t) => {
  const dir = await tempDir(t);
  const set = await openEvalSet(await buildTinyBundle(join(dir, 'bundle')));
  const { factory } = fakePredictorFactory();
  const blur = await factory(await writeCheckpoint(join(dir, 'run'), 1, { blur: 2 }), {});
  const rows: Array<{ name: string; make: () => Predictor | Promise<Predictor> }> = [
    { name: 'Telea', make: () => classicalPredictor('telea') },
    { name: 'Navier–Stokes', make: () => classicalPredictor('ns', 5) },
    { name: 'blur', make: () => blur },
    { name: 'border mean', make: () => classicalPredictor('mean') },
  ];
  const sampleIndices = new Set([0, 3, 7]);
  const reads = { count: 0 };
  const together = await scoreCheckpoints(
    await Promise.all(rows.map(async (r) => ({ predictor: await r.make(), options: { label: r.name, sampleIndices } }))),
    counted(set, 4, reads),
  );
  t.is(reads.count, Math.ceil(set.count / 4));
  for (const [i, r] of rows.entries()) {
    const alone = await scoreCheckpoint(await r.make(), evalBatches(set, 3), { label: r.name, sampleIndices });
    t.deepEqual(together[i].images, alone.images, r.name);
    t.deepEqual([...together[i].samples.keys()].sort(), [0, 3, 7], r.name);
    t.deepEqual(together[i].samples, alone.samples, r.name);
  }
  // The rows differ from each other (the comparison above is not of four copies of one row).
  t.notDeepEqual(together[0].images, together[1].images);
  t.notDeepEqual(together[0].images, together[2].images);
});

test('a predictor that fails in a shared pass stops it with its error; a wrong output is a BgfillError naming its row', async (t) => {
  const dir = await tempDir(t);
  const set = await openEvalSet(await buildTinyBundle(join(dir, 'bundle')));
  const { factory } = fakePredictorFactory();
  const failing = await factory(await writeCheckpoint(join(dir, 'run'), 1, { blur: 1, failOnCall: 1 }), {});
  const wrongSize = await factory(await writeCheckpoint(join(dir, 'run'), 2, { blur: 1, outputSize: [8, 8] }), {});
  await t.throwsAsync(
    scoreCheckpoints(
      [
        { predictor: classicalPredictor('telea'), options: { label: 'Telea' } },
        { predictor: failing, options: { label: 'epoch 1 (run/epoch-0001)' } },
      ],
      evalBatches(set, 4),
    ),
    { message: /simulated crash on call 1/ },
  );
  const error = await t.throwsAsync(
    scoreCheckpoints(
      [
        { predictor: classicalPredictor('mean'), options: { label: 'border mean' } },
        { predictor: wrongSize, options: { label: 'epoch 2 (run/epoch-0002)' } },
      ],
      evalBatches(set, 4),
    ),
    { instanceOf: BgfillError },
  );
  t.regex(error.message, /^epoch 2 \(run\/epoch-0002\): the predictor returned a 8×8 image/);
});

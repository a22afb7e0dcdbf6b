// Outputs do not change under refactoring: `masks generate`, `dataset build`, `train` (wasm) and `eval --run` on a
// small fixed input write the same bytes as at e10f72e, before the plumbing moved to @bgfill/core
// (test/support/golden-pipeline.ts says how to re-record after a change that is meant to change outputs).
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runGoldenPipeline } from './support/golden-pipeline.js';

test('masks, dataset, train (wasm) and eval write the recorded bytes, and print their --json summaries', async (t) => {
  t.timeout(300_000);
  const expected = JSON.parse(await readFile(new URL('fixtures/golden-outputs.json', import.meta.url), 'utf8')) as Record<string, string>;
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-golden-'));
  try {
    const { digests: actual, summaries } = await runGoldenPipeline(dir);
    const changed = Object.keys({ ...expected, ...actual })
      .sort()
      .filter((name) => expected[name] !== actual[name])
      .map((name) => `${name}: ${expected[name] === undefined ? 'new' : actual[name] === undefined ? 'missing' : 'changed'}`);
    t.deepEqual(changed, [], `outputs differ from test/fixtures/golden-outputs.json:\n${changed.join('\n')}`);
    t.true(Object.keys(actual).some((n) => n.endsWith('generator.safetensors')) && Object.keys(actual).some((n) => n.endsWith('.tfrecord')));
    // Each command's --json summary (stdout carries nothing else) says what it wrote.
    const [masks, bundle, run, scores] = summaries as [
      { count: number; written: number },
      { records: number; splits: Record<string, { count: number }> },
      { lastEpoch: number; globalStep: number; checkpoints: string[] },
      { best: { epoch: number }; scored: number[]; files: { report: string } },
    ];
    t.like(masks, { count: 6, written: 6 });
    t.is(bundle.records, 8);
    t.deepEqual(Object.keys(bundle.splits).sort(), ['train', 'val']);
    t.is(Object.values(bundle.splits).reduce((n, s) => n + s.count, 0), 8);
    t.like(run, { lastEpoch: 2, globalStep: 4 });
    t.is(run.checkpoints.length, 2);
    t.deepEqual(scores.scored, [1, 2]);
    t.true(scores.files.report.endsWith('report.html'));
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

// Bad input: no run folder or no checkpoints, damaged or missing checkpoint files (skipped and reported, the rest
// scored), a split without masks (refused, saying how to build one), outputs of the wrong size (an error naming the
// epoch), and bad options.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, readFile, readdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { BgfillError } from '@bgfill/core';
import { scoreRun } from '../src/score-run.js';
import { buildTinyBundle, fakePredictorFactory, tempDir, writeCheckpoint, type FactoryLog } from './score-fixtures.js';

async function setup(t: Parameters<typeof tempDir>[0]) {
  const root = await tempDir(t);
  const bundle = await buildTinyBundle(join(root, 'bundle'), { pattern: '00[1-4]-*.jpg' });
  return { root, bundle, run: join(root, 'run') };
}

test('a missing run folder, a file, or a folder without epoch folders is a clear error', async (t) => {
  const { root, bundle } = await setup(t);
  const loadPredictor = fakePredictorFactory().factory;
  await t.throwsAsync(scoreRun({ run: join(root, 'nope'), data: bundle, loadPredictor }), {
    instanceOf: BgfillError,
    message: `${join(root, 'nope')}: no such run folder`,
  });
  await writeFile(join(root, 'file'), 'x');
  await t.throwsAsync(scoreRun({ run: join(root, 'file'), data: bundle, loadPredictor }), { instanceOf: BgfillError, message: /is a file, not a run folder/ });
  const empty = join(root, 'empty');
  await mkdir(join(empty, '.epoch-0001.123.abcd.tmp'), { recursive: true }); // an unfinished epoch does not count
  await writeFile(join(empty, 'config.json'), '{}');
  await t.throwsAsync(scoreRun({ run: empty, data: bundle, loadPredictor }), {
    instanceOf: BgfillError,
    message: /empty: no checkpoints: expected epoch folders such as epoch-0001\/generator\.safetensors/,
  });
});

test('damaged and missing checkpoints are skipped and reported; the rest are scored', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, new Uint8Array([0x80, 0x02, 0x7d, 0x71])); // not a checkpoint at all
  await writeCheckpoint(run, 2, { blur: 1 });
  await mkdir(join(run, 'epoch-0003'), { recursive: true }); // no generator.safetensors
  await writeCheckpoint(run, 4, { blur: 2 });
  const { factory, log } = fakePredictorFactory();
  const r = await scoreRun({ run, data: bundle, loadPredictor: factory, gridEpochs: 'best,1,3,last' });
  t.deepEqual(r.epochs.map((e) => e.epoch), [2, 4]);
  t.is(r.best.epoch, 2);
  t.deepEqual(r.skipped.map((s) => s.epoch), [1, 3]);
  const byEpoch = Object.fromEntries(r.skipped.map((s) => [s.epoch, s]));
  t.regex(byEpoch[1].reason, /cannot load the checkpoint: .*epoch-0001\/generator\.safetensors: not a test checkpoint/);
  t.is(byEpoch[1].checkpoint, 'epoch-0001/generator.safetensors');
  t.regex(byEpoch[3].reason, /epoch-0003\/generator\.safetensors: no such file/);
  t.is(log.loads.length, 2);
  // Grid columns asked for epochs that were skipped are noted, not fatal.
  t.true(r.notes.some((n) => /grid: epoch 1 was not scored/.test(n)));
  t.true(r.notes.some((n) => /grid: epoch 3 was not scored/.test(n)));
  const json = JSON.parse(await readFile(join(r.out, 'scores.json'), 'utf8'));
  t.deepEqual(json.skipped.map((s: { epoch: number }) => s.epoch), [1, 3]);
  const md = await readFile(join(r.out, 'scores.md'), 'utf8');
  t.regex(md, /## Skipped checkpoints\n\n- epoch 1 \(`epoch-0001\/generator.safetensors`\): cannot load/);
  const html = await readFile(join(r.out, 'report.html'), 'utf8');
  t.regex(html, /<h2 id="skipped">Skipped checkpoints<\/h2>/);
});

test('when no checkpoint can be scored the error lists each reason', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, 'garbage');
  await mkdir(join(run, 'epoch-0002'), { recursive: true });
  await t.throwsAsync(scoreRun({ run, data: bundle, loadPredictor: fakePredictorFactory().factory }), {
    instanceOf: BgfillError,
    message: /no checkpoint could be scored:\n {2}epoch 1 \(epoch-0001\/generator\.safetensors\): cannot load.*\n {2}epoch 2 .*no such file/,
  });
});

test('a split without masks is refused with the command that builds one with fixed masks', async (t) => {
  const { root, run } = await setup(t);
  const unmasked = await buildTinyBundle(join(root, 'unmasked'), { masks: false, pattern: '00[1-2]-*.jpg' });
  await writeCheckpoint(run, 1, { blur: 1 });
  const { factory, log } = fakePredictorFactory();
  const err = await t.throwsAsync(scoreRun({ run, data: unmasked, loadPredictor: factory }), { instanceOf: BgfillError });
  t.true(err!.message.startsWith(`${unmasked}: split "val" has no stored masks`));
  t.true(err!.message.includes('bgfill dataset build … --masks person-box+scribble:0-3 --mask-splits val'));
  t.is(log.loads.length, 0); // refused before loading anything
  await t.throwsAsync(scoreRun({ run, data: unmasked, split: 'test', loadPredictor: factory }), { instanceOf: BgfillError, message: /split.*val/ });
  await t.throwsAsync(scoreRun({ run, data: join(root, 'nowhere'), loadPredictor: factory }), { instanceOf: BgfillError, message: /dataset\.json/ });
});

test('a prediction of the wrong size is an error naming the epoch and the sizes; earlier epochs stay cached', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, { blur: 1 });
  await writeCheckpoint(run, 2, { blur: 1, outputSize: [64, 48] });
  const err = await t.throwsAsync(scoreRun({ run, data: bundle, loadPredictor: fakePredictorFactory().factory }), { instanceOf: BgfillError });
  t.regex(err!.message, /^epoch 2 \(.*epoch-0002\/generator\.safetensors\): the predictor returned a 64×48 image .* for record 0 .* but the target is 96×96/);
  const again = fakePredictorFactory();
  await writeCheckpoint(run, 2, { blur: 0.5 });
  const r = await scoreRun({ run, data: bundle, loadPredictor: again.factory });
  t.deepEqual(r.cached, [1]);
});

test('bad options are BgfillErrors naming the option', async (t) => {
  const { bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, { blur: 1 });
  const loadPredictor = fakePredictorFactory().factory;
  const cases: Array<[Record<string, unknown>, RegExp]> = [
    [{ batchSize: 0 }, /batch size/],
    [{ gridSamples: -1 }, /grid samples/],
    [{ gridEpochs: 'best,latest' }, /grid epochs.*"latest"/],
    [{ rule: 'fid' }, /rule/],
    [{ limit: 0 }, /limit/],
  ];
  for (const [extra, message] of cases) {
    await t.throwsAsync(scoreRun({ run, data: bundle, loadPredictor, ...extra }), { instanceOf: BgfillError, message }, JSON.stringify(extra));
  }
});

test('images too small for five-scale MS-SSIM are an error naming the epoch and the record', async (t) => {
  const { root, run } = await setup(t);
  const small = await buildTinyBundle(join(root, 'small'), { size: 64, pattern: '00[1-2]-*.jpg' });
  await writeCheckpoint(run, 1, { blur: 1 });
  await t.throwsAsync(scoreRun({ run, data: small, loadPredictor: fakePredictorFactory().factory }), {
    instanceOf: BgfillError,
    message: /^epoch 1 \(.*epoch-0001\/generator\.safetensors\): record 0 \([0-9a-f]+\): .*96/,
  });
});

test('fitMsssimScales (the CLI\'s default): images under 96² are scored over the MS-SSIM scales that fit, with a note', async (t) => {
  const { root, run } = await setup(t);
  const small = await buildTinyBundle(join(root, 'small'), { size: 64, pattern: '00[1-2]-*.jpg' });
  await writeCheckpoint(run, 1, { blur: 1 });
  const lines: string[] = [];
  const fitted = await scoreRun({ run, data: small, out: join(root, 'fitted'), loadPredictor: fakePredictorFactory().factory, fitMsssimScales: true, log: (l) => lines.push(l) });
  t.true(lines.includes('MS-SSIM over 4 scales: 64×64 images are too small for the standard 5 (96² and up)'), lines.join('\n'));
  t.true(fitted.notes.some((n) => n.startsWith('MS-SSIM over 4 scales')), 'in the report too');
  // The same numbers as asking for 4 scales explicitly.
  const explicit = await scoreRun({ run, data: small, out: join(root, 'explicit'), loadPredictor: fakePredictorFactory().factory, metrics: { msssim: { scales: 4 } } });
  t.is(fitted.epochs[0].all.metrics.msssim.mean, explicit.epochs[0].all.metrics.msssim.mean);
  t.true(Number.isFinite(fitted.epochs[0].all.metrics.msssim.mean));
});

test('an existing file as the output folder is refused before any work, naming it (library and the real CLI, exit 2)', async (t) => {
  const { root, bundle, run } = await setup(t);
  await writeCheckpoint(run, 1, { blur: 1 });
  await writeCheckpoint(run, 2, { blur: 2 });
  const file = join(root, 'room.jpg');
  await writeFile(file, 'not a folder');
  const log: FactoryLog = { loads: [], batches: [], disposed: 0 };
  const lines: string[] = [];
  await t.throwsAsync(scoreRun({ run, data: bundle, out: file, loadPredictor: fakePredictorFactory(log).factory, log: (l) => lines.push(l) }), {
    instanceOf: BgfillError,
    message: `${file}: exists and is not a folder`,
  });
  t.deepEqual(log.loads, [], 'no checkpoint was loaded');
  t.deepEqual(lines, [], 'nothing was logged (no cache lookups)');
  // Below a file: cannot be created either.
  await t.throwsAsync(scoreRun({ run, data: bundle, out: join(file, 'eval'), loadPredictor: fakePredictorFactory(log).factory }), {
    instanceOf: BgfillError,
    message: `${join(file, 'eval')}: cannot be created: ${file} is a file, not a folder`,
  });
  t.deepEqual(log.loads, []);
  t.is(await readFile(file, 'utf8'), 'not a folder');
  t.deepEqual((await readdir(root)).sort(), ['bundle', 'room.jpg', 'run']);

  const root2 = fileURLToPath(new URL('../../..', import.meta.url));
  const bin = join(root2, 'packages', 'cli', 'bin', 'bgfill.js');
  const r = await promisify(execFile)(process.execPath, [bin, 'eval', '--run', run, '--data', bundle, '--out', file], { env: { ...process.env, CI: '1' } }).then(
    () => ({ code: 0, stderr: '' }),
    (e: { code: number; stderr: string }) => e,
  );
  t.is(r.code, 2);
  t.is(r.stderr, `bgfill: ${file}: exists and is not a folder\n`);
});

import test from 'ava';
import { readFile, readdir, writeFile, mkdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { DISCRIMINATOR_FILE, GENERATOR_FILE, OPTIMIZER_FILE, SAMPLES_FILE, STATE_FILE } from '../src/train/checkpoint.js';
import { listEpochs } from '../src/train/epoch-dir.js';
import { parseLog } from '../src/train/run-log.js';
import { SMALL_RUN, makeBundle, runCli, tempDir } from './train-helpers.js';

// Every test here spawns the real `bgfill train` (and `bgfill inpaint`) on a real bundle of sample photos at 32².

const bundle = makeBundle({ count: 6, size: 32 });

const readLog = async (run: string) => parseLog(await readFile(join(run, 'log.jsonl'), 'utf8').catch(() => ''));

test.serial('a run killed (SIGKILL) during epoch 2 and resumed ends byte-identical to an uninterrupted run', async (t) => {
  const data = await bundle;
  const root = await tempDir('train-resume');
  const args = ['train', ...SMALL_RUN, '--data', data, '--epochs', '3', '--steps-per-epoch', '3'];
  const clean = join(root, 'clean');
  const a = await runCli([...args, '--out', clean]);
  t.is(a.code, 0, a.stderr);

  const killed = join(root, 'killed');
  const b = await runCli([...args, '--out', killed], {
    killWhen: async () => (await readLog(killed)).some((e) => e.type === 'step' && e.epoch === 2),
  });
  t.is(b.signal, 'SIGKILL', `the run finished before it could be killed: ${b.stdout}`);
  t.deepEqual(await listEpochs(killed), [1]);

  const c = await runCli(['train', '--out', killed, '--resume']);
  t.is(c.code, 0, c.stderr);
  t.regex(c.stdout, /resuming after epoch 1 \(step 3\)/);
  for (const epoch of ['epoch-0001', 'epoch-0002', 'epoch-0003']) {
    for (const file of [GENERATOR_FILE, DISCRIMINATOR_FILE, OPTIMIZER_FILE, STATE_FILE, SAMPLES_FILE]) {
      const same = Buffer.compare(await readFile(join(clean, epoch, file)), await readFile(join(killed, epoch, file))) === 0;
      t.true(same, `${epoch}/${file} differs`);
    }
  }
  // the log has every step once, in order, and one line per epoch
  const steps = (await readLog(killed)).filter((e) => e.type === 'step').map((e) => e.step);
  t.deepEqual(steps, [1, 2, 3, 4, 5, 6, 7, 8, 9]);
  t.deepEqual((await readLog(killed)).filter((e) => e.type === 'epoch').map((e) => e.epoch), [1, 2, 3]);
  t.deepEqual((await readLog(killed)).filter((e) => e.type === 'start').map((e) => [e.step, e.resumed, e.backend]), [[0, false, 'wasm'], [3, true, 'wasm']]);
  t.deepEqual((await readdir(killed)).sort(), ['config.json', 'epoch-0001', 'epoch-0002', 'epoch-0003', 'log.jsonl']);
});

test.serial('a run killed while writing a checkpoint resumes from the previous epoch and loses nothing', async (t) => {
  const data = await bundle;
  const root = await tempDir('train-resume-ckpt');
  const args = ['train', ...SMALL_RUN, '--data', data, '--epochs', '2', '--steps-per-epoch', '2', '--seed', '11'];
  const clean = join(root, 'clean');
  t.is((await runCli([...args, '--out', clean])).code, 0);
  const killed = join(root, 'killed');
  const b = await runCli([...args, '--out', killed], {
    // a temporary epoch folder exists only while a checkpoint is being written
    killWhen: async () => (await readdir(killed)).some((n) => n.startsWith('.epoch-0002.')),
    watchDir: killed,
  });
  t.is(b.signal, 'SIGKILL');
  t.deepEqual(await listEpochs(killed), [1], 'no half-written epoch-0002 under its final name');
  const c = await runCli(['train', '--out', killed, '--resume']);
  t.is(c.code, 0, c.stderr);
  t.regex(c.stdout, /removed \.epoch-0002\./);
  t.true(Buffer.compare(await readFile(join(clean, 'epoch-0002', GENERATOR_FILE)), await readFile(join(killed, 'epoch-0002', GENERATOR_FILE))) === 0);
});

test.serial('a forced NaN stops the run naming the loss and step, keeps the last good checkpoint, exits non-zero', async (t) => {
  const data = await bundle;
  const root = await tempDir('train-nan');
  const cfg = join(root, 'cfg.json');
  await writeFile(cfg, JSON.stringify({ debug: { injectNan: { step: 3, loss: 'l1Refined' } } }));
  const run = join(root, 'run');
  const r = await runCli(['train', ...SMALL_RUN, '--data', data, '--out', run, '--config', cfg, '--epochs', '3', '--steps-per-epoch', '2']);
  t.is(r.code, 2);
  t.regex(r.stderr, /Loss "l1Refined" is NaN at step 3: training stopped; the last good checkpoint is .*epoch-0001/);
  t.deepEqual(await listEpochs(run), [1]);
  const log = await readLog(run);
  t.deepEqual(log.filter((e) => e.type === 'step').map((e) => e.step), [1, 2]);
  t.is(log[log.length - 1].type, 'stop');
  t.false((await readdir(run)).some((n) => n.startsWith('.epoch-')), 'no temporary folder');
});

test.serial('a checkpoint loads into `bgfill inpaint` and fills the hole', async (t) => {
  const data = await bundle;
  const root = await tempDir('train-inpaint');
  const run = join(root, 'run');
  t.is((await runCli(['train', ...SMALL_RUN, '--data', data, '--out', run, '--epochs', '1', '--steps-per-epoch', '1'])).code, 0);
  const image = join(root, 'in.png');
  const mask = join(root, 'mask.png');
  const out = join(root, 'out.png');
  await sharp({ create: { width: 40, height: 36, channels: 3, background: { r: 90, g: 140, b: 200 } } }).png().toFile(image);
  const holes = Buffer.alloc(40 * 36);
  for (let y = 10; y < 20; y++) holes.fill(255, y * 40 + 12, y * 40 + 30);
  await sharp(holes, { raw: { width: 40, height: 36, channels: 1 } }).png().toFile(mask);
  const r = await runCli(['inpaint', '--checkpoint', join(run, 'epoch-0001', GENERATOR_FILE), '--image', image, '--mask', mask, '--out', out, '--backend', 'wasm']);
  t.is(r.code, 0, r.stderr);
  const meta = await sharp(out).metadata();
  t.deepEqual([meta.width, meta.height], [40, 36]);
  const { data: px } = await sharp(out).raw().toBuffer({ resolveWithObject: true });
  t.deepEqual([px[0], px[1], px[2]], [90, 140, 200], 'pixels outside the hole are kept');
});

test('user errors: missing bundle, existing run, resume of nothing, unmatched freeze, changed settings on resume', async (t) => {
  const data = await bundle;
  const root = await tempDir('train-errors');
  const missing = await runCli(['train', '--data', join(root, 'nope'), '--out', join(root, 'r1')]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /--data .*nope: no such dataset bundle folder/);

  const occupied = join(root, 'occupied');
  await mkdir(occupied);
  await writeFile(join(occupied, 'config.json'), '{}');
  const exists = await runCli(['train', '--data', data, '--out', occupied]);
  t.is(exists.code, 2);
  t.regex(exists.stderr, /already exists and holds a training run that finished no epoch: pass --resume/);

  const nothing = await runCli(['train', '--out', join(root, 'never'), '--resume']);
  t.is(nothing.code, 2);
  t.regex(nothing.stderr, /never does not exist: nothing to --resume/);

  const freeze = await runCli(['train', ...SMALL_RUN, '--data', data, '--out', join(root, 'f'), '--freeze', '*.mask_conv2d.*', '*.no_such.*']);
  t.is(freeze.code, 2);
  t.regex(freeze.stderr, /"\*\.no_such\.\*" matched no parameter/);
  t.false(await stat(join(root, 'f')).then(() => true, () => false), 'nothing written for a rejected run');

  const noVal = await runCli(['train', ...SMALL_RUN, '--data', data, '--out', join(root, 'v'), '--val-split', 'nosuch']);
  t.is(noVal.code, 2);
  t.regex(noVal.stderr, /--val-split nosuch: .* has no such split with records \(splits: train\)/);
  t.false(await stat(join(root, 'v')).then(() => true, () => false), 'nothing written for a rejected run');

  const badValue = await runCli(['train', '--data', data, '--out', join(root, 'b'), '--epochs', 'many']);
  t.not(badValue.code, 0);
  t.regex(badValue.stderr, /--epochs expects a number, got "many"/);

  const cfg = join(root, 'bad.json');
  await writeFile(cfg, JSON.stringify({ optimizer: { lr: 0 }, loss: { adv: -1 } }));
  const badFile = await runCli(['train', '--data', data, '--out', join(root, 'c'), '--config', cfg]);
  t.is(badFile.code, 2);
  t.regex(badFile.stderr, /bad\.json[\s\S]*optimizer\.lr[\s\S]*loss\.adv/);
});

test.serial('a run that fails before finishing an epoch can be started again with other settings through --resume', async (t) => {
  const data = await bundle;
  const run = join(await tempDir('train-failed-start'), 'run');
  const tooBig = await runCli(['train', ...SMALL_RUN, '--data', data, '--out', run, '--epochs', '1', '--steps-per-epoch', '1', '--crop', '64']);
  t.is(tooBig.code, 2);
  t.regex(tooBig.stderr, /record [^ ]+\.jpg \(key [0-9a-f]{12}…\): image 32×32 is smaller than --crop 64/, 'the source file is named');
  t.deepEqual(await listEpochs(run), [], 'no epoch finished');
  const fresh = await runCli(['train', ...SMALL_RUN, '--data', data, '--out', run, '--epochs', '1', '--steps-per-epoch', '1', '--crop', '32']);
  t.is(fresh.code, 2, 'a fresh start never replaces a run folder');
  t.regex(fresh.stderr, /holds a training run that finished no epoch: pass --resume to start it again \(any setting may change then\)/);
  const again = await runCli(['train', '--out', run, '--resume', '--crop', '32']);
  t.is(again.code, 0, again.stderr);
  t.regex(again.stdout, /no "val" split: samples\.png and the per-epoch sample L1 use the first train images/);
  t.regex(again.stdout, /\| train L1 [\d.]+ \(hole [\d.]+\)/, 'the sample L1 is labelled with the split it comes from');
  t.deepEqual(await listEpochs(run), [1]);
  t.is(JSON.parse(await readFile(join(run, 'config.json'), 'utf8')).crop, 32, 'the new setting was kept');
});

test.serial('resume refuses changed training settings but accepts more epochs', async (t) => {
  const data = await bundle;
  const run = join(await tempDir('train-resume-conf'), 'run');
  t.is((await runCli(['train', ...SMALL_RUN, '--data', data, '--out', run, '--epochs', '1', '--steps-per-epoch', '1'])).code, 0);
  const changed = await runCli(['train', '--out', run, '--resume', '--lr', '0.01']);
  t.is(changed.code, 2);
  t.regex(changed.stderr, /A resumed run keeps its config\.json; these settings differ: --lr 0\.01 \(the run has 0\.0001\)/);
  const more = await runCli(['train', '--out', run, '--resume', '--epochs', '2']);
  t.is(more.code, 0, more.stderr);
  t.deepEqual(await listEpochs(run), [1, 2]);
  t.is(JSON.parse(await readFile(join(run, 'config.json'), 'utf8')).epochs, 2);
});

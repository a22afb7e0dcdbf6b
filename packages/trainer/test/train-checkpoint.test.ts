import test from 'ava';
import { mkdtemp, readdir, readFile, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { InpaintGenerator } from '../src/model/generator.js';
import { loadGenerator } from '../src/weights/checkpoint.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { Adam } from '../src/train/adam.js';
import { SnPatchDiscriminator } from '../src/train/discriminator.js';
import {
  DISCRIMINATOR_FILE,
  GENERATOR_FILE,
  OPTIMIZER_FILE,
  STATE_FILE,
  loadTrainingCheckpoint,
  saveTrainingCheckpoint,
  type CheckpointParts,
} from '../src/train/checkpoint.js';
import { epochDirName, listEpochs, removeStaleTemporaries, writeEpochDir } from '../src/train/epoch-dir.js';
import { RunLog, parseLog } from '../src/train/run-log.js';
import { composeGrid, scaleNearest, writeSampleGrid } from '../src/train/samples.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

const tmp = () => mkdtemp(join(tmpdir(), 'bgfill-train-ckpt-'));

/** InpaintSANet's parts: the discriminator and its optimizer are there. */
type Parts = Required<CheckpointParts>;

function makeParts(seed: number): Parts {
  const generator = new InpaintGenerator({ cnum: 4 }, { seed });
  const discriminator = new SnPatchDiscriminator({ cnum: 2 }, { seed });
  const names = [...generator.params.keys()].filter((n) => !n.includes('mask_conv2d'));
  return {
    generator,
    discriminator,
    gOptimizer: new Adam(generator.params, names, { betas: [0.5, 0.999], eps: 1e-8 }),
    dOptimizer: new Adam(discriminator.params, [...discriminator.params.keys()], { betas: [0.5, 0.999], eps: 1e-8 }),
  };
}

/** Random gradients: the optimizers then hold non-trivial moments and the weights move. */
function perturb(parts: Parts, steps: number): void {
  for (let s = 0; s < steps; s++) {
    for (const [net, opt] of [[parts.generator, parts.gOptimizer], [parts.discriminator, parts.dOptimizer]] as const) {
      tf.tidy(() => opt.apply(Object.fromEntries(opt.names.map((n, i) => [n, tf.randomNormal(net.params.get(n)!.shape, 0, 1, 'float32', s * 1000 + i)])), 1e-2));
    }
  }
  parts.discriminator.powerIterate(3);
}

function everything(parts: Parts): Map<string, Float32Array | Int32Array> {
  const out = new Map<string, Float32Array | Int32Array>();
  const add = (prefix: string, m: ReadonlyMap<string, tf.Tensor>) => {
    for (const [n, v] of m) out.set(`${prefix}${n}`, v.dataSync() as Float32Array | Int32Array);
  };
  add('g.', parts.generator.params);
  add('g.', parts.generator.buffers);
  add('d.', parts.discriminator.params);
  add('d.', parts.discriminator.buffers);
  add('go.', parts.gOptimizer.stateTensors());
  add('do.', parts.dOptimizer.stateTensors());
  return out;
}

const dispose = (p: Parts) => {
  p.generator.dispose();
  p.discriminator.dispose();
  p.gOptimizer.dispose();
  p.dOptimizer.dispose();
};

test('an epoch checkpoint restores generator, BN buffers, discriminator (u, v too) and both optimizers bit for bit', async (t) => {
  const run = await tmp();
  const a = makeParts(1);
  perturb(a, 3);
  // a training-mode forward moves the BN running statistics, so buffers are non-trivial too
  tf.tidy(() => {
    a.generator.apply(tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 9) as tf.Tensor4D, tf.zeros([2, 16, 16, 1]) as tf.Tensor4D, { training: true });
  });
  const state = {
    epoch: 2,
    globalStep: 6,
    seed: 1,
    dataPosition: { nextEpoch: 3, nextIndex: 0, examplesSeen: 12 },
    lr: { generator: 1e-4, discriminator: 1e-4 },
    optimizerSteps: { generator: 3, discriminator: 3 },
    losses: { l1Refined: 0.5 },
  };
  const dir = await saveTrainingCheckpoint(run, a, state, async (d) => writeFile(join(d, 'extra.txt'), 'x'));
  t.is(dir, join(run, 'epoch-0002'));
  t.deepEqual((await readdir(dir)).sort(), [DISCRIMINATOR_FILE, 'extra.txt', GENERATOR_FILE, OPTIMIZER_FILE, STATE_FILE].sort());
  t.deepEqual((await readdir(run)).sort(), ['epoch-0002'], 'no temporary folder left');

  const b = makeParts(2);
  t.notDeepEqual(everything(b), everything(a));
  const loaded = await loadTrainingCheckpoint(dir, b);
  t.is(loaded.globalStep, 6);
  t.is(b.gOptimizer.step, 3);
  t.is(b.dOptimizer.step, 3);
  const ea = everything(a);
  const eb = everything(b);
  t.deepEqual([...eb.keys()], [...ea.keys()]);
  for (const [k, v] of ea) t.deepEqual(Array.from(eb.get(k)!), Array.from(v), k);

  // the generator file is a plain bgfill checkpoint: loadGenerator gives the same inference output
  const g2 = await loadGenerator(join(dir, GENERATOR_FILE));
  const x = tf.randomUniform([1, 16, 16, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
  const m = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([1, 16, 16, 1], 0, 1, 'float32', 5), 0.5), 'float32')) as tf.Tensor4D;
  const o1 = tf.tidy(() => a.generator.apply(x, m).composite.dataSync());
  const o2 = tf.tidy(() => g2.apply(x, m).composite.dataSync());
  t.deepEqual(Array.from(o2), Array.from(o1));
  g2.dispose();
  tf.dispose([x, m]);
  [a, b].forEach(dispose);
});

test('discriminator file is in PyTorch spectral_norm layout: u ≈ normalize(weight_orig · weight_v)', async (t) => {
  const run = await tmp();
  const a = makeParts(3);
  a.discriminator.powerIterate(30);
  const dir = await saveTrainingCheckpoint(run, a, {
    epoch: 1, globalStep: 0, seed: 3, dataPosition: { nextEpoch: 2, nextIndex: 0, examplesSeen: 0 },
    lr: { generator: 0, discriminator: 0 }, optimizerSteps: { generator: 0, discriminator: 0 }, losses: {},
  });
  const { weights } = await readSafetensors(join(dir, DISCRIMINATOR_FILE));
  // PyTorch: W_mat = weight_orig.reshape(O, -1) (OIHW rows), u ≈ normalize(W_mat v) after convergence.
  const w = weights.get('discriminator_net.1.conv2d.weight_orig')!;
  const v = weights.get('discriminator_net.1.conv2d.weight_v')!.data as Float32Array;
  const u = weights.get('discriminator_net.1.conv2d.weight_u')!.data as Float32Array;
  const [o] = w.shape;
  const cols = v.length;
  const wv = Array.from({ length: o }, (_, r) => {
    let s = 0;
    for (let c = 0; c < cols; c++) s += (w.data as Float32Array)[r * cols + c] * v[c];
    return s;
  });
  const norm = Math.hypot(...wv);
  for (let r = 0; r < o; r++) t.true(Math.abs(wv[r] / norm - u[r]) < 1e-4, `u[${r}]`);
  dispose(a);
});

test('a damaged checkpoint file is refused by its SHA-256', async (t) => {
  const run = await tmp();
  const a = makeParts(4);
  const dir = await saveTrainingCheckpoint(run, a, {
    epoch: 1, globalStep: 0, seed: 4, dataPosition: { nextEpoch: 2, nextIndex: 0, examplesSeen: 0 },
    lr: { generator: 0, discriminator: 0 }, optimizerSteps: { generator: 0, discriminator: 0 }, losses: {},
  });
  const path = join(dir, OPTIMIZER_FILE);
  const bytes = await readFile(path);
  bytes[bytes.length - 1] ^= 0xff;
  await writeFile(path, bytes);
  await t.throwsAsync(loadTrainingCheckpoint(dir, a), { message: /optimizer\.safetensors: does not match its SHA-256/ });
  dispose(a);
});

test('epoch folders appear whole or not at all; stale temporaries are removed', async (t) => {
  const run = await tmp();
  await writeEpochDir(run, 1, async (d) => writeFile(join(d, 'a'), '1'));
  await t.throwsAsync(
    writeEpochDir(run, 2, async (d) => {
      await writeFile(join(d, 'a'), 'partial');
      throw new Error('killed');
    }),
    { message: 'killed' },
  );
  t.deepEqual(await readdir(run), ['epoch-0001']);
  await t.throwsAsync(writeEpochDir(run, 1, async () => undefined), { message: /already exists/ });
  await mkdir(join(run, `.${epochDirName(3)}.123.abcd.tmp`));
  t.deepEqual(await removeStaleTemporaries(run), ['.epoch-0003.123.abcd.tmp']);
  t.deepEqual(await listEpochs(run), [1]);
});

test('the run log is cut back to a checkpoint, dropping a torn last line', async (t) => {
  const run = await tmp();
  const log = await RunLog.open(run);
  for (let s = 1; s <= 5; s++) await log.append({ type: 'step', step: s, epoch: s <= 3 ? 1 : 2 });
  await log.append({ type: 'epoch', step: 3, epoch: 1 });
  await log.close();
  await writeFile(join(run, 'log.jsonl'), `${await readFile(join(run, 'log.jsonl'), 'utf8')}{"type":"step","st`);
  const resumed = await RunLog.open(run, { truncateAfterStep: 3 });
  await resumed.append({ type: 'step', step: 4, epoch: 2 });
  await resumed.close();
  const entries = parseLog(await readFile(join(run, 'log.jsonl'), 'utf8'));
  t.deepEqual(entries.map((e) => `${e.type}${e.step}`), ['step1', 'step2', 'step3', 'epoch3', 'step4']);
});

test('nearest enlargement repeats each pixel factor × factor times', (t) => {
  const img = { data: Uint8Array.from([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]), width: 2, height: 2 };
  const big = scaleNearest(img, 3);
  t.deepEqual([big.width, big.height], [6, 6]);
  for (let y = 0; y < 6; y++) {
    for (let x = 0; x < 6; x++) {
      const src = (Math.floor(y / 3) * 2 + Math.floor(x / 3)) * 3;
      t.deepEqual(Array.from(big.data.subarray((y * 6 + x) * 3, (y * 6 + x) * 3 + 3)), Array.from(img.data.subarray(src, src + 3)));
    }
  }
});

test('sample grid: rows and columns land where expected with a border', async (t) => {
  const cell = (v: number) => ({ data: new Uint8Array(4 * 3 * 3).fill(v), width: 4, height: 3 });
  const grid = composeGrid([[cell(10), cell(20)], [cell(30), cell(40)]]);
  t.is(grid.width, 2 * 4 + 3 * 2);
  t.is(grid.height, 2 * 3 + 3 * 2);
  const at = (x: number, y: number) => grid.data[(y * grid.width + x) * 3];
  t.is(at(0, 0), 40); // border
  t.is(at(2, 2), 10);
  t.is(at(2 + 4 + 2, 2), 20);
  t.is(at(2, 2 + 3 + 2), 30);
  t.is(at(13 - 3, 11 - 3), 40); // bottom-right cell
  const path = join(await tmp(), 'samples.png');
  await writeSampleGrid(path, { inputs: [cell(1)], outputs: [cell(2)], targets: [cell(3)] });
  const meta = await sharp(path).metadata();
  // 4×3 cells are enlarged 32× (to 128 px) before the grid is laid out
  t.deepEqual([meta.format, meta.width, meta.height], ['png', 128 + 4, 3 * 96 + 4 * 2]);
  const { data: px, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  t.deepEqual([px[(2 * info.width + 2) * 3], px[((2 + 96 + 2) * info.width + 2 + 127) * 3], px[((4 + 2 * 96 + 4) * info.width + 70) * 3]], [1, 2, 3]);
});

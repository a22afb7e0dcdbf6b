import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/index.js';
import { InpaintGenerator } from '../src/model/generator.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { toLayout, toFloat32 } from '../src/weights/weight-tensor.js';
import { parseTrainConfig } from '../src/train/config.js';
import { train } from '../src/train/train.js';
import { parseLog } from '../src/train/run-log.js';
import { GENERATOR_FILE } from '../src/train/checkpoint.js';
import { Adam } from '../src/train/adam.js';
import { SnPatchDiscriminator } from '../src/train/discriminator.js';
import { trainStep } from '../src/train/step.js';
import { makeBundle, tempDir } from './train-helpers.js';
import { msssimTensor } from '@bgfill/eval';

// In-process runs of the real training loop on the wasm backend (deterministic), on real photos at 32².

test.before(async () => {
  await initBackend('wasm');
});

const small = { batchSize: 2, generator: { cnum: 4 }, discriminator: { cnum: 4 }, seed: 5, backend: 'wasm' as const };

test.serial('overfitting two photos with fixed masks: refined L1 falls below half of the untrained net’s', async (t) => {
  const data = await makeBundle({ count: 2, size: 32, masks: 'person-box' });
  const out = join(await tempDir('train-overfit'), 'run');
  const config = parseTrainConfig({
    ...small,
    data,
    out,
    masks: 'bundle',
    shuffleBuffer: 0,
    epochs: 1,
    stepsPerEpoch: 30,
    optimizer: { lr: 1e-2 },
    loss: { adv: 0 },
  });
  await train(config);
  const steps = parseLog(await readFile(join(out, 'log.jsonl'), 'utf8')).filter((e) => e.type === 'step');
  const l1 = steps.map((e) => e.l1Refined as number);
  t.is(l1.length, 30);
  const last = (l1[27] + l1[28] + l1[29]) / 3;
  // step 1's loss is the untrained network's (its update comes after the loss is measured)
  t.true(last < 0.55 * l1[0], `refined L1 ${l1[0].toFixed(3)} → ${last.toFixed(3)}`);
  t.true((steps[29].l1Coarse as number) < (steps[0].l1Coarse as number), 'the coarse stage learns too');
});

test.serial('freezing is exact: frozen tensors bit-identical, every other tensor changed', async (t) => {
  const data = await makeBundle({ count: 4, size: 32 });
  const out = join(await tempDir('train-freeze'), 'run');
  const lines: string[] = [];
  const config = parseTrainConfig({ ...small, data, out, epochs: 1, stepsPerEpoch: 2, freeze: ['*.mask_conv2d.*', '/^coarse_net\\.0\\./'] });
  await train(config, { log: (l) => lines.push(l) });
  t.true(lines.some((l) => /^trainable: \d+ tensors, [\d,]+ parameters; frozen: \d+ tensors, [\d,]+ parameters$/.test(l)));
  t.true(lines.includes('  freeze "/^coarse_net\\.0\\./": 6 tensors'), lines.join('\n'));

  const initial = new InpaintGenerator({ cnum: 4 }, { seed: 5 });
  const { weights } = await readSafetensors(join(out, 'epoch-0001', GENERATOR_FILE));
  let frozen = 0;
  const unchanged: string[] = [];
  for (const [name, variable] of initial.params) {
    const before = variable.dataSync();
    const after = toFloat32(toLayout(weights.get(name)!, 'tfjs'));
    const same = before.length === after.length && before.every((v, i) => Object.is(v, after[i]));
    if (name.includes('.mask_conv2d.') || name.startsWith('coarse_net.0.')) {
      frozen++;
      t.true(same, `${name} is frozen but changed`);
    } else if (same) unchanged.push(name);
  }
  t.true(frozen > 30);
  // The key bias adds q·b to every energy of a query's row, which the softmax ignores: its gradient is exactly 0.
  t.deepEqual(unchanged.filter((n) => n !== 'refine_attn.key_conv.bias'), [], 'trainable tensors that did not move');
  initial.dispose();
});

test.serial('one step with every loss on (L1, hinge GAN, MS-SSIM) leaves no tensor behind', async (t) => {
  const generator = new InpaintGenerator({ cnum: 4 }, { seed: 1 });
  const discriminator = new SnPatchDiscriminator({ cnum: 4 }, { seed: 1 });
  const betas = [0.5, 0.999] as const;
  const gOptimizer = new Adam(generator.params, [...generator.params.keys()], { betas, eps: 1e-8 });
  const dOptimizer = new Adam(discriminator.params, [...discriminator.params.keys()], { betas, eps: 1e-8 });
  const images = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const masks = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 2), 0.6), 'float32')) as tf.Tensor4D;
  const { loss } = parseTrainConfig({ data: '-', out: '-', loss: { msssim: 0.5 } });
  const similarity = (p: tf.Tensor4D, q: tf.Tensor4D) => msssimTensor(p, q, { dataRange: 2, scales: 3 });
  const counts: number[] = [];
  for (let step = 1; step <= 3; step++) {
    const before = tf.memory().numTensors;
    const l = await trainStep({ generator, discriminator, gOptimizer, dOptimizer, similarity }, { images, masks }, { loss, gLr: 1e-4, dLr: 1e-4, step });
    counts.push(tf.memory().numTensors - before);
    t.true([l.l1Coarse, l.l1Refined, l.adv, l.msssim, l.dReal, l.dFake].every(Number.isFinite));
    t.true(l.msssim > 0 && l.msssim < 1);
    t.true(l.dReal > 0 && l.dFake > 0);
  }
  t.deepEqual(counts, [0, 0, 0]);
  t.is(gOptimizer.step, 3);
  t.is(dOptimizer.step, 3);
  tf.dispose([images, masks]);
  [generator, discriminator, gOptimizer, dOptimizer].forEach((x) => x.dispose());
});

test.serial('the training loop reads tensors only asynchronously (WebGPU in Node has no synchronous read)', async (t) => {
  // tfjs-backend-webgpu's readSync draws into an OffscreenCanvas, which Node lacks: a dataSync anywhere in the loop
  // breaks `bgfill train --backend webgpu`. Make every synchronous read throw and run each part of the loop:
  // steps with every loss on, the freeze guard, validation samples, epoch checkpoints, and a resume.
  const data = await makeBundle({ count: 4, size: 32, splitRatios: 'train=0.5,val=0.5' });
  const out = join(await tempDir('train-async'), 'run');
  const proto = tf.Tensor.prototype as unknown as Record<'dataSync' | 'arraySync' | 'bufferSync', unknown>;
  const saved = { dataSync: proto.dataSync, arraySync: proto.arraySync, bufferSync: proto.bufferSync };
  const reads: string[] = [];
  for (const name of ['dataSync', 'arraySync', 'bufferSync'] as const) {
    proto[name] = function refuse(): never {
      reads.push(new Error().stack?.split('\n')[2]?.trim() ?? name);
      throw new Error(`synchronous ${name} in the training loop`);
    };
  }
  try {
    const base = { ...small, data, out, stepsPerEpoch: 1, loss: { msssim: 0.5 }, freeze: ['/^coarse_net\\.0\\./'] };
    await train(parseTrainConfig({ ...base, epochs: 1 }));
    await train(parseTrainConfig({ ...base, epochs: 2 }), { resume: true });
  } finally {
    Object.assign(proto, saved);
  }
  t.deepEqual(reads, []);
  const steps = parseLog(await readFile(join(out, 'log.jsonl'), 'utf8')).filter((e) => e.type === 'step');
  t.is(steps.length, 2, 'one step in each of two epochs, the second after a resume');
});

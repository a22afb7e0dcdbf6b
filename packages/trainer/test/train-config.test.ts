import test from 'ava';
import { BgfillError } from '@bgfill/core';
import { parseTrainConfig, resolveTrainConfig, configValueAt } from '../src/train/config.js';
import { learningRate } from '../src/train/schedule.js';

test('defaults follow DeepFill v2 (Adam 1e-4, β 0.5/0.999, L1 and GAN weights 1) and person-shaped masks', (t) => {
  const c = parseTrainConfig({ data: 'b', out: 'r' });
  t.is(c.optimizer.lr, 1e-4);
  t.deepEqual(c.optimizer.betas, [0.5, 0.999]);
  t.is(c.loss.adv, 1);
  t.is(c.loss.l1Refined, 1);
  t.is(c.loss.msssim, 0);
  t.is(c.masks, 'person-box+scribble:0-3');
  t.is(c.epochs, 12);
  t.is(c.batchSize, 8);
  t.deepEqual(c.generator, {});
});

test('errors name every bad field by its path, unknown keys included', (t) => {
  const err = t.throws(() => parseTrainConfig({ data: 'b', out: 'r', epochs: 0, optimizer: { lr: -1, betas: [0.5, 1.5] }, loss: { hole: 'x' }, bogus: 1 }, 'cfg.json'));
  t.true(err instanceof BgfillError);
  for (const part of ['cfg.json', 'epochs', 'optimizer.lr', 'optimizer.betas.1', 'loss.hole', 'bogus']) t.true(err!.message.includes(part), part);
});

test('dotted overrides replace single fields and keep the rest of the file', (t) => {
  const c = resolveTrainConfig({ data: 'b', out: 'r', optimizer: { lr: 3e-4, betas: [0.9, 0.99] } }, { 'optimizer.lr': 5e-5, 'loss.msssim': 0.2, epochs: 3 });
  t.is(c.optimizer.lr, 5e-5);
  t.deepEqual(c.optimizer.betas, [0.9, 0.99]);
  t.is(c.loss.msssim, 0.2);
  t.is(c.epochs, 3);
  t.is(configValueAt(c, 'optimizer.lr'), 5e-5);
  t.is(configValueAt(c, 'optimizer.nope'), undefined);
});

test('an even MS-SSIM window and an unknown schedule are rejected', (t) => {
  t.throws(() => parseTrainConfig({ data: 'b', out: 'r', loss: { msssimWindow: 8 } }), { message: /loss\.msssimWindow: must be odd/ });
  t.throws(() => parseTrainConfig({ data: 'b', out: 'r', optimizer: { schedule: { type: 'linear' } } }), { message: /optimizer\.schedule\.type/ });
});

test('learning-rate schedules: constant, step decay, cosine and warm-up, computed by hand', (t) => {
  const base = { type: 'constant' as const, stepEpochs: 2, gamma: 0.5, minLr: 0, warmupSteps: 0 };
  const at = (step: number) => ({ step, stepsPerEpoch: 10, totalSteps: 100 });
  t.is(learningRate(base, 1e-3, at(57)), 1e-3);
  const step = { ...base, type: 'step' as const };
  t.is(learningRate(step, 1e-3, at(19)), 1e-3); // epoch 1
  t.is(learningRate(step, 1e-3, at(20)), 5e-4); // epoch 2 → one decay
  t.is(learningRate(step, 1e-3, at(45)), 2.5e-4); // epoch 4 → two
  const cos = { ...base, type: 'cosine' as const, minLr: 1e-5 };
  t.is(learningRate(cos, 1e-3, at(0)), 1e-3);
  t.true(Math.abs(learningRate(cos, 1e-3, at(50)) - (1e-5 + 1e-3) / 2) < 1e-15);
  t.true(Math.abs(learningRate(cos, 1e-3, at(100)) - 1e-5) < 1e-15);
  const warm = { ...base, warmupSteps: 4 };
  t.deepEqual([0, 1, 2, 3, 4].map((s) => learningRate(warm, 1e-3, at(s))), [2.5e-4, 5e-4, 7.5e-4, 1e-3, 1e-3]);
});

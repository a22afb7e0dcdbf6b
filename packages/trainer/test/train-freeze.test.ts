import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { compileFreezePattern, describeFreezePlan, planFreeze } from '../src/train/freeze.js';
import { changedTensors, snapshotTensors, verifyFrozen } from '../src/train/freeze-guard.js';

const names = [
  'coarse_net.0.conv2d.weight',
  'coarse_net.0.conv2d.bias',
  'coarse_net.0.mask_conv2d.weight',
  'coarse_net.0.mask_conv2d.bias',
  'coarse_net.0.batch_norm2d.weight',
  'refine_attn.gamma',
  'refine_attn.query_conv.weight',
];
const params = new Map(names.map((n, i) => [n, { shape: [i + 1, 2] }]));

test('globs: * spans dots, ? is one character, the whole name must match', (t) => {
  const gates = compileFreezePattern('*.mask_conv2d.*');
  t.true(gates('coarse_net.0.mask_conv2d.weight'));
  t.false(gates('coarse_net.0.conv2d.weight'));
  t.true(compileFreezePattern('coarse_net.?.conv2d.bias')('coarse_net.0.conv2d.bias'));
  t.false(compileFreezePattern('coarse_net')('coarse_net.0.conv2d.bias'));
  t.false(compileFreezePattern('refine_attn.gamma')('refine_attnXgamma'), 'dots are literal');
});

test('regex patterns between slashes, with flags', (t) => {
  t.true(compileFreezePattern('/^refine_attn\\./')('refine_attn.gamma'));
  t.true(compileFreezePattern('/GAMMA$/i')('refine_attn.gamma'));
  t.throws(() => compileFreezePattern('/([/'), { instanceOf: BgfillError });
});

test('the plan splits names, counts tensors and elements, and records what each pattern hit', (t) => {
  const plan = planFreeze(params, ['*.mask_conv2d.*', '/^refine_attn\\.gamma$/']);
  t.deepEqual(plan.frozen, ['coarse_net.0.mask_conv2d.weight', 'coarse_net.0.mask_conv2d.bias', 'refine_attn.gamma']);
  t.is(plan.trainable.length, 4);
  t.is(plan.frozenElements, 3 * 2 + 4 * 2 + 6 * 2);
  t.is(plan.trainableElements, (1 + 2 + 5 + 7) * 2);
  t.deepEqual(plan.matches.get('/^refine_attn\\.gamma$/'), ['refine_attn.gamma']);
  const lines = describeFreezePlan(plan, params);
  t.regex(lines[0], /trainable: 4 tensors, 30 parameters; frozen: 3 tensors, 26 parameters/);
  t.true(lines.includes('  coarse_net.0.conv2d.weight [1×2]'));
  t.false(lines.some((l) => l.includes('mask_conv2d.weight [')));
});

test('a pattern that matches nothing is an error naming it, even beside a good one', (t) => {
  const err = t.throws(() => planFreeze(params, ['*.mask_conv2d.*', '*.mask_conv.*']), { instanceOf: BgfillError });
  t.regex(err!.message, /"\*\.mask_conv\.\*" matched no parameter/);
  t.notRegex(err!.message, /"\*\.mask_conv2d\.\*"/);
});

test('freezing everything is an error', (t) => {
  t.throws(() => planFreeze(params, ['*']), { message: /nothing left to train/ });
});

test('the guard sees a single changed bit', async (t) => {
  const a = tf.variable(tf.tensor1d([1, 2, 3]));
  const b = tf.variable(tf.tensor1d([4, 5]));
  const vars = new Map([['a', a], ['b', b]]);
  const snap = await snapshotTensors(vars, ['a', 'b']);
  t.deepEqual(await changedTensors(snap, vars), []);
  const bits = new Float32Array([4, 5]);
  new Uint32Array(bits.buffer)[1] ^= 1; // 5 → next float
  b.assign(tf.tensor1d(bits));
  t.deepEqual(await changedTensors(snap, vars), ['b']);
  await t.throwsAsync(() => verifyFrozen(snap, vars, 'after epoch 1'), { message: /changed after epoch 1: b/ });
  tf.dispose([a, b]);
});

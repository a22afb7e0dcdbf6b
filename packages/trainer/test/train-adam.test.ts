import test from 'ava';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { Adam } from '../src/train/adam.js';

interface Reference {
  lr: number;
  betas: [number, number];
  eps: number;
  initial: Record<'a' | 'b', number[]>;
  shapes: Record<'a' | 'b', number[]>;
  grads: Array<Record<'a' | 'b', number[]>>;
  after: Array<Record<'a' | 'b', number[]>>;
  exp_avg: Record<'a' | 'b', number[]>;
  exp_avg_sq: Record<'a' | 'b', number[]>;
}
// Made by fixtures/train/make_adam_fixture.py with torch.optim.Adam (torch 1.13).
const ref = JSON.parse(readFileSync(new URL('./fixtures/train/adam-reference.json', import.meta.url), 'utf8')) as Reference;

test.before(async () => {
  await tf.setBackend('cpu');
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

test('matches torch.optim.Adam step by step, moments included', (t) => {
  const params = new Map((['a', 'b'] as const).map((k) => [k, tf.variable(tf.tensor(ref.initial[k], ref.shapes[k]))]));
  const adam = new Adam(params, ['a', 'b'], { betas: ref.betas, eps: ref.eps });
  ref.grads.forEach((g, k) => {
    const grads = { a: tf.tensor(g.a, ref.shapes.a), b: tf.tensor(g.b, ref.shapes.b) };
    adam.apply(grads, ref.lr);
    tf.dispose(Object.values(grads));
    for (const name of ['a', 'b'] as const) t.true(maxDiff(params.get(name)!.dataSync(), ref.after[k][name]) < 1e-6, `${name} after step ${k + 1}`);
  });
  t.is(adam.step, 5);
  const state = adam.stateTensors();
  t.true(maxDiff(state.get('a.exp_avg')!.dataSync(), ref.exp_avg.a) < 1e-5);
  t.true(maxDiff(state.get('b.exp_avg_sq')!.dataSync(), ref.exp_avg_sq.b) < 1e-7);
  adam.dispose();
  tf.dispose([...params.values()]);
});

test('saved state restores an optimizer that continues identically; names outside the list are never touched', (t) => {
  const make = () => new Map((['a', 'b'] as const).map((k) => [k, tf.variable(tf.tensor(ref.initial[k], ref.shapes[k]))]));
  const grad = (k: number) => ({ a: tf.tensor(ref.grads[k].a, ref.shapes.a) });
  const p1 = make();
  const adam1 = new Adam(p1, ['a'], { betas: ref.betas, eps: ref.eps });
  for (let k = 0; k < 2; k++) tf.tidy(() => adam1.apply(grad(k), ref.lr));
  const saved = new Map([...adam1.stateTensors()].map(([n, v]) => [n, { shape: v.shape, data: v.dataSync() as Float32Array }]));
  const p2 = make();
  p2.get('a')!.assign(p1.get('a')!);
  const adam2 = new Adam(p2, ['a'], { betas: ref.betas, eps: ref.eps });
  adam2.loadState(saved, adam1.step, 'test');
  for (let k = 2; k < 5; k++) {
    tf.tidy(() => adam1.apply(grad(k), ref.lr));
    tf.tidy(() => adam2.apply(grad(k), ref.lr));
  }
  t.deepEqual(Array.from(p2.get('a')!.dataSync()), Array.from(p1.get('a')!.dataSync()), 'bit-identical continuation');
  t.deepEqual(Array.from(p1.get('b')!.dataSync()), Array.from(new Float32Array(ref.initial.b)), 'b not in the list: unchanged');
  t.throws(() => adam2.loadState(new Map(), 1, 'opt.safetensors'), { message: /opt\.safetensors: .*missing a\.exp_avg/ });
  // a parameter without a gradient (not connected to the loss) is skipped, as PyTorch skips grad None
  const before = Array.from(p2.get('a')!.dataSync());
  adam2.apply({}, ref.lr);
  t.deepEqual(Array.from(p2.get('a')!.dataSync()), before);
  adam1.dispose();
  adam2.dispose();
  tf.dispose([...p1.values(), ...p2.values()]);
});

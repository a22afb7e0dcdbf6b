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

/** The per-parameter update written out, as Adam ran before its moments were flattened: the independent reference. */
function referenceStep(
  p: Map<string, Float32Array>,
  m: Map<string, Float32Array>,
  v: Map<string, Float32Array>,
  grads: Map<string, tf.Tensor>,
  step: number,
  lr: number,
): void {
  const [b1, b2] = ref.betas;
  const stepSize = lr / (1 - b1 ** step);
  const sqrtBc2 = Math.sqrt(1 - b2 ** step);
  for (const [name, g] of grads) {
    tf.tidy(() => {
      const mNew = tf.add(tf.mul(tf.tensor(m.get(name)!), b1), tf.mul(g.flatten(), 1 - b1));
      const vNew = tf.add(tf.mul(tf.tensor(v.get(name)!), b2), tf.mul(tf.square(g.flatten()), 1 - b2));
      const denom = tf.add(tf.div(tf.sqrt(vNew), sqrtBc2), ref.eps);
      const pNew = tf.sub(tf.tensor(p.get(name)!), tf.mul(tf.div(mNew, denom), stepSize));
      m.set(name, mNew.dataSync() as Float32Array);
      v.set(name, vNew.dataSync() as Float32Array);
      p.set(name, pNew.dataSync() as Float32Array);
    });
  }
}

test('one update over all parameters gives the per-parameter update bit for bit, with a parameter left without gradient', (t) => {
  const shapes: number[][] = [[3, 3, 2, 4], [4], [1], [5, 2], [2, 2, 1, 3]];
  const names = shapes.map((_, i) => `w${i}`);
  const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * (1 + (i % 5)));
  const params = new Map(names.map((n, i) => [n, tf.variable(tf.tensor(rand(tf.util.sizeFromShape(shapes[i]), i), shapes[i]))]));
  const p = new Map(names.map((n) => [n, params.get(n)!.dataSync().slice() as Float32Array]));
  const m = new Map(names.map((n, i) => [n, new Float32Array(tf.util.sizeFromShape(shapes[i]))]));
  const v = new Map(names.map((n, i) => [n, new Float32Array(tf.util.sizeFromShape(shapes[i]))]));
  const adam = new Adam(params, names, { betas: ref.betas, eps: ref.eps });
  for (let step = 1; step <= 4; step++) {
    // step 3: w1 has no gradient (PyTorch skips it: parameter and moments unchanged)
    const grads = new Map(names.filter((n) => !(step === 3 && n === 'w1')).map((n, i) => [n, tf.tensor(rand(tf.util.sizeFromShape(params.get(n)!.shape), 10 * step + i), params.get(n)!.shape)]));
    adam.apply(Object.fromEntries(grads), ref.lr);
    referenceStep(p, m, v, grads, step, ref.lr);
    tf.dispose([...grads.values()]);
    for (const n of names) t.deepEqual(Array.from(params.get(n)!.dataSync()), Array.from(p.get(n)!), `${n} after step ${step}`);
  }
  const state = adam.stateTensors();
  for (const n of names) {
    t.deepEqual(Array.from(state.get(`${n}.exp_avg`)!.dataSync()), Array.from(m.get(n)!), `${n}.exp_avg`);
    t.deepEqual(Array.from(state.get(`${n}.exp_avg_sq`)!.dataSync()), Array.from(v.get(n)!), `${n}.exp_avg_sq`);
    t.deepEqual(state.get(`${n}.exp_avg`)!.shape, params.get(n)!.shape);
  }
  tf.dispose([...state.values(), ...params.values()]);
  adam.dispose();
});

test('an update launches a number of kernels that grows by about one per parameter, not by the ~13 of the formula', async (t) => {
  const kernelsFor = async (count: number): Promise<number> => {
    const params = new Map(Array.from({ length: count }, (_, i) => [`p${i}`, tf.variable(tf.fill([3, 4], i + 1))] as const));
    const adam = new Adam(params, [...params.keys()], { betas: ref.betas, eps: ref.eps });
    const grads = Object.fromEntries([...params.keys()].map((n) => [n, tf.onesLike(params.get(n)!)]));
    const info = await tf.profile(() => adam.apply(grads, 1e-3));
    tf.dispose([...Object.values(grads), ...params.values()]);
    adam.dispose();
    return info.kernels.length;
  };
  const [few, many] = [await kernelsFor(10), await kernelsFor(40)];
  t.log(`kernels per update: ${few} for 10 parameters, ${many} for 40`);
  t.true(many - few <= 4 * 30, `${many - few} more kernels for 30 more parameters`);
});

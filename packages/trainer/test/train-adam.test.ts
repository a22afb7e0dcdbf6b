import test, { type ExecutionContext } from 'ava';
import { readFileSync } from 'node:fs';
import * as tf from '@tensorflow/tfjs';
import { countDispatches } from '../src/backend/dispatch-count.js';
import { initBackend } from '../src/backend/init-backend.js';
import { Adam } from '../src/train/adam.js';
import { adamUpdateFor, adamUpdateNames, DEFAULT_ADAM_UPDATE } from '../src/train/adam-strategy.js';

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
  await initBackend('wasm', { threads: 1 }); // loaded once, so the tests can switch between wasm and cpu
  await tf.setBackend('cpu');
});

const maxDiff = (a: ArrayLike<number>, b: ArrayLike<number>) => Math.max(...Array.from(a, (v, i) => Math.abs(v - b[i])));

/** Every AdamUpdate: each must give the same results (the strategy only decides which kernels run). */
const UPDATES = adamUpdateNames();

test('matches torch.optim.Adam step by step, moments included, with every update strategy', (t) => {
  for (const update of UPDATES) matchesTorch(t, update);
});

function matchesTorch(t: ExecutionContext, update: string): void {
  const params = new Map((['a', 'b'] as const).map((k) => [k, tf.variable(tf.tensor(ref.initial[k], ref.shapes[k]))]));
  const adam = new Adam(params, ['a', 'b'], { betas: ref.betas, eps: ref.eps, update });
  t.is(adam.updateName, update);
  ref.grads.forEach((g, k) => {
    const grads = { a: tf.tensor(g.a, ref.shapes.a), b: tf.tensor(g.b, ref.shapes.b) };
    adam.apply(grads, ref.lr);
    tf.dispose(Object.values(grads));
    for (const name of ['a', 'b'] as const) t.true(maxDiff(params.get(name)!.dataSync(), ref.after[k][name]) < 1e-6, `${update}: ${name} after step ${k + 1}`);
  });
  t.is(adam.step, 5);
  const state = adam.stateTensors();
  t.true(maxDiff(state.get('a.exp_avg')!.dataSync(), ref.exp_avg.a) < 1e-5, `${update}: a.exp_avg`);
  t.true(maxDiff(state.get('b.exp_avg_sq')!.dataSync(), ref.exp_avg_sq.b) < 1e-7, `${update}: b.exp_avg_sq`);
  adam.dispose();
  tf.dispose([...params.values(), ...state.values()]);
}

test('state saved under one update strategy restores under any other and continues identically; names outside the list are never touched', (t) => {
  const make = () => new Map((['a', 'b'] as const).map((k) => [k, tf.variable(tf.tensor(ref.initial[k], ref.shapes[k]))]));
  const grad = (k: number) => ({ a: tf.tensor(ref.grads[k].a, ref.shapes.a) });
  for (const saver of UPDATES) {
    for (const loader of UPDATES) {
      const p1 = make();
      const adam1 = new Adam(p1, ['a'], { betas: ref.betas, eps: ref.eps, update: saver });
      for (let k = 0; k < 2; k++) tf.tidy(() => adam1.apply(grad(k), ref.lr));
      const state = adam1.stateTensors();
      const saved = new Map([...state].map(([n, v]) => [n, { shape: v.shape, data: v.dataSync() as Float32Array }]));
      tf.dispose([...state.values()]);
      const p2 = make();
      p2.get('a')!.assign(p1.get('a')!);
      const adam2 = new Adam(p2, ['a'], { betas: ref.betas, eps: ref.eps, update: loader });
      adam2.loadState(saved, adam1.step, 'test');
      for (let k = 2; k < 5; k++) {
        tf.tidy(() => adam1.apply(grad(k), ref.lr));
        tf.tidy(() => adam2.apply(grad(k), ref.lr));
      }
      const label = `saved by ${saver}, restored by ${loader}`;
      t.deepEqual(Array.from(p2.get('a')!.dataSync()), Array.from(p1.get('a')!.dataSync()), `${label}: bit-identical continuation`);
      t.deepEqual(Array.from(p1.get('b')!.dataSync()), Array.from(new Float32Array(ref.initial.b)), `${label}: b not in the list: unchanged`);
      t.throws(() => adam2.loadState(new Map(), 1, 'opt.safetensors'), { message: /opt\.safetensors: .*missing a\.exp_avg/ });
      // a parameter without a gradient (not connected to the loss) is skipped, as PyTorch skips grad None
      const before = Array.from(p2.get('a')!.dataSync());
      adam2.apply({}, ref.lr);
      t.deepEqual(Array.from(p2.get('a')!.dataSync()), before, `${label}: no gradient, no change`);
      adam1.dispose();
      adam2.dispose();
      tf.dispose([...p1.values(), ...p2.values()]);
    }
  }
});

/** The per-parameter update written out in plain tfjs ops, as Adam ran before its moments were flattened: the independent reference. */
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

const SHAPES: number[][] = [[3, 3, 2, 4], [4], [1], [5, 2], [2, 2, 1, 3]];
const rand = (n: number, seed: number) => Float32Array.from({ length: n }, (_, i) => Math.sin(seed * 7.1 + i * 1.3) * (1 + (i % 5)));

function matchesReferenceBitForBit(t: ExecutionContext, backend: string, update: string): void {
  const names = SHAPES.map((_, i) => `w${i}`);
  const params = new Map(names.map((n, i) => [n, tf.variable(tf.tensor(rand(tf.util.sizeFromShape(SHAPES[i]), i), SHAPES[i]))]));
  const p = new Map(names.map((n) => [n, params.get(n)!.dataSync().slice() as Float32Array]));
  const m = new Map(names.map((n, i) => [n, new Float32Array(tf.util.sizeFromShape(SHAPES[i]))]));
  const v = new Map(names.map((n, i) => [n, new Float32Array(tf.util.sizeFromShape(SHAPES[i]))]));
  const adam = new Adam(params, names, { betas: ref.betas, eps: ref.eps, update });
  const label = `${backend}, ${update}`;
  for (let step = 1; step <= 4; step++) {
    // step 3: w1 has no gradient (PyTorch skips it: parameter and moments unchanged)
    const grads = new Map(names.filter((n) => !(step === 3 && n === 'w1')).map((n, i) => [n, tf.tensor(rand(tf.util.sizeFromShape(params.get(n)!.shape), 10 * step + i), params.get(n)!.shape)]));
    adam.apply(Object.fromEntries(grads), ref.lr);
    referenceStep(p, m, v, grads, step, ref.lr);
    tf.dispose([...grads.values()]);
    for (const n of names) t.deepEqual(Array.from(params.get(n)!.dataSync()), Array.from(p.get(n)!), `${label}: ${n} after step ${step}`);
  }
  const state = adam.stateTensors();
  for (const n of names) {
    t.deepEqual(Array.from(state.get(`${n}.exp_avg`)!.dataSync()), Array.from(m.get(n)!), `${label}: ${n}.exp_avg`);
    t.deepEqual(Array.from(state.get(`${n}.exp_avg_sq`)!.dataSync()), Array.from(v.get(n)!), `${label}: ${n}.exp_avg_sq`);
    t.deepEqual(state.get(`${n}.exp_avg`)!.shape, params.get(n)!.shape);
  }
  tf.dispose([...state.values(), ...params.values()]);
  adam.dispose();
}

test.serial('every update strategy gives the per-parameter formula bit for bit on wasm and cpu, with a parameter left without gradient', async (t) => {
  for (const backend of ['wasm', 'cpu']) {
    await tf.setBackend(backend);
    for (const update of UPDATES) matchesReferenceBitForBit(t, backend, update);
  }
  await tf.setBackend('cpu');
});

/**
 * Kernels (engine invocations, countDispatches) of one update of `count` parameters of shape [3, 4], all with a gradient.
 * What they should be, from the code: per-parameter runs adamFormula once per parameter — 13 kernels (Multiply ×4,
 * Add ×3, Square, Sqrt, RealDiv ×2, Multiply, Sub) — and nothing else; flat runs it once over everything and pays
 * per parameter a Reshape of its gradient, one of its value and one back after the split: 3 per parameter, plus
 * 2 Concat + 13 + 1 SplitV = 16.
 */
async function kernelsPerUpdate(update: string, count: number): Promise<number> {
  const params = new Map(Array.from({ length: count }, (_, i) => [`p${i}`, tf.variable(tf.fill([3, 4], i + 1))] as const));
  const adam = new Adam(params, [...params.keys()], { betas: ref.betas, eps: ref.eps, update });
  const grads = Object.fromEntries([...params.keys()].map((n) => [n, tf.onesLike(params.get(n)!)]));
  const { count: counted } = await countDispatches(() => adam.apply(grads, 1e-3));
  tf.dispose([...Object.values(grads), ...params.values()]);
  adam.dispose();
  return counted.kernels;
}

test.serial('kernels per update: 13 per parameter for per-parameter, 3 per parameter + 16 for flat', async (t) => {
  const expected: Record<string, (n: number) => number> = { 'per-parameter': (n) => 13 * n, flat: (n) => 3 * n + 16 };
  for (const update of ['per-parameter', 'flat']) {
    const [few, many] = [await kernelsPerUpdate(update, 10), await kernelsPerUpdate(update, 40)];
    t.log(`${update}: ${few} kernels for 10 parameters, ${many} for 40`);
    t.is(few, expected[update](10), `${update}, 10 parameters`);
    t.is(many, expected[update](40), `${update}, 40 parameters`);
  }
});

test('each backend has a default update strategy; $BGFILL_ADAM_UPDATE and the option override it; an unknown name is refused', (t) => {
  for (const [backend, name] of Object.entries(DEFAULT_ADAM_UPDATE)) {
    t.true(UPDATES.includes(name), `${backend}'s default ${name} is registered`);
    t.is(adamUpdateFor(backend).name, process.env.BGFILL_ADAM_UPDATE || name);
  }
  t.is(adamUpdateFor('wasm', 'per-parameter').name, 'per-parameter');
  const saved = process.env.BGFILL_ADAM_UPDATE;
  try {
    process.env.BGFILL_ADAM_UPDATE = 'per-parameter';
    t.is(adamUpdateFor('webgpu').name, 'per-parameter');
    t.is(adamUpdateFor('webgpu', 'flat').name, 'flat', 'the option wins over the environment');
    process.env.BGFILL_ADAM_UPDATE = 'fused';
    t.throws(() => adamUpdateFor('wasm'), { message: /one of per-parameter, flat for BGFILL_ADAM_UPDATE .*"fused"/ });
  } finally {
    if (saved === undefined) delete process.env.BGFILL_ADAM_UPDATE;
    else process.env.BGFILL_ADAM_UPDATE = saved;
  }
  t.throws(() => new Adam(new Map(), [], { betas: ref.betas, eps: ref.eps, update: 'nope' }), { message: /for Adam update .*"nope"/ });
});

// The generator as a whole: config validation, layout, parameters, initialisation, outputs and their properties,
// input checks, buffers in training mode, and tensor bookkeeping.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BgfillError } from '@bgfill/core';
import { DEFAULT_GENERATOR_CONFIG, resolveGeneratorConfig, type GeneratorConfig } from '../src/model/config.js';
import { generatorArchitecture, generatorParamSpecs } from '../src/model/architecture.js';
import { InpaintGenerator } from '../src/model/generator.js';
import { convOutputSize } from '../src/model/conv.js';

test.before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

function inputs(n: number, size: number, seed: number) {
  const x = tf.randomUniform([n, size, size, 3], -1, 1, 'float32', seed) as tf.Tensor4D;
  const mask = tf.tidy(() => {
    // a rectangle hole per image, like a person's box
    const rows = tf.reshape(tf.range(0, size), [1, size, 1, 1]);
    const cols = tf.reshape(tf.range(0, size), [1, 1, size, 1]);
    const lo = Math.floor(size / 4);
    const hi = Math.floor((3 * size) / 4);
    const inside = tf.logicalAnd(tf.logicalAnd(tf.greaterEqual(rows, lo), tf.less(rows, hi)), tf.logicalAnd(tf.greaterEqual(cols, lo + 1), tf.less(cols, hi)));
    return tf.tile(tf.cast(inside, 'float32'), [n, 1, 1, 1]) as tf.Tensor4D;
  });
  return { x, mask };
}

test('config: defaults, validation errors naming the field, unknown keys refused', (t) => {
  t.deepEqual(resolveGeneratorConfig(), { cnum: 32, inChannels: 4, gate: 'spatial', scaledAttention: false, coordAttention: false });
  t.deepEqual(resolveGeneratorConfig({ cnum: 8, gate: 'gct' }), { ...DEFAULT_GENERATOR_CONFIG, cnum: 8, gate: 'gct' });
  t.deepEqual(resolveGeneratorConfig({ cnum: undefined }), DEFAULT_GENERATOR_CONFIG, 'undefined fields take defaults');
  const cases: Array<[Partial<GeneratorConfig>, string]> = [
    [{ cnum: 3 }, 'Expected an even integer from 2 to 512 for cnum but received 3'],
    [{ cnum: 0 }, 'Expected an even integer from 2 to 512 for cnum but received 0'],
    [{ cnum: 1024 }, 'Expected an even integer from 2 to 512 for cnum but received 1024'],
    [{ inChannels: 3 as 4 }, 'Expected 4 or 5 for inChannels but received 3'],
    [{ gate: 'channel' as 'gct' }, `Expected one of 'spatial', 'gct', 'spatial*gct' for gate but received "channel"`],
    [{ scaledAttention: 'yes' as unknown as boolean }, 'Expected a boolean for scaledAttention but received "yes"'],
    [{ cnumm: 8 } as Partial<GeneratorConfig>, 'Expected one of cnum, inChannels, gate, scaledAttention, coordAttention for generator config key "cnumm" but received "cnumm"'],
  ];
  for (const [partial, message] of cases) t.throws(() => resolveGeneratorConfig(partial), { instanceOf: BgfillError, message });
});

test('architecture: 17 + 11 + 7 gated convolutions, dilations 2/4/8/16, two downsamplings and two upsamplings per stage', (t) => {
  const arch = generatorArchitecture(resolveGeneratorConfig());
  t.is(arch.coarse.length, 17);
  t.is(arch.refineConv.length, 11);
  t.is(arch.refineUpsample.length, 7);
  t.deepEqual(arch.coarse.map((l) => l.dilation).filter((d) => d > 1), [2, 4, 8, 16]);
  t.deepEqual(arch.refineConv.slice(-4).map((l) => l.dilation), [2, 4, 8, 16]);
  for (const stage of [arch.coarse, arch.refineConv]) t.is(stage.filter((l) => l.stride === 2).length, 2);
  for (const stage of [arch.coarse, arch.refineUpsample]) {
    t.deepEqual(stage.filter((l) => l.upsample).map((l) => l.name.endsWith('.conv2d')), [true, true]);
    t.is(stage[stage.length - 1].outChannels, 3);
    t.false(stage[stage.length - 1].activation, 'last layer has no activation');
    t.true(stage.slice(0, -1).every((l) => l.activation));
  }
  t.is(arch.coarse[0].kernel, 5);
  t.deepEqual(arch.coarse.map((l) => l.outChannels), [32, 64, 64, 128, 128, 128, 128, 128, 128, 128, 128, 128, 64, 64, 32, 16, 3]);
  t.is(arch.attentionChannels, 128);
  // Same-size convolutions keep size; each 4×4 stride-2 layer halves it (PyTorch's output-size rule).
  for (const l of [...arch.coarse, ...arch.refineConv, ...arch.refineUpsample]) {
    for (const n of [64, 256]) t.is(convOutputSize(n, l.kernel, l), n / l.stride, l.name);
  }
});

test('parameters: PyTorch state_dict names and counts (6,049,913 trainable + 6,063 buffer values at cnum 32)', (t) => {
  // The counts and the 322 keys are those of the PyTorch reference module (reference_model.py) for the default config.
  const g = new InpaintGenerator();
  const count = (m: ReadonlyMap<string, tf.Variable>) => [...m.values()].reduce((a, v) => a + v.size, 0);
  t.is(count(g.params), 6_049_913);
  t.is(count(g.buffers), 6_063);
  t.is(g.params.size + g.buffers.size, 322);
  t.deepEqual(g.params.get('coarse_net.0.conv2d.weight')!.shape, [5, 5, 4, 32], 'HWIO');
  t.deepEqual(g.params.get('coarse_net.12.conv2d.mask_conv2d.weight')!.shape, [3, 3, 128, 64]);
  t.deepEqual(g.params.get('refine_attn.query_conv.weight')!.shape, [1, 1, 128, 16]);
  t.deepEqual(g.params.get('refine_attn.gamma')!.shape, [1]);
  t.true(g.buffers.has('refine_upsample_net.6.batch_norm2d.num_batches_tracked'));
  t.is(g.buffers.get('coarse_net.0.batch_norm2d.num_batches_tracked')!.dtype, 'int32');
  t.true([...g.params.values()].every((v) => v.trainable));
  t.true([...g.buffers.values()].every((v) => !v.trainable));
  g.dispose();
  t.is(generatorParamSpecs(resolveGeneratorConfig({ gate: 'gct' })).length, 357, 'GCT replaces mask_conv2d (PyTorch: 357 keys)');
  t.is(generatorParamSpecs(resolveGeneratorConfig({ gate: 'spatial*gct', coordAttention: true, inChannels: 5 })).length, 429);
});

test('initialisation: deterministic per seed, gamma 0, BN identity, kaiming-normal convolutions', async (t) => {
  const a = new InpaintGenerator({ cnum: 8 }, { seed: 7 });
  const b = new InpaintGenerator({ cnum: 8 }, { seed: 7 });
  const c = new InpaintGenerator({ cnum: 8 }, { seed: 8 });
  for (const [name, v] of a.params) t.deepEqual(await v.data(), await b.params.get(name)!.data(), name);
  const w = 'refine_conv_net.8.conv2d.weight';
  t.notDeepEqual(await a.params.get(w)!.data(), await c.params.get(w)!.data());
  t.deepEqual(Array.from(await a.params.get('refine_attn.gamma')!.data()), [0]);
  t.deepEqual(Array.from(new Set(await a.params.get('coarse_net.3.batch_norm2d.weight')!.data())), [1]);
  t.deepEqual(Array.from(new Set(await a.buffers.get('coarse_net.3.batch_norm2d.running_var')!.data())), [1]);
  const values = (await a.params.get(w)!.data()) as Float32Array; // 3×3×32×32, fan_in 288
  const std = Math.sqrt(values.reduce((s: number, v: number) => s + v * v, 0) / values.length);
  t.true(Math.abs(std / Math.sqrt(2 / 288) - 1) < 0.05, `std ${std}`);
  for (const g of [a, b, c]) g.dispose();
});

const VARIANTS: Array<Partial<GeneratorConfig>> = [
  {},
  { gate: 'gct' },
  { gate: 'spatial*gct' },
  { scaledAttention: true },
  { coordAttention: true },
  { inChannels: 5 },
  { inChannels: 5, gate: 'spatial*gct', scaledAttention: true, coordAttention: true },
];

for (const variant of VARIANTS) {
  test(`outputs of ${JSON.stringify(variant)}: finite, NHWC×3, in −1…1, composite = input outside the hole`, async (t) => {
    const g = new InpaintGenerator({ cnum: 4, ...variant }, { seed: 2 });
    // gamma 0 would hide the attention block; give it a weight so that its variants matter
    g.params.get('refine_attn.gamma')!.assign(tf.tensor1d([0.5]));
    const { x, mask } = inputs(2, 32, 3);
    const guidance = variant.inChannels === 5 ? (tf.randomUniform([2, 32, 32, 1], 0, 1, 'float32', 4) as tf.Tensor4D) : undefined;
    for (const training of [false, true]) {
      const out = g.apply(x, mask, { guidance, training });
      const [xv, mv, rv, cv] = await Promise.all([x.data(), mask.data(), out.refined.data(), out.composite.data()]);
      for (const name of ['coarse', 'refined', 'composite'] as const) {
        t.deepEqual(out[name].shape, [2, 32, 32, 3]);
        const v = await out[name].data();
        t.true(v.every((e) => Number.isFinite(e) && e >= -1 && e <= 1), name);
      }
      let wrong = 0;
      for (let i = 0; i < cv.length; i++) {
        const hole = mv[Math.floor(i / 3)] === 1;
        if (cv[i] !== (hole ? rv[i] : xv[i])) wrong++;
      }
      t.is(wrong, 0, 'composite: refined inside the hole, the input outside, exactly');
      tf.dispose(out);
    }
    tf.dispose([x, mask, guidance ?? []]);
    g.dispose();
  });
}

test('whatever hole pixels hold (NaN, ±Infinity, 1e30) the outputs are the same', async (t) => {
  const g = new InpaintGenerator({ cnum: 4 }, { seed: 1 });
  const { x, mask } = inputs(1, 16, 5);
  const garbage = tf.tidy(() => {
    const noise = tf.randomUniform(x.shape, 0, 4, 'int32', 6);
    const table = tf.tensor1d([Number.NaN, Number.POSITIVE_INFINITY, Number.NEGATIVE_INFINITY, 1e30]);
    return tf.where(tf.cast(tf.tile(mask, [1, 1, 1, 3]), 'bool'), tf.reshape(tf.gather(table, tf.reshape(noise, [-1])), x.shape), x) as tf.Tensor4D;
  });
  const a = g.apply(x, mask);
  const b = g.apply(garbage, mask);
  for (const name of ['coarse', 'refined', 'composite'] as const) t.deepEqual(await b[name].data(), await a[name].data(), name);
  tf.dispose([a, b, x, mask, garbage]);
  g.dispose();
});

test('eval mode: deterministic, and each image’s result does not depend on the rest of the batch', async (t) => {
  const g = new InpaintGenerator({ cnum: 4 }, { seed: 1 });
  g.params.get('refine_attn.gamma')!.assign(tf.tensor1d([0.5]));
  const { x, mask } = inputs(2, 16, 7);
  const twice = [g.apply(x, mask), g.apply(x, mask)];
  t.deepEqual(await twice[0].composite.data(), await twice[1].composite.data());
  const single = g.apply(tf.slice(x, [1, 0, 0, 0], [1, -1, -1, -1]), tf.slice(mask, [1, 0, 0, 0], [1, -1, -1, -1]));
  const fromBatch = tf.slice(twice[0].refined, [1, 0, 0, 0], [1, -1, -1, -1]);
  const diff = (await tf.max(tf.abs(tf.sub(single.refined, fromBatch))).data())[0];
  t.true(diff < 1e-5, `batch dependence ${diff}`);
  tf.dispose([twice, single, x, mask, fromBatch]);
  g.dispose();
});

test('training mode updates BN running statistics and counts; eval mode leaves them alone', async (t) => {
  const g = new InpaintGenerator({ cnum: 4 }, { seed: 1 });
  const { x, mask } = inputs(2, 16, 8);
  const mean = g.buffers.get('refine_conv_net.4.batch_norm2d.running_mean')!;
  const count = g.buffers.get('coarse_net.16.batch_norm2d.num_batches_tracked')!;
  tf.dispose(g.apply(x, mask));
  t.deepEqual(Array.from(new Set(await mean.data())), [0]);
  t.deepEqual(Array.from(await count.data()), [0]);
  tf.dispose(g.apply(x, mask, { training: true }));
  tf.dispose(g.apply(x, mask, { training: true }));
  t.deepEqual(Array.from(await count.data()), [2]);
  t.true((await mean.data()).some((v) => v !== 0));
  tf.dispose([x, mask]);
  g.dispose();
});

test('bad inputs throw BgfillErrors naming the input and the expected shape', (t) => {
  const g = new InpaintGenerator({ cnum: 2 });
  const g5 = new InpaintGenerator({ cnum: 2, inChannels: 5 });
  const x = tf.zeros([1, 16, 16, 3]) as tf.Tensor4D;
  const mask = tf.zeros([1, 16, 16, 1]) as tf.Tensor4D;
  const check = (f: () => unknown, message: string) => t.throws(f, { instanceOf: BgfillError, message });
  check(() => g.apply(tf.zeros([1, 16, 16, 4]) as tf.Tensor4D, mask), 'Expected an NHWC tensor with 3 channels for image but received "shape [1, 16, 16, 4]"');
  check(() => g.apply(x, tf.zeros([1, 16, 8, 1]) as tf.Tensor4D), 'Expected shape [1, 16, 16, 1] (like the image, 1 channel) for mask but received "shape [1, 16, 8, 1]"');
  check(() => g.apply(tf.zeros([1, 18, 16, 3]) as tf.Tensor4D, tf.zeros([1, 18, 16, 1]) as tf.Tensor4D), 'Expected height and width that are positive multiples of 4 for image size but received "18×16"');
  check(() => g.apply(x, mask, { guidance: mask }), 'Expected no guidance map for a 4-channel generator for guidance but received "a guidance map"');
  check(() => g5.apply(x, mask, { guidance: tf.zeros([1, 8, 8, 1]) as tf.Tensor4D }), 'Expected a float32 tensor of shape [1, 16, 16, 1] for guidance but received "float32 shape [1, 8, 8, 1]"');
  check(() => g.apply(tf.zeros([1, 4, 4, 3]) as tf.Tensor4D, tf.zeros([1, 4, 4, 1]) as tf.Tensor4D, { training: true }), /more than one value per channel/ as unknown as string);
  g.dispose();
  t.throws(() => g.apply(x, mask), { message: /used after dispose/ });
  g5.dispose();
  tf.dispose([x, mask]);
});

test('no tensors leak: apply, training apply, stateDict and dispose all balance', async (t) => {
  const { x, mask } = inputs(2, 16, 9);
  const start = tf.memory().numTensors;
  const g = new InpaintGenerator({ cnum: 2, gate: 'spatial*gct', coordAttention: true });
  const withModel = tf.memory().numTensors;
  t.is(withModel - start, g.params.size + g.buffers.size);
  tf.dispose(g.apply(x, mask));
  tf.dispose(g.apply(x, mask, { training: true }));
  const sd = g.stateDict();
  t.is(sd.size, g.params.size + g.buffers.size);
  tf.dispose([...sd.values()]);
  t.is(tf.memory().numTensors, withModel);
  g.dispose();
  t.is(tf.memory().numTensors, start);
  tf.dispose([x, mask]);
});

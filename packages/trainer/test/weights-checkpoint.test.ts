// bgfill generator checkpoints, loading any weight file into a generator, and key-mapping errors.
import test from 'ava';
import { mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { BgfillError } from '@bgfill/core';
import { InpaintGenerator } from '../src/model/generator.js';
import { generatorWeights, loadGenerator, saveGeneratorCheckpoint } from '../src/weights/checkpoint.js';
import { inferGeneratorConfig } from '../src/weights/infer-config.js';
import { readSafetensors, writeSafetensors } from '../src/weights/safetensors.js';
import { readTorchStateDict } from '../src/weights/torch-reader.js';
import { weightBytes, type WeightMap } from '../src/weights/weight-tensor.js';
import { fixturePath } from './fixtures/parity/load-fixture.js';

test.before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bgfill-ckpt-'));
}

function inputs(n: number, size: number, seed: number) {
  const x = tf.randomUniform([n, size, size, 3], -1, 1, 'float32', seed) as tf.Tensor4D;
  const mask = tf.cast(tf.greater(tf.randomUniform([n, size, size, 1], 0, 1, 'float32', seed + 1), 0.6), 'float32') as tf.Tensor4D;
  return { x, mask };
}

async function values(t: tf.Tensor): Promise<Float32Array | Int32Array> {
  return (await t.data()) as Float32Array | Int32Array;
}

test.serial('checkpoint round trip: save → load gives the config, bit-identical weights and bit-identical outputs', async (t) => {
  const dir = await tempDir();
  const file = join(dir, 'epoch-007.safetensors');
  const config = { cnum: 4, inChannels: 5, gate: 'spatial*gct', scaledAttention: true, coordAttention: true } as const;
  const g = new InpaintGenerator(config, { seed: 3 });
  const { x, mask } = inputs(2, 16, 1);
  const guidance = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 9) as tf.Tensor4D;
  tf.dispose(g.apply(x, mask, { training: true, guidance })); // moves the BN buffers off their initial values
  await saveGeneratorCheckpoint(file, g, { epoch: '7', l1: '0.0412' });
  t.deepEqual(await readdir(dir), ['epoch-007.safetensors']);

  const { metadata } = await readSafetensors(file);
  t.deepEqual(metadata, { epoch: '7', l1: '0.0412', format: 'bgfill-generator', config: JSON.stringify(g.config) });

  const loaded = await loadGenerator(file);
  t.deepEqual(loaded.config, g.config, 'scaledAttention comes from the stored config');
  for (const [name, v] of [...g.params, ...g.buffers]) {
    const other = loaded.params.get(name) ?? loaded.buffers.get(name);
    t.deepEqual(await values(other!), await values(v), name);
  }
  const a = g.apply(x, mask, { guidance });
  const b = loaded.apply(x, mask, { guidance });
  t.deepEqual(await values(b.composite), await values(a.composite));
  t.deepEqual(await values(b.coarse), await values(a.coarse));
  tf.dispose([a, b, x, mask, guidance]);
  g.dispose();
  loaded.dispose();
});

test.serial('a checkpoint holds exactly the PyTorch module’s state_dict names, shapes and dtypes', async (t) => {
  for (const [fixture, config] of [
    ['main.pth', { cnum: 8 }],
    ['variant-gct.pth', { cnum: 4, gate: 'gct', scaledAttention: true }],
  ] as const) {
    const torch = await readTorchStateDict(fixturePath(fixture));
    const g = new InpaintGenerator(config);
    const ours = await generatorWeights(g);
    t.deepEqual([...ours.keys()], [...torch.keys()], `${fixture}: same keys in the same order`);
    for (const [name, w] of torch) {
      t.deepEqual(ours.get(name)!.shape, w.shape, name);
      t.is(ours.get(name)!.dtype, w.dtype === 'float16' ? 'float32' : w.dtype, name);
    }
    g.dispose();
  }
});

test.serial('weights exported from a generator load into a fresh one (PyTorch layout and tfjs layout alike)', async (t) => {
  const g = new InpaintGenerator({ cnum: 2 }, { seed: 5 });
  const pytorch = await generatorWeights(g);
  const tfjs: WeightMap = new Map();
  for (const [name, tensor] of g.stateDict()) {
    const data = (await tensor.data()) as Float32Array | Int32Array;
    tfjs.set(name, { shape: tensor.shape, dtype: tensor.dtype === 'int32' ? 'int32' : 'float32', data: data.slice(), layout: 'tfjs' });
    tensor.dispose();
  }
  for (const weights of [pytorch, tfjs]) {
    const fresh = new InpaintGenerator({ cnum: 2 }, { seed: 6 });
    fresh.loadStateDict(weights);
    const mine = await generatorWeights(fresh);
    for (const [name, w] of pytorch) t.deepEqual(weightBytes(mine.get(name)!), weightBytes(w), name);
    fresh.dispose();
  }
  g.dispose();
});

test.serial('loadGenerator infers cnum, channels, gate and coordinate attention from the weights', async (t) => {
  t.deepEqual(inferGeneratorConfig(await readTorchStateDict(fixturePath('main.pth'))), {
    cnum: 8,
    inChannels: 4,
    gate: 'spatial',
    coordAttention: false,
  });
  t.deepEqual(inferGeneratorConfig((await readSafetensors(fixturePath('variant-coord.safetensors'))).weights), {
    cnum: 2,
    inChannels: 5,
    gate: 'spatial*gct',
    coordAttention: true,
  });
  t.like(inferGeneratorConfig(await readTorchStateDict(fixturePath('variant-gct.pth'))), { cnum: 4, gate: 'gct' });
});

test.serial('a mismatched config lists every shape mismatch in one error naming the file and what the file holds', async (t) => {
  const file = fixturePath('main.pth');
  const err = await t.throwsAsync(loadGenerator(file, { config: { cnum: 4 } }), { instanceOf: BgfillError });
  t.true(
    err.message.startsWith(
      `${file}: does not match the generator (cnum 4, 4 input channels, gate spatial) ` +
        '(the weights look like cnum 8, 4 input channels, gate spatial):\n  274 shape mismatches: ' +
        'coarse_net.0.conv2d.weight (expected [4, 4, 5, 5], file has [8, 4, 5, 5]), ',
    ),
    err.message,
  );
  // Every key whose shape differs between the file and a cnum-4 generator is named, and no other.
  const torch = await readTorchStateDict(file);
  const small = new InpaintGenerator({ cnum: 4 });
  const expected = await generatorWeights(small);
  small.dispose();
  const differing = [...torch].filter(([k, w]) => expected.get(k)!.shape.join() !== w.shape.join()).map(([k]) => k);
  const listed = err.message.slice(err.message.indexOf('shape mismatches: ')).split(/, (?=[a-z_]+\.)/).map((item) => item.replace(/^.*: /, '').split(' ')[0]);
  t.deepEqual(listed, differing);
  t.is(err.subject, file);
});

test.serial('unknown and missing keys are listed by name; strict: false warns, loads the rest, and keeps the others', async (t) => {
  const dir = await tempDir();
  const file = join(dir, 'edited.safetensors');
  const source = new InpaintGenerator({ cnum: 2 }, { seed: 11 });
  const weights = await generatorWeights(source);
  weights.set('refine_attn.extra_conv.weight', weights.get('refine_attn.query_conv.weight')!);
  weights.delete('coarse_net.3.mask_conv2d.bias');
  weights.delete('refine_attn.gamma');
  await writeSafetensors(file, weights);

  const err = await t.throwsAsync(loadGenerator(file), { instanceOf: BgfillError });
  t.is(
    err.message,
    `${file}: does not match the generator (cnum 2, 4 input channels, gate spatial):\n` +
      '  2 missing keys: coarse_net.3.mask_conv2d.bias, refine_attn.gamma;\n  1 unknown key: refine_attn.extra_conv.weight',
  );

  const target = new InpaintGenerator({ cnum: 2 }, { seed: 12 });
  const gammaBefore = await values(target.params.get('refine_attn.gamma')!);
  const unchanged = await values(target.params.get('coarse_net.3.mask_conv2d.bias')!);
  const warnings: string[] = [];
  target.loadStateDict(weights, { strict: false, onWarning: (m) => warnings.push(m), source: 'edited' });
  t.is(warnings.length, 1);
  t.regex(warnings[0], /^edited: does not match .*:\n {2}2 missing keys/);
  t.deepEqual(await values(target.params.get('refine_attn.gamma')!), gammaBefore);
  t.deepEqual(await values(target.params.get('coarse_net.3.mask_conv2d.bias')!), unchanged);
  t.deepEqual(
    await values(target.params.get('coarse_net.0.conv2d.bias')!),
    await values(source.params.get('coarse_net.0.conv2d.bias')!),
    'the good keys were loaded',
  );
  source.dispose();
  target.dispose();
});

test.serial('loadGenerator: a strict load sets every weight from the file; strict: false keeps the seeded draw (seed 0) for missing keys', async (t) => {
  // A strict load starts from zeros (the seeded draw would be overwritten); a lenient one must not, or a missing key
  // would silently become zero instead of the initialisation.
  const dir = await tempDir();
  const source = new InpaintGenerator({ cnum: 2 }, { seed: 5 });
  const full = join(dir, 'full.safetensors');
  await saveGeneratorCheckpoint(full, source);
  const loaded = await loadGenerator(full);
  for (const map of ['params', 'buffers'] as const) {
    for (const [name, variable] of source[map]) t.deepEqual(await values(loaded[map].get(name)!), await values(variable), name);
  }
  const weights = await generatorWeights(source);
  weights.delete('coarse_net.3.mask_conv2d.bias');
  const partial = join(dir, 'partial.safetensors');
  await writeSafetensors(partial, weights);
  const lenient = await loadGenerator(partial, { strict: false, onWarning: () => {} });
  const seeded = new InpaintGenerator(lenient.config);
  const kept = await values(lenient.params.get('coarse_net.3.mask_conv2d.bias')!);
  t.deepEqual(kept, await values(seeded.params.get('coarse_net.3.mask_conv2d.bias')!));
  t.true(kept.some((v) => v !== 0), 'the seeded bias is not all zero');
  t.deepEqual(await values(lenient.params.get('coarse_net.0.conv2d.bias')!), await values(source.params.get('coarse_net.0.conv2d.bias')!));
  for (const g of [source, loaded, lenient, seeded]) g.dispose();
});

test.serial('a strict failure changes nothing (all keys are checked before any is assigned)', async (t) => {
  const source = new InpaintGenerator({ cnum: 2 }, { seed: 1 });
  const weights = await generatorWeights(source);
  weights.set('bogus', weights.get('refine_attn.gamma')!);
  const target = new InpaintGenerator({ cnum: 2 }, { seed: 2 });
  const before = await generatorWeights(target);
  t.throws(() => target.loadStateDict(weights), { instanceOf: BgfillError, message: /^state dict: .*:\n {2}1 unknown key: bogus$/ });
  const after = await generatorWeights(target);
  for (const [name, w] of before) t.deepEqual(weightBytes(after.get(name)!), weightBytes(w), name);
  source.dispose();
  target.dispose();
});

test.serial('a missing num_batches_tracked (PyTorch < 0.4.1 files) is accepted', async (t) => {
  const g = new InpaintGenerator({ cnum: 2 });
  const weights = await generatorWeights(g);
  for (const name of [...weights.keys()]) if (name.endsWith('num_batches_tracked')) weights.delete(name);
  t.notThrows(() => g.loadStateDict(weights));
  g.dispose();
});

test.serial('weights whose first layer is neither 4 nor 5 channels, reserved metadata and non-weight files are refused', async (t) => {
  const dir = await tempDir();
  const g = new InpaintGenerator({ cnum: 2 });
  const weights = await generatorWeights(g);
  weights.set('coarse_net.0.conv2d.weight', { shape: [2, 3, 5, 5], dtype: 'float32', data: new Float32Array(150), layout: 'pytorch' });
  const file = join(dir, 'rgb.safetensors');
  await writeSafetensors(file, weights);
  await t.throwsAsync(loadGenerator(file), {
    instanceOf: BgfillError,
    message: `${file}: cannot build a generator from these weights: Expected 4 or 5 for inChannels but received 3`,
  });
  await t.throwsAsync(saveGeneratorCheckpoint(join(dir, 'x.safetensors'), g, { config: 'mine' }), { instanceOf: BgfillError, message: /metadata key "config"/ });
  const text = join(dir, 'notes.safetensors');
  await writeSafetensors(text, new Map()); // a valid but empty file
  await t.throwsAsync(loadGenerator(text), { instanceOf: BgfillError, message: new RegExp(`^${text}: does not match .*:\n {2}\\d+ missing keys`) });
  // The other files of an epoch folder are named for what they are, not listed key by key.
  const disc = join(dir, 'discriminator.safetensors');
  await writeSafetensors(disc, new Map([['discriminator_net.0.conv2d.bias', { shape: [2], dtype: 'float32', data: new Float32Array(2), layout: 'pytorch' }]]), {
    format: 'bgfill-sn-patchgan',
  });
  await t.throwsAsync(loadGenerator(disc), {
    instanceOf: BgfillError,
    message: `${disc}: this is a discriminator checkpoint (SN-PatchGAN), not generator weights: give the epoch folder's generator.safetensors`,
  });
  g.dispose();
});

test('U²-Net weights, at the top level or under a prefix, are recognised as such instead of listing their keys', async (t) => {
  const u2net = fileURLToPath(new URL('./fixtures/u2net/u2netp-half.pth', import.meta.url));
  const hint = 'this looks like U²-Net segmentation weights, not an inpainting generator; pass it to --segment (bgfill inpaint) or to bgfill segment --checkpoint';
  await t.throwsAsync(loadGenerator(u2net), { instanceOf: BgfillError, message: `${u2net}: ${hint}` });
  // Saved from a DataParallel wrapper: every key under `module.`.
  const wrapped: WeightMap = new Map([...(await readTorchStateDict(u2net))].map(([k, v]) => [`module.${k}`, v]));
  const file = join(await tempDir(), 'u2net-wrapped.safetensors');
  await writeSafetensors(file, wrapped);
  await t.throwsAsync(loadGenerator(file), { instanceOf: BgfillError, message: `${file}: ${hint}` });
});

test.serial('a generator nested under a name prefix (Lightning, torch.compile) loads with a note; two generators are an error; non-strict refuses a file where nothing matches', async (t) => {
  const dir = await tempDir();
  const source = new InpaintGenerator({ cnum: 2, gate: 'gct' }, { seed: 21 });
  const weights = await generatorWeights(source);
  const prefixed = (prefix: string): WeightMap => new Map([...weights].map(([k, v]) => [`${prefix}${k}`, v]));
  const extra = weights.get('refine_attn.gamma')!;
  // Lightning: the generator beside a discriminator.
  const lightning = join(dir, 'lightning.safetensors');
  await writeSafetensors(lightning, new Map([...prefixed('generator.'), ['discriminator.conv.weight', extra]]));
  const notes: string[] = [];
  const loaded = await loadGenerator(lightning, { onNote: (n) => notes.push(n) });
  t.deepEqual(notes, [
    `${lightning}: using the ${weights.size} tensors under "generator." (1 others ignored)`,
    `${lightning}: no stored config: attention energy assumed unscaled (InpaintSANet's default); pass --scaled-attention if the net was trained with 1/√d scaling`,
  ]);
  t.is(loaded.config.gate, 'gct', 'the config is inferred from the selected weights');
  for (const [name, variable] of source.params) t.deepEqual(await values(loaded.params.get(name)!), await values(variable), name);
  loaded.dispose();
  // torch.compile and nested DataParallel prefixes.
  for (const prefix of ['_orig_mod.', 'module.module.']) {
    const file = join(dir, `${prefix.replace(/\./g, '_')}.safetensors`);
    await writeSafetensors(file, prefixed(prefix));
    const g = await loadGenerator(file);
    t.deepEqual(await values(g.params.get('coarse_net.0.conv2d.weight')!), await values(source.params.get('coarse_net.0.conv2d.weight')!), prefix);
    g.dispose();
  }
  const two = join(dir, 'ema.safetensors');
  await writeSafetensors(two, new Map([...prefixed('generator.'), ...prefixed('generator_ema.')]));
  await t.throwsAsync(loadGenerator(two), { instanceOf: BgfillError, message: `${two}: holds 2 generators, under "generator.", "generator_ema.": keep one (e.g. save its state_dict alone)` });
  // Nothing matches: strict lists the keys; non-strict must not go on with random weights.
  const unrelated = join(dir, 'unrelated.safetensors');
  await writeSafetensors(unrelated, new Map([['encoder.weight', extra]]));
  await t.throwsAsync(loadGenerator(unrelated, { strict: false, config: { cnum: 2 }, onWarning: () => {} }), {
    instanceOf: BgfillError,
    message: /^.*unrelated\.safetensors: no weight matches the generator \(cnum 2, .*\): nothing to load \(1 tensors in the file\)$/,
  });
  source.dispose();
});

test.serial('scaled attention, which weights cannot show, is noted as assumed off unless set or stored', async (t) => {
  const file = fixturePath('main.pth');
  const notes: string[] = [];
  const assumed = await loadGenerator(file, { onNote: (n) => notes.push(n) });
  t.false(assumed.config.scaledAttention);
  t.is(notes.length, 1);
  t.regex(notes[0], /main\.pth: no stored config: attention energy assumed unscaled .*--scaled-attention/);
  assumed.dispose();
  const quiet: string[] = [];
  const given = await loadGenerator(file, { config: { scaledAttention: true }, onNote: (n) => quiet.push(n) });
  t.true(given.config.scaledAttention);
  t.deepEqual(quiet, [], 'set by the caller: nothing assumed');
  const dir = await tempDir();
  const ckpt = join(dir, 'stored.safetensors');
  await saveGeneratorCheckpoint(ckpt, given);
  given.dispose();
  const fromCheckpoint = await loadGenerator(ckpt, { onNote: (n) => quiet.push(n) });
  t.true(fromCheckpoint.config.scaledAttention, 'a bgfill checkpoint stores it');
  t.deepEqual(quiet, []);
  fromCheckpoint.dispose();
});

test.serial('an epoch folder given as the weights loads its generator.safetensors (with a note); another folder is refused', async (t) => {
  const dir = await tempDir();
  const epoch = join(dir, 'epoch-0004');
  const { mkdir } = await import('node:fs/promises');
  await mkdir(epoch);
  const g = new InpaintGenerator({ cnum: 2 }, { seed: 5 });
  await saveGeneratorCheckpoint(join(epoch, 'generator.safetensors'), g);
  const notes: string[] = [];
  const loaded = await loadGenerator(epoch, { onNote: (n) => notes.push(n) });
  t.deepEqual(notes, [`${epoch}: using its generator.safetensors`]);
  t.deepEqual(await values(loaded.params.get('coarse_net.0.conv2d.weight')!), await values(g.params.get('coarse_net.0.conv2d.weight')!));
  loaded.dispose();
  g.dispose();
  await t.throwsAsync(loadGenerator(dir), {
    instanceOf: BgfillError,
    message: `${dir}: is a folder without generator.safetensors: give a weight file (.pth, .safetensors) or an epoch folder`,
  });
});

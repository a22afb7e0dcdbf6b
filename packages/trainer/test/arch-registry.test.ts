// The model registry: names, detection by key overlap, refusals that name the nearest architecture, and the
// architecture a bgfill checkpoint stores.
import test from 'ava';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { ARCHITECTURES, architectureNamed, loadInpaintNet, parseArchOption, resolveArchitecture } from '../src/arch/registry.js';
import { keyOverlap, nearestName } from '../src/arch/key-overlap.js';
import { ARCH_NAMES } from '../src/arch/names.js';
import { InpaintGenerator } from '../src/model/generator.js';
import { RfrNet } from '../src/rfrnet/network.js';
import { generatorWeights, saveGeneratorCheckpoint, type WeightFile } from '../src/weights/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../src/weights/safetensors.js';
import type { WeightMap } from '../src/weights/weight-tensor.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

const tempDir = () => mkdtemp(join(tmpdir(), 'bgfill-arch-'));
const file = (weights: WeightMap, source = 'w.safetensors', metadata: Record<string, string> = {}): WeightFile => ({ weights, metadata, format: 'safetensors', source });

test('the registry lists every architecture name once, in ARCH_NAMES order', (t) => {
  t.deepEqual(
    ARCHITECTURES.map((a) => a.name),
    [...ARCH_NAMES],
  );
  for (const name of ARCH_NAMES) t.is(architectureNamed(name).name, name);
  t.is(parseArchOption(undefined), undefined);
  t.is(parseArchOption('rfrnet'), 'rfrnet');
});

test('an unknown --arch is refused, naming the known ones and the nearest by spelling', (t) => {
  const err = t.throws(() => parseArchOption('rfr'), { instanceOf: BgfillError });
  t.regex(err.message, /--arch/);
  t.regex(err.message, /one of inpaintsanet, rfrnet \(nearest: rfrnet\)/);
  t.regex(err.message, /"rfr"/);
  t.regex(t.throws(() => architectureNamed('InpaintSANet'))!.message, /nearest: inpaintsanet/);
  t.notRegex(t.throws(() => architectureNamed('unet'))!.message, /nearest/);
  t.is(nearestName('deepfill', ARCH_NAMES), undefined);
});

test('key overlap is the Jaccard index of the key sets, batch-norm counters left out', (t) => {
  t.deepEqual(keyOverlap(['a', 'b', 'x.num_batches_tracked'], new Set(['b', 'c', 'y.num_batches_tracked'])), { shared: 1, expected: 2, found: 2, score: 1 / 3 });
  t.is(keyOverlap([], new Set()).score, 0);
});

test('detection: each architecture\'s own state_dict picks it, at any width, also under a name prefix', async (t) => {
  const g = new InpaintGenerator({ cnum: 4, gate: 'gct' });
  const r = new RfrNet({ width: 16, iterations: 2 });
  const gw = await generatorWeights(g);
  const rw = await generatorWeights(r);
  t.is(resolveArchitecture(file(gw)).name, 'inpaintsanet');
  t.is(resolveArchitecture(file(rw)).name, 'rfrnet');
  const nested = new Map([...rw].map(([k, v]) => [`generator.${k}`, v]));
  t.is(resolveArchitecture(file(nested)).name, 'rfrnet');
  // A few keys missing or extra still read as the architecture; its loader then names them.
  const edited = new Map(rw);
  edited.delete('out.weight');
  edited.set('extra.weight', rw.get('bn1.weight')!);
  t.is(resolveArchitecture(file(edited)).name, 'rfrnet');
  // --arch naming the other architecture is refused, naming the one the keys fit (non-strict: as asked).
  t.throws(() => resolveArchitecture(file(rw, 'rfr.pth'), 'inpaintsanet'), {
    instanceOf: BgfillError,
    message: /^rfr\.pth: its keys fit rfrnet \(RFR-Net[^)]*\), sharing \d+ of its \d+ keys, not inpaintsanet \(sharing 0 of its \d+ keys\): leave out --arch or give --arch rfrnet$/,
  });
  t.throws(() => resolveArchitecture(file(gw, 'g.pth'), 'rfrnet'), { message: /^g\.pth: its keys fit inpaintsanet .*, not rfrnet .*give --arch inpaintsanet$/ });
  t.is(resolveArchitecture(file(edited), 'rfrnet').name, 'rfrnet');
  t.is(resolveArchitecture(file(gw), 'rfrnet', { strict: false }).name, 'rfrnet');
  g.dispose();
  r.dispose();
});

test('a file whose keys fit no architecture is refused naming the nearest by key overlap; non-strict loads the nearest with a note', async (t) => {
  const r = new RfrNet({ width: 8, iterations: 1 });
  const rw = await generatorWeights(r);
  const odd: WeightMap = new Map();
  for (const key of ['Pconv1.weight', 'bn1.weight', 'bn1.bias']) odd.set(key, rw.get(key)!);
  for (let i = 0; i < 20; i++) odd.set(`encoder.layer${i}.weight`, rw.get('bn1.weight')!);
  const err = t.throws(() => resolveArchitecture(file(odd, 'odd.pth')), { instanceOf: BgfillError });
  t.regex(err.message, /^odd\.pth: its 23 tensors \(Pconv1\.weight, bn1\.weight, bn1\.bias, encoder\.layer0\.weight, …\) fit no architecture bgfill knows/);
  t.regex(err.message, /the nearest by key overlap is rfrnet \(RFR-Net: recurrent feature reasoning, Li et al\., CVPR 2020\), sharing 3 of its 96 keys/);
  t.regex(err.message, /Give --arch rfrnet to load it as one/);
  const notes: string[] = [];
  t.is(resolveArchitecture(file(odd, 'odd.pth'), undefined, { strict: false, onNote: (n) => notes.push(n) }).name, 'rfrnet');
  t.regex(notes[0], /odd\.pth: its keys fit no architecture well; loading it as the nearest, rfrnet/);
  t.throws(() => resolveArchitecture(file(new Map(), 'empty.pth')), { message: 'empty.pth: holds no tensors: not network weights' });
  // With --arch the architecture's own loader lists every key that differs.
  const dir = await tempDir();
  const path = join(dir, 'odd.safetensors');
  await writeSafetensors(path, odd);
  const keyErr = await t.throwsAsync(loadInpaintNet(path, { arch: 'rfrnet' }), { instanceOf: BgfillError });
  t.regex(keyErr.message, /does not match RFR-Net \(width 8, 6 recurrences\)[^]*missing keys: bn1\.running_mean, bn1\.running_var, Pconv2\.weight/);
  t.regex(keyErr.message, /20 unknown keys: encoder\.layer0\.weight/);
  r.dispose();
});

test('a bgfill checkpoint stores its architecture: it loads without --arch; a different --arch is refused', async (t) => {
  const dir = await tempDir();
  const path = join(dir, 'rfr.safetensors');
  const r = new RfrNet({ width: 8, iterations: 2 }, { seed: 3 });
  await saveGeneratorCheckpoint(path, r, { epoch: '1' });
  const loaded = await loadInpaintNet(path);
  t.is(loaded.arch, 'rfrnet');
  t.deepEqual(loaded.config, { width: 8, iterations: 2 }, 'the stored config, recurrences included (weights cannot show them)');
  t.deepEqual(await loaded.params.get('out.weight')!.data(), await r.params.get('out.weight')!.data());
  loaded.dispose();
  await t.throwsAsync(loadInpaintNet(path, { arch: 'inpaintsanet' }), {
    instanceOf: BgfillError,
    message: `${path}: this bgfill checkpoint holds a rfrnet network, not inpaintsanet: leave out --arch or give --arch rfrnet`,
  });
  // InpaintSANet checkpoints leave `arch` out, as every checkpoint before the registry did (same bytes as then):
  // one without it is InpaintSANet, even under --arch detection, and another --arch is refused the same way.
  const gPath = join(dir, 'g.safetensors');
  const g = new InpaintGenerator({ cnum: 4 }, { seed: 1 });
  await saveGeneratorCheckpoint(gPath, g, { epoch: '1' });
  t.deepEqual(Object.keys((await readSafetensors(gPath)).metadata).sort(), ['config', 'epoch', 'format']);
  const gLoaded = await loadInpaintNet(gPath);
  t.is(gLoaded.arch, 'inpaintsanet');
  gLoaded.dispose();
  await t.throwsAsync(loadInpaintNet(gPath, { arch: 'rfrnet' }), { message: `${gPath}: this bgfill checkpoint holds a inpaintsanet network, not rfrnet: leave out --arch or give --arch inpaintsanet` });
  g.dispose();
  const future = file(new Map(), 'future.safetensors', { format: 'bgfill-generator', arch: 'lama' });
  t.throws(() => resolveArchitecture(future), { message: /stored architecture.*"lama".*a checkpoint from a newer bgfill/ });
  r.dispose();
});

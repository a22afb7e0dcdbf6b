// Fine-tuning RFR-Net: the published objective against PyTorch, VGG weight checks, wasm/cpu gradient agreement,
// and `bgfill train --arch rfrnet` end to end (resume, frozen batch norm, freeze patterns, NaN guard).
import test from 'ava';
import { readFile, readdir } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { initBackend } from '../src/backend/index.js';
import { RfrNet } from '../src/rfrnet/network.js';
import { rfrObjective, weightedTotal } from '../src/rfrnet/objective.js';
import { checkVgg16Weights, Vgg16Features } from '../src/rfrnet/vgg16.js';
import { readTorchStateDict } from '../src/weights/torch-reader.js';
import { readSafetensors, writeSafetensors } from '../src/weights/safetensors.js';
import { toFloat32, toLayout } from '../src/weights/weight-tensor.js';
import { parseTrainConfig } from '../src/train/config.js';
import { train } from '../src/train/train.js';
import { parseLog } from '../src/train/run-log.js';
import { GENERATOR_FILE } from '../src/train/checkpoint.js';
import { diffStats, readRfrArrays, readRfrManifest, rfrFixturePath } from './fixtures/rfrnet/load-fixture.js';
import { hashVggWeights } from './fixtures/rfrnet/vgg-weights.js';
import { makeBundle, tempDir } from './train-helpers.js';

const WEIGHTS = { valid: 1, hole: 6, perceptual: 0.05, style: 120, tv: 0.1 };

test.before(async () => {
  await initBackend('wasm');
});

const vggFromHash = () => Vgg16Features.fromWeights(checkVgg16Weights(hashVggWeights(), 'hash VGG'));

async function vggFile(): Promise<string> {
  const path = join(await tempDir('rfr-vgg'), 'vgg16.safetensors');
  await writeSafetensors(path, hashVggWeights());
  return path;
}

test.serial('the published objective matches PyTorch\'s (float64): every term, the weighted total and its gradient with respect to the output', async (t) => {
  const manifest = await readRfrManifest();
  const a = await readRfrArrays('loss.f64');
  const t4 = (name: string) => tf.tensor4d(Float32Array.from(a.get(name)!.data), a.get(name)!.shape as [number, number, number, number]);
  const [gt, output, known] = [t4('gt'), t4('output'), t4('known')];
  const vgg = vggFromHash();
  const hole = tf.sub(1, known) as tf.Tensor4D;
  let terms: Record<string, number> = {};
  const { value, grad } = tf.valueAndGrad((out: tf.Tensor4D) => {
    const composite = tf.add(tf.mul(out, hole), tf.mul(gt, known)) as tf.Tensor4D;
    const parts = rfrObjective(vgg, gt, out, composite, hole);
    terms = Object.fromEntries(Object.entries(parts).map(([k, v]) => [k, v.dataSync()[0]]));
    return weightedTotal(parts, WEIGHTS);
  })(output);
  const expected = manifest.cases.loss.terms;
  const pairs = [['l1Valid', expected.valid], ['l1Hole', expected.hole], ['perceptual', expected.perceptual], ['style', expected.style], ['tv', expected.tv]] as const;
  for (const [name, want] of pairs) {
    t.true(want > 1e-4, `${name} is not negligible in the fixture`);
    t.true(Math.abs(terms[name] - want) / want < 1e-4, `${name}: ${terms[name]} against PyTorch's ${want}`);
  }
  t.true(Math.abs((await value.data())[0] - manifest.cases.loss.total) / manifest.cases.loss.total < 1e-4);
  const want = a.get('grad_output')!.data;
  const scale = diffStats(want, new Float64Array(want.length)).max;
  const { max } = diffStats(await grad.data(), want);
  t.log(`gradient: max |diff| ${max.toExponential(2)} of ${scale.toExponential(2)}`);
  t.true(max / scale < 1e-4, `${max / scale}`);
  tf.dispose([gt, output, known, hole, value, grad]);
  vgg.dispose();
});

test.serial('VGG weights with missing or mis-shaped keys are refused naming them; keys the extractor does not use are ignored', (t) => {
  const weights = hashVggWeights();
  t.notThrows(() => checkVgg16Weights(weights, 'vgg.pth'), 'classifier.6.bias is ignored');
  weights.delete('features.12.bias');
  weights.set('features.5.weight', weights.get('features.0.weight')!);
  const err = t.throws(() => checkVgg16Weights(weights, 'vgg.pth'), { instanceOf: BgfillError });
  t.regex(err.message, /^vgg\.pth: does not match VGG-16's features \(torchvision's vgg16-397923af\.pth layout\):\n {2}1 missing key: features\.12\.bias;\n {2}1 shape mismatch: features\.5\.weight \(expected \[128, 64, 3, 3\], file has \[64, 3, 3, 3\]\)/);
  t.regex(err.message, /need torchvision's ImageNet VGG-16 weights/);
});

/** Gradients of the whole objective with respect to every parameter of a width-8 net, on the current backend. */
async function objectiveGradients(size: number, frozenBatchNorm: boolean): Promise<Map<string, Float32Array>> {
  const net = new RfrNet({ width: 8, iterations: 2 }, { seed: 4 });
  const vgg = vggFromHash();
  const images = tf.randomUniform([2, size, size, 3], 0, 1, 'float32', 7) as tf.Tensor4D;
  const holes = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([2, size, size, 1], 0, 1, 'float32', 8), 0.6), 'float32')) as tf.Tensor4D;
  const names = [...net.params.keys()];
  const { value, grads } = tf.variableGrads(() => {
    const out = net.apply(images, holes, { training: true, frozenBatchNorm });
    return weightedTotal(rfrObjective(vgg, images, out.refined, out.composite, holes), WEIGHTS);
  }, names.map((n) => net.params.get(n)!));
  const byName = new Map<string, Float32Array>();
  for (const n of names) byName.set(n, (await grads[net.params.get(n)!.name].data()) as Float32Array);
  tf.dispose([value, images, holes, ...Object.values(grads)]);
  net.dispose();
  vgg.dispose();
  return byName;
}

for (const [mode, size, frozen, bound] of [
  ['frozen batch norm (fine-tuning)', 16, true, 1e-4],
  ['batch statistics', 32, false, 1e-3],
] as const) {
  test.serial(`gradients of every RFR-Net parameter agree between wasm and cpu (width 8, 2 recurrences, ${size}², the whole objective, ${mode})`, async (t) => {
    const grads = new Map<string, Map<string, Float32Array>>();
    try {
      for (const backend of ['wasm', 'cpu'] as const) {
        await tf.setBackend(backend);
        grads.set(backend, await objectiveGradients(size, frozen));
      }
    } finally {
      await tf.setBackend('wasm');
    }
    const [wasm, cpu] = [grads.get('wasm')!, grads.get('cpu')!];
    t.is(wasm.size, 60, 'every trainable parameter (114 state_dict entries less 18 counters and 36 running statistics)');
    // Differences relative to the parameter's largest gradient, or to 1e-3 of the net's largest where a gradient is a
    // near-cancelling sum (a one-channel batch norm's weight: 2e-9; the attention ratio's blend of scores summing to 1).
    const largest = (a: Float32Array) => diffStats(a, new Float32Array(a.length)).max;
    const netLargest = Math.max(...[...cpu.values()].map(largest));
    const errors: Array<[string, number]> = [];
    for (const [name, want] of cpu) {
      t.true(want.every(Number.isFinite) && largest(want) > 0, `${name} has a finite, non-zero gradient`);
      errors.push([name, diffStats(wasm.get(name)!, want).max / Math.max(largest(want), 1e-3 * netLargest)]);
    }
    errors.sort((a, b) => b[1] - a[1]);
    t.log(`largest relative differences: ${errors.slice(0, 4).map(([n, e]) => `${n} ${e.toExponential(2)}`).join(', ')}; median ${errors[30][1].toExponential(2)}`);
    t.true(errors[0][1] < bound, `${errors[0][0]}: ${errors[0][1]}`);
  });
}

const small = { batchSize: 2, seed: 3, backend: 'wasm' as const, stepsPerEpoch: 2, shuffleBuffer: 0 };

test.serial('a tiny RFR-Net run on wasm, stopped after epoch 1 and resumed, ends byte-identical to an uninterrupted one', async (t) => {
  const data = await makeBundle({ count: 4, size: 32 });
  const vgg = await vggFile();
  const root = await tempDir('rfr-resume');
  const base = { ...small, data, arch: 'rfrnet' as const, rfrnet: { width: 8, iterations: 2, vgg } };
  const clean = join(root, 'clean');
  const lines: string[] = [];
  await train(parseTrainConfig({ ...base, out: clean, epochs: 2 }), { log: (l) => lines.push(l) });
  t.true(lines.some((l) => /^RFR-Net objective: L1 valid ×1 and hole ×6, perceptual ×0\.05 and style ×120 \(VGG-16 pool1–3\), TV ×0\.1; batch norm on batch statistics/.test(l)), lines.join('\n'));
  const stopped = join(root, 'stopped');
  await train(parseTrainConfig({ ...base, out: stopped, epochs: 1 }));
  const config = JSON.parse(await readFile(join(stopped, 'config.json'), 'utf8'));
  t.like(config, { arch: 'rfrnet', rfrnet: { width: 8, iterations: 2, batchNorm: 'train', vgg, loss: WEIGHTS } });
  await train(parseTrainConfig({ ...config, epochs: 2 }), { resume: true });
  for (const epoch of ['epoch-0001', 'epoch-0002']) {
    const files = (await readdir(join(clean, epoch))).sort();
    t.deepEqual(files, ['generator.safetensors', 'optimizer.safetensors', 'samples.png', 'state.json'], 'no discriminator');
    for (const file of files) t.true(Buffer.compare(await readFile(join(clean, epoch, file)), await readFile(join(stopped, epoch, file))) === 0, `${epoch}/${file} differs`);
  }
  const steps = parseLog(await readFile(join(stopped, 'log.jsonl'), 'utf8')).filter((e) => e.type === 'step');
  t.deepEqual(steps.map((e) => e.step), [1, 2, 3, 4]);
  for (const e of steps) for (const k of ['l1Valid', 'l1Hole', 'perceptual', 'style', 'tv', 'gTotal']) t.true(Number.isFinite(e[k] as number), `${k} logged`);
  const { metadata } = await readSafetensors(join(stopped, 'epoch-0002', GENERATOR_FILE));
  t.is(metadata.arch, 'rfrnet');
});

test.serial('fine-tuning the authors\' checkpoint: batch norm frozen (running statistics kept, affine weights trained), a freeze pattern holds, a NaN stops the run naming the loss', async (t) => {
  const data = await makeBundle({ count: 4, size: 32 });
  const vgg = await vggFile();
  const init = rfrFixturePath('rfrnet-w8.pth');
  const out = join(await tempDir('rfr-finetune'), 'run');
  const config = parseTrainConfig({ ...small, data, out, init, epochs: 1, freeze: ['Pconv1.*'], rfrnet: { vgg, iterations: 2 }, optimizer: { lr: 1e-3 } });
  await train(config);
  const before = await readTorchStateDict(init);
  const { weights: after } = await readSafetensors(join(out, 'epoch-0001', GENERATOR_FILE));
  const bytes = (a: Float32Array) => Buffer.from(a.buffer, a.byteOffset, a.byteLength);
  const same = (name: string) => Buffer.compare(bytes(toFloat32(before.get(name)!)), bytes(toFloat32(toLayout(after.get(name)!, 'pytorch')))) === 0;
  t.true(same('Pconv1.weight'), 'frozen by pattern');
  for (const name of before.keys()) if (/running_(mean|var)$/.test(name)) t.true(same(name), `${name} kept (frozen batch norm)`);
  t.false(same('bn1.weight'), 'batch-norm weights still train');
  t.false(same('Pconv2.weight'));
  t.is(JSON.parse(await readFile(join(out, 'config.json'), 'utf8')).rfrnet.batchNorm, 'frozen');
  const nan = join(await tempDir('rfr-nan'), 'run');
  await t.throwsAsync(train(parseTrainConfig({ ...small, data, out: nan, init, epochs: 1, rfrnet: { vgg, iterations: 2 }, debug: { injectNan: { step: 2, loss: 'style' } } })), {
    instanceOf: BgfillError,
    message: /^Loss "style" is NaN at step 2: training stopped; the last good checkpoint is none/,
  });
  await t.throwsAsync(train(parseTrainConfig({ ...small, data, out: join(nan, 'x'), init, epochs: 1, rfrnet: { iterations: 2 } })), {
    instanceOf: BgfillError,
    message: /perceptual and style losses need torchvision's ImageNet VGG-16 weights: pass --vgg vgg16-397923af\.pth/,
  });
  await t.throwsAsync(train(parseTrainConfig({ ...small, data, out: join(nan, 'y'), init, epochs: 1, generator: { cnum: 8 }, rfrnet: { vgg } })), {
    instanceOf: BgfillError,
    message: /generator\.cnum \(--cnum\) apply to --arch inpaintsanet/,
  });
});

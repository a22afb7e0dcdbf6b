// Parity with the PyTorch reference (test/fixtures/parity/make_fixture.py, torch 1.13): the fixture's outputs are
// computed in float64 from the same float32 weights and inputs; PyTorch's own float32 run lands 0.4–3.5e-5 from them
// (manifest.json f32_vs_f64), so a 1e-4 bound leaves room for a different summation order but not for a wrong layer.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { InpaintGenerator } from '../src/model/generator.js';
import { loadGenerator } from '../src/weights/checkpoint.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { readTorchStateDict } from '../src/weights/torch-reader.js';
import { toFloat32, toLayout } from '../src/weights/weight-tensor.js';
import { fixturePath, maxAbsDiff, readArrays, readManifest } from './fixtures/parity/load-fixture.js';

const TOLERANCE = 1e-4;
const OUTPUTS = ['coarse', 'refined', 'composite'] as const;

test.before(async () => {
  await tf.setBackend('wasm');
  await tf.ready();
});

async function assertOutputs(
  t: import('ava').ExecutionContext,
  generator: InpaintGenerator,
  arraysFile: string,
  training = false,
): Promise<void> {
  const a = await readArrays(arraysFile);
  const out = generator.apply(a.image, a.mask, { guidance: a.guidance, training });
  for (const name of OUTPUTS) {
    t.deepEqual(out[name].shape, a[name].shape, `${name} shape`);
    const diff = await maxAbsDiff(out[name], a[name]);
    t.true(diff < TOLERANCE, `${arraysFile} ${name}: max |diff| ${diff.toExponential(2)} ≥ ${TOLERANCE}`);
    t.log(`${arraysFile} ${name}: max |diff| ${diff.toExponential(2)}`);
  }
  tf.dispose([out, a]);
}

test.serial('main fixture: a plain zip-format state_dict, eval mode, matches PyTorch within 1e-4', async (t) => {
  const manifest = await readManifest();
  const g = await loadGenerator(fixturePath('main.pth'));
  t.deepEqual(g.config, manifest.models['main-eval'].config, 'config inferred from the weights');
  await assertOutputs(t, g, 'main-eval.f32');
  g.dispose();
});

test.serial('the outputs are not mostly clamped, so the comparison means something', async (t) => {
  const manifest = await readManifest();
  for (const [name, model] of Object.entries(manifest.models)) {
    for (const [output, fraction] of Object.entries(model.clamped_fraction)) {
      t.true(fraction < 0.5, `${name} ${output}: ${fraction} of values at ±1`);
    }
  }
});

test.serial('wrapped checkpoint ({state_dict: {module.…}}), GCT gate replacing the spatial gate, scaled attention', async (t) => {
  const weights = await readTorchStateDict(fixturePath('variant-gct.pth'));
  t.true([...weights.keys()].every((k) => !k.startsWith('module.')), 'module. prefix stripped');
  t.true(weights.has('coarse_net.0.gct.alpha') && !weights.has('coarse_net.0.mask_conv2d.weight'));
  // Scaled attention leaves no trace in the weights: it comes from the config.
  const g = await loadGenerator(fixturePath('variant-gct.pth'), { config: { scaledAttention: true } });
  t.is(g.config.gate, 'gct');
  await assertOutputs(t, g, 'variant-gct-eval.f32');
  g.dispose();
});

test.serial('without its scaled-attention switch the GCT variant does not match (the switch matters)', async (t) => {
  const g = await loadGenerator(fixturePath('variant-gct.pth'));
  const a = await readArrays('variant-gct-eval.f32');
  const out = g.apply(a.image, a.mask);
  t.true((await maxAbsDiff(out.refined, a.refined)) > 1e-3);
  tf.dispose([out, a]);
  g.dispose();
});

test.serial('safetensors from Python: 5 channels with guidance, spatial×GCT gate, coordinate attention', async (t) => {
  const g = await loadGenerator(fixturePath('variant-coord.safetensors'));
  t.like(g.config, { cnum: 2, inChannels: 5, gate: 'spatial*gct', coordAttention: true });
  await assertOutputs(t, g, 'variant-coord-eval.f32');
  g.dispose();
});

for (const backend of ['wasm', 'cpu'] as const) {
  test.serial(`training-mode batch norm matches PyTorch's train-mode forward and buffer update (${backend})`, async (t) => {
    await tf.setBackend(backend);
    try {
      const g = await loadGenerator(fixturePath('main.pth'));
      const before = await readTorchStateDict(fixturePath('main.pth'));
      await assertOutputs(t, g, 'main-train.f32', true);
      const { weights: expected } = await readSafetensors(fixturePath('main-train-buffers.safetensors'));
      t.is(expected.size, g.buffers.size);
      let worst = 0;
      for (const [name, tensor] of expected) {
        const variable = g.buffers.get(name);
        if (!variable) return t.fail(`generator lacks buffer ${name}`);
        const actual = await variable.data();
        if (name.endsWith('num_batches_tracked')) {
          const previous = Number((before.get(name)!.data as BigInt64Array)[0]);
          t.is(actual[0], previous + 1, name);
          t.is(BigInt(actual[0]), (tensor.data as BigInt64Array)[0], name);
          continue;
        }
        const want = toFloat32(tensor);
        for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(actual[i] - want[i]) / Math.max(1, Math.abs(want[i])));
      }
      t.true(worst < 1e-5, `running statistics differ by ${worst.toExponential(2)}`);
      g.dispose();
    } finally {
      await tf.setBackend('wasm');
    }
  });
}

test.serial('training-mode gradients match PyTorch autograd (float64) for every bias, BN affine and attention parameter', async (t) => {
  const g = await loadGenerator(fixturePath('main.pth'));
  const a = await readArrays('main-train.f32');
  const { weights: expected, metadata } = await readSafetensors(fixturePath('main-train-grads.safetensors'));
  t.regex(metadata.loss, /sin\(0\.37 i\).*cos\(0\.23 i\)/);
  // Conv kernels need Conv2DBackpropFilter, which the wasm backend lacks unless src/backend registers it.
  const kernels = tf.getKernel('Conv2DBackpropFilter', tf.getBackend()) !== undefined;
  const names = [...expected.keys()].filter((k) => kernels || expected.get(k)!.shape.length === 1 || k.startsWith('refine_attn.'));
  if (!kernels) t.log(`no Conv2DBackpropFilter on ${tf.getBackend()}: convolution kernel gradients not compared`);
  const index = Float32Array.from({ length: a.coarse.size }, (_, i) => i);
  const wc = tf.tensor4d(index.map((i) => Math.sin(0.37 * i)), a.coarse.shape);
  const wr = tf.tensor4d(index.map((i) => Math.cos(0.23 * i)), a.coarse.shape);
  const variables = names.map((k) => g.params.get(k)!);
  const { value, grads } = tf.variableGrads(() => {
    const out = g.apply(a.image, a.mask, { training: true });
    return tf.add(tf.sum(tf.mul(out.coarse, wc)), tf.sum(tf.mul(out.refined, wr))) as tf.Scalar;
  }, variables);
  let worst = 0;
  let worstName = '';
  for (const name of names) {
    const want = toFloat32(toLayout(expected.get(name)!, 'tfjs'));
    const got = await grads[g.params.get(name)!.name].data();
    const scale = want.reduce((m, v) => Math.max(m, Math.abs(v)), 0);
    for (let i = 0; i < want.length; i++) {
      // relative to the parameter's largest gradient; refine_attn.key_conv.bias has an exactly zero gradient
      const error = Math.abs(got[i] - want[i]) / Math.max(scale, 1);
      if (error > worst) [worst, worstName] = [error, name];
    }
  }
  t.log(`${names.length} parameters, worst relative difference ${worst.toExponential(2)} (${worstName})`);
  t.true(worst < 1e-3, `${worstName}: ${worst}`);
  t.true(names.length >= 146, 'every 1-D parameter (35 layers × 4 + attention) and the attention kernels');
  tf.dispose([value, ...Object.values(grads), wc, wr, a]);
  g.dispose();
});

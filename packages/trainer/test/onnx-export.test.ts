// The ONNX export run by the real onnxruntime: against the PyTorch parity fixtures (float64 reference outputs), against
// TensorFlow.js on calibrated random generators at a non-square size, with one file serving several sizes; and the
// file itself decoded field by field (names, shapes, opset, weights as little-endian float32, same bytes each time).
// Inputs are handed to onnxruntime NCHW, as a PyTorch user would; the NHWC↔NCHW moves here use tf.transpose, not
// the engine's code, so they check the graph alone.
import test, { type ExecutionContext } from 'ava';
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../src/backend/init-backend.js';
import type { GeneratorConfig } from '../src/model/config.js';
import type { InpaintGenerator } from '../src/model/generator.js';
import { exportGeneratorOnnx, ONNX_OUTPUTS } from '../src/onnx/export-generator.js';
import { decodeOnnxModel, TensorDataType } from '../src/onnx/onnx-proto.js';
import { loadOnnxRuntime, type OnnxRuntime, type OrtSession } from '../src/onnx/onnx-runtime.js';
import { sessionOptions } from '../src/onnx/onnx-engine.js';
import { generatorWeights, loadGenerator } from '../src/weights/checkpoint.js';
import { toFloat32 } from '../src/weights/weight-tensor.js';
import { calibratedGenerator } from './fixtures/inference-generator.js';
import { liveGenerator, seededInputs } from './fixtures/live-generator.js';
import { fixturePath, readArrays } from './fixtures/parity/load-fixture.js';

const TOLERANCE = 1e-4;
let ort: OnnxRuntime;

test.before(async () => {
  await initBackend('wasm');
  const load = await loadOnnxRuntime();
  if (!load.ok) throw new Error(`these tests need onnxruntime-node: ${load.reason}`);
  ort = load.runtime;
});

async function session(model: Uint8Array, threads = 1): Promise<OrtSession> {
  return ort.InferenceSession.create(model, sessionOptions(threads));
}

/** NHWC tensor → NCHW float32 onnxruntime tensor. */
async function nchw(x: tf.Tensor4D) {
  const t = tf.transpose(x, [0, 3, 1, 2]);
  const data = new Float32Array(await t.data());
  const dims = t.shape;
  t.dispose();
  return new ort.Tensor('float32', data, dims);
}

/** Run the exported graph on NHWC tensors; outputs back as NHWC tensors. */
async function runOnnx(s: OrtSession, image: tf.Tensor4D, mask: tf.Tensor4D, guidance?: tf.Tensor4D): Promise<Record<(typeof ONNX_OUTPUTS)[number], tf.Tensor4D>> {
  const feeds = { image: await nchw(image), mask: await nchw(mask), ...(guidance ? { guidance: await nchw(guidance) } : {}) };
  const result = await s.run(feeds);
  const out = {} as Record<(typeof ONNX_OUTPUTS)[number], tf.Tensor4D>;
  for (const name of ONNX_OUTPUTS) {
    const r = result[name];
    const [n, c, h, w] = r.dims;
    out[name] = tf.tidy(() => tf.transpose(tf.tensor4d(r.data as Float32Array, [n, c, h, w]), [0, 2, 3, 1]));
  }
  return out;
}

async function maxDiff(a: tf.Tensor, b: tf.Tensor): Promise<number> {
  const d = tf.tidy(() => tf.max(tf.abs(tf.sub(a, b))));
  const v = (await d.data())[0];
  d.dispose();
  return v;
}

async function assertClose(t: ExecutionContext, label: string, actual: Record<string, tf.Tensor4D>, expected: Record<string, tf.Tensor4D>): Promise<void> {
  for (const name of ONNX_OUTPUTS) {
    t.deepEqual(actual[name].shape, expected[name].shape, `${label} ${name} shape`);
    const d = await maxDiff(actual[name], expected[name]);
    t.log(`${label} ${name}: max |diff| ${d.toExponential(2)}`);
    t.true(d < TOLERANCE, `${label} ${name}: max |diff| ${d.toExponential(2)} ≥ ${TOLERANCE}`);
  }
}

const parityCases = [
  { label: 'main (spatial gate, 4 channels)', weights: 'main.pth', arrays: 'main-eval.f32', config: {} },
  { label: 'GCT gate, scaled attention (wrapped .pth)', weights: 'variant-gct.pth', arrays: 'variant-gct-eval.f32', config: { scaledAttention: true } },
  { label: 'spatial×GCT, coordinate attention, 5 channels with guidance', weights: 'variant-coord.safetensors', arrays: 'variant-coord-eval.f32', config: {} },
] as const;

for (const c of parityCases) {
  test.serial(`PyTorch parity fixture through onnxruntime within 1e-4: ${c.label}`, async (t) => {
    const g = await loadGenerator(fixturePath(c.weights), { config: c.config });
    const s = await session(await exportGeneratorOnnx(g));
    const a = await readArrays(c.arrays);
    t.is(a.guidance !== undefined, g.config.inChannels === 5, 'the fixture has guidance exactly for the 5-channel model');
    t.deepEqual([...s.inputNames], g.config.inChannels === 5 ? ['image', 'mask', 'guidance'] : ['image', 'mask']);
    const out = await runOnnx(s, a.image, a.mask, a.guidance);
    await assertClose(t, c.arrays, out, a);
    tf.dispose([out, a]);
    await s.release();
    g.dispose();
  });
}

async function compareWithTfjs(t: ExecutionContext, g: InpaintGenerator, s: OrtSession, n: number, h: number, w: number, seed: number): Promise<void> {
  const x = seededInputs(n, h, w, seed);
  const guidance = g.config.inChannels === 5 ? x.guidance : undefined;
  const expected = g.apply(x.image, x.mask, guidance ? { guidance } : {});
  const actual = await runOnnx(s, x.image, x.mask, guidance);
  t.deepEqual(actual.refined.shape, [n, h, w, 3]);
  // The outputs really vary with the input (a calibrated generator), so agreement is not agreement on a constant.
  const spread = tf.tidy(() => tf.sub(tf.max(expected.refined), tf.min(expected.refined)).dataSync()[0]);
  t.true(spread > 0.1, `refined output spread ${spread}`);
  await assertClose(t, `${n}×${h}×${w}`, actual, expected);
  tf.dispose([x, expected, actual]);
}

const tfjsCases: Array<{ label: string; config: Partial<GeneratorConfig> }> = [
  { label: 'cnum 4, spatial gate', config: { cnum: 4 } },
  { label: 'cnum 4, spatial×GCT, scaled + coordinate attention, 5 channels', config: { cnum: 4, gate: 'spatial*gct', scaledAttention: true, coordAttention: true, inChannels: 5 } },
];

for (const c of tfjsCases) {
  test.serial(`matches TensorFlow.js (wasm) on a calibrated random generator, one file at 48×64 ×2 and 32×32 ×1: ${c.label}`, async (t) => {
    const g = await liveGenerator(c.config, 3);
    const s = await session(await exportGeneratorOnnx(g));
    // Non-square, batch 2: H and W are not swapped anywhere (the coordinate map depends on both).
    await compareWithTfjs(t, g, s, 2, 48, 64, 11);
    // Same session, another size: N, H and W are free in the graph.
    await compareWithTfjs(t, g, s, 1, 32, 32, 21);
    await s.release();
    g.dispose();
  });
}

test.serial('hole pixels are ignored even when NaN or ±Infinity (the graph zeroes them, as apply does)', async (t) => {
  const g = calibratedGenerator({ cnum: 4 }, 5);
  const s = await session(await exportGeneratorOnnx(g));
  const x = seededInputs(1, 32, 32, 31);
  const holes = await x.mask.data();
  const values = new Float32Array(await x.image.data());
  const poisoned = Float32Array.from(values);
  let k = 0;
  for (let p = 0; p < holes.length; p++) {
    if (holes[p] === 0) continue;
    for (let c = 0; c < 3; c++) {
      values[3 * p + c] = 0;
      poisoned[3 * p + c] = [NaN, Infinity, -Infinity, 7][k++ % 4];
    }
  }
  const clean = await runOnnx(s, tf.tensor4d(values, [1, 32, 32, 3]), x.mask);
  const dirty = await runOnnx(s, tf.tensor4d(poisoned, [1, 32, 32, 3]), x.mask);
  for (const name of ONNX_OUTPUTS) {
    const a = await clean[name].data();
    const b = await dirty[name].data();
    t.true(b.every(Number.isFinite), `${name} finite`);
    t.deepEqual(b, a, `${name} equal bit for bit`);
  }
  tf.dispose([x, clean, dirty]);
  await s.release();
  g.dispose();
});

test.serial('the file: IR 8, opset 17, NCHW inputs/outputs with free N, H, W, weights named and shaped as the state_dict', async (t) => {
  const g = calibratedGenerator({ cnum: 4, gate: 'spatial*gct', coordAttention: true, inChannels: 5 }, 2, 2);
  const bytes = await exportGeneratorOnnx(g, { metadata: { 'bgfill.source': 'test' } });
  t.deepEqual(await exportGeneratorOnnx(g, { metadata: { 'bgfill.source': 'test' } }), bytes, 'same generator, same bytes');
  const model = decodeOnnxModel(bytes);
  t.is(model.irVersion, 8);
  t.is(model.opsetVersion, 17);
  t.is(model.producerName, 'bgfill');
  t.deepEqual(JSON.parse(model.metadata['bgfill.config']), g.config);
  t.is(model.metadata['bgfill.source'], 'test');
  t.deepEqual(
    model.graph.inputs.map((v) => [v.name, v.elemType, v.dims]),
    [
      ['image', TensorDataType.FLOAT, ['N', 3, 'H', 'W']],
      ['mask', TensorDataType.FLOAT, ['N', 1, 'H', 'W']],
      ['guidance', TensorDataType.FLOAT, ['N', 1, 'H', 'W']],
    ],
  );
  t.deepEqual(
    model.graph.outputs.map((v) => [v.name, v.dims]),
    ONNX_OUTPUTS.map((name) => [name, ['N', 3, 'H', 'W']]),
  );
  // Every state_dict entry but the batch counters is an initializer under its key, OIHW, values as stored.
  const weights = await generatorWeights(g);
  const byName = new Map(model.graph.initializers.map((i) => [i.name, i]));
  let checked = 0;
  for (const spec of g.specs) {
    const init = byName.get(spec.name);
    if (spec.role === 'bn-num-batches') {
      t.is(init, undefined, `${spec.name} is not needed for inference`);
      continue;
    }
    if (!init) return t.fail(`no initializer ${spec.name}`);
    t.deepEqual(init.dims, spec.shape, spec.name);
    t.is(init.dataType, TensorDataType.FLOAT);
    const view = new DataView(init.rawData.buffer, init.rawData.byteOffset, init.rawData.byteLength);
    const values = Float32Array.from({ length: init.rawData.byteLength / 4 }, (_, i) => view.getFloat32(4 * i, true));
    t.deepEqual(values, toFloat32(weights.get(spec.name)!), spec.name);
    checked++;
  }
  t.is(checked, g.specs.filter((s) => s.role !== 'bn-num-batches').length);
  // Operators are all from the default domain at opset 17 (onnxruntime would refuse unknown ones anyway).
  const ops = new Set(model.graph.nodes.map((n) => n.opType));
  for (const op of ['Conv', 'LeakyRelu', 'Sigmoid', 'BatchNormalization', 'Resize', 'Clip', 'MatMul', 'Softmax', 'ReduceSum', 'ReduceMean', 'Tanh', 'IsNaN', 'IsInf', 'Where', 'Range']) {
    t.true(ops.has(op), `uses ${op}`);
  }
  const resize = model.graph.nodes.find((n) => n.opType === 'Resize');
  t.deepEqual(
    resize?.attributes.map((a) => [a.name, 's' in a ? a.s : undefined]),
    [
      ['mode', 'nearest'],
      ['coordinate_transformation_mode', 'asymmetric'],
      ['nearest_mode', 'floor'],
    ],
  );
  g.dispose();
});

/**
 * Inference of the generator exported by bgfill (`bgfill export onnx`) through onnxruntime-node's execution
 * providers on a GPU machine: WebGPU (Dawn inside onnxruntime, over Vulkan) against the CPU provider, batch 1 / 8 /
 * 32 at 256², cnum 32, with the largest difference between the two providers' outputs. Packed with Node, the
 * onnxruntime binaries and the Vulkan loader by bench/gpu-onnx-pack.sh; run there by `bash .gpu-ort/run.sh`.
 *
 *   node --import tsx bench/gpu-onnx.ts [--out DIR] [--providers webgpu,cpu] [--batches 1,8,32] [--torch-infer8 N]
 */
import * as tf from '@tensorflow/tfjs';
import ort from 'onnxruntime-node';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { exportGeneratorOnnx } from '../packages/trainer/src/onnx/export-generator.js';
import { OnnxEngine } from '../packages/trainer/src/onnx/onnx-engine.js';
import { selectEngine } from '../packages/trainer/src/inference/engine-select.js';
import { inpaint } from '../packages/trainer/src/inference/inpaint.js';
import { liveGenerator } from '../packages/trainer/test/fixtures/live-generator.js';
import { arg, resultLog } from './bench-helpers.js';

const outDir = arg('out', 'gpu-out');
const providers = arg('providers', 'webgpu,cpu').split(',');
const batches = arg('batches', '1,8,32').split(',').map(Number);
const size = Number(arg('size', '256'));
const cnum = Number(arg('cnum', '32'));
const torchInfer8 = Number(arg('torch-infer8', '0')) || undefined;
const { print, record } = resultLog(outDir, 'gpu-onnx-results.json');

await tf.setBackend('cpu'); // only to hold the weights while exporting
const generator = new InpaintGenerator({ cnum }, { seed: 1 });
const model = await exportGeneratorOnnx(generator);
await print(`exported the generator (cnum ${cnum}): ${(model.length / 2 ** 20).toFixed(1)} MiB of ONNX; onnxruntime-node ${ort.env.versions?.node ?? '?'}`);

function inputs(n: number): Record<string, ort.Tensor> {
  let seed = 12345;
  const rand = () => ((seed = (seed * 1103515245 + 12345) % 2 ** 31) / 2 ** 31);
  const image = new Float32Array(n * 3 * size * size).map(() => rand() * 2 - 1);
  const mask = new Float32Array(n * size * size).map(() => (rand() > 0.7 ? 1 : 0));
  return { image: new ort.Tensor('float32', image, [n, 3, size, size]), mask: new ort.Tensor('float32', mask, [n, 1, size, size]) };
}

const firstOutputs = new Map<string, Float32Array>();
for (const provider of providers) {
  let session: ort.InferenceSession;
  const created = performance.now();
  try {
    session = await ort.InferenceSession.create(model, { executionProviders: [provider], graphOptimizationLevel: 'all', logSeverityLevel: 3 });
  } catch (err) {
    await print(`${provider}: session not created (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
    record({ provider, error: String(err) });
    continue;
  }
  await print(`${provider}: session in ${((performance.now() - created) / 1000).toFixed(1)} s`);
  for (const n of batches) {
    const feeds = inputs(n);
    try {
      const first = await session.run(feeds, ['refined']);
      if (n === 1) firstOutputs.set(provider, (first.refined.data as Float32Array).slice());
      await session.run(feeds, ['refined']);
      const rounds = n === 1 ? 10 : 4;
      const start = performance.now();
      for (let r = 0; r < rounds; r++) await session.run(feeds, ['refined']);
      const rate = (n * rounds) / ((performance.now() - start) / 1000);
      const vs = n === 8 && torchInfer8 ? `; ${(rate / torchInfer8).toFixed(3)}× PyTorch fp32 (${torchInfer8.toFixed(0)} img/s, same GPU)` : '';
      await print(`onnxruntime ${provider} 256² cnum ${cnum} batch ${n}: ${rate.toFixed(1)} img/s${vs}`);
      record({ provider, batch: n, imagesPerSecond: rate, torchInfer8 });
    } catch (err) {
      await print(`onnxruntime ${provider} batch ${n}: failed (${err instanceof Error ? err.message.split('\n')[0] : String(err)})`);
      record({ provider, batch: n, error: String(err) });
    }
  }
  await session.release();
}
const [a, b] = [...firstOutputs.entries()];
if (a && b) {
  let worst = 0;
  for (let i = 0; i < a[1].length; i++) worst = Math.max(worst, Math.abs(a[1][i] - b[1][i]));
  await print(`batch 1 refined output, ${a[0]} vs ${b[0]}: max |diff| ${worst.toExponential(2)}`);
  record({ what: 'agreement', providers: [a[0], b[0]], maxAbsDiff: worst });
}
if (process.argv.includes('--engine')) {
  // bgfill's own inference path (what `bgfill inpaint` runs per image): engine selection, then inpaint() with the
  // onnx-webgpu engine against the onnx (CPU) engine on one 256² photo-like image with a person-sized hole.
  const selection = await selectEngine('auto', { log: (l) => void print(`  ${l}`) });
  await print(`auto for inference: ${selection.name} (${selection.reason})`);
  const side = 256;
  const image = { width: side, height: side, data: new Uint8Array(side * side * 3).map((_, i) => Math.round(127 + 100 * Math.sin((i % (side * 3)) * 0.05) * Math.cos(Math.floor(i / (side * 3)) * 0.03))) };
  const hole = new Uint8Array(side * side).map((_, i) => (Math.abs((i % side) - 128) < 40 && Math.abs(Math.floor(i / side) - 140) < 90 ? 1 : 0));
  const mask = { width: side, height: side, data: hole };
  // Agreement on a generator whose outputs are not saturated (random weights with stale batch-norm statistics clip
  // almost every output to ±1): the tests' "live" generator, cnum 8, batch-norm statistics calibrated.
  const live = await liveGenerator({ cnum: 8, gate: 'spatial*gct', scaledAttention: true, coordAttention: true }, 3);
  const check = { webgpu: await OnnxEngine.fromGenerator(live, { provider: 'webgpu' }), cpu: await OnnxEngine.fromGenerator(live, { provider: 'cpu' }) };
  live.dispose();
  for (const options of [{}, { passes: 2, erode: 8, tiles: { cols: 2, rows: 2 } }] as const) {
    const [g, c] = [await inpaint(check.webgpu, image, mask, { ...options, raw: true }), await inpaint(check.cpu, image, mask, { ...options, raw: true })];
    let raw = 0;
    let bytes = 0;
    let clipped = 0;
    for (let i = 0; i < g.raw!.length; i++) {
      raw = Math.max(raw, Math.abs(g.raw![i] - c.raw![i]));
      if (Math.abs(c.raw![i]) >= 1) clipped++;
    }
    for (let i = 0; i < g.data.length; i++) bytes = Math.max(bytes, Math.abs(g.data[i] - c.data[i]));
    await print(`live cnum-8 generator, inpaint() ${JSON.stringify(options)}: onnx-webgpu vs onnx (CPU): refined max |diff| ${raw.toExponential(2)}, 8-bit max |diff| ${bytes} (${((100 * clipped) / c.raw!.length).toFixed(1)} % of outputs at ±1)`);
    record({ what: 'engine-agreement-live', options, maxRawDiff: raw, max8bitDiff: bytes, clippedShare: clipped / c.raw!.length });
  }
  await check.webgpu.dispose();
  await check.cpu.dispose();
  const engines = { webgpu: await OnnxEngine.fromGenerator(generator, { provider: 'webgpu' }), cpu: await OnnxEngine.fromGenerator(generator, { provider: 'cpu' }) };
  for (const options of [{}] as const) {
    const [g, c] = [await inpaint(engines.webgpu, image, mask, { ...options, raw: true }), await inpaint(engines.cpu, image, mask, { ...options, raw: true })];
    let raw = 0;
    let bytes = 0;
    for (let i = 0; i < g.raw!.length; i++) raw = Math.max(raw, Math.abs(g.raw![i] - c.raw![i]));
    for (let i = 0; i < g.data.length; i++) bytes = Math.max(bytes, Math.abs(g.data[i] - c.data[i]));
    await print(`inpaint() ${JSON.stringify(options)}: onnx-webgpu vs onnx (CPU): refined max |diff| ${raw.toExponential(2)}, 8-bit output max |diff| ${bytes}`);
    record({ what: 'engine-agreement', options, maxRawDiff: raw, max8bitDiff: bytes });
  }
  for (const [name, engine] of Object.entries(engines)) {
    const rounds = name === 'webgpu' ? 20 : 3;
    await inpaint(engine, image, mask);
    const start = performance.now();
    for (let r = 0; r < rounds; r++) await inpaint(engine, image, mask);
    const rate = rounds / ((performance.now() - start) / 1000);
    await print(`inpaint() end to end, one 256² image at a time, onnx engine with the ${name} provider: ${rate.toFixed(1)} img/s`);
    record({ what: 'inpaint-rate', provider: name, imagesPerSecond: rate });
    await engine.dispose();
  }
}
generator.dispose();
await print('done');
process.exit(0);

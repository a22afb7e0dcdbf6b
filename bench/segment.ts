/**
 * U²-Net segmentation speed on the CPU: onnxruntime and tfjs-wasm against the authors' network in PyTorch, same run.
 *
 *   node --import tsx bench/segment.ts [--variants U2NET,U2NETP] [--rounds 3] [--threads 2] [--engines onnx,wasm]
 *
 * Each variant at 320 × 320, batch 1 (what `bgfill segment` runs on a CPU), random weights (speed does not depend on
 * them). Baseline: bench/u2net_pytorch.py (bgfill's reference U²-Net in PyTorch, float32, eval, no_grad, the same
 * thread count), spawned from this run just before ours. For each engine: one warm-up, then the best of --rounds by
 * wall clock: images/s (wall) and process CPU seconds per image (user + system, all threads; steadier on a shared
 * machine), and the ratio to PyTorch (> 1: faster). The network run only, through the same `Segmenter.run` call
 * `bgfill segment` uses (the onnx engine's NHWC → NCHW transpose included). Then the preprocessing and
 * post-processing of one photo (the authors' skimage resize to 320², normPRED and Pillow's resize back) at 640 × 360
 * and 4000 × 3000, for scale.
 */
import { spawnSync } from 'node:child_process';
import { loadavg } from 'node:os';
import { fileURLToPath } from 'node:url';
import * as tf from '@tensorflow/tfjs';
import { rngFor } from '../packages/core/src/index.js';
import { initBackend } from '../packages/trainer/src/backend/index.js';
import { loadOnnxRuntime } from '../packages/trainer/src/onnx/onnx-runtime.js';
import { u2netParamSpecs, type U2NetVariant } from '../packages/trainer/src/segment/u2net-architecture.js';
import { mapToU8, normPred, pilResizeBilinear } from '../packages/trainer/src/segment/postprocess.js';
import { u2netInput } from '../packages/trainer/src/segment/preprocess.js';
import { onnxSegmenter, tfjsSegmenter, type Segmenter } from '../packages/trainer/src/segment/segmenter.js';
import { u2netWeights } from '../packages/trainer/src/segment/u2net-weights.js';
import type { WeightMap } from '../packages/trainer/src/weights/weight-tensor.js';
import { arg, cpuSeconds } from './bench-helpers.js';

const variants = arg('variants', 'U2NET,U2NETP').split(',') as U2NetVariant[];
const engines = arg('engines', 'onnx,wasm').split(',');
const rounds = Number(arg('rounds', '3'));
const threads = Number(arg('threads', '2'));
const SIZE = 320;

interface Timing {
  rate: number;
  cpu: number;
}

/** Weights from the specs' initialisers (seeded), batch-norm statistics 0 / 1. */
function randomWeights(variant: U2NetVariant): WeightMap {
  const weights: WeightMap = new Map();
  for (const spec of u2netParamSpecs(variant)) {
    const rng = rngFor('bench-segment', spec.name);
    const n = spec.shape.reduce((a, b) => a * b, 1);
    if (spec.dtype === 'int32') {
      weights.set(spec.name, { shape: spec.shape, dtype: 'int64', data: new BigInt64Array(n), layout: 'pytorch' });
      continue;
    }
    const data = new Float32Array(n);
    const init = spec.init;
    for (let i = 0; i < n; i++) data[i] = init.kind === 'uniform' ? rng.uniform(-init.bound, init.bound) : init.kind === 'constant' ? init.value : rng.normal() * init.std;
    weights.set(spec.name, { shape: spec.shape, dtype: 'float32', data, layout: 'pytorch' });
  }
  return weights;
}

async function time(net: Segmenter): Promise<Timing> {
  const data = Float32Array.from({ length: SIZE * SIZE * 3 }, (_, i) => Math.sin(i * 0.37 + Math.cos(i * 0.0131)) * 2);
  const input = { data, n: 1, height: SIZE, width: SIZE };
  await net.run(input);
  let best: Timing = { rate: 0, cpu: Infinity };
  for (let r = 0; r < rounds; r++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    await net.run(input);
    const rate = 1000 / (performance.now() - t0);
    if (rate > best.rate) best = { rate, cpu: cpuSeconds() - c0 };
  }
  return best;
}

function pytorch(variant: U2NetVariant): Timing | undefined {
  const script = fileURLToPath(new URL('u2net_pytorch.py', import.meta.url));
  const r = spawnSync('/usr/bin/python3', [script, '--variant', variant, '--rounds', String(rounds), '--threads', String(threads)], { encoding: 'utf8' });
  if (r.status !== 0) {
    console.log(`  PyTorch baseline unavailable: ${(r.stderr || r.error?.message || '').trim().split('\n').pop()}`);
    return undefined;
  }
  const result = JSON.parse(r.stdout) as { images_per_second: number; cpu_seconds_per_image: number; torch: string };
  console.log(`  PyTorch ${result.torch}, ${threads} threads`);
  return { rate: result.images_per_second, cpu: result.cpu_seconds_per_image };
}

function line(label: string, t: Timing, base?: Timing): void {
  const ratio = base ? `   ×${(t.rate / base.rate).toFixed(2)} wall, ×${(base.cpu / t.cpu).toFixed(2)} CPU vs PyTorch` : '';
  console.log(`  ${label.padEnd(26)} ${t.rate.toFixed(3).padStart(7)} img/s wall ${t.cpu.toFixed(2).padStart(7)} CPU-s/img${ratio}`);
}

console.log(`bgfill U²-Net bench: ${SIZE}², batch 1, ${threads} threads, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const wasm = engines.includes('wasm') ? await initBackend('wasm', { strict: true, threads }) : undefined;
if (!wasm) await tf.setBackend('cpu');
const ort = await loadOnnxRuntime();
for (const variant of variants) {
  console.log(`${variant}:`);
  const weights = u2netWeights(randomWeights(variant), 'random');
  const base = pytorch(variant);
  if (base) line('PyTorch (baseline)', base);
  if (engines.includes('onnx')) {
    if (!ort.ok) console.log(`  onnx unavailable: ${ort.reason}`);
    else {
      const net = await onnxSegmenter(weights, { runtime: ort.runtime, threads, version: ort.version });
      line(`onnx (${threads} threads)`, await time(net), base);
      await net.dispose();
    }
  }
  if (wasm) {
    const net = tfjsSegmenter(weights);
    line(`tfjs-wasm (${wasm.detail})`.slice(0, 26), await time(net), base);
    await net.dispose();
  }
}

console.log('pre- and post-processing of one photo (CPU seconds):');
for (const [w, h] of [
  [640, 360],
  [4000, 3000],
]) {
  const data = Uint8Array.from({ length: w * h * 3 }, (_, i) => (i * 7919) % 251);
  const c0 = cpuSeconds();
  u2netInput({ data, width: w, height: h, channels: 3 });
  const c1 = cpuSeconds();
  const map = mapToU8(normPred(Float32Array.from({ length: SIZE * SIZE }, (_, i) => (i % 977) / 977)));
  pilResizeBilinear(map, SIZE, SIZE, w, h);
  const c2 = cpuSeconds();
  console.log(`  ${`${w}×${h}`.padEnd(10)} preprocess ${(c1 - c0).toFixed(3)} s, post-process ${(c2 - c1).toFixed(3)} s`);
}

/**
 * onnxruntime inference against tfjs-wasm, same process, same generator (cnum 32 by default), same inputs.
 *
 *   node --import tsx bench/inference-onnx.ts [--size 256] [--cnum 32] [--batches 1,8] [--threads 1,2] [--rounds 2]
 *
 * Both engines run through the same `InpaintEngine.run` call (NHWC Float32Array in, refined output out), so data
 * conversion (onnx: NHWC↔NCHW transposes) is inside the timing for both. For each engine and batch: one warm-up,
 * then the best of --rounds by wall clock; prints images/s (wall) and CPU seconds per image (user + system over all
 * threads, steadier on a shared machine), and each onnxruntime row's ratio to tfjs-wasm at the same batch.
 * Also: export + session creation time, and the largest |onnx − wasm| difference on the batch-1 output.
 * The wasm baseline runs with its default thread count (BGFILL_WASM_THREADS, else all cores, at most 8).
 */
import { loadavg } from 'node:os';
import { initBackend } from '../packages/trainer/src/backend/index.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import type { EngineInput, InpaintEngine } from '../packages/trainer/src/inference/engine.js';
import { tfjsEngine } from '../packages/trainer/src/inference/tfjs-engine.js';
import { exportGeneratorOnnx } from '../packages/trainer/src/onnx/export-generator.js';
import { OnnxEngine } from '../packages/trainer/src/onnx/onnx-engine.js';
import { arg, cpuSeconds } from './bench-helpers.js';

const size = Number(arg('size', '256'));
const cnum = Number(arg('cnum', '32'));
const rounds = Number(arg('rounds', '2'));
const batches = arg('batches', '1,8').split(',').map(Number);
const threadCounts = arg('threads', '1,2').split(',').map(Number);

interface Timing {
  wallPerImage: number;
  cpuPerImage: number;
}

/** Seeded-looking but formula-made inputs (no RNG needed): a smooth image and a 30 % hole pattern. */
function input(n: number): EngineInput {
  const image = Float32Array.from({ length: n * size * size * 3 }, (_, i) => Math.sin(i * 0.37 + Math.cos(i * 0.0131)));
  const mask = Float32Array.from({ length: n * size * size }, (_, i) => (Math.cos(i * 0.11 + Math.sin(i * 0.007)) > 0.4 ? 1 : 0));
  return { image, mask, n, height: size, width: size };
}

async function time(engine: InpaintEngine, x: EngineInput): Promise<{ timing: Timing; output: Float32Array }> {
  let output = await engine.run(x, 'refined');
  let best: Timing = { wallPerImage: Infinity, cpuPerImage: Infinity };
  for (let r = 0; r < rounds; r++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    output = await engine.run(x, 'refined');
    const wall = (performance.now() - t0) / 1000 / x.n;
    const cpu = (cpuSeconds() - c0) / x.n;
    if (wall < best.wallPerImage) best = { wallPerImage: wall, cpuPerImage: cpu };
  }
  return { timing: best, output };
}

function line(label: string, t: Timing, extra = ''): void {
  console.log(`${label.padEnd(34)} ${(1 / t.wallPerImage).toFixed(3).padStart(7)} img/s wall  ${t.cpuPerImage.toFixed(2).padStart(6)} CPU-s/img${extra}`);
}

console.log(`bgfill onnxruntime inference bench: ${size}², cnum ${cnum}, batches ${batches.join('/')}, Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
const wasm = await initBackend('wasm', { strict: true });
console.log(`baseline: tfjs wasm (${wasm.reason})`);
const generator = new InpaintGenerator({ cnum }, { seed: 1 });
const inputs = new Map(batches.map((n) => [n, input(n)]));
const baseline = new Map<number, Timing>();
const reference = new Map<number, Float32Array>();
for (const n of batches) {
  const { timing, output } = await time(tfjsEngine(generator), inputs.get(n)!);
  baseline.set(n, timing);
  reference.set(n, output);
  line(`  tfjs-wasm batch ${n}`, timing);
}

const t0 = performance.now();
const model = await exportGeneratorOnnx(generator);
const exportMs = performance.now() - t0;
for (const threads of threadCounts) {
  const t1 = performance.now();
  const engine = await OnnxEngine.fromModel(model, generator.config, { threads });
  const sessionMs = performance.now() - t1;
  console.log(`onnx: ${engine.description}; export ${exportMs.toFixed(0)} ms (${(model.length / 2 ** 20).toFixed(1)} MiB), session ${sessionMs.toFixed(0)} ms`);
  for (const n of batches) {
    const { timing, output } = await time(engine, inputs.get(n)!);
    const base = baseline.get(n)!;
    let diff = 0;
    const ref = reference.get(n)!;
    for (let i = 0; i < ref.length; i++) diff = Math.max(diff, Math.abs(ref[i] - output[i]));
    line(
      `  onnx ${threads} thread${threads === 1 ? '' : 's'} batch ${n}`,
      timing,
      `   = ${(base.wallPerImage / timing.wallPerImage).toFixed(1)}× wasm wall, ${(base.cpuPerImage / timing.cpuPerImage).toFixed(1)}× less CPU; max |onnx − wasm| ${diff.toExponential(1)}`,
    );
  }
  await engine.dispose();
}
generator.dispose();
console.log(`load average at the end: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

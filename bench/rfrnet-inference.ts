/**
 * RFR-Net inference on the CPU: bgfill's onnxruntime and tfjs-wasm engines against the authors' design in PyTorch
 * (bench/rfrnet_pytorch.py, Debian's python3-torch), on the same machine, at full width (64, 6 recurrences), batch 1.
 *
 *   node --import tsx bench/rfrnet-inference.ts [--size 256] [--threads 1] [--rounds 2] [--engines pytorch,onnx,wasm]
 *
 * One thread by default: on a shared, loaded machine PyTorch's OpenMP workers spin while they wait for a core, which
 * inflates its CPU time and its wall time several-fold (at 64², 2 threads: 4.3 CPU-s per image; 1 thread: 0.92).
 *
 * Each engine: one warm-up, then the best of --rounds forwards by wall clock; prints images/s (wall) and process CPU
 * seconds per image (user + system over all threads: the steadier figure on a shared machine), each with its ratio to
 * PyTorch's. The node engines run through `InpaintEngine.run` (NHWC in, raw output out), so onnx's NHWC↔NCHW
 * transposes are inside its time; PyTorch runs in its own process, so its CPU time is its own. Random weights.
 */
import { execFileSync } from 'node:child_process';
import { loadavg, cpus } from 'node:os';
import { initBackend } from '../packages/trainer/src/backend/index.js';
import { architectureNamed } from '../packages/trainer/src/arch/registry.js';
import type { EngineInput, InpaintEngine } from '../packages/trainer/src/inference/engine.js';
import { tfjsEngine } from '../packages/trainer/src/inference/tfjs-engine.js';
import { OnnxEngine } from '../packages/trainer/src/onnx/onnx-engine.js';
import { RfrNet } from '../packages/trainer/src/rfrnet/network.js';
import { arg, cpuSeconds } from './bench-helpers.js';

const size = Number(arg('size', '256'));
const threads = Number(arg('threads', '1'));
const rounds = Number(arg('rounds', '2'));
const engines = arg('engines', 'pytorch,onnx,wasm').split(',');

interface Timing {
  wallPerImage: number;
  cpuPerImage: number;
}

/** The same image and ~25 % hole pattern as rfrnet_pytorch.py, NHWC, 0…1, mask 1 = hole. */
function input(): EngineInput {
  const image = new Float32Array(size * size * 3);
  const mask = new Float32Array(size * size);
  for (let y = 0; y < size; y++) {
    for (let x = 0; x < size; x++) {
      const p = y * size + x;
      image.set([Math.sin(x * 0.05) * 0.5 + 0.5, Math.cos(y * 0.07) * 0.5 + 0.5, Math.sin((x + y) * 0.03) * 0.5 + 0.5], 3 * p);
      mask[p] = Math.cos(x * 0.11 + Math.sin(y * 0.007)) > 0.4 ? 1 : 0;
    }
  }
  return { image, mask, n: 1, height: size, width: size };
}

async function time(engine: InpaintEngine, x: EngineInput): Promise<Timing> {
  await engine.run(x, 'refined');
  let best: Timing = { wallPerImage: Infinity, cpuPerImage: Infinity };
  for (let r = 0; r < rounds; r++) {
    const c0 = cpuSeconds();
    const t0 = performance.now();
    await engine.run(x, 'refined');
    const wall = (performance.now() - t0) / 1000;
    if (wall < best.wallPerImage) best = { wallPerImage: wall, cpuPerImage: cpuSeconds() - c0 };
  }
  return best;
}

const results = new Map<string, Timing>();
function line(label: string, t: Timing): void {
  const base = results.get('pytorch');
  const ratio = base ? `  ${(base.wallPerImage / t.wallPerImage).toFixed(2)}× PyTorch's img/s, ${(t.cpuPerImage / base.cpuPerImage).toFixed(2)}× its CPU-s` : '';
  console.log(`${label.padEnd(40)} ${(1 / t.wallPerImage).toFixed(3).padStart(7)} img/s wall  ${t.cpuPerImage.toFixed(2).padStart(6)} CPU-s/img${ratio}`);
}

console.log(`bgfill RFR-Net inference bench: ${size}², width 64, 6 recurrences, batch 1, ${threads} threads, ${cpus().length} cores (${cpus()[0]?.model}), Node ${process.version}, load average ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
if (engines.includes('pytorch')) {
  // OMP_NUM_THREADS too: torch.set_num_threads alone left oneDNN's OpenMP pool at the core count (CPU time 1.6× wall at 1 thread).
  const env = { ...process.env, OMP_NUM_THREADS: String(threads) };
  const out = execFileSync('/usr/bin/python3', ['bench/rfrnet_pytorch.py', '--size', String(size), '--threads', String(threads), '--rounds', String(rounds)], { encoding: 'utf8', env });
  const r = JSON.parse(out.trim().split('\n').pop()!) as { wall_per_image: number; cpu_per_image: number; torch: string };
  results.set('pytorch', { wallPerImage: r.wall_per_image, cpuPerImage: r.cpu_per_image });
  line(`PyTorch ${r.torch} (float32, ${threads} threads) — baseline`, results.get('pytorch')!);
}
await initBackend('wasm', { strict: true, threads });
const net = new RfrNet({}, { seed: 0 });
const x = input();
if (engines.includes('onnx')) {
  const arch = architectureNamed('rfrnet');
  const t0 = performance.now();
  const engine = await OnnxEngine.fromModel(await arch.exportOnnx(net, {}), arch.onnxIo(net), { threads });
  console.log(`  export + session: ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  results.set('onnx', await time(engine, x));
  line(`bgfill onnx (onnxruntime, ${threads} threads)`, results.get('onnx')!);
  await engine.dispose();
}
if (engines.includes('wasm')) {
  results.set('wasm', await time(tfjsEngine(net), x));
  line(`bgfill wasm (tfjs-wasm, ${threads} threads)`, results.get('wasm')!);
}
console.log(`load average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
net.dispose();

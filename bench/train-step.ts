/**
 * Training-step speed: one full `bgfill train` step (generator forward/backward on L1 + hinge GAN, SN-PatchGAN
 * discriminator update, both Adam updates) at 256² on every backend that initialises here.
 *
 *   node --import tsx bench/train-step.ts [--size 256] [--batch N] [--cnum 32] [--steps 2] [--warmup 1] [--backends webgpu,tensorflow,wasm]
 *
 * Batch defaults to 1 on CPU backends and 8 on GPU ones. Baseline, in the same process and backend: a "bare" step —
 * generator forward, L1 and gradients, nothing else (no discriminator, no optimizer) — so the ratio shows what the
 * training machinery adds. GPU runs also print the ratio to PyTorch's float32 figure for the same net:
 * 78.6 images/s at batch 8 on one H100 (/work/shared/notes/gpu-baseline.md).
 * Times are wall-clock; on CPU backends the process CPU time is printed too (the build machine is shared).
 */
import { initBackend, type BackendName } from '../packages/trainer/src/backend/index.js';
import { measureTrainStep } from '../packages/trainer/src/train/step-timing.js';
import { arg } from './bench-helpers.js';

const PYTORCH_H100_FP32_TRAIN = 78.6;
const GPU: ReadonlySet<BackendName> = new Set(['webgpu', 'tensorflow']);

const size = Number(arg('size', '256'));
const cnum = Number(arg('cnum', '32'));
const steps = Number(arg('steps', '2'));
const warmup = Number(arg('warmup', '1'));
const backends = arg('backends', 'webgpu,tensorflow,wasm').split(',') as BackendName[];
/** Print and wait until written: process.exit below would otherwise drop lines still queued for a pipe. */
const print = (line: string) => new Promise<void>((done) => process.stdout.write(`${line}\n`, () => done()));

for (const requested of backends) {
  const got = await initBackend(requested).catch((err: Error) => ({ name: null, reason: err.message }));
  if (got.name !== requested) {
    await print(`${requested}: not available here (${got.reason})`);
    continue;
  }
  const batch = Number(arg('batch', GPU.has(requested) ? '8' : '1'));
  const { full, bare } = await measureTrainStep({ size, batch, cnum, steps, warmup });
  const parts = [
    `${requested} (${got.reason}) ${size}² batch ${batch} cnum ${cnum}:`,
    `train step ${full.wall.toFixed(2)} s wall (${full.cpu.toFixed(2)} s CPU) = ${(batch / full.wall).toFixed(3)} images/s;`,
    `bare G step ${(batch / bare.wall).toFixed(3)} images/s; full / bare time = ${(full.wall / bare.wall).toFixed(2)}`,
  ];
  if (GPU.has(requested)) parts.push(`; vs PyTorch fp32 H100 batch 8 (${PYTORCH_H100_FP32_TRAIN}/s): ${(batch / full.wall / PYTORCH_H100_FP32_TRAIN).toFixed(3)}`);
  await print(parts.join(' '));
}
process.exit(0); // wasm worker threads would keep the process alive

/**
 * Training-step speed: one full `bgfill train` step (generator forward/backward on L1 + hinge GAN, SN-PatchGAN
 * discriminator update, both Adam updates) on every backend that initialises here, with its kernel dispatches.
 *
 *   node --import tsx bench/train-step.ts [--size 256] [--batch N] [--cnum 32] [--steps 2] [--warmup 1]
 *     [--backends webgpu,tensorflow,wasm] [--adam default|all|per-parameter,flat] [--torch auto|off] [--torch-threads N]
 *
 * Batch defaults to 1 on CPU backends and 8 on GPU ones. Baseline, in the same process and backend: a "bare" step —
 * generator forward, L1 and gradients, nothing else (no discriminator, no optimizer) — so the ratio shows what the
 * training machinery adds. `--adam` times the full step once per Adam update strategy (adam-strategy.ts; default:
 * the backend's own), each in the same process against the same bare step. The steps run in interleaved rounds
 * (bare, full per strategy, bare, …) and each figure is the median over the `--steps` rounds, so that a shared
 * machine's changing load falls on all of them alike. Then one more step of each is counted (not timed): tfjs kernels through the engine per phase, and on webgpu (lavapipe too) GPU programs.
 * On CPU backends, when Debian's python3 with torch is present (`--torch off` skips it), the same run then spawns
 * bench/pytorch_cpu_step.py (the same net, size, batch and cnum; L1 + Adam; as many threads as wasm unless
 * `--torch-threads`) and prints bgfill bare / PyTorch and full / PyTorch. On a loaded machine compare at 1 thread
 * (BGFILL_WASM_THREADS=1 --torch-threads 1): two spinning threads that wait for each other burn CPU time in both
 * libraries (PyTorch 1.13 here: 4.8 CPU-s per 64² step on 2 threads at load 20, 0.32 on 1). GPU runs print the ratio to PyTorch's float32 figure for the same net:
 * 78.6 images/s at batch 8 on one H100 (/work/shared/notes/gpu-baseline.md).
 * Times are wall-clock, with process CPU time (user + system) beside them: the build machine is shared, read CPU.
 */
import { spawnSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { defaultWasmThreads, initBackend, type BackendName } from '../packages/trainer/src/backend/index.js';
import type { DispatchCount } from '../packages/trainer/src/backend/dispatch-count.js';
import { adamUpdateNames, type AdamUpdateName } from '../packages/trainer/src/train/adam-strategy.js';
import type { StepDispatches } from '../packages/trainer/src/train/step-dispatches.js';
import { measureTrainStep, type StepTime } from '../packages/trainer/src/train/step-timing.js';
import { arg } from './bench-helpers.js';

const PYTORCH_H100_FP32_TRAIN = 78.6;
const GPU: ReadonlySet<BackendName> = new Set(['webgpu', 'tensorflow']);

const size = Number(arg('size', '256'));
const cnum = Number(arg('cnum', '32'));
const steps = Number(arg('steps', '2'));
const warmup = Number(arg('warmup', '1'));
const backends = arg('backends', 'webgpu,tensorflow,wasm').split(',') as BackendName[];
const adam = arg('adam', 'default');
const adamUpdates: AdamUpdateName[] | undefined = adam === 'default' ? undefined : adam === 'all' ? adamUpdateNames() : adam.split(',');
/** Print and wait until written: process.exit below would otherwise drop lines still queued for a pipe. */
const print = (line: string) => new Promise<void>((done) => process.stdout.write(`${line}\n`, () => done()));

const rate = (batch: number, t: StepTime) => `${(batch / t.wall).toFixed(3)} img/s (${t.wall.toFixed(2)} s wall, ${t.cpu.toFixed(2)} CPU-s)`;
const programs = (n: number | undefined) => (n === undefined ? '' : ` / ${n} GPU programs`);
const counted = (c: Pick<DispatchCount, 'kernels' | 'programs'>) => `${c.kernels} kernels${programs(c.programs)}`;
const phases = (d: StepDispatches) => d.phases.map((p) => `${p.phase} ${p.kernels}${programs(p.programs)}`).join(', ');

/** CPU backends' bare and full rates, for the PyTorch ratio. */
const cpuRuns: Array<{ backend: string; batch: number; bare: StepTime; full: Array<{ update: string; time: StepTime }> }> = [];

for (const requested of backends) {
  const got = await initBackend(requested).catch((err: Error) => ({ name: null, reason: err.message }));
  if (got.name !== requested) {
    await print(`${requested}: not available here (${got.reason})`);
    continue;
  }
  const batch = Number(arg('batch', GPU.has(requested) ? '8' : '1'));
  const { bare, bareDispatches, byUpdate } = await measureTrainStep({ size, batch, cnum, steps, warmup, adamUpdates });
  await print(`${requested} (${got.reason}) ${size}² batch ${batch} cnum ${cnum}, load average ${(await loadAverage()).join(' ')}:`);
  await print(`  bare G step: ${rate(batch, bare)}; dispatches: ${counted(bareDispatches)}`);
  for (const { adamUpdate, time, dispatches } of byUpdate) {
    const ratio = `full / bare time = ${(time.wall / bare.wall).toFixed(2)} (CPU ${(time.cpu / bare.cpu).toFixed(2)})`;
    const torch = GPU.has(requested) ? `; vs PyTorch fp32 H100 batch 8 (${PYTORCH_H100_FP32_TRAIN}/s): ${(batch / time.wall / PYTORCH_H100_FP32_TRAIN).toFixed(3)}` : '';
    await print(`  full step, Adam ${adamUpdate}: ${rate(batch, time)}; ${ratio}${torch}`);
    await print(`    dispatches per full step: ${counted(dispatches.total)} (${phases(dispatches)})`);
  }
  if (!GPU.has(requested)) cpuRuns.push({ backend: requested, batch, bare, full: byUpdate.map((u) => ({ update: u.adamUpdate, time: u.time })) });
}
if (cpuRuns.length > 0 && arg('torch', 'auto') !== 'off') await comparePytorch();
process.exit(0); // wasm worker threads would keep the process alive

async function loadAverage(): Promise<string[]> {
  const { loadavg } = await import('node:os');
  return loadavg().map((v) => v.toFixed(1));
}

/** Run bench/pytorch_cpu_step.py with this run's shape and print the ratios (or why there are none). */
async function comparePytorch(): Promise<void> {
  const threads = Number(arg('torch-threads', `${defaultWasmThreads()}`));
  const script = fileURLToPath(new URL('./pytorch_cpu_step.py', import.meta.url));
  const batch = cpuRuns[0].batch;
  const args = [script, '--size', `${size}`, '--batch', `${batch}`, '--cnum', `${cnum}`, '--threads', `${threads}`, '--steps', `${steps}`, '--warmup', `${warmup}`];
  const run = spawnSync('/usr/bin/python3', args, { encoding: 'utf8' });
  const line = run.stdout?.trim().split('\n').pop() ?? '';
  if (run.status !== 0 || !line.startsWith('{')) {
    const why = run.error?.message ?? run.stderr?.trim().split('\n').pop() ?? `exit ${run.status}`;
    await print(`PyTorch (Debian's /usr/bin/python3 with torch): not available here (${why})`);
    return;
  }
  const torch = JSON.parse(line) as { images_per_second: number; cpu_seconds_per_step: number; threads: number; torch: string };
  const torchTime: StepTime = { wall: batch / torch.images_per_second, cpu: torch.cpu_seconds_per_step };
  await print(`PyTorch ${torch.torch} CPU, ${torch.threads} thread${torch.threads === 1 ? '' : 's'}, ${size}² batch ${batch} cnum ${cnum}, L1 + Adam step: ${rate(batch, torchTime)}`);
  for (const r of cpuRuns) {
    const vs = (t: StepTime) => `${(torchTime.wall / t.wall).toFixed(3)} by wall, ${(torchTime.cpu / t.cpu).toFixed(3)} by CPU`;
    await print(`  ${r.backend}: bgfill bare / PyTorch speed = ${vs(r.bare)}; ${r.full.map((f) => `full (Adam ${f.update}) / PyTorch = ${vs(f.time)}`).join('; ')}`);
  }
}

/**
 * GPU dispatches per full training step on tfjs-backend-webgpu (generator forward + backward on L1 + hinge GAN,
 * SN-PatchGAN power iteration and update, both Adam updates), counted at the backend's one dispatch call.
 *
 *   node --import tsx bench/train-step-dispatches.ts [--size 256] [--batch 8] [--cnum 32] [--dry] [--top 12]
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend } from '../packages/trainer/src/backend/init-backend.js';
import { countDispatches } from '../packages/trainer/src/backend/webgpu-fused/dispatch-counter.js';
import { useWebGpuKernels, type WebGpuKernels } from '../packages/trainer/src/backend/webgpu-fused/install.js';
import { randomBatch, trainingNets } from '../packages/trainer/src/train/step-timing.js';
import { arg } from './bench-helpers.js';

const size = Number(arg('size', '256'));
const batch = Number(arg('batch', '8'));
const cnum = Number(arg('cnum', '32'));
const top = Number(arg('top', '12'));
const dry = process.argv.includes('--dry');
const kernels = arg('kernels', 'stock') as WebGpuKernels;
const print = (line: string) => new Promise<void>((done) => process.stdout.write(`${line}\n`, () => done()));

const info = await initBackend('webgpu', { strict: true });
await print(`backend: ${info.reason}`);
useWebGpuKernels(kernels);
const nets = trainingNets({ cnum });
const batchData = randomBatch(batch, size);
const step = (n: number) => nets.step(batchData, n);
const t0 = performance.now();
const stopWarm = countDispatches({ dry });
await step(1);
const warm = stopWarm();
await print(`warm-up step: ${warm.total} dispatches, ${((performance.now() - t0) / 1000).toFixed(1)} s`);
const cpu0 = process.cpuUsage();
const t1 = performance.now();
const stop = countDispatches({ dry });
await step(2);
const count = stop();
const cpu = process.cpuUsage(cpu0);
await print(`${kernels} kernels, ${size}² batch ${batch} cnum ${cnum}${dry ? ' (dry: no GPU work)' : ''}: ${count.total} dispatches per full step; ${((performance.now() - t1) / 1000).toFixed(2)} s wall, ${((cpu.user + cpu.system) / 1e6).toFixed(2)} CPU-s`);
const show = (m: Map<string, number>) => [...m].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${k} ${v}`).join(', ');
await print(`by kernel: ${show(count.byKernel)}`);
await print(`by program: ${show(count.byProgram)}`);
process.exit(0);

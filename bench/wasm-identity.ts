/**
 * tfjs-wasm's Identity (a copy of every tensor tfjs saves for a gradient) against bgfill's buffer-sharing one
 * (packages/trainer/src/backend/wasm-identity-kernel.ts, opt-in with BGFILL_WASM_IDENTITY=shared), in one process:
 * the bare generator step (forward, L1 on both stages, gradients) in interleaved rounds, the Identity kernel swapped
 * between rounds, so that a shared machine's load falls on both alike.
 *
 *   node --import tsx bench/wasm-identity.ts [--size 64] [--cnum 32] [--rounds 7] [--threads 1]
 *
 * Prints, per kernel, the median and minimum process CPU seconds (user + system) and wall seconds per step, the
 * Identity calls per step, and stock / shared (the baseline is tfjs-wasm's own kernel).
 */
import * as tf from '@tensorflow/tfjs';
import { loadavg } from 'node:os';
import { initBackend } from '../packages/trainer/src/backend/index.js';
import { countDispatches } from '../packages/trainer/src/backend/dispatch-count.js';
import { wasmIdentityKernel } from '../packages/trainer/src/backend/wasm-identity-kernel.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { bareGeneratorStep, randomBatch } from '../packages/trainer/src/train/step-timing.js';
import { arg, cpuSeconds } from './bench-helpers.js';

const size = Number(arg('size', '64'));
const cnum = Number(arg('cnum', '32'));
const rounds = Number(arg('rounds', '7'));
const threads = Number(arg('threads', '1'));
const print = (line: string) => new Promise<void>((done) => process.stdout.write(`${line}\n`, () => done()));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

const got = await initBackend('wasm', { threads });
if (got.name !== 'wasm') throw new Error(`wasm: not available here (${got.reason})`);
const stock = tf.getKernel('Identity', 'wasm')!;
const kernels = { stock, shared: wasmIdentityKernel(stock) };
const use = (name: keyof typeof kernels) => {
  tf.unregisterKernel('Identity', 'wasm');
  tf.registerKernel(kernels[name]);
};

const generator = new InpaintGenerator({ cnum }, { seed: 0 });
const bareStep = bareGeneratorStep(generator, randomBatch(1, size));

const names = ['stock', 'shared'] as const;
const cpu = { stock: [] as number[], shared: [] as number[] };
const wall = { stock: [] as number[], shared: [] as number[] };
const identities = { stock: 0, shared: 0 };
for (const name of names) {
  use(name);
  await bareStep(); // warm-up
  identities[name] = (await countDispatches(bareStep)).count.byKernel.get('Identity') ?? 0;
}
for (let r = 0; r < rounds; r++) {
  for (const name of names) {
    use(name);
    const [c0, w0] = [cpuSeconds(), performance.now()];
    await bareStep();
    cpu[name].push(cpuSeconds() - c0);
    wall[name].push((performance.now() - w0) / 1000);
  }
}
await print(`wasm (${got.reason}) bare G step ${size}² batch 1 cnum ${cnum}, ${rounds} interleaved rounds, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}:`);
for (const name of names) {
  await print(
    `  Identity ${name}: CPU ${median(cpu[name]).toFixed(3)} s median, ${Math.min(...cpu[name]).toFixed(3)} min; wall ${median(wall[name]).toFixed(3)} s median; ` +
      `${identities[name]} Identity calls`,
  );
}
await print(`  stock / shared CPU = ${(median(cpu.stock) / median(cpu.shared)).toFixed(3)} (median), ${(Math.min(...cpu.stock) / Math.min(...cpu.shared)).toFixed(3)} (min)`);
process.exit(0); // wasm worker threads would keep the process alive

/**
 * Adam update strategies (packages/trainer/src/train/adam-strategy.ts) against each other: one update of the
 * generator's and the discriminator's parameters (cnum 32 / 64: 6.0 M + 5.9 M values in 217 + 12 tensors), per
 * strategy, rounds interleaved so that a shared machine's load falls on all of them alike.
 *
 *   node --import tsx bench/adam-update.ts [--backends wasm,cpu] [--adam per-parameter,flat] [--rounds 5] [--threads N]
 *
 * Prints, per backend and strategy, the median and the minimum process CPU milliseconds (user + system) and wall
 * milliseconds of one update of both nets, the kernels it launches (and GPU programs on webgpu), and the ratio to
 * the first strategy listed (the baseline). The update is the only part of a training step the strategy changes
 * (train-dispatches.test.ts checks that the other phases launch the same kernels).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../packages/trainer/src/backend/index.js';
import { countDispatches } from '../packages/trainer/src/backend/dispatch-count.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { Adam } from '../packages/trainer/src/train/adam.js';
import { adamUpdateNames } from '../packages/trainer/src/train/adam-strategy.js';
import { SnPatchDiscriminator } from '../packages/trainer/src/train/discriminator.js';
import { arg, cpuSeconds } from './bench-helpers.js';

const backends = arg('backends', 'wasm').split(',') as BackendName[];
const updates = arg('adam', adamUpdateNames().join(',')).split(',');
const rounds = Number(arg('rounds', '5'));
const threads = arg('threads', '') ? Number(arg('threads', '')) : undefined;
const print = (line: string) => new Promise<void>((done) => process.stdout.write(`${line}\n`, () => done()));
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[xs.length >> 1];

for (const backend of backends) {
  const got = await initBackend(backend, { threads }).catch((err: Error) => ({ name: null, reason: err.message }));
  if (got.name !== backend) {
    await print(`${backend}: not available here (${got.reason})`);
    continue;
  }
  const nets = [new InpaintGenerator({ cnum: 32 }, { seed: 0 }).params, new SnPatchDiscriminator({ cnum: 64 }, { seed: 0 }).params];
  const grads = nets.map((params) => Object.fromEntries([...params].map(([n, p]) => [n, tf.randomNormal(p.shape, 0, 1e-3, 'float32', 7)])));
  const optimizers = new Map(updates.map((u) => [u, nets.map((params) => new Adam(params, [...params.keys()], { betas: [0.5, 0.999], eps: 1e-8, update: u }))]));
  /** One update of both nets with `update`'s optimizers, finished (a read waits for the GPU). */
  const step = async (update: string) => {
    optimizers.get(update)!.forEach((adam, i) => adam.apply(grads[i], 1e-4));
    await nets[0].values().next().value!.data();
  };
  const cpu = new Map(updates.map((u) => [u, [] as number[]]));
  const wall = new Map(updates.map((u) => [u, [] as number[]]));
  for (const u of updates) await step(u); // warm-up: first allocations, shader compilation
  const counts = new Map<string, string>();
  for (const u of updates) {
    const { count } = await countDispatches(() => step(u));
    counts.set(u, `${count.kernels} kernels${count.programs === undefined ? '' : ` / ${count.programs} GPU programs`}`);
  }
  for (let r = 0; r < rounds; r++) {
    for (const u of updates) {
      const [c0, w0] = [cpuSeconds(), performance.now()];
      await step(u);
      cpu.get(u)!.push((cpuSeconds() - c0) * 1000);
      wall.get(u)!.push(performance.now() - w0);
    }
  }
  const { loadavg } = await import('node:os');
  await print(`${backend} (${got.reason}), Adam update of G (cnum 32) + D (cnum 64), ${rounds} interleaved rounds, load average ${loadavg().map((v) => v.toFixed(1)).join(' ')}:`);
  const base = median(cpu.get(updates[0])!);
  for (const u of updates) {
    const c = cpu.get(u)!;
    const w = wall.get(u)!;
    await print(
      `  ${u}: CPU ${median(c).toFixed(0)} ms median, ${Math.min(...c).toFixed(0)} min; wall ${median(w).toFixed(0)} ms median; ${counts.get(u)}; ` +
        `${updates[0]} / ${u} CPU = ${(base / median(c)).toFixed(2)}`,
    );
  }
  for (const list of optimizers.values()) list.forEach((a) => a.dispose());
  tf.dispose(grads.flatMap((g) => Object.values(g)));
  tf.disposeVariables();
}
process.exit(0); // wasm worker threads would keep the process alive

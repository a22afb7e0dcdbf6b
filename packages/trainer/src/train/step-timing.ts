import { cpuUsage } from 'node:process';
import * as tf from '@tensorflow/tfjs';
import { countDispatches, type DispatchCount } from '../backend/dispatch-count.js';
import { InpaintGenerator } from '../model/generator.js';
import { Adam } from './adam.js';
import type { AdamUpdateName } from './adam-strategy.js';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { SnPatchDiscriminator } from './discriminator.js';
import { maskedL1 } from './losses.js';
import { countStepDispatches, type StepDispatches } from './step-dispatches.js';
import { trainStep, type Batch, type StepLosses, type StepNets } from './step.js';

/** Seconds per step, wall-clock and process CPU (user + system). */
export interface StepTime {
  wall: number;
  cpu: number;
}

/** A full step with one Adam update strategy: its time and its dispatches (one more step, counted, not timed). */
export interface FullStepTiming {
  adamUpdate: AdamUpdateName;
  time: StepTime;
  dispatches: StepDispatches;
}

export interface StepTimings {
  /** A full training step: G forward/backward (L1 + hinge GAN), D update after power iteration, both Adam updates. */
  full: StepTime;
  /** Generator forward, L1 and gradients only (no discriminator, no optimizer): the baseline. */
  bare: StepTime;
  /** Dispatches of one bare step. */
  bareDispatches: DispatchCount;
  /** One entry per Adam update measured (`full` is the first one's time). */
  byUpdate: FullStepTiming[];
}

/** Wall and CPU seconds of one call. */
async function timeOne(run: () => Promise<void>): Promise<StepTime> {
  const wall0 = performance.now();
  const cpu0 = cpuUsage();
  await run();
  const cpu = cpuUsage(cpu0);
  return { wall: (performance.now() - wall0) / 1000, cpu: (cpu.user + cpu.system) / 1e6 };
}

/** The median step of each kind, wall and CPU separately. */
function median(times: StepTime[]): StepTime {
  const mid = (xs: number[]) => {
    const sorted = [...xs].sort((a, b) => a - b);
    const k = sorted.length >> 1;
    return sorted.length % 2 === 1 ? sorted[k] : (sorted[k - 1] + sorted[k]) / 2;
  };
  return { wall: mid(times.map((t) => t.wall)), cpu: mid(times.map((t) => t.cpu)) };
}

/** A training step's networks and optimizers (DeepFill v2's Adam betas, every parameter trainable). */
export interface TrainingNets extends StepNets {
  discriminator: SnPatchDiscriminator;
  dOptimizer: Adam;
  /** One full training step on `batch` with the default losses and learning rate `lr`. */
  step(batch: Batch, step: number, lr?: number): Promise<StepLosses>;
  dispose(): void;
}

/**
 * Seeded networks and optimizers for a full training step, for benches and tests.
 * @example const nets = trainingNets({ cnum: 8, dCnum: 16, seed: 5 }); await nets.step(randomBatch(4, 64), 1); nets.dispose();
 */
export function trainingNets(options: { cnum: number; dCnum?: number; seed?: number }): TrainingNets {
  const seed = options.seed ?? 0;
  const generator = new InpaintGenerator({ cnum: options.cnum }, { seed });
  const discriminator = new SnPatchDiscriminator({ cnum: options.dCnum ?? 64 }, { seed });
  const loss = defaultLoss();
  const nets = { generator, discriminator, ...stepOptimizers(generator, discriminator) };
  const { gOptimizer, dOptimizer } = nets;
  return {
    ...nets,
    step: (batch, step, lr = 1e-4) => trainStep(nets, batch, { loss, gLr: lr, dLr: lr, step }),
    dispose: () => [generator, discriminator, gOptimizer, dOptimizer].forEach((x) => x.dispose()),
  };
}

/** Adam for both networks as training sets them up (DeepFill v2's betas 0.5 / 0.999, eps 1e-8, every parameter). */
function stepOptimizers(generator: InpaintGenerator, discriminator: SnPatchDiscriminator, update?: AdamUpdateName): { gOptimizer: Adam; dOptimizer: Adam } {
  const settings = { betas: [0.5, 0.999] as const, eps: 1e-8, ...(update !== undefined ? { update } : {}) };
  return {
    gOptimizer: new Adam(generator.params, [...generator.params.keys()], settings),
    dOptimizer: new Adam(discriminator.params, [...discriminator.params.keys()], settings),
  };
}

/** The loss settings `bgfill train` uses by default. */
function defaultLoss(): TrainConfig['loss'] {
  return parseTrainConfig({ data: '-', out: '-' }).loss;
}

/**
 * A random batch: images uniform in −1…1, 30 % holes (seeded, the same on every call).
 * @example const { images, masks } = randomBatch(8, 256);
 */
export function randomBatch(batch: number, size: number): Batch {
  return tf.tidy(() => ({
    images: tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1) as tf.Tensor4D,
    masks: tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 2), 0.7), 'float32') as tf.Tensor4D,
  }));
}

/**
 * The bare step benches compare against: generator forward in training mode, L1 on both stages (the default loss
 * settings), gradients for every parameter, finished (a read waits for the backend); no discriminator, no optimizer.
 * @example const step = bareGeneratorStep(generator, randomBatch(1, 64)); await step();
 */
export function bareGeneratorStep(generator: InpaintGenerator, { images, masks }: Batch): () => Promise<void> {
  const loss = defaultLoss();
  const vars = [...generator.params.values()];
  return async () => {
    const { value, grads } = tf.variableGrads(() => {
      const out = generator.apply(images, masks, { training: true });
      return tf.add(maskedL1(out.coarse, images, masks, loss), maskedL1(out.refined, images, masks, loss)) as tf.Scalar;
    }, vars);
    await value.data();
    tf.dispose([value, ...Object.values(grads)]);
  };
}

/**
 * Time training steps on random data on the current backend (for `bench/train-step.ts`): the bare generator step and
 * the full step once per Adam update in `adamUpdates` (default: the backend's own choice), in interleaved rounds
 * (bare, full with each update, bare, …) so that a shared machine's changing load falls on all of them alike; each
 * time is the median over `steps` rounds. Then one more step of each is counted (not timed).
 * @example const { full, bare } = await measureTrainStep({ size: 256, batch: 1, cnum: 32, steps: 3 });
 */
export async function measureTrainStep(options: {
  size: number;
  batch: number;
  cnum: number;
  dCnum?: number;
  steps: number;
  warmup?: number;
  adamUpdates?: readonly AdamUpdateName[];
}): Promise<StepTimings> {
  const { size, batch, cnum, steps } = options;
  const warmup = options.warmup ?? 1;
  const generator = new InpaintGenerator({ cnum }, { seed: 0 });
  const discriminator = new SnPatchDiscriminator({ cnum: options.dCnum ?? 64 }, { seed: 0 });
  const { images, masks } = randomBatch(batch, size);
  const loss = defaultLoss();
  const fulls = (options.adamUpdates ?? [undefined]).map((update) => ({ ...stepOptimizers(generator, discriminator, update), times: [] as StepTime[] }));
  let stepNumber = 0;
  const stepOptions = () => ({ loss, gLr: 1e-4, dLr: 1e-4, step: ++stepNumber });
  const fullStep = (f: (typeof fulls)[number]) => async () => {
    await trainStep({ generator, discriminator, ...f }, { images, masks }, stepOptions());
  };
  const bareStep = bareGeneratorStep(generator, { images, masks });
  try {
    for (let i = 0; i < warmup; i++) {
      // kernel compilation, first allocations
      await bareStep();
      for (const f of fulls) await fullStep(f)();
    }
    const bareTimes: StepTime[] = [];
    for (let i = 0; i < steps; i++) {
      bareTimes.push(await timeOne(bareStep));
      for (const f of fulls) f.times.push(await timeOne(fullStep(f)));
    }
    const bareDispatches = (await countDispatches(bareStep)).count;
    const byUpdate: FullStepTiming[] = [];
    for (const f of fulls) {
      const { dispatches } = await countStepDispatches({ generator, discriminator, ...f }, { images, masks }, stepOptions());
      byUpdate.push({ adamUpdate: f.gOptimizer.updateName, time: median(f.times), dispatches });
    }
    return { full: byUpdate[0].time, bare: median(bareTimes), bareDispatches, byUpdate };
  } finally {
    tf.dispose([images, masks]);
    generator.dispose();
    discriminator.dispose();
    for (const f of fulls) [f.gOptimizer, f.dOptimizer].forEach((x) => x.dispose());
  }
}

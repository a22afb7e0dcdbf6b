import { cpuUsage } from 'node:process';
import * as tf from '@tensorflow/tfjs';
import { countDispatches, type DispatchCount } from '../backend/dispatch-count.js';
import { InpaintGenerator } from '../model/generator.js';
import { Adam } from './adam.js';
import type { AdamUpdateName } from './adam-strategy.js';
import { parseTrainConfig } from './config.js';
import { SnPatchDiscriminator } from './discriminator.js';
import { maskedL1 } from './losses.js';
import { countStepDispatches, type StepDispatches } from './step-dispatches.js';
import { trainStep } from './step.js';

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

async function time(steps: number, warmup: number, run: () => Promise<void>): Promise<StepTime> {
  for (let i = 0; i < warmup; i++) await run(); // kernel compilation, first allocations
  const wall0 = performance.now();
  const cpu0 = cpuUsage();
  for (let i = 0; i < steps; i++) await run();
  const cpu = cpuUsage(cpu0);
  return { wall: (performance.now() - wall0) / 1000 / steps, cpu: (cpu.user + cpu.system) / 1e6 / steps };
}

/**
 * Time training steps on random data on the current backend (for `bench/train-step.ts`): the bare generator step,
 * then the full step once per Adam update in `adamUpdates` (default: the backend's own choice), each followed by one
 * counted step.
 * @example const { full, bare } = await measureTrainStep({ size: 256, batch: 1, cnum: 32, steps: 2 });
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
  const images = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const masks = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 2), 0.7), 'float32')) as tf.Tensor4D;
  const { loss } = parseTrainConfig({ data: '-', out: '-' });
  const vars = [...generator.params.values()];
  try {
    const bareStep = async () => {
      const { value, grads } = tf.variableGrads(() => {
        const out = generator.apply(images, masks, { training: true });
        return tf.add(maskedL1(out.coarse, images, masks, loss), maskedL1(out.refined, images, masks, loss)) as tf.Scalar;
      }, vars);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    };
    const bare = await time(steps, warmup, bareStep);
    const bareDispatches = (await countDispatches(bareStep)).count;
    const byUpdate: FullStepTiming[] = [];
    for (const requested of options.adamUpdates ?? [undefined]) {
      const betas = [0.5, 0.999] as const;
      const gOptimizer = new Adam(generator.params, [...generator.params.keys()], { betas, eps: 1e-8, update: requested });
      const dOptimizer = new Adam(discriminator.params, [...discriminator.params.keys()], { betas, eps: 1e-8, update: requested });
      const nets = { generator, discriminator, gOptimizer, dOptimizer };
      const stepOptions = { loss, gLr: 1e-4, dLr: 1e-4, step: 0 };
      try {
        const full = await time(steps, warmup, async () => {
          await trainStep(nets, { images, masks }, { ...stepOptions, step: ++stepOptions.step });
        });
        const { dispatches } = await countStepDispatches(nets, { images, masks }, { ...stepOptions, step: ++stepOptions.step });
        byUpdate.push({ adamUpdate: gOptimizer.updateName, time: full, dispatches });
      } finally {
        gOptimizer.dispose();
        dOptimizer.dispose();
      }
    }
    return { full: byUpdate[0].time, bare, bareDispatches, byUpdate };
  } finally {
    tf.dispose([images, masks]);
    generator.dispose();
    discriminator.dispose();
  }
}

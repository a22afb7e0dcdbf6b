import { cpuUsage } from 'node:process';
import * as tf from '@tensorflow/tfjs';
import { InpaintGenerator } from '../model/generator.js';
import { Adam } from './adam.js';
import { parseTrainConfig } from './config.js';
import { SnPatchDiscriminator } from './discriminator.js';
import { maskedL1 } from './losses.js';
import { trainStep, type Batch, type StepLosses, type StepNets } from './step.js';

/** Seconds per step, wall-clock and process CPU (user + system). */
export interface StepTime {
  wall: number;
  cpu: number;
}

export interface StepTimings {
  /** A full training step: G forward/backward (L1 + hinge GAN), D update after power iteration, both Adam updates. */
  full: StepTime;
  /** Generator forward, L1 and gradients only (no discriminator, no optimizer): the baseline. */
  bare: StepTime;
}

async function time(steps: number, warmup: number, run: () => Promise<void>): Promise<StepTime> {
  for (let i = 0; i < warmup; i++) await run(); // kernel compilation, first allocations
  const wall0 = performance.now();
  const cpu0 = cpuUsage();
  for (let i = 0; i < steps; i++) await run();
  const cpu = cpuUsage(cpu0);
  return { wall: (performance.now() - wall0) / 1000 / steps, cpu: (cpu.user + cpu.system) / 1e6 / steps };
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
  const betas = [0.5, 0.999] as const;
  const gOptimizer = new Adam(generator.params, [...generator.params.keys()], { betas, eps: 1e-8 });
  const dOptimizer = new Adam(discriminator.params, [...discriminator.params.keys()], { betas, eps: 1e-8 });
  const { loss } = parseTrainConfig({ data: '-', out: '-' });
  const nets = { generator, discriminator, gOptimizer, dOptimizer };
  return {
    ...nets,
    step: (batch, step, lr = 1e-4) => trainStep(nets, batch, { loss, gLr: lr, dLr: lr, step }),
    dispose: () => [generator, discriminator, gOptimizer, dOptimizer].forEach((x) => x.dispose()),
  };
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
 * Time training steps on random data on the current backend (for `bench/train-step.ts`).
 * @example const { full, bare } = await measureTrainStep({ size: 256, batch: 1, cnum: 32, steps: 2 });
 */
export async function measureTrainStep(options: { size: number; batch: number; cnum: number; dCnum?: number; steps: number; warmup?: number }): Promise<StepTimings> {
  const { size, batch, cnum, steps } = options;
  const warmup = options.warmup ?? 1;
  const nets = trainingNets({ cnum, dCnum: options.dCnum });
  const { images, masks } = randomBatch(batch, size);
  const { loss } = parseTrainConfig({ data: '-', out: '-' });
  const vars = [...nets.generator.params.values()];
  try {
    const bare = await time(steps, warmup, async () => {
      const { value, grads } = tf.variableGrads(() => {
        const out = nets.generator.apply(images, masks, { training: true });
        return tf.add(maskedL1(out.coarse, images, masks, loss), maskedL1(out.refined, images, masks, loss)) as tf.Scalar;
      }, vars);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    });
    let step = 0;
    const full = await time(steps, warmup, async () => {
      await nets.step({ images, masks }, ++step);
    });
    return { full, bare };
  } finally {
    tf.dispose([images, masks]);
    nets.dispose();
  }
}

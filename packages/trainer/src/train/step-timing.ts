import { cpuUsage } from 'node:process';
import * as tf from '@tensorflow/tfjs';
import { InpaintGenerator } from '../model/generator.js';
import { Adam } from './adam.js';
import { parseTrainConfig } from './config.js';
import { SnPatchDiscriminator } from './discriminator.js';
import { maskedL1 } from './losses.js';
import { trainStep } from './step.js';

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

/**
 * Time training steps on random data on the current backend (for `bench/train-step.ts`).
 * @example const { full, bare } = await measureTrainStep({ size: 256, batch: 1, cnum: 32, steps: 2 });
 */
export async function measureTrainStep(options: { size: number; batch: number; cnum: number; dCnum?: number; steps: number; warmup?: number }): Promise<StepTimings> {
  const { size, batch, cnum, steps } = options;
  const warmup = options.warmup ?? 1;
  const generator = new InpaintGenerator({ cnum }, { seed: 0 });
  const discriminator = new SnPatchDiscriminator({ cnum: options.dCnum ?? 64 }, { seed: 0 });
  const betas = [0.5, 0.999] as const;
  const gOptimizer = new Adam(generator.params, [...generator.params.keys()], { betas, eps: 1e-8 });
  const dOptimizer = new Adam(discriminator.params, [...discriminator.params.keys()], { betas, eps: 1e-8 });
  const images = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const masks = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 2), 0.7), 'float32')) as tf.Tensor4D;
  const { loss } = parseTrainConfig({ data: '-', out: '-' });
  const vars = [...generator.params.values()];
  try {
    const bare = await time(steps, warmup, async () => {
      const { value, grads } = tf.variableGrads(() => {
        const out = generator.apply(images, masks, { training: true });
        return tf.add(maskedL1(out.coarse, images, masks, loss), maskedL1(out.refined, images, masks, loss)) as tf.Scalar;
      }, vars);
      await value.data();
      tf.dispose([value, ...Object.values(grads)]);
    });
    let step = 0;
    const full = await time(steps, warmup, async () => {
      await trainStep({ generator, discriminator, gOptimizer, dOptimizer }, { images, masks }, { loss, gLr: 1e-4, dLr: 1e-4, step: ++step });
    });
    return { full, bare };
  } finally {
    tf.dispose([images, masks]);
    [generator, discriminator, gOptimizer, dOptimizer].forEach((x) => x.dispose());
  }
}

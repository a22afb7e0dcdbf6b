import type * as tf from '@tensorflow/tfjs';
import type { CheckpointParts } from '../train/checkpoint.js';
import type { TrainConfig } from '../train/config.js';
import type { InpaintNet } from './net.js';

/** One batch: images NHWC in the network's value range, masks NHW1 with 1 = hole. */
export interface TrainBatch {
  images: tf.Tensor4D;
  masks: tf.Tensor4D;
}

/** What one training step is told. */
export interface KitStepOptions {
  /** Learning rates of the generator and (where there is one) the discriminator. */
  gLr: number;
  dLr: number;
  /** Global step number (1-based), for messages and fault injection. */
  step: number;
  /** Fault injection: this loss is multiplied by NaN. */
  injectNan?: string;
}

/**
 * One run's training machinery for an architecture: its optimizers, extra networks and losses, and the step. The
 * training loop (train/train.ts) is the same for every architecture: data, online masks, the freeze guard,
 * checkpoints, exact resume and the NaN guard work through this.
 */
export interface TrainingKit {
  /** The unweighted loss terms every step returns, in log order (the step also returns gTotal and dTotal). */
  readonly lossNames: readonly string[];
  /** Progress-bar fields after the images per second, e.g. ' | L1 {l1} | adv {adv}', and their values for a step. */
  readonly progressFormat: string;
  progressValues(losses: Readonly<Record<string, number>>): Record<string, string>;
  /** What each epoch folder saves and a resume restores. */
  readonly parts: CheckpointParts;
  /**
   * One step on a batch. Throws NonFiniteLossError (naming the loss) before applying an update whose loss is not
   * finite; leaves no tensors behind; reads tensors only asynchronously (WebGPU in Node has no synchronous read).
   */
  step(batch: TrainBatch, options: KitStepOptions): Promise<Record<string, number>>;
  /** Free the optimizers and extra networks (not `parts.generator`, which the loop owns). */
  dispose(): void;
}

/** An architecture's training settings, checked before any network exists; `setup` makes the kit. */
export interface PreparedTraining {
  /** Overrides for the network's config from the training config (e.g. InpaintSANet's `generator.cnum`). */
  readonly netConfig: object;
  /** The training config with this architecture's settings resolved from the network (saved as config.json). */
  resolve(config: TrainConfig, net: InpaintNet): TrainConfig;
  /** The kit for `net`, training only the parameters named in `trainable`. */
  setup(net: InpaintNet, trainable: readonly string[]): Promise<TrainingKit>;
}

/** How an architecture trains. */
export interface ArchTraining {
  /** The loss names its steps log (`debug.injectNan.loss` must be one of them). */
  readonly lossNames: readonly string[];
  /**
   * Check the config for this architecture (settings of another architecture are errors), read what the losses need
   * (files), and say what the run uses. `side` is the training crop's side; `log` receives information lines.
   */
  prepare(config: TrainConfig, context: { side: number; log: (line: string) => void }): Promise<PreparedTraining>;
}

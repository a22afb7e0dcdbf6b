import * as tf from '@tensorflow/tfjs';
import type { KitStepOptions, TrainBatch } from '../arch/training.js';
import type { Adam } from '../train/adam.js';
import { RFRNET_LOSS_NAMES, type RfrNetLossName } from '../train/config.js';
import { byParamName, checkFinite } from '../train/step.js';
import type { RfrNet } from './network.js';
import { rfrObjective, weightedTotal, type RfrLossWeights } from './objective.js';
import type { Vgg16Features } from './vgg16.js';

/** What an RFR-Net step needs. */
export interface RfrStepNets {
  net: RfrNet;
  /** Absent when the perceptual and style weights are 0. */
  vgg?: Vgg16Features;
  optimizer: Adam;
  weights: RfrLossWeights;
  /** The authors' fine-tuning mode: every batch norm on its running statistics (see RfrApplyOptions). */
  frozenBatchNorm: boolean;
}

/**
 * One RFR-Net training step: the forward pass in training mode on the batch (images in 0…1, masks 1 = hole), the
 * published objective (rfrObjective, weighted), and an Adam update of the trainable parameters. Throws
 * NonFiniteLossError before applying an update whose loss is not finite; leaves no tensors behind; reads only
 * asynchronously. Returns each term unweighted, the weighted total (gTotal) and dTotal 0 (no discriminator).
 * @example const losses = await rfrTrainStep({ net, vgg, optimizer, weights, frozenBatchNorm: true }, batch, { gLr: 5e-5, dLr: 0, step: 1 });
 */
export async function rfrTrainStep(nets: RfrStepNets, batch: TrainBatch, options: KitStepOptions): Promise<Record<string, number>> {
  const { net, vgg, optimizer, weights } = nets;
  let terms: tf.Tensor1D | undefined;
  const g = tf.variableGrads(() => {
    const out = net.apply(batch.images, batch.masks, { training: true, frozenBatchNorm: nets.frozenBatchNorm });
    const raw = rfrObjective(vgg, batch.images, out.refined, out.composite, batch.masks);
    const poisoned = Object.fromEntries(
      RFRNET_LOSS_NAMES.map((name) => [name, options.injectNan === name ? (tf.mul(raw[name], NaN) as tf.Scalar) : raw[name]]),
    ) as Record<RfrNetLossName, tf.Scalar>;
    terms = tf.keep(tf.stack(RFRNET_LOSS_NAMES.map((name) => poisoned[name])) as tf.Tensor1D);
    return weightedTotal(poisoned, weights);
  }, optimizer.names.map((n) => net.params.get(n)!));
  const [values, [gTotal]] = await Promise.all([terms!.data(), g.value.data()]);
  terms!.dispose();
  g.value.dispose();
  const losses: Record<string, number> = Object.fromEntries(RFRNET_LOSS_NAMES.map((name, i) => [name, values[i]]));
  try {
    checkFinite(losses, options.step);
    optimizer.apply(byParamName(g.grads, net.params, optimizer.names), options.gLr);
  } finally {
    tf.dispose(Object.values(g.grads));
  }
  return { ...losses, gTotal, dTotal: 0 };
}

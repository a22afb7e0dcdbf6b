import * as tf from '@tensorflow/tfjs';
import type { Adam } from './adam.js';
import type { TrainConfig, LossName } from './config.js';
import type { SnPatchDiscriminator } from './discriminator.js';
import { dissimilarityLoss, hingeDiscriminatorLoss, hingeGeneratorLoss, maskedL1, type SimilarityFn } from './losses.js';
import { NonFiniteLossError } from './nan-guard.js';

/** What the step needs from the generator (InpaintGenerator satisfies it). */
export interface TrainableGenerator {
  readonly params: ReadonlyMap<string, tf.Variable>;
  apply(x: tf.Tensor4D, mask: tf.Tensor4D, options?: { training?: boolean }): {
    coarse: tf.Tensor4D;
    refined: tf.Tensor4D;
    composite: tf.Tensor4D;
  };
}

export interface StepNets {
  generator: TrainableGenerator;
  /** Absent when the adversarial weight is 0. */
  discriminator?: SnPatchDiscriminator;
  gOptimizer: Adam;
  dOptimizer?: Adam;
  /** 1 − similarity is added with `loss.msssim` weight when given. */
  similarity?: SimilarityFn;
}

/** One batch: targets NHWC in −1…1 and masks NHW1 (1 = hole). */
export interface Batch {
  images: tf.Tensor4D;
  masks: tf.Tensor4D;
}

/** Unweighted loss terms of one step (0 for disabled terms), plus the weighted generator total. */
export type StepLosses = Record<LossName, number> & { gTotal: number; dTotal: number };

/**
 * Gradients from tf.variableGrads are keyed by the variables' internal names; map them back to parameter names.
 * @example optimizer.apply(byParamName(g.grads, net.params, optimizer.names), lr)
 */
export function byParamName(
  grads: tf.NamedTensorMap,
  params: ReadonlyMap<string, tf.Variable>,
  names: readonly string[],
): Record<string, tf.Tensor> {
  const out: Record<string, tf.Tensor> = {};
  for (const n of names) out[n] = grads[params.get(n)!.name];
  return out;
}

/**
 * Throws NonFiniteLossError naming the first non-finite loss.
 * @example checkFinite({ l1Hole: NaN }, 17) // throws: Loss "l1Hole" is NaN at step 17
 */
export function checkFinite(values: Readonly<Record<string, number>>, step: number): void {
  for (const [name, value] of Object.entries(values)) {
    if (!Number.isFinite(value)) throw new NonFiniteLossError(name, value as number, step);
  }
}

export interface StepOptions {
  loss: TrainConfig['loss'];
  gLr: number;
  dLr: number;
  /** Global step number (1-based), for messages and fault injection. */
  step: number;
  /** Fault injection: this loss is multiplied by NaN. */
  injectNan?: LossName;
}

/**
 * One training step in alternation: a generator update on L1 (coarse + refined, hole/valid weighted),
 * hinge adversarial loss and optional 1 − MS-SSIM; then a discriminator update on the real images and the
 * composites from that same forward pass (held fixed), after one power iteration of its spectral norms.
 * The generator's loss uses the discriminator as it was before this step's discriminator update.
 * Throws NonFiniteLossError before applying an update whose loss is NaN or infinite.
 * Leaves no tensors behind (tf.memory().numTensors is unchanged after the call). Reads only asynchronously, so
 * that it runs on every backend (WebGPU in Node has no synchronous read).
 * @example
 * const losses = await trainStep({ generator, discriminator, gOptimizer, dOptimizer }, { images, masks },
 *   { loss: config.loss, gLr: 1e-4, dLr: 1e-4, step: 1 });
 * losses.l1Refined // unweighted refined-output L1 of this batch
 */
export async function trainStep(nets: StepNets, batch: Batch, options: StepOptions): Promise<StepLosses> {
  const { loss } = options;
  const { generator, discriminator, gOptimizer, dOptimizer, similarity } = nets;
  const poison = (name: LossName, t: tf.Scalar): tf.Scalar => (options.injectNan === name ? tf.mul(t, NaN) : t);
  const useAdv = loss.adv > 0 && discriminator !== undefined;
  const useMsssim = loss.msssim > 0 && similarity !== undefined;

  // ---- generator update
  let composite: tf.Tensor4D | undefined;
  let terms: tf.Tensor1D | undefined;
  const gVars = gOptimizer.names.map((n) => generator.params.get(n)!);
  const g = tf.variableGrads(() => {
    const masked = tf.mul(batch.images, tf.sub(1, batch.masks)) as tf.Tensor4D;
    const out = generator.apply(masked, batch.masks, { training: true });
    const weights = { hole: loss.hole, valid: loss.valid };
    const l1Coarse = poison('l1Coarse', maskedL1(out.coarse, batch.images, batch.masks, weights));
    const l1Refined = poison('l1Refined', maskedL1(out.refined, batch.images, batch.masks, weights));
    const adv = poison('adv', useAdv ? hingeGeneratorLoss(discriminator.apply(out.composite, batch.masks)) : tf.scalar(0));
    const ms = poison('msssim', useMsssim ? dissimilarityLoss(similarity, out.refined, batch.images) : tf.scalar(0));
    terms = tf.keep(tf.stack([l1Coarse, l1Refined, adv, ms]) as tf.Tensor1D);
    composite = tf.keep(out.composite);
    return tf.addN([
      tf.mul(l1Coarse, loss.l1Coarse),
      tf.mul(l1Refined, loss.l1Refined),
      tf.mul(adv, useAdv ? loss.adv : 0),
      tf.mul(ms, useMsssim ? loss.msssim : 0),
    ]) as tf.Scalar;
  }, gVars);
  // Asynchronous reads: WebGPU has no synchronous read in Node (tfjs's readSync needs OffscreenCanvas).
  const [[l1Coarse, l1Refined, adv, msssim], [gTotal]] = await Promise.all([terms!.data(), g.value.data()]);
  terms!.dispose();
  g.value.dispose();
  try {
    checkFinite({ l1Coarse, l1Refined, adv, msssim }, options.step);
  } catch (err) {
    tf.dispose([composite!, ...Object.values(g.grads)]);
    throw err;
  }
  gOptimizer.apply(byParamName(g.grads, generator.params, gOptimizer.names), options.gLr);
  tf.dispose(Object.values(g.grads));

  // ---- discriminator update
  let dReal = 0;
  let dFake = 0;
  if (useAdv && dOptimizer) {
    discriminator.powerIterate();
    let halves: tf.Tensor1D | undefined;
    const dVars = dOptimizer.names.map((n) => discriminator.params.get(n)!);
    const d = tf.variableGrads(() => {
      const n = batch.images.shape[0];
      const scores = discriminator.apply(tf.concat([batch.images, composite!], 0), tf.concat([batch.masks, batch.masks], 0));
      const [real, fake] = tf.split(scores, [n, n], 0);
      const h = hingeDiscriminatorLoss(real, fake);
      const r = poison('dReal', h.real);
      const f = poison('dFake', h.fake);
      halves = tf.keep(tf.stack([r, f]) as tf.Tensor1D);
      return tf.mul(tf.add(r, f), 0.5) as tf.Scalar;
    }, dVars);
    [dReal, dFake] = await halves!.data();
    halves!.dispose();
    d.value.dispose();
    try {
      checkFinite({ dReal, dFake }, options.step);
      dOptimizer.apply(byParamName(d.grads, discriminator.params, dOptimizer.names), options.dLr);
    } finally {
      tf.dispose([composite!, ...Object.values(d.grads)]);
    }
  } else {
    composite!.dispose();
  }
  return { l1Coarse, l1Refined, adv, msssim, dReal, dFake, gTotal, dTotal: 0.5 * (dReal + dFake) };
}

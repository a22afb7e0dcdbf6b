import * as tf from '@tensorflow/tfjs';
import type { RfrNetLossName } from '../train/config.js';
import type { Vgg16Features } from './vgg16.js';

/** The weights of RFR-Net's published objective (the authors' `RFRNetModel.get_g_loss`). */
export type RfrLossWeights = Record<'valid' | 'hole' | 'perceptual' | 'style' | 'tv', number>;

/** Which weight multiplies each logged term. */
export const RFRNET_LOSS_WEIGHT: Readonly<Record<RfrNetLossName, keyof RfrLossWeights>> = {
  l1Valid: 'valid',
  l1Hole: 'hole',
  perceptual: 'perceptual',
  style: 'style',
  tv: 'tv',
};

/** Gram matrix per image of NHWC features, divided by c·h·w: [N, C, C]. */
function normalisedGram(f: tf.Tensor4D): tf.Tensor3D {
  const [n, h, w, c] = f.shape;
  const flat = tf.reshape(f, [n, h * w, c]) as tf.Tensor3D;
  return tf.div(tf.matMul(flat, flat, true, false), c * h * w) as tf.Tensor3D;
}

const meanAbs = (a: tf.Tensor, b: tf.Tensor): tf.Scalar => tf.mean(tf.abs(tf.sub(a, b)));

/**
 * The terms of RFR-Net's objective, unweighted (Li et al., CVPR 2020, §3.5; the authors' training code):
 * - l1Valid, l1Hole: mean |target − output| outside / inside the hole (means over every pixel and channel);
 * - perceptual: Σ over pool1–3 of mean |φ(target) − φ(output)| + mean |φ(target) − φ(composite)|;
 * - style: the same with Gram matrices divided by c·h·w;
 * - tv: mean absolute vertical plus horizontal differences of the composite inside the hole.
 * `target`, `output`, `composite` NHWC in 0…1; `hole` NHW1 (1 = hole). `vgg` may be absent when the perceptual and
 * style weights are 0 (those terms are then 0).
 * @example const terms = rfrObjective(vgg, target, out.refined, out.composite, hole);
 */
export function rfrObjective(
  vgg: Vgg16Features | undefined,
  target: tf.Tensor4D,
  output: tf.Tensor4D,
  composite: tf.Tensor4D,
  hole: tf.Tensor4D,
): Record<RfrNetLossName, tf.Scalar> {
  return tf.tidy(() => {
    const diff = tf.abs(tf.sub(target, output));
    const l1Valid = tf.mean(tf.mul(diff, tf.sub(1, hole))) as tf.Scalar;
    const l1Hole = tf.mean(tf.mul(diff, hole)) as tf.Scalar;
    let perceptual = tf.scalar(0);
    let style = tf.scalar(0);
    if (vgg) {
      const ft = vgg.features(target);
      for (const other of [vgg.features(output), vgg.features(composite)]) {
        other.forEach((f, i) => {
          perceptual = tf.add(perceptual, meanAbs(ft[i], f));
          style = tf.add(style, meanAbs(normalisedGram(ft[i]), normalisedGram(f)));
        });
      }
    }
    const inHole = tf.mul(composite, hole) as tf.Tensor4D;
    const [, h, w] = inHole.shape;
    const vertical = meanAbs(tf.slice(inHole, [0, 1, 0, 0], [-1, h - 1, -1, -1]), tf.slice(inHole, [0, 0, 0, 0], [-1, h - 1, -1, -1]));
    const horizontal = meanAbs(tf.slice(inHole, [0, 0, 1, 0], [-1, -1, w - 1, -1]), tf.slice(inHole, [0, 0, 0, 0], [-1, -1, w - 1, -1]));
    return { l1Valid, l1Hole, perceptual, style, tv: tf.add(vertical, horizontal) as tf.Scalar };
  });
}

/**
 * The weighted sum of the terms (the authors' weights: valid 1, hole 6, perceptual 0.05, style 120, tv 0.1).
 * @example const total = weightedTotal(terms, { valid: 1, hole: 6, perceptual: 0.05, style: 120, tv: 0.1 });
 */
export function weightedTotal(terms: Record<RfrNetLossName, tf.Scalar>, weights: RfrLossWeights): tf.Scalar {
  return tf.tidy(() => tf.addN((Object.keys(RFRNET_LOSS_WEIGHT) as RfrNetLossName[]).map((k) => tf.mul(terms[k], weights[RFRNET_LOSS_WEIGHT[k]]))) as tf.Scalar);
}

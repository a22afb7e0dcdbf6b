import * as tf from '@tensorflow/tfjs';

/**
 * The loss terms, each a scalar tensor; weighting and summing happens in the training step so every term can
 * be logged on its own.
 */

/**
 * L1 with separate weights inside the hole (mask = 1) and outside it:
 * mean over every element of |pred − target| · (hole·m + valid·(1 − m)).
 * With hole = valid = 1 this is the plain mean absolute error DeepFill v2 uses ("ae_loss"); raising `hole`
 * is the partial-convolution paper's weighting (Liu et al. 2018 use hole 6, valid 1).
 * @example maskedL1(refined, target, mask, { hole: 6, valid: 1 })
 */
export function maskedL1(
  pred: tf.Tensor4D,
  target: tf.Tensor4D,
  mask: tf.Tensor4D,
  weights: { hole: number; valid: number },
): tf.Scalar {
  return tf.tidy(() => {
    const perPixel = tf.add(tf.mul(mask, weights.hole), tf.mul(tf.sub(1, mask), weights.valid)); // NHW1, broadcast over C
    return tf.mean(tf.mul(tf.abs(tf.sub(pred, target)), perPixel));
  });
}

/**
 * The discriminator's hinge loss halves (Lim & Ye 2017; DeepFill v2 via neuralgym's `gan_hinge_loss`):
 * real = mean(relu(1 − D(x))), fake = mean(relu(1 + D(G(z)))); the discriminator minimises (real + fake) / 2.
 * @example const { real, fake } = hingeDiscriminatorLoss(d.apply(target, mask), d.apply(composite, mask));
 */
export function hingeDiscriminatorLoss(realScores: tf.Tensor, fakeScores: tf.Tensor): { real: tf.Scalar; fake: tf.Scalar } {
  return {
    real: tf.tidy(() => tf.mean(tf.relu(tf.sub(1, realScores)))),
    fake: tf.tidy(() => tf.mean(tf.relu(tf.add(1, fakeScores)))),
  };
}

/**
 * The generator's hinge loss: −mean(D(G(z))).
 * @example hingeGeneratorLoss(discriminator.apply(composite, mask))
 */
export function hingeGeneratorLoss(fakeScores: tf.Tensor): tf.Scalar {
  return tf.tidy(() => tf.neg(tf.mean(fakeScores)) as tf.Scalar);
}

/** A differentiable per-image similarity in [0, 1] (MS-SSIM), injected so the step does not own metric code. */
export type SimilarityFn = (pred: tf.Tensor4D, target: tf.Tensor4D) => tf.Tensor1D;

/**
 * 1 − mean similarity over the batch.
 * @example dissimilarityLoss((p, q) => msssimTensor(p, q, { dataRange: 2, scales: 3 }), refined, target)
 */
export function dissimilarityLoss(similarity: SimilarityFn, pred: tf.Tensor4D, target: tf.Tensor4D): tf.Scalar {
  return tf.tidy(() => tf.sub(1, tf.mean(similarity(pred, target))) as tf.Scalar);
}

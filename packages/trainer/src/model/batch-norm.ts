import * as tf from '@tensorflow/tfjs';

/** PyTorch nn.BatchNorm2d defaults. */
export const BATCH_NORM_EPS = 1e-5;
export const BATCH_NORM_MOMENTUM = 0.1;

export interface BatchNormWeights {
  weight: tf.Tensor1D;
  bias: tf.Tensor1D;
  runningMean: tf.Tensor1D;
  runningVar: tf.Tensor1D;
}

/**
 * Inference-mode batch normalisation over the channel (last) axis with the running statistics:
 * y = (x − running_mean) / √(running_var + eps) · weight + bias.
 * @example
 * batchNormInference(x, { weight, bias, runningMean, runningVar })
 */
export function batchNormInference(x: tf.Tensor4D, p: BatchNormWeights, eps = BATCH_NORM_EPS): tf.Tensor4D {
  return tf.tidy(() => {
    const scale = tf.mul(p.weight, tf.rsqrt(tf.add(p.runningVar, eps)));
    const shift = tf.sub(p.bias, tf.mul(p.runningMean, scale));
    return tf.add(tf.mul(x, scale), shift) as tf.Tensor4D;
  });
}

/**
 * Per-channel mean over N, H and W of an NHWC tensor, shape [1, 1, 1, C], reduced one axis at a time.
 * Each stage averages at most max(N, H, W) values, so float32 rounding grows with H + W + N rather than with
 * N·H·W as in a single flat sum (on the wasm backend that changes the train-mode batch-norm error from ~1e-4 to
 * PyTorch's level at 2×32×32).
 * @example
 * channelMean(tf.ones([2, 4, 4, 3])) // → [[[[1, 1, 1]]]]
 */
export function channelMean(x: tf.Tensor4D): tf.Tensor4D {
  return tf.tidy(() => tf.mean(tf.mean(tf.mean(x, 2, true), 1, true), 0, true) as tf.Tensor4D);
}

/** A training-mode result: the normalised output and the running statistics to store afterwards. */
export interface BatchNormTrainingResult {
  y: tf.Tensor4D;
  /** (1 − momentum)·running_mean + momentum·batch_mean. */
  runningMean: tf.Tensor1D;
  /** (1 − momentum)·running_var + momentum·batch_var·n/(n − 1) (PyTorch keeps the unbiased estimate). */
  runningVar: tf.Tensor1D;
}

/**
 * Training-mode batch normalisation: normalise with the batch's mean and biased variance over N, H, W (gradients
 * flow through both, as in PyTorch) and compute the updated running statistics, which the caller assigns.
 * Throws when a channel has a single value (n = 1), like PyTorch.
 * @example
 * const { y, runningMean, runningVar } = batchNormTraining(x, weights);
 */
export function batchNormTraining(x: tf.Tensor4D, p: BatchNormWeights, eps = BATCH_NORM_EPS, momentum = BATCH_NORM_MOMENTUM): BatchNormTrainingResult {
  const [n, h, w] = x.shape;
  const count = n * h * w;
  if (count < 2) throw new Error(`batch norm in training mode needs more than 1 value per channel, got input ${x.shape.join('×')}`);
  return tf.tidy(() => {
    const mean = channelMean(x);
    // square(sub) rather than squaredDifference: tfjs 4.22's SquaredDifference gradient does not reduce over broadcast axes.
    const variance = channelMean(tf.square(tf.sub(x, mean)) as tf.Tensor4D);
    const scale = tf.mul(p.weight, tf.rsqrt(tf.add(variance, eps)));
    const y = tf.add(tf.mul(tf.sub(x, mean), scale), p.bias) as tf.Tensor4D;
    const runningMean = tf.add(tf.mul(p.runningMean, 1 - momentum), tf.mul(tf.reshape(mean, [-1]), momentum)) as tf.Tensor1D;
    const runningVar = tf.add(tf.mul(p.runningVar, 1 - momentum), tf.mul(tf.reshape(variance, [-1]), (momentum * count) / (count - 1))) as tf.Tensor1D;
    return { y, runningMean, runningVar };
  });
}

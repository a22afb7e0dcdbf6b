import * as tf from '@tensorflow/tfjs';

/** Epsilon of the Gated Channel Transformation (Yang et al., "Gated Channel Transformation for Visual Recognition", CVPR 2020). */
export const GCT_EPS = 1e-5;

export interface ChannelGateWeights {
  /** Per-channel embedding scale (starts at 1). */
  alpha: tf.Tensor1D;
  /** Per-channel gating weight (starts at 0, so the gate starts at 1). */
  gamma: tf.Tensor1D;
  /** Per-channel gating bias (starts at 0). */
  beta: tf.Tensor1D;
}

/**
 * The GCT gate of a feature map y (NHWC), one value per image and channel, in (0, 2):
 *   s_c = alpha_c · √(Σ_hw y_c² + eps)            (global context embedding, l2 norm)
 *   ŝ_c = gamma_c · s_c / √(mean_c' s_c'² + eps)  (channel normalisation)
 *   gate_c = 1 + tanh(ŝ_c + beta_c)
 * Returns shape [N, 1, 1, C], to multiply the feature with.
 * @example
 * const gated = tf.mul(y, channelGate(y, { alpha, gamma, beta }));
 */
export function channelGate(y: tf.Tensor4D, p: ChannelGateWeights, eps = GCT_EPS): tf.Tensor4D {
  return tf.tidy(() => {
    const embedding = tf.mul(tf.sqrt(tf.add(tf.sum(tf.square(y), [1, 2], true), eps)), p.alpha);
    const norm = tf.div(p.gamma, tf.sqrt(tf.add(tf.mean(tf.square(embedding), 3, true), eps)));
    return tf.add(tf.tanh(tf.add(tf.mul(embedding, norm), p.beta)), 1) as tf.Tensor4D;
  });
}

import * as tf from '@tensorflow/tfjs';

/** Added to every feature before its norm is taken (the authors' `conv_kernels + 0.0000001`). */
export const KEY_EPS = 1e-7;
/** Added to |ratio| in the carry-over (the authors' `torch.abs(self.ratio) + 1e-7`). */
export const RATIO_EPS = 1e-7;

/** What one attention call hands to the next recurrence: its scores and the mask they were computed under. */
export interface AttentionState {
  /** [N, h, w, h·w]: for each query pixel, the softmax weight of every key pixel. */
  scores: tf.Tensor4D;
  /** [N, h, w, 1], 1 = known. */
  mask: tf.Tensor4D;
}

/**
 * Sum over each pixel's 3×3 neighbourhood with zero padding, taken as PyTorch's `avg_pool2d(x, 3, 1, padding=1) * 9`
 * computes it (average over all nine positions, padding included, times nine). Built from pad, slices and adds,
 * which have gradients on every backend.
 * @example boxSum3(tf.ones([1, 3, 3, 1])) // centre 9, corners 4
 */
export function boxSum3(x: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = x.shape;
  return tf.tidy(() => {
    const p = tf.pad(x, [[0, 0], [1, 1], [1, 1], [0, 0]]);
    const column = (dx: number) => tf.slice(p, [0, 0, dx, 0], [-1, h + 2, w, -1]);
    const rows = tf.add(tf.add(column(0), column(1)), column(2));
    const row = (dy: number) => tf.slice(rows, [0, dy, 0, 0], [-1, h, w, -1]);
    const sum = tf.add(tf.add(row(0), row(1)), row(2));
    return tf.mul(tf.div(sum, 9), 9) as tf.Tensor4D;
  });
}

/**
 * Knowledge-consistent attention (Li et al., CVPR 2020, §3.3; the authors' `KnowledgeConsistentAttention` with patch
 * size 1 and propagation size 3). Every pixel of the feature map is a key, normalised to unit length (after adding
 * 1e-7); a query's score for a key is their dot product, summed over the 3×3 neighbourhood, softmax over the keys.
 * From the second recurrence on, the scores are blended with the previous recurrence's, weighted by its mask and a
 * learned ratio: (prev · m_prev + s · (|ratio| + ε)) / (m_prev + |ratio| + ε). The output is the score-weighted sum
 * of the normalised keys.
 *
 * `features` [N, h, w, C]; `mask` [N, h, w, 1] (1 = known, already at the features' size); `ratio` [1].
 * Returns the attended features and the state for the next call (the caller disposes both).
 * @example const { y, state } = knowledgeConsistentAttention(f, m, ratio, previous);
 */
export function knowledgeConsistentAttention(
  features: tf.Tensor4D,
  mask: tf.Tensor4D,
  ratio: tf.Tensor,
  previous: AttentionState | null,
): { y: tf.Tensor4D; state: AttentionState } {
  const [n, h, w, c] = features.shape;
  const positions = h * w;
  return tf.tidy(() => {
    const flat = tf.reshape(features, [n, positions, c]) as tf.Tensor3D;
    const keys = tf.add(flat, KEY_EPS);
    const keysUnit = tf.div(keys, tf.sqrt(tf.sum(tf.square(keys), 2, true))) as tf.Tensor3D;
    // scores[b, q, k] = features[b, q] · key_k: the authors' 1×1 convolution with every key as a kernel.
    const raw = tf.reshape(tf.matMul(flat, keysUnit, false, true), [n, h, w, positions]) as tf.Tensor4D;
    let scores = tf.softmax(boxSum3(raw)) as tf.Tensor4D;
    if (previous) {
      const weight = tf.add(tf.abs(ratio), RATIO_EPS);
      scores = tf.div(tf.add(tf.mul(previous.scores, previous.mask), tf.mul(scores, weight)), tf.add(previous.mask, weight)) as tf.Tensor4D;
    }
    // The authors' transposed 1×1 convolution with the same kernels: y[b, q] = Σ_k scores[b, q, k] · key_k.
    const y = tf.reshape(tf.matMul(tf.reshape(scores, [n, positions, positions]) as tf.Tensor3D, keysUnit), [n, h, w, c]) as tf.Tensor4D;
    return { y, state: { scores, mask: tf.clone(mask) as tf.Tensor4D } };
  });
}

import * as tf from '@tensorflow/tfjs';

/** Weights of the SAGAN self-attention block (1×1 convolutions as HWIO kernels [1, 1, in, out]). */
export interface SelfAttentionWeights {
  queryKernel: tf.Tensor4D;
  queryBias: tf.Tensor1D;
  keyKernel: tf.Tensor4D;
  keyBias: tf.Tensor1D;
  valueKernel: tf.Tensor4D;
  valueBias: tf.Tensor1D;
  /** Residual weight, shape [1]; starts at 0 so the block starts as the identity. */
  gamma: tf.Tensor1D;
  /** Coordinate-attention bias: a 1×1 convolution of the (y, x) map added to the keys; absent when off. */
  coordKernel?: tf.Tensor4D;
  coordBias?: tf.Tensor1D;
}

export interface SelfAttentionOptions {
  /** Divide the energy by √d, d being the query/key width. */
  scaled: boolean;
}

/**
 * The (y, x) coordinates of pixel centres in −1…1, shape [H·W, 2], row-major: y = (2i + 1)/H − 1, x = (2j + 1)/W − 1.
 * @example
 * coordinateMap(1, 2).arraySync() // → [[0, -0.5], [0, 0.5]]
 */
export function coordinateMap(h: number, w: number): tf.Tensor2D {
  const data = new Float32Array(h * w * 2);
  for (let i = 0; i < h; i++) {
    for (let j = 0; j < w; j++) {
      data[(i * w + j) * 2] = (2 * i + 1) / h - 1;
      data[(i * w + j) * 2 + 1] = (2 * j + 1) / w - 1;
    }
  }
  return tf.tensor2d(data, [h * w, 2]);
}

/** A 1×1 convolution of [N, P, C] as one 2-D matMul (tfjs's broadcasting batch matMul has a gradient shape bug). */
function pointwise(x: tf.Tensor3D, kernel: tf.Tensor4D, bias: tf.Tensor1D): tf.Tensor3D {
  const [n, p, cin] = x.shape;
  const cout = kernel.shape[3];
  const y = tf.matMul(tf.reshape(x, [n * p, cin]), tf.reshape(kernel, [cin, cout]));
  return tf.reshape(tf.add(y, bias), [n, p, cout]) as tf.Tensor3D;
}

/**
 * SAGAN self-attention (Zhang et al. 2019) in NHWC, as the public InpaintSANet's `Self_Attn`:
 * q = Wq·x, k = Wk·x (C/8 channels), v = Wv·x (C channels); energy_ij = q_i·k_j (÷√d when scaled),
 * attention = softmax over j; out_i = Σ_j attention_ij v_j; result = gamma·out + x.
 * @example
 * const y = selfAttention(features, weights, { scaled: false });
 */
export function selfAttention(x: tf.Tensor4D, p: SelfAttentionWeights, options: SelfAttentionOptions): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const flat = tf.reshape(x, [n, h * w, c]) as tf.Tensor3D;
    const query = pointwise(flat, p.queryKernel, p.queryBias);
    let key = pointwise(flat, p.keyKernel, p.keyBias);
    if (p.coordKernel && p.coordBias) {
      const coords = coordinateMap(h, w);
      key = tf.add(key, tf.add(tf.matMul(coords, tf.reshape(p.coordKernel, [2, p.coordKernel.shape[3]])), p.coordBias)) as tf.Tensor3D;
    }
    const value = pointwise(flat, p.valueKernel, p.valueBias);
    let energy = tf.matMul(query, key, false, true);
    if (options.scaled) energy = tf.mul(energy, 1 / Math.sqrt(query.shape[2]));
    const attention = tf.softmax(energy, -1);
    const out = tf.matMul(attention, value);
    return tf.add(tf.mul(tf.reshape(out, [n, h, w, c]), p.gamma), x) as tf.Tensor4D;
  });
}

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
  /** Largest score matrix built at once, in bytes (default MAX_ATTENTION_CHUNK_BYTES); see attentionChunk. */
  maxChunkBytes?: number;
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

/** Largest score matrix one attention product may build: 1 GiB (half of WebGPU's largest storage binding). */
export const MAX_ATTENTION_CHUNK_BYTES = 2 ** 30;

/**
 * How many images of a batch attend at once so that their float32 score matrices (positions² each) stay within
 * `maxBytes`: at least 1 (a single image larger than that is the caller's limit to enforce).
 * @example attentionChunk(32, 64 * 64) // → 16 (64 MiB of scores per image)
 */
export function attentionChunk(batch: number, positions: number, maxBytes = MAX_ATTENTION_CHUNK_BYTES): number {
  return Math.max(1, Math.min(batch, Math.floor(maxBytes / (positions * positions * 4))));
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
    const attend = (q: tf.Tensor3D, k: tf.Tensor3D, v: tf.Tensor3D): tf.Tensor3D => {
      let energy = tf.matMul(q, k, false, true);
      if (options.scaled) energy = tf.mul(energy, 1 / Math.sqrt(q.shape[2]));
      return tf.matMul(tf.softmax(energy, -1), v);
    };
    // The score matrix is n·(h·w)² floats: 2 GiB at batch 32 and 256², past WebGPU's largest storage binding
    // (maxStorageBufferBindingSize, 2 GiB − 4 on an H200 through Dawn). Images attend only within themselves, so
    // larger batches run in chunks of images (the same numbers, chunk by chunk).
    const chunk = attentionChunk(n, h * w, options.maxChunkBytes);
    let out: tf.Tensor3D;
    if (chunk >= n) out = attend(query, key, value);
    else {
      const sizes = Array.from({ length: Math.ceil(n / chunk) }, (_, i) => Math.min(chunk, n - i * chunk));
      const [qs, ks, vs] = [query, key, value].map((t) => tf.split(t, sizes, 0) as tf.Tensor3D[]);
      out = tf.concat(qs.map((q, i) => attend(q, ks[i], vs[i])), 0) as tf.Tensor3D;
    }
    return tf.add(tf.mul(tf.reshape(out, [n, h, w, c]), p.gamma), x) as tf.Tensor4D;
  });
}

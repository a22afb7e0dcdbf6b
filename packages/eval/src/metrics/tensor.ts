/**
 * SSIM and MS-SSIM on TensorFlow.js tensors: batched NHWC float images, one value per image, differentiable (the
 * trainer's MS-SSIM loss is `1 − msssimTensor(...)`). Same algorithm and defaults as the buffer versions
 * (`ssim.ts`, `msssim.ts`: torchmetrics 1.9.0), in float32.
 *
 * Only core ops with gradients on every backend are used: reflect padding is built from slice/reverse/concat
 * (tfjs-core 4.22's `mirrorPad` gradient drops the reflected contributions), the Gaussian filter is two 1-channel
 * `conv2d`s with the image channels folded into the batch (the wasm backend has `Conv2DBackpropInput` but no
 * depthwise backprop kernels), and the 2×2 downsampling is `avgPool`.
 *
 * This module is the only one in `metrics/` that imports TensorFlow.js; the buffer metrics never load it.
 */
import * as tf from '@tensorflow/tfjs';
import { BgfillError, invalidParameter } from '@bgfill/core';
import { gaussianWindow } from './gaussian.js';
import {
  checkMsssimSize,
  checkSsimSize,
  resolveMsssimOptions,
  resolveSsimOptions,
  type MsssimNormalize,
  type MsssimOptions,
  type ResolvedSsimOptions,
  type SsimOptions,
} from './options.js';

/** Tensor SSIM options: as `SsimOptions`, but `dataRange` is required (tensors have no natural scale: 1 for 0…1, 2 for −1…1, 255 for 0…255). */
export interface TensorSsimOptions extends SsimOptions {
  dataRange: number;
}

/** Tensor MS-SSIM options: as `MsssimOptions`, with `dataRange` required. */
export interface TensorMsssimOptions extends MsssimOptions {
  dataRange: number;
}

interface Shape {
  n: number;
  h: number;
  w: number;
  c: number;
}

function checkTensors(pred: tf.Tensor4D, target: tf.Tensor4D): Shape {
  for (const [name, t] of [
    ['pred', pred],
    ['target', target],
  ] as const) {
    if (!(t instanceof tf.Tensor)) throw invalidParameter(name, 'a tf.Tensor4D (NHWC)', t);
    if (t.rank !== 4) throw invalidParameter(`${name}.rank`, '4 (NHWC: batch, height, width, channels)', t.rank);
    if (t.dtype !== 'float32' && t.dtype !== 'int32') throw invalidParameter(`${name}.dtype`, 'float32 or int32', t.dtype);
  }
  const [n, h, w, c] = pred.shape;
  if (target.shape.some((v, i) => v !== pred.shape[i])) {
    throw new BgfillError(
      `pred and target tensors differ in shape: pred is [${pred.shape.join(', ')}], target is [${target.shape.join(', ')}]`,
      { subject: 'pred' },
    );
  }
  if (n === 0 || c === 0) throw invalidParameter('pred.shape', 'a non-empty batch with at least one channel', `[${pred.shape.join(', ')}]`);
  return { n, h, w, c };
}

/** [N, H, W, C] → [N·C, H, W, 1]: each channel of each image becomes its own one-channel image. */
function toChannelBatch(x: tf.Tensor4D, s: Shape): tf.Tensor4D {
  const f = x.dtype === 'float32' ? x : tf.cast(x, 'float32');
  if (s.c === 1) return f;
  return tf.reshape(tf.transpose(f, [0, 3, 1, 2]), [s.n * s.c, s.h, s.w, 1]);
}

/** PyTorch-style `reflect` padding of axis 1 or 2 by `p` (edge not repeated), from differentiable slices. */
function reflectPadAxis(x: tf.Tensor4D, p: number, axis: 1 | 2): tf.Tensor4D {
  const size = x.shape[axis];
  const begin = (start: number): [number, number, number, number] =>
    axis === 1 ? [0, start, 0, 0] : [0, 0, start, 0];
  const len: [number, number, number, number] = axis === 1 ? [-1, p, -1, -1] : [-1, -1, p, -1];
  const left = tf.reverse(tf.slice(x, begin(1), len), axis);
  const right = tf.reverse(tf.slice(x, begin(size - 1 - p), len), axis);
  return tf.concat([left, x, right], axis);
}

/** Reflect-pad by p on both spatial axes, then correlate with the separable window (valid): same H×W out. */
function gaussianFilter(x: tf.Tensor4D, window: Float64Array, p: number): tf.Tensor4D {
  const k = window.length;
  const weights = Float32Array.from(window);
  const vertical = tf.tensor4d(weights, [k, 1, 1, 1]);
  const horizontal = tf.tensor4d(weights, [1, k, 1, 1]);
  const padded = reflectPadAxis(reflectPadAxis(x, p, 1), p, 2);
  return tf.conv2d(tf.conv2d(padded, vertical, 1, 'valid'), horizontal, 1, 'valid');
}

/**
 * Per-image means of the SSIM map (`term` 'ssim', every pixel) or of the contrast-sensitivity map (`term` 'cs',
 * `pad` cropped from each border) for channel-batched planes [N·C, H, W, 1]; returns [N].
 * Inputs are shifted by a per-plane constant (the target's mean) before the moments are taken: SSIM only depends
 * on the shift through μ, which is shifted back, and the variances E[x²] − μ² then cancel far less in float32.
 */
function ssimTerm(
  x: tf.Tensor4D,
  y: tf.Tensor4D,
  o: ResolvedSsimOptions,
  window: Float64Array,
  n: number,
  term: 'ssim' | 'cs',
): tf.Tensor1D {
  const [b, h, w] = x.shape;
  const shift = tf.mean(y, [1, 2, 3], true);
  const xs: tf.Tensor4D = tf.sub(x, shift);
  const ys: tf.Tensor4D = tf.sub(y, shift);
  const squares: tf.Tensor4D = tf.add(tf.square(xs), tf.square(ys));
  const products: tf.Tensor4D = tf.mul(xs, ys);
  const moments = gaussianFilter(tf.concat([xs, ys, squares, products], 0), window, o.pad);
  const [mxs, mys, ms, mxy] = tf.split(moments, 4, 0);
  // Variances and covariance from the shifted moments (shift-invariant); means shifted back for the luminance term.
  const variances = tf.relu(tf.sub(ms, tf.add(tf.square(mxs), tf.square(mys))));
  const covariance = tf.sub(mxy, tf.mul(mxs, mys));
  const upper = tf.add(tf.mul(covariance, 2), o.c2);
  const lower = tf.add(variances, o.c2);
  const contrast: tf.Tensor4D = tf.div(upper, lower);
  let map: tf.Tensor4D;
  if (term === 'cs') {
    map = tf.slice(contrast, [0, o.pad, o.pad, 0], [b, h - 2 * o.pad, w - 2 * o.pad, 1]);
  } else {
    const mx = tf.add(mxs, shift);
    const my = tf.add(mys, shift);
    const luminance = tf.div(tf.add(tf.mul(tf.mul(mx, my), 2), o.c1), tf.add(tf.add(tf.square(mx), tf.square(my)), o.c1));
    map = tf.mul(luminance, contrast);
  }
  return perImageMean(map, n);
}

/**
 * Mean of each image's values in a channel-batched map [N·C, H, W, 1] → [N]. Reduced rows first, then the rest:
 * some backends (wasm) accumulate in float32, and one flat sum over C·H·W values (196 608 for 256² RGB) drifts by
 * ~1e-4; two shorter sums stay near 1e-6.
 */
function perImageMean(map: tf.Tensor4D, n: number): tf.Tensor1D {
  const [b, h, w] = map.shape;
  const rows = tf.mean(tf.reshape(map, [b * h, w]), 1);
  return tf.mean(tf.reshape(rows, [n, -1]), 1);
}

/**
 * SSIM per image of two NHWC float tensors (any channel count), as `ssim` for buffers: returns a [N] tensor.
 * Differentiable with respect to both inputs. Call it inside `tf.tidy` (or dispose the result) as with any op.
 * @example
 * const s = ssimTensor(pred, target, { dataRange: 2 });   // images in −1…1 → Tensor1D [batch]
 */
export function ssimTensor(pred: tf.Tensor4D, target: tf.Tensor4D, options: TensorSsimOptions): tf.Tensor1D {
  if (options === undefined || options.dataRange === undefined) {
    throw invalidParameter('options.dataRange', 'the width of the tensors’ value scale (e.g. 1, 2 or 255)', undefined);
  }
  const s = checkTensors(pred, target);
  const o = resolveSsimOptions(options);
  checkSsimSize(s.w, s.h, o);
  const window = gaussianWindow(o.windowSize, o.sigma);
  return tf.tidy(() => ssimTerm(toChannelBatch(pred, s), toChannelBatch(target, s), o, window, s.n, 'ssim'));
}

/** base^weight with a finite gradient where base is 0 (value 0 there, as the plain power). */
function guardedPow(base: tf.Tensor1D, weight: number, normalize: MsssimNormalize): tf.Tensor1D {
  if (normalize === 'none') return tf.pow(base, weight);
  // Normalised bases are ≥ 0. pow'(0) is infinite for weights < 1 and 0 · ∞ would make the whole gradient NaN, so
  // the power sees 1 where the base is not positive and the result is multiplied by 0 there. The indicator is
  // relu(sign(base)): unlike comparisons, sign and relu have (zero) gradients registered, so tf.grad can pass them.
  const positive = tf.relu(tf.sign(base));
  const safeBase = tf.add(base, tf.sub(1, positive));
  return tf.mul(positive, tf.pow(safeBase, weight));
}

function normalizeTensor(v: tf.Tensor1D, normalize: MsssimNormalize): tf.Tensor1D {
  if (normalize === 'relu') return tf.relu(v);
  if (normalize === 'simple') return tf.div(tf.add(v, 1), 2);
  return v;
}

/**
 * MS-SSIM per image of two NHWC float tensors, as `msssim` for buffers: returns a [N] tensor, differentiable.
 * The trainer's loss: `tf.sub(1, tf.mean(msssimTensor(pred, target, { dataRange: 2 })))`.
 * Small crops need fewer scales or a smaller window; too small an image throws a BgfillError naming the minimum
 * size (96×96 at the defaults, 24×24 with `scales: 3`, 16×16 with `scales: 3, windowSize: 7`).
 * @example
 * const loss = tf.tidy(() => tf.sub(1, tf.mean(msssimTensor(pred, target, { dataRange: 2, scales: 3 }))));
 */
export function msssimTensor(pred: tf.Tensor4D, target: tf.Tensor4D, options: TensorMsssimOptions): tf.Tensor1D {
  if (options === undefined || options.dataRange === undefined) {
    throw invalidParameter('options.dataRange', 'the width of the tensors’ value scale (e.g. 1, 2 or 255)', undefined);
  }
  const s = checkTensors(pred, target);
  const o = resolveMsssimOptions(options);
  checkMsssimSize(s.w, s.h, o);
  const window = gaussianWindow(o.windowSize, o.sigma);
  return tf.tidy(() => {
    let x = toChannelBatch(pred, s);
    let y = toChannelBatch(target, s);
    let product: tf.Tensor1D | undefined;
    const scales = o.weights.length;
    for (let i = 0; i < scales; i++) {
      const last = i === scales - 1;
      const value = ssimTerm(x, y, o, window, s.n, last ? 'ssim' : 'cs');
      const weighted = guardedPow(normalizeTensor(value, o.normalize), o.weights[i], o.normalize);
      product = product === undefined ? weighted : tf.mul<tf.Tensor1D>(product, weighted);
      if (!last) {
        x = tf.avgPool(x, 2, 2, 'valid');
        y = tf.avgPool(y, 2, 2, 'valid');
      }
    }
    return product as tf.Tensor1D;
  });
}

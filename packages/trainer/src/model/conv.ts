import * as tf from '@tensorflow/tfjs';

/** A 2-D convolution as PyTorch's nn.Conv2d computes it: symmetric zero padding, square kernel, NHWC data. */
export interface ConvGeometry {
  stride: number;
  /** Zero padding on each side. */
  padding: number;
  dilation: number;
}

/**
 * Output size of a PyTorch convolution along one axis: ⌊(n + 2p − d(k − 1) − 1) / s⌋ + 1.
 * @example
 * convOutputSize(256, 4, { stride: 2, padding: 1, dilation: 1 }) // → 128
 */
export function convOutputSize(n: number, kernel: number, { stride, padding, dilation }: ConvGeometry): number {
  return Math.floor((n + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1;
}

/** Whether a gradient tape is recording (inside tf.grad, tf.variableGrads, optimizer.minimize). */
function recording(): boolean {
  return tf.engine().state.gradientDepth > 0;
}

/**
 * conv2d plus bias. Outside gradient recording, one fused op (the bias add fused into the kernel). While a gradient
 * tape records, separate conv2d and add: tfjs's fused conv2d has one custom gradient that always computes the
 * kernel gradient, even when only the input's or the bias's is wanted (tfjs checks `gradientDepth` the same way to
 * decide fusing); the separate ops let the tape skip Conv2DBackpropFilter for kernels nobody asked about.
 */
function convolve(x: tf.Tensor4D, kernel: tf.Tensor4D, bias: tf.Tensor1D | null, stride: number, pad: number | 'valid', dilation = 1): tf.Tensor4D {
  if (!recording()) {
    return tf.fused.conv2d({ x, filter: kernel, strides: stride, pad, dilations: dilation, bias: bias ?? undefined }) as tf.Tensor4D;
  }
  return tf.tidy(() => {
    const y = tf.conv2d(x, kernel, stride, pad, 'NHWC', dilation);
    return bias ? tf.add(y, bias) : y;
  });
}

/** How conv2dTorch builds a dilated convolution. */
export type AtrousMethod =
  /** native dilated conv2d when no gradient tape records (faster), space-to-batch when one does */
  | 'auto'
  /** spaceToBatchND → conv2d → batchToSpaceND: differentiable on every backend */
  | 'space-to-batch'
  /** tfjs's dilated conv2d: forward only (tfjs has no gradient for dilation > 1) */
  | 'native';

/**
 * PyTorch-equivalent convolution in NHWC with an HWIO kernel and an optional bias.
 *
 * Dilated (atrous) convolutions are built, whenever a gradient tape records, as spaceToBatchND → 'valid'
 * convolution → batchToSpaceND, the construction TensorFlow's `atrous_conv2d` documents: every op in it has a
 * gradient on every tfjs backend, whereas tfjs's Conv2D gradient refuses dilation > 1. The padding folded into
 * spaceToBatchND is PyTorch's zero padding plus enough extra at the bottom/right to make the padded size a multiple
 * of the rate (sizes that are not multiples are padded up); the surplus rows and columns of the result are sliced
 * off, so the numbers equal PyTorch's zero-padded dilated convolution exactly. Without a tape ('auto'), the native
 * dilated kernel computes the same numbers faster (bench/generator.ts).
 *
 * @example
 * const y = conv2dTorch(x, kernel, bias, { stride: 1, padding: 4, dilation: 4 }); // same H×W as x for a 3×3 kernel
 */
export function conv2dTorch(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  geometry: ConvGeometry,
  atrous: AtrousMethod = 'auto',
): tf.Tensor4D {
  const { stride, padding, dilation } = geometry;
  const [kh, kw] = kernel.shape;
  if (kh !== kw) throw new Error(`conv2dTorch: square kernels only, got ${kh}×${kw}`);
  const [, h, w] = x.shape;
  const outH = convOutputSize(h, kh, geometry);
  const outW = convOutputSize(w, kw, geometry);
  if (outH < 1 || outW < 1) throw new Error(`conv2dTorch: input ${h}×${w} too small for kernel ${kh}, dilation ${dilation}`);
  if (dilation === 1) return convolve(x, kernel, bias, stride, padding);
  if (stride !== 1) throw new Error('conv2dTorch: a dilated convolution must have stride 1');
  if (atrous === 'native' || (atrous === 'auto' && !recording())) {
    return convolve(x, kernel, bias, 1, padding, dilation);
  }
  return tf.tidy(() => {
    const r = dilation;
    const extraH = (r - ((h + 2 * padding) % r)) % r;
    const extraW = (r - ((w + 2 * padding) % r)) % r;
    const blocks = tf.spaceToBatchND(x, [r, r], [
      [padding, padding + extraH],
      [padding, padding + extraW],
    ]);
    const conv = convolve(blocks as tf.Tensor4D, kernel, bias, 1, 'valid');
    const full = tf.batchToSpaceND(conv, [r, r], [
      [0, 0],
      [0, 0],
    ]) as tf.Tensor4D;
    return full.shape[1] === outH && full.shape[2] === outW ? full : tf.slice(full, [0, 0, 0, 0], [-1, outH, outW, -1]);
  });
}

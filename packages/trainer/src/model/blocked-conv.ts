import * as tf from '@tensorflow/tfjs';
import { conv2dTorch, type ConvGeometry } from './conv.js';

/**
 * Products summed in one float32 accumulation before partial results are added pairwise. tfjs's convolutions
 * (XNNPACK on wasm, the cpu backend's loops) sum every product of an output in one sequential float32 accumulator;
 * PyTorch's CPU convolutions block the reduction (GEMM K-blocking), which keeps their rounding error 3–5× smaller on
 * the wide convolutions of RFR-Net (4 608 products for a 512-channel 3×3). Summing blocks of about this many
 * products and adding the blocks pairwise brings tfjs to PyTorch's level (figures: the trainer README, "RFR-Net").
 */
export const PRODUCTS_PER_BLOCK = 512;

/**
 * Input channels per block for a reduction of `channels` channels with `taps` products each: the largest power of two
 * dividing `channels` with at most PRODUCTS_PER_BLOCK products, but at least `minChannels` (wide blocks keep the
 * convolution kernels efficient) — `channels` itself when one block suffices.
 * @example channelsPerBlock(512, 9) // → 32; channelsPerBlock(64, 49, 16) // → 16
 */
export function channelsPerBlock(channels: number, taps: number, minChannels = 1, productsPerBlock = PRODUCTS_PER_BLOCK): number {
  if (channels * taps <= productsPerBlock) return channels;
  let block = 1;
  while (channels % (block * 2) === 0 && block * 2 * taps <= productsPerBlock) block *= 2;
  while (block < minChannels && channels % (block * 2) === 0) block *= 2;
  return block;
}

/** Add tensors pairwise (a balanced tree), so the rounding of the sum grows with log2 of their count. */
export function pairwiseSum<T extends tf.Tensor>(parts: readonly T[]): T {
  let level = [...parts];
  while (level.length > 1) {
    const next: T[] = [];
    for (let i = 0; i < level.length; i += 2) next.push(i + 1 < level.length ? (tf.add(level[i], level[i + 1]) as T) : level[i]);
    level = next;
  }
  return level[0];
}

/** How one convolution of a blocked reduction is computed. */
export type ConvKind =
  /** PyTorch Conv2d (conv2dTorch); `bias` is added once, to the sum. */
  | { transposed: false }
  /** PyTorch ConvTranspose2d with this output shape (NHWC). */
  | { transposed: true; outputShape: [number, number, number, number] };

/**
 * A convolution (or transposed convolution) whose reduction over input channels is cut into blocks of
 * channelsPerBlock channels, each convolved alone, the results added pairwise; the same numbers as one convolution
 * up to rounding, with PyTorch's smaller rounding error. `kernel` is HWIO (transposed: [h, w, out, in]).
 * @example const y = blockedConv(x, kernel, null, { stride: 1, padding: 2, dilation: 2 }, { transposed: false });
 */
export function blockedConv(
  x: tf.Tensor4D,
  kernel: tf.Tensor4D,
  bias: tf.Tensor1D | null,
  geometry: ConvGeometry,
  kind: ConvKind,
  minChannels = 1,
): tf.Tensor4D {
  const channels = x.shape[3];
  const [kh, kw] = kernel.shape;
  const taps = kind.transposed ? Math.ceil(kh / geometry.stride) * Math.ceil(kw / geometry.stride) : kh * kw;
  const block = channelsPerBlock(channels, taps, minChannels);
  const inputAxis = kind.transposed ? 3 : 2;
  const one = (xi: tf.Tensor4D, ki: tf.Tensor4D): tf.Tensor4D =>
    kind.transposed ? tf.conv2dTranspose(xi, ki, kind.outputShape, geometry.stride, geometry.padding) : conv2dTorch(xi, ki, null, geometry);
  return tf.tidy(() => {
    let y: tf.Tensor4D;
    if (block === channels) y = one(x, kernel);
    else {
      const blocks = channels / block;
      const xs = tf.split(x, blocks, 3) as tf.Tensor4D[];
      const ks = tf.split(kernel, blocks, inputAxis) as tf.Tensor4D[];
      y = pairwiseSum(xs.map((xi, i) => one(xi, ks[i])));
    }
    return bias ? (tf.add(y, bias) as tf.Tensor4D) : y;
  });
}

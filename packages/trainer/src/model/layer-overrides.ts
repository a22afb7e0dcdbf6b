import type * as tf from '@tensorflow/tfjs';
import type { GatedConvSpec } from './architecture.js';
import type { GatedConvResult, GatedConvWeights } from './gated-conv-weights.js';

/**
 * Where a backend's fused kernels plug into the model (backend/webgpu-fused installs them; see its README): a
 * replacement for a layer's training-mode computation that returns undefined to leave the layer to the stock ops.
 * With nothing installed (the default) the model runs exactly as written.
 */

/** A gated convolution in training mode: same inputs and result as `gatedConv(x, spec, weights, true)`. */
export type GatedConvOverride = (x: tf.Tensor4D, spec: GatedConvSpec, weights: GatedConvWeights) => GatedConvResult | undefined;

/** A discriminator layer: LeakyReLU(conv2d(x, weight / sigma, stride, 'same') + bias, slope). */
export type LeakyConvOverride = (x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D, sigma: tf.Scalar, stride: number, slope: number) => tf.Tensor4D | undefined;

let gatedConvOverride: GatedConvOverride | undefined;
let leakyConvOverride: LeakyConvOverride | undefined;

/** Install (or, with undefined, remove) the gated-convolution replacement. */
export function setGatedConvOverride(override: GatedConvOverride | undefined): void {
  gatedConvOverride = override;
}

/** Install (or, with undefined, remove) the discriminator-layer replacement. */
export function setLeakyConvOverride(override: LeakyConvOverride | undefined): void {
  leakyConvOverride = override;
}

/** The installed gated-convolution replacement, if any. */
export function activeGatedConvOverride(): GatedConvOverride | undefined {
  return gatedConvOverride;
}

/** The installed discriminator-layer replacement, if any. */
export function activeLeakyConvOverride(): LeakyConvOverride | undefined {
  return leakyConvOverride;
}

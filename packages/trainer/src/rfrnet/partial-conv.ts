import * as tf from '@tensorflow/tfjs';
import { blockedConv } from '../model/blocked-conv.js';
import { conv2dTorch, type ConvGeometry } from '../model/conv.js';

/** Added to the window's mask count before dividing (NVIDIA's PartialConv2d: `update_mask + 1e-8`). */
export const PARTIAL_CONV_EPS = 1e-8;

export interface PartialConvResult {
  /** The renormalised convolution, NHWC. */
  y: tf.Tensor4D;
  /** The updated mask, NHW1: 1 where the window saw any known value (the same for every output channel). */
  mask: tf.Tensor4D;
}

/**
 * A partial convolution without bias, as NVIDIA's PartialConv2d computes it with `multi_channel=True` (Liu et al.,
 * "Image Inpainting for Irregular Holes Using Partial Convolutions", 2018; github.com/NVIDIA/partialconv):
 *
 *   count  = Σ over the window and every input channel of the mask      (the all-ones mask-update kernel)
 *   ratio  = C_in·k·k / (count + 1e-8) · clamp(count, 0, 1)
 *   y      = conv(x · mask) · ratio,   mask' = clamp(count, 0, 1)
 *
 * `mask` (1 = known) has one channel per input channel, or one channel standing for every input channel (the updated
 * masks are like that: NVIDIA's update gives every output channel the same values). Masks are 0/1, so each count is
 * an exact integer whichever way it is summed. No gradient flows into the mask.
 * @example const { y, mask } = partialConv(x, m, kernel, { stride: 2, padding: 3, dilation: 1 });
 */
export function partialConv(x: tf.Tensor4D, mask: tf.Tensor4D, kernel: tf.Tensor4D, geometry: ConvGeometry, minBlock = 1): PartialConvResult {
  const [k, , inChannels] = kernel.shape;
  const maskChannels = mask.shape[3];
  if (maskChannels !== 1 && maskChannels !== inChannels) {
    throw new Error(`internal: a partial convolution of ${inChannels} channels got a mask of ${maskChannels}`);
  }
  return tf.tidy(() => {
    const ones = tf.ones([k, k, maskChannels, 1]) as tf.Tensor4D;
    let count = conv2dTorch(mask, ones, null, geometry);
    if (maskChannels === 1 && inChannels > 1) count = tf.mul(count, inChannels);
    const update = tf.clipByValue(count, 0, 1) as tf.Tensor4D;
    const ratio = tf.mul(tf.div(inChannels * k * k, tf.add(count, PARTIAL_CONV_EPS)), update);
    const raw = blockedConv(tf.mul(x, mask) as tf.Tensor4D, kernel, null, geometry, { transposed: false }, minBlock);
    return { y: tf.mul(raw, ratio) as tf.Tensor4D, mask: update };
  });
}

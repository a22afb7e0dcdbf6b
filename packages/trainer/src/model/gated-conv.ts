import * as tf from '@tensorflow/tfjs';
import type { GatedConvSpec } from './architecture.js';
import { batchNormInference, batchNormTraining } from './batch-norm.js';
import { channelGate } from './channel-gate.js';
import { conv2dTorch } from './conv.js';
import type { GatedConvResult, GatedConvWeights } from './gated-conv-weights.js';
import { activeGatedConvOverride } from './layer-overrides.js';
import { upsampleNearest2x } from './upsample.js';

/** Slope of the LeakyReLU on the feature branch (public InpaintSANet: `LeakyReLU(0.2)`). */
export const LEAKY_RELU_SLOPE = 0.2;

/** The tensors of one gated convolution (kernels in HWIO) and its result: gated-conv-weights.ts. */
export type { GatedConvResult, GatedConvWeights } from './gated-conv-weights.js';

/**
 * One gated convolution: [×2 nearest upsampling] → φ(conv_f(x)) · gate → batch norm, where φ is LeakyReLU(0.2)
 * (identity on a stage's last layer) and the gate is sigmoid(conv_g(x)) (spatial), GCT(φ(conv_f(x))) (channel), or
 * their product. The GCT gate is computed from the feature it multiplies.
 * @example
 * const { y } = gatedConv(x, spec, weights, false);
 */
export function gatedConv(x: tf.Tensor4D, spec: GatedConvSpec, w: GatedConvWeights, training: boolean): GatedConvResult {
  const fused = training ? activeGatedConvOverride()?.(x, spec, w) : undefined; // a backend's fused kernels (layer-overrides.ts)
  if (fused) return fused;
  return tf.tidy(() => {
    const input = spec.upsample ? upsampleNearest2x(x) : x;
    const geometry = { stride: spec.stride, padding: spec.padding, dilation: spec.dilation };
    const raw = conv2dTorch(input, w.featureKernel, w.featureBias, geometry);
    let feature = spec.activation ? (tf.leakyRelu(raw, LEAKY_RELU_SLOPE) as tf.Tensor4D) : raw;
    let gated = feature;
    if (w.gateKernel && w.gateBias) {
      gated = tf.mul(gated, tf.sigmoid(conv2dTorch(input, w.gateKernel, w.gateBias, geometry)));
    }
    if (w.channelGate) gated = tf.mul(gated, channelGate(feature, w.channelGate));
    feature = gated;
    if (!training) return { y: batchNormInference(feature, w.batchNorm) };
    const { y, runningMean, runningVar } = batchNormTraining(feature, w.batchNorm);
    return { y, runningStats: { runningMean, runningVar } };
  });
}

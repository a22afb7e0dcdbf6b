import type * as tf from '@tensorflow/tfjs';
import type { BatchNormWeights } from './batch-norm.js';
import type { ChannelGateWeights } from './channel-gate.js';

/** The tensors of one gated convolution, kernels in HWIO (see gated-conv.ts). */
export interface GatedConvWeights {
  featureKernel: tf.Tensor4D;
  featureBias: tf.Tensor1D;
  /** The per-pixel gate (PyTorch `mask_conv2d`); absent when the config has no spatial gate. */
  gateKernel?: tf.Tensor4D;
  gateBias?: tf.Tensor1D;
  /** The channel gate; absent when the config has no GCT gate. */
  channelGate?: ChannelGateWeights;
  batchNorm: BatchNormWeights;
}

export interface GatedConvResult {
  y: tf.Tensor4D;
  /** Training mode only: the running statistics to store after the forward pass. */
  runningStats?: { runningMean: tf.Tensor1D; runningVar: tf.Tensor1D };
}

import * as tf from '@tensorflow/tfjs';
import type { GatedConvSpec } from '../../model/architecture.js';
import { BATCH_NORM_EPS, BATCH_NORM_MOMENTUM } from '../../model/batch-norm.js';
import { convOutputSize } from '../../model/conv.js';
import { LEAKY_RELU_SLOPE, type GatedConvResult, type GatedConvWeights } from '../../model/gated-conv.js';
import { runFused, type ConvAttrs } from './conv-kernels.js';
import { customOp, shared } from './custom-op.js';

/**
 * The generator's gated convolution in training mode as one op with its own gradient:
 *
 *   forward  (4 dispatches): BgfillGatedConv2D (feature and gate as one product, bias, φ, σ, product) →
 *            BgfillBatchNormTrain (statistics, running buffers, normalisation)
 *   backward (3 + 2 + 1): BgfillGatedBatchNormGrad (batch-norm, gate and activation gradients → the raw branches'
 *            gradient), then on request BgfillGatedConv2DBackpropFilter (both kernels and both biases, for whichever
 *            of them the tape wants) and BgfillGatedConv2DBackpropInput (with the upsampling's 2×2 sums folded in)
 *
 * against about 40 tfjs kernels forward and 90 backward for the stock composition (gated-conv.ts, spaceToBatch for
 * dilated layers, im2col filter gradients). Same numbers as the stock path up to float32 rounding
 * (test/webgpu-fused.test.ts). A frozen layer skips its filter gradient; the batch-norm gradient runs whenever the
 * backward pass reaches the layer (the input's gradient needs it).
 *
 * Declines (returns undefined) what it does not cover: a layer without the spatial gate or with the GCT channel gate.
 */
export function fusedGatedConvTraining(x: tf.Tensor4D, spec: GatedConvSpec, w: GatedConvWeights): GatedConvResult | undefined {
  if (!w.gateKernel || !w.gateBias || w.channelGate) return undefined;
  const [batch, inH, inW, inC] = x.shape;
  const geometry = { stride: spec.stride, padding: spec.padding, dilation: spec.dilation };
  const scale = spec.upsample ? 2 : 1;
  const attrs: ConvAttrs = {
    batch,
    inH,
    inW,
    inC,
    outH: convOutputSize(inH * scale, spec.kernel, geometry),
    outW: convOutputSize(inW * scale, spec.kernel, geometry),
    kh: spec.kernel,
    kw: spec.kernel,
    stride: spec.stride,
    dilation: spec.dilation,
    padTop: spec.padding,
    padLeft: spec.padding,
    upsample: spec.upsample,
    outC: spec.outChannels,
    activation: spec.activation,
    slope: LEAKY_RELU_SLOPE,
  };
  if (attrs.outH * attrs.outW * batch < 2) throw new Error(`batch norm in training mode needs more than 1 value per channel, got ${batch}×${attrs.outH}×${attrs.outW}`);
  const { runningMean, runningVar } = w.batchNorm;
  let runningStats: GatedConvResult['runningStats'];
  const inputs = { x, wf: w.featureKernel, bf: w.featureBias, wg: w.gateKernel, bg: w.gateBias, gamma: w.batchNorm.weight, beta: w.batchNorm.bias };
  const y = customOp(
    inputs,
    (save) => {
      const [raw, z] = runFused('BgfillGatedConv2D', { x, wf: inputs.wf, wg: inputs.wg, bf: inputs.bf, bg: inputs.bg }, attrs);
      const [out, stats, meanOut, varOut] = runFused(
        'BgfillBatchNormTrain',
        { z, gamma: inputs.gamma, beta: inputs.beta, runningMean, runningVar },
        { eps: BATCH_NORM_EPS, momentum: BATCH_NORM_MOMENTUM },
      );
      runningStats = { runningMean: tf.keep(meanOut) as tf.Tensor1D, runningVar: tf.keep(varOut) as tf.Tensor1D };
      save([x, inputs.wf, inputs.wg, inputs.gamma, raw, z, stats]);
      return out as tf.Tensor4D;
    },
    (dy, saved) => {
      const [sx, wf, wg, gamma, raw, z, stats] = saved;
      const [draw, dgamma, dbeta] = runFused('BgfillGatedBatchNormGrad', { dy, z, raw, stats, gamma }, { activation: spec.activation, slope: LEAKY_RELU_SLOPE });
      const filter = shared(() => runFused('BgfillGatedConv2DBackpropFilter', { x: sx, draw }, attrs));
      return {
        x: () => runFused('BgfillGatedConv2DBackpropInput', { draw, wf, wg }, attrs)[0],
        wf: filter(0),
        wg: filter(1),
        bf: filter(2),
        bg: filter(3),
        gamma: () => dgamma,
        beta: () => dbeta,
      };
    },
  );
  return { y, runningStats };
}

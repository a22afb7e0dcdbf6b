import type * as tf from '@tensorflow/tfjs';
import { runFused, type ConvAttrs } from './conv-kernels.js';
import { customOp, shared } from './custom-op.js';

/**
 * A discriminator layer, LeakyReLU(conv2d(x, W / σ, stride, 'same') + b), as one op with its own gradient:
 *
 *   forward  (1 dispatch): BgfillLeakyConv2D — the division by σ happens as the kernel is read, the bias and the
 *            LeakyReLU in the epilogue;
 *   backward: x on request (1: BgfillLeakyConv2DBackpropInput, the LeakyReLU's derivative taken from the output's
 *            sign as dy is read); W, b and σ on request (3: BgfillLeakyConv2DBackpropFilter → dW/σ and db, then
 *            BgfillSigmaGradient → dσ = −Σ dW ⊙ W / σ, which tfjs carries back through σ = uᵀWv to W).
 *
 * During the generator's update only x's gradient is asked for, so the discriminator's filter gradients do not run.
 * Stock: about 6 tfjs kernels forward and, for the discriminator's update, 35 backward per layer (bench/RESULTS.md).
 */
export function fusedLeakyConv(x: tf.Tensor4D, weight: tf.Tensor4D, bias: tf.Tensor1D, sigma: tf.Scalar, stride: number, slope: number): tf.Tensor4D {
  const [batch, inH, inW, inC] = x.shape;
  const [kh, kw, , outC] = weight.shape;
  const outH = Math.ceil(inH / stride);
  const outW = Math.ceil(inW / stride);
  // TensorFlow's 'same': the padding total split with the extra row/column at the bottom/right.
  const pad = (size: number, out: number, k: number) => Math.floor(Math.max((out - 1) * stride + k - size, 0) / 2);
  const attrs: ConvAttrs = {
    batch, inH, inW, inC, outH, outW, kh, kw, stride, dilation: 1,
    padTop: pad(inH, outH, kh), padLeft: pad(inW, outW, kw), upsample: false, outC, activation: true, slope,
  };
  return customOp(
    { x, w: weight, bias, sigma },
    (save) => {
      const [y] = runFused('BgfillLeakyConv2D', { x, w: weight, bias, scale: sigma }, attrs);
      save([x, weight, sigma, y]);
      return y as tf.Tensor4D;
    },
    (dy, [sx, w, s, y]) => {
      const grads = shared(() => {
        const [dw, db] = runFused('BgfillLeakyConv2DBackpropFilter', { x: sx, dy, y, scale: s }, attrs);
        const [dsigma] = runFused('BgfillSigmaGradient', { dw, w, scale: s }, {});
        return [dw, db, dsigma];
      });
      return { x: () => runFused('BgfillLeakyConv2DBackpropInput', { dy, y, w, scale: s }, attrs)[0], w: grads(0), bias: grads(1), sigma: grads(2) };
    },
  );
}

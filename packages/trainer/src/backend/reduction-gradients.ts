import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';

/**
 * Gradients of `Mean` and `Sum` that stay on the device.
 *
 * tfjs-core 4.22's own gradients (`gradients/Mean_grad.js`, `gradients/Sum_grad.js`) multiply the reshaped dy by
 * `ones(x.shape)`, and `ones` fills a typed array of x's full size on the CPU (`makeOnesTypedArray`) and uploads
 * it. On WebGPU that host work dominated a training step (27 % of CPU time, /work/shared/notes/gpu-baseline.md:
 * batch-norm moments and L1 losses reduce large activations on every layer). Here the gradient is
 * `broadcastTo(reshape(dy, keptDims), x.shape)` (a Tile kernel on the device), divided by the reduced size for
 * Mean before broadcasting (dy/n on the small tensor: the same float32 operation as the stock (dy·1)/n, so the
 * values are bit-identical).
 */

/** x's shape with the reduced axes set to 1: the shape dy has when the reduction keeps dims. */
function keptDimsShape(xShape: readonly number[], axis: unknown): { shape: number[]; reducedSize: number } {
  const axes = tf.util.parseAxisParam(axis as number | number[], xShape as number[]);
  const shape = xShape.slice();
  let reducedSize = 1;
  for (const a of axes) {
    reducedSize *= shape[a];
    shape[a] = 1;
  }
  return { shape, reducedSize };
}

function broadcastBack(dy: Tensor, xShape: readonly number[], keptShape: number[]): Tensor {
  const reshaped = tf.reshape(dy, keptShape);
  // broadcastTo of an equal shape is a copy; skip it.
  return keptShape.every((d, i) => d === xShape[i]) ? reshaped : tf.broadcastTo(reshaped, xShape as number[]);
}

/**
 * Gradient of Sum: dy broadcast back over the reduced axes.
 * @example tf.registerGradient(sumGradient)
 */
export const sumGradient: GradConfig = {
  kernelName: 'Sum',
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    const { shape } = keptDimsShape(x.shape, attrs.axis);
    return { x: () => broadcastBack(dy as Tensor, x.shape, shape) };
  },
};

/**
 * Gradient of Mean: dy ÷ (number of reduced elements), broadcast back over the reduced axes.
 * @example tf.registerGradient(meanGradient)
 */
export const meanGradient: GradConfig = {
  kernelName: 'Mean',
  inputsToSave: ['x'],
  gradFunc: (dy: Tensor | Tensor[], saved: Tensor[], attrs: NamedAttrMap) => {
    const [x] = saved;
    const { shape, reducedSize } = keptDimsShape(x.shape, attrs.axis);
    return { x: () => broadcastBack(tf.div(tf.reshape(dy as Tensor, shape), reducedSize), x.shape, shape) };
  },
};

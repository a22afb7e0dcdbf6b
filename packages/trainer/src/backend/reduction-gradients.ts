import * as tf from '@tensorflow/tfjs';
import type { GradConfig, NamedAttrMap, Tensor } from '@tensorflow/tfjs';

/**
 * Gradients of `Mean` and `Sum` that stay on the device.
 *
 * tfjs-core 4.22's own gradients (`gradients/Mean_grad.js`, `gradients/Sum_grad.js`) multiply the reshaped dy by
 * `ones(x.shape)`, and `ones` fills a typed array of x's full size on the CPU (`makeOnesTypedArray`) and uploads
 * it. On WebGPU that host work dominated a training step (27 % of CPU time, /work/shared/notes/gpu-baseline.md:
 * batch-norm moments and L1 losses reduce large activations on every layer). Here the gradient is
 * `reshape(dy, keptDims) · onesLike(x)`: the ones are filled by the backend's OnesLike kernel on the device, and
 * the product broadcasts. (A first version used `broadcastTo`, i.e. the Tile kernel: on wasm that was 15 % of a
 * training step's kernel time, 50–100× slower than OnesLike + Multiply on the same shapes.) For Mean, dy is divided
 * by the reduced size first (dy/n on the small tensor: the same float32 operations as the stock (dy·1)/n, so the
 * values are bit-identical to tfjs's own gradients).
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

function broadcastBack(dy: Tensor, x: Tensor, keptShape: number[]): Tensor {
  const reshaped = tf.reshape(dy, keptShape);
  if (keptShape.every((d, i) => d === x.shape[i])) return reshaped; // nothing reduced: nothing to broadcast
  // Ones of x's shape made on the device (OnesLike), float32 like the stock gradient's `ones(x.shape)`.
  const ones = x.dtype === 'float32' ? tf.onesLike(x) : tf.ones(x.shape);
  return tf.mul(reshaped, ones);
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
    return { x: () => broadcastBack(dy as Tensor, x, shape) };
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
    return { x: () => broadcastBack(tf.div(tf.reshape(dy as Tensor, shape), reducedSize), x, shape) };
  },
};

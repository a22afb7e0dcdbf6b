import * as tf from '@tensorflow/tfjs';

/**
 * Nearest-neighbour ×2 upsampling of an NHWC tensor, equal to PyTorch's `F.interpolate(x, scale_factor=2)`
 * (mode 'nearest': output pixel i reads input pixel ⌊i/2⌋).
 *
 * Built from concat and reshape only (each pixel repeated along W, then each row along H), so the gradient
 * exists on every backend without a ResizeNearestNeighborGrad kernel.
 *
 * @example
 * upsampleNearest2x(tf.tensor4d([1, 2, 3, 4], [1, 2, 2, 1])) // → rows [1 1 2 2], [1 1 2 2], [3 3 4 4], [3 3 4 4]
 */
export function upsampleNearest2x(x: tf.Tensor4D): tf.Tensor4D {
  const [n, h, w, c] = x.shape;
  return tf.tidy(() => {
    const wide = tf.reshape(tf.concat([x, x], 3), [n, h, 2 * w, c]);
    return tf.reshape(tf.concat([wide, wide], 2), [n, 2 * h, 2 * w, c]) as tf.Tensor4D;
  });
}

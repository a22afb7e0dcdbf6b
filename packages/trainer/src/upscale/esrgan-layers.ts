import * as tf from '@tensorflow/tfjs';

/**
 * The two custom layers the RRDN ("thick") ESRGAN models name in their model.json (UpscalerJS ships their Python
 * definitions' meaning, not code we can load): `MultiplyBeta` scales its input by the residual-in-residual factor
 * β = 0.2 (ESRGAN, Wang et al. 2018, §3.1: "residual scaling", β = 0.2), and `PixelShuffle{s}x` rearranges
 * s² · 3 channels into an s-times larger 3-channel image (Shi et al. 2016, sub-pixel convolution), which is
 * TensorFlow's depth_to_space in NHWC. The RDN models ("slim", "medium") use stock Keras layers only.
 */

/** β of ESRGAN's residual scaling. */
export const RESIDUAL_BETA = 0.2;

/** The scales UpscalerJS publishes a PixelShuffle layer for. */
export const PIXEL_SHUFFLE_SCALES = [2, 3, 4, 8] as const;

function single(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
  return Array.isArray(inputs) ? inputs[0] : inputs;
}

/** `MultiplyBeta`: x ↦ β·x, β = 0.2. */
export class MultiplyBeta extends tf.layers.Layer {
  static className = 'MultiplyBeta';
  override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
    return tf.tidy(() => tf.mul(single(inputs), RESIDUAL_BETA));
  }
}

/** Keras' output shape for depth_to_space by `scale`: H·s × W·s × C/s² (unknown sides stay unknown). */
function shuffledShape(shape: tf.Shape, scale: number): tf.Shape {
  const [n, h, w, c] = shape;
  const times = (v: number | null) => (v === null ? null : v * scale);
  return [n, times(h), times(w), c === null ? null : c / (scale * scale)];
}

/**
 * The `PixelShuffle{scale}x` layer class (one class name per scale, as the model files spell them).
 * @example const PixelShuffle4x = pixelShuffleLayer(4); // className 'PixelShuffle4x'
 */
export function pixelShuffleLayer(scale: number): tf.serialization.SerializableConstructor<tf.layers.Layer> {
  return class PixelShuffle extends tf.layers.Layer {
    static className = `PixelShuffle${scale}x`;
    override computeOutputShape(inputShape: tf.Shape | tf.Shape[]): tf.Shape {
      return shuffledShape(Array.isArray(inputShape[0]) ? (inputShape[0] as tf.Shape) : (inputShape as tf.Shape), scale);
    }
    override call(inputs: tf.Tensor | tf.Tensor[]): tf.Tensor {
      return tf.tidy(() => tf.depthToSpace(single(inputs) as tf.Tensor4D, scale, 'NHWC'));
    }
  };
}

/**
 * Register bgfill's MultiplyBeta and PixelShuffle{2,3,4,8}x with tfjs' serialization map, so that
 * `tf.loadLayersModel` can build the thick models. Called before every load: a class registered under the same
 * name by other code (UpscalerJS' own `setup`) is replaced by ours again.
 * @example registerEsrganLayers(); const model = await tf.loadLayersModel(handler);
 */
export function registerEsrganLayers(): void {
  tf.serialization.registerClass(MultiplyBeta);
  for (const scale of PIXEL_SHUFFLE_SCALES) tf.serialization.registerClass(pixelShuffleLayer(scale));
}

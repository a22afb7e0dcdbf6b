// The tf.data adapter lives apart from reader.ts so that CLI commands never load TensorFlow.js.
import type * as tfjs from '@tensorflow/tfjs';
import { readBundle, type ReadOptions } from './reader.js';

/** One element of the adapter's dataset. */
export interface TfExample extends tfjs.TensorContainerObject {
  /** [height, width, 3]: float32 in [0, 1] (`normalize`, the default) or int32 in [0, 255]. */
  image: tfjs.Tensor3D;
  /** int32 scalar class label (-1 when unlabelled). */
  label: tfjs.Scalar;
  /** [height, width, 1] float32, 1 = hole; present when the split carries masks. */
  mask?: tfjs.Tensor3D;
}

export interface TfDatasetOptions extends ReadOptions {
  /** Scale images to [0, 1] float32 (default true). */
  normalize?: boolean;
  /** The TensorFlow.js module to build tensors with (pass your own when you use tfjs-node or another backend package). */
  tf?: typeof tfjs;
}

/**
 * A `tf.data.Dataset` over a bundle split, built with `tf.data.generator` on {@link readBundle}: shuffle, worker,
 * repeat, skip and limit work as there. Batch it yourself: `(await toTfDataset(dir, o)).batch(16)`.
 * @example const ds = await toTfDataset('bundle', { split: 'train', shuffleBuffer: 512, seed: 3, repeat: true });
 */
export async function toTfDataset(dir: string, options: TfDatasetOptions): Promise<tfjs.data.Dataset<TfExample>> {
  const tf = options.tf ?? (await import('@tensorflow/tfjs'));
  const { normalize = true, tf: _tf, ...read } = options;
  const source = readBundle(dir, { ...read, decode: true });
  return tf.data.generator<TfExample>(() => {
    const it = source[Symbol.asyncIterator]();
    return {
      async next(): Promise<IteratorResult<TfExample>> {
        const r = await it.next();
        if (r.done) return { done: true, value: undefined };
        const ex = r.value;
        const { width, height } = ex.image;
        const pixels = tf.tensor3d(Int32Array.from(ex.image.data), [height, width, 3], 'int32');
        const image = normalize ? tf.tidy(() => pixels.toFloat().div(255) as tfjs.Tensor3D) : pixels;
        if (normalize) pixels.dispose();
        const value: TfExample = { image, label: tf.scalar(ex.label, 'int32') };
        if (ex.mask) value.mask = tf.tensor3d(Float32Array.from(ex.mask.data), [height, width, 1], 'float32');
        return { done: false, value };
      },
    };
  });
}

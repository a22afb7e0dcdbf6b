import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import type { ParamSpec } from '../model/architecture.js';
import { conv2dTorch } from '../model/conv.js';
import { describeProblems, hasProblems, matchWeights, type MappedWeight } from '../weights/key-mapping.js';
import { readWeightFile } from '../weights/checkpoint.js';
import type { WeightMap } from '../weights/weight-tensor.js';

/**
 * The convolutions of torchvision's VGG-16 (`models.vgg16().features`) up to pool3: [state_dict index, in, out].
 * Every one is 3×3 with padding 1 and a bias, followed by ReLU; a 2×2 max pool follows indices 2 (pool1), 7 (pool2)
 * and 14 (pool3). The authors' VGG16FeatureExtractor returns the three pooled maps (features[:5], [5:10], [10:17]).
 */
export const VGG16_CONVS: ReadonlyArray<readonly [number, number, number]> = [
  [0, 3, 64],
  [2, 64, 64],
  [5, 64, 128],
  [7, 128, 128],
  [10, 128, 256],
  [12, 256, 256],
  [14, 256, 256],
];
const POOL_AFTER: ReadonlySet<number> = new Set([2, 7, 14]);

/** The file torchvision downloads for `models.vgg16(pretrained=True)` (ImageNet weights). */
export const VGG16_FILE = 'vgg16-397923af.pth';

/** The state_dict entries the feature extractor needs (the file's others, later layers and the classifier, are ignored). */
export function vgg16FeatureSpecs(): ParamSpec[] {
  return VGG16_CONVS.flatMap(([index, cin, cout]): ParamSpec[] => [
    { name: `features.${index}.weight`, shape: [cout, cin, 3, 3], role: 'conv-weight', trainable: false, dtype: 'float32', init: { kind: 'constant', value: 0 } },
    { name: `features.${index}.bias`, shape: [cout], role: 'conv-bias', trainable: false, dtype: 'float32', init: { kind: 'constant', value: 0 } },
  ]);
}

/**
 * The feature extractor's weights from a state_dict in torchvision's key layout (`features.0.weight` …), in tfjs
 * layout, checked: missing or mis-shaped keys throw one BgfillError naming them and `source`; keys the extractor
 * does not use (later layers, the classifier) are ignored. Needs no tfjs backend.
 * @example const checked = checkVgg16Weights((await readWeightFile('vgg16-397923af.pth')).weights, 'vgg16-397923af.pth');
 */
export function checkVgg16Weights(weights: WeightMap, source: string): ReadonlyMap<string, MappedWeight> {
  const { weights: mapped, problems } = matchWeights(weights, vgg16FeatureSpecs());
  problems.unknown = [];
  if (hasProblems(problems)) {
    throw new BgfillError(
      `${describeProblems(problems, source, `VGG-16's features (torchvision's ${VGG16_FILE} layout)`)}\n  (the perceptual and style losses need torchvision's ImageNet VGG-16 weights)`,
      { subject: source },
    );
  }
  return new Map(mapped.map((w) => [w.spec.name, w]));
}

/**
 * VGG-16's pool1, pool2 and pool3 features, frozen (plain tensors, not variables: gradients flow through them to the
 * input, never into them). Inputs are NHWC in 0…1, not normalised, as the authors' training feeds their extractor.
 * @example
 * const vgg = await Vgg16Features.load('vgg16-397923af.pth'); // or Vgg16Features.fromWeights(checkVgg16Weights(weights, source))
 * const [pool1, pool2, pool3] = vgg.features(images);
 */
export class Vgg16Features {
  private constructor(private readonly layers: ReadonlyMap<number, { kernel: tf.Tensor4D; bias: tf.Tensor1D }>) {}

  /** From weights checked by checkVgg16Weights. */
  static fromWeights(byName: ReadonlyMap<string, MappedWeight>): Vgg16Features {
    const layers = new Map<number, { kernel: tf.Tensor4D; bias: tf.Tensor1D }>();
    for (const [index] of VGG16_CONVS) {
      const kernel = byName.get(`features.${index}.weight`)!;
      const bias = byName.get(`features.${index}.bias`)!;
      layers.set(index, { kernel: tf.tensor4d(kernel.values, kernel.shape as [number, number, number, number]), bias: tf.tensor1d(bias.values as Float32Array) });
    }
    return new Vgg16Features(layers);
  }

  /** Read the weights from a file (.pth as torchvision saves it, or safetensors) and check them. */
  static async load(path: string): Promise<Vgg16Features> {
    const file = await readWeightFile(path);
    return Vgg16Features.fromWeights(checkVgg16Weights(file.weights, file.source));
  }

  /** [pool1, pool2, pool3] of an NHWC batch (new tensors the caller disposes). */
  features(x: tf.Tensor4D): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
    return tf.tidy(() => {
      const out: tf.Tensor4D[] = [];
      let h = x;
      for (const [index] of VGG16_CONVS) {
        const { kernel, bias } = this.layers.get(index)!;
        h = tf.relu(conv2dTorch(h, kernel, bias, { stride: 1, padding: 1, dilation: 1 })) as tf.Tensor4D;
        if (POOL_AFTER.has(index)) {
          h = tf.maxPool(h, 2, 2, 'valid');
          out.push(h);
        }
      }
      return out as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
    });
  }

  dispose(): void {
    for (const { kernel, bias } of this.layers.values()) tf.dispose([kernel, bias]);
  }
}

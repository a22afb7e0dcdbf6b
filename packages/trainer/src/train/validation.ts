import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { type Mask, type Size } from '@bgfill/masks';
import { cropPixels, fromImageTensor, recordName, toBatchTensors, type SourceExample, type TrainItem } from './data.js';
import { paintHoles, writeSampleGrid, type RgbPixels } from './samples.js';
import { SIGNED_UNIT_PIXELS, type PixelCodec } from '../inference/pixel-range.js';

/** What validation needs of a network: inference-mode composites, and its pixel codec (default −1…1). */
export interface ValidationNet {
  readonly pixels?: PixelCodec;
  apply(x: tf.Tensor4D, mask: tf.Tensor4D, options?: { training?: boolean }): { composite: tf.Tensor4D };
}

/**
 * The fixed validation images of a run: the first N records of the validation split, centre-cropped to the
 * training crop, with their stored masks (a bundle's validation split carries fixed masks) or else online masks
 * of index `val-<i>` — the same in every epoch.
 * @example const items = examples.map((ex, i) => validationItem(ex, i, 64, maskFor));
 */
export function validationItem(example: SourceExample, i: number, crop: number | null, maskFor?: (size: Size, index: string) => Mask): TrainItem {
  const { width, height, data } = example.image;
  const side = crop ?? Math.min(width, height);
  const x = Math.floor((width - side) / 2);
  const y = Math.floor((height - side) / 2);
  const image: RgbPixels = { data: cropPixels(data, width, 3, x, y, side), width: side, height: side };
  let mask: Mask;
  if (example.mask) mask = { width: side, height: side, data: cropPixels(example.mask.data, width, 1, x, y, side) };
  else if (maskFor) mask = maskFor({ width: side, height: side }, `val-${i}`);
  else throw new BgfillError(`validation ${recordName(example)} has no stored mask and no mask strategy is set`, { subject: example.key });
  return { key: example.key, image, mask };
}

export interface ValidationResult {
  /** Mean |composite − target| on the 0…1 scale over all pixels. */
  l1: number;
  /** The same inside the holes only. */
  l1Hole: number;
}

/**
 * Run the generator in inference mode on the validation items, write `samples.png` into `dir`
 * (masked input | output | target rows) and return the L1 of the composites.
 * @example const { l1, l1Hole } = await renderValidation(generator, items, 'run/epoch-0001', 'samples.png');
 */
export async function renderValidation(generator: ValidationNet, items: readonly TrainItem[], dir: string, file: string): Promise<ValidationResult> {
  const pixels = generator.pixels ?? SIGNED_UNIT_PIXELS;
  const { images, masks } = toBatchTensors(items, pixels);
  const composite = tf.tidy(() => generator.apply(images, masks, { training: false }).composite);
  const stats = tf.tidy(() => {
    const diff = tf.div(tf.abs(tf.sub(composite, images)), pixels.span); // the network's range → 0…1 scale
    const all = tf.mean(diff);
    const hole = tf.div(tf.sum(tf.mul(diff, masks)), tf.maximum(tf.mul(tf.sum(masks), 3), 1));
    return tf.stack([all, hole]);
  });
  const [l1, l1Hole] = await stats.data();
  stats.dispose();
  const outputs = await fromImageTensor(composite, pixels);
  tf.dispose([images, masks, composite]);
  await writeSampleGrid(join(dir, file), {
    inputs: items.map((it) => paintHoles(it.image, it.mask.data)),
    outputs,
    targets: items.map((it) => it.image),
  });
  return { l1, l1Hole };
}

import * as tf from '@tensorflow/tfjs';
import { BgfillError, rngFor } from '@bgfill/core';
import { type Mask, type Size } from '@bgfill/masks';
import type { RgbPixels } from './samples.js';
import { SIGNED_UNIT_PIXELS, type PixelCodec } from '../inference/pixel-range.js';

/**
 * Training data: examples streamed from a bundle split, cropped and paired with masks, grouped into batches.
 * Everything random is a pure function of the run's seed and the example's place in the run:
 * the stream order of epoch e from the dataset reader seeded with `epochSeed(seed, e)`, the crop offset and the
 * online mask of example i of epoch e from `rngFor(seed, 'crop', e, i)` and `generate(size, seed, 'e<e>-i<i>')`.
 * So a resumed epoch sees exactly the images, crops and masks it saw the first time.
 */

/** What a training example needs (a subset of the dataset reader's DecodedExample). */
export interface SourceExample {
  key: string;
  /** The source file the record was built from (`image/filename`), to name it in messages. */
  filename?: string;
  image: { data: Uint8Array; width: number; height: number; channels: number };
  mask?: Mask;
}

/** A cropped example ready for batching. */
export interface TrainItem {
  key: string;
  image: RgbPixels;
  mask: Mask;
}

/** Seed handed to the dataset reader for epoch `epoch` (its shuffle order). */
export function epochSeed(seed: number, epoch: number): string {
  return `${seed}:epoch:${epoch}`;
}

/** Mask index of example `index` of epoch `epoch` for the online mask generator. */
export function maskIndex(epoch: number, index: number): string {
  return `e${epoch}-i${index}`;
}

/**
 * Top-left corner of the random square crop of example `index` in `epoch`.
 * @example cropOrigin(0, 1, 5, { width: 256, height: 256 }, 128) // { x: …, y: … } within [0, 128]
 */
export function cropOrigin(seed: number, epoch: number, index: number, size: Size, side: number): { x: number; y: number } {
  const rng = rngFor(seed, 'crop', epoch, index);
  return { x: rng.int(0, size.width - side), y: rng.int(0, size.height - side) };
}

/** Copy a `side × side` window of an interleaved image with `channels` channels. */
export function cropPixels(data: Uint8Array, width: number, channels: number, x: number, y: number, side: number): Uint8Array {
  const out = new Uint8Array(side * side * channels);
  for (let r = 0; r < side; r++) {
    const from = ((y + r) * width + x) * channels;
    out.set(data.subarray(from, from + side * channels), r * side * channels);
  }
  return out;
}

export interface ItemOptions {
  seed: number;
  epoch: number;
  /** Position of the example in the epoch (0-based). */
  index: number;
  /** Square crop side; null = full image. */
  crop: number | null;
  /** Online mask for (size, index); absent = use the example's stored mask. */
  maskFor?: (size: Size, index: string) => Mask;
}

/** How messages name a record: its source file when known, with the start of its key. */
export function recordName(example: Pick<SourceExample, 'key' | 'filename'>): string {
  return example.filename ? `record ${example.filename} (key ${example.key.slice(0, 12)}…)` : `record ${example.key}`;
}

/**
 * Crop an example and attach its mask. Throws a BgfillError naming the record when the image is smaller
 * than the crop or a stored mask is missing / of another size.
 */
export function prepareItem(example: SourceExample, options: ItemOptions): TrainItem {
  const { width, height, channels } = example.image;
  if (channels !== 3) throw new BgfillError(`${recordName(example)}: expected 3 channels, got ${channels}`, { subject: example.key });
  const side = options.crop;
  if (side !== null && (side > width || side > height)) {
    throw new BgfillError(`${recordName(example)}: image ${width}×${height} is smaller than --crop ${side}`, { subject: example.key });
  }
  const origin = side === null ? { x: 0, y: 0 } : cropOrigin(options.seed, options.epoch, options.index, { width, height }, side);
  const w = side ?? width;
  const h = side ?? height;
  const image: RgbPixels =
    side === null ? { data: example.image.data, width, height } : { data: cropPixels(example.image.data, width, 3, origin.x, origin.y, side), width: w, height: h };
  let mask: Mask;
  if (options.maskFor) {
    mask = options.maskFor({ width: w, height: h }, maskIndex(options.epoch, options.index));
  } else {
    const stored = example.mask;
    if (!stored) throw new BgfillError(`${recordName(example)} has no stored mask (use an online mask strategy instead of "bundle")`, { subject: example.key });
    if (stored.width !== width || stored.height !== height) {
      throw new BgfillError(`${recordName(example)}: mask ${stored.width}×${stored.height} differs from image ${width}×${height}`, { subject: example.key });
    }
    mask = side === null ? stored : { width: w, height: h, data: cropPixels(stored.data, width, 1, origin.x, origin.y, side) };
  }
  return { key: example.key, image, mask };
}

/**
 * Images to NHWC float in the network's range (`pixels`; default −1…1: x / 127.5 − 1) and masks to NHW1 in {0, 1}.
 * All items must share one size.
 * @example const { images, masks } = toBatchTensors(items);
 */
export function toBatchTensors(items: readonly TrainItem[], pixels: PixelCodec = SIGNED_UNIT_PIXELS): { images: tf.Tensor4D; masks: tf.Tensor4D } {
  const { width, height } = items[0].image;
  const n = items.length;
  const values = new Float32Array(n * width * height * 3);
  const holes = new Float32Array(n * width * height);
  items.forEach((item, b) => {
    if (item.image.width !== width || item.image.height !== height) {
      throw new BgfillError(`record ${item.key}: size ${item.image.width}×${item.image.height} differs from the batch's ${width}×${height}`, {
        subject: item.key,
      });
    }
    values.set(pixels.toNet(item.image.data), b * width * height * 3);
    holes.set(item.mask.data, b * width * height);
  });
  return {
    images: tf.tensor4d(values, [n, height, width, 3]),
    masks: tf.tensor4d(holes, [n, height, width, 1]),
  };
}

/** Float NHWC in the network's range back to 8-bit RGB images (`pixels`; default −1…1: round, clamp), one per batch element. */
export async function fromImageTensor(t: tf.Tensor4D, pixels: PixelCodec = SIGNED_UNIT_PIXELS): Promise<RgbPixels[]> {
  const [n, height, width] = t.shape;
  const data = (await t.data()) as Float32Array;
  const size = width * height * 3;
  return Array.from({ length: n }, (_, b) => ({ data: pixels.fromNet(data.subarray(b * size, (b + 1) * size)), width, height }));
}

/**
 * Group a stream into `steps` batches of `batchSize` prepared items, numbering examples from 0 within the epoch.
 * The next batch is read while the caller trains on the current one. Throws when the stream ends early.
 */
export async function* batches(
  stream: AsyncIterable<SourceExample>,
  options: { batchSize: number; steps: number; prepare: (example: SourceExample, index: number) => TrainItem; source: string },
): AsyncGenerator<TrainItem[]> {
  const iterator = stream[Symbol.asyncIterator]();
  let index = 0;
  const readBatch = async (): Promise<TrainItem[]> => {
    const items: TrainItem[] = [];
    while (items.length < options.batchSize) {
      const next = await iterator.next();
      if (next.done) throw new BgfillError(`${options.source}: the stream ended after ${index} examples`, { subject: options.source });
      items.push(options.prepare(next.value, index++));
    }
    return items;
  };
  try {
    let pending = readBatch();
    for (let s = 0; s < options.steps; s++) {
      const current = await pending;
      if (s + 1 < options.steps) {
        pending = readBatch();
        pending.catch(() => undefined); // surfaced when awaited
      }
      yield current;
    }
  } finally {
    await iterator.return?.();
  }
}

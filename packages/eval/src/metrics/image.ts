import { BgfillError, invalidParameter } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';

/**
 * An 8-bit RGB image: row-major, channels interleaved (HWC), `data.length === width * height * 3`.
 * This is what `readRgbImage` returns and what sharp's `.raw()` output holds for a 3-channel image.
 */
export interface RgbImage {
  data: Uint8Array;
  width: number;
  height: number;
  channels: 3;
}

/**
 * A floating-point image with any number of channels: row-major, channels interleaved (HWC), values on a scale
 * whose width is the metric's `dataRange` (e.g. 0…1, 0…255, −1…1). Used for 16-bit or model-output images.
 */
export interface FloatImage {
  data: Float64Array | Float32Array;
  width: number;
  height: number;
  channels: number;
}

/** Any image the buffer metrics accept. */
export type MetricImage = RgbImage | FloatImage;

/**
 * Check an image's shape: positive integer sides, channel count, and a data length that matches.
 * Throws a BgfillError naming `name` otherwise.
 */
export function checkImage(image: MetricImage, name: string): void {
  if (image === null || typeof image !== 'object') throw invalidParameter(name, 'an image object', image);
  const { width, height, channels, data } = image;
  if (!Number.isInteger(width) || width <= 0) throw invalidParameter(`${name}.width`, 'positive integer', width);
  if (!Number.isInteger(height) || height <= 0) throw invalidParameter(`${name}.height`, 'positive integer', height);
  if (!Number.isInteger(channels) || channels <= 0) {
    throw invalidParameter(`${name}.channels`, 'positive integer', channels);
  }
  if (!(data instanceof Uint8Array || data instanceof Float64Array || data instanceof Float32Array)) {
    throw invalidParameter(`${name}.data`, 'Uint8Array, Float32Array or Float64Array', data);
  }
  if (data.length !== width * height * channels) {
    throw invalidParameter(
      `${name}.data.length`,
      `${width * height * channels} (= ${width}×${height}×${channels})`,
      data.length,
    );
  }
}

/** Describe an image's size for messages, e.g. "256×192". */
export function sizeLabel(image: { width: number; height: number }): string {
  return `${image.width}×${image.height}`;
}

/** Check both images and that they have the same size and channel count. */
export function checkPair(pred: MetricImage, target: MetricImage): void {
  checkImage(pred, 'pred');
  checkImage(target, 'target');
  if (pred.width !== target.width || pred.height !== target.height || pred.channels !== target.channels) {
    throw new BgfillError(
      `pred and target differ in size: pred is ${sizeLabel(pred)} with ${pred.channels} channels, ` +
        `target is ${sizeLabel(target)} with ${target.channels} channels`,
      { subject: 'pred' },
    );
  }
}

/** Check that a mask has the image's width and height (1 = hole, 0 = known; any non-zero byte counts as hole). */
export function checkMaskFor(mask: Mask, image: { width: number; height: number }): void {
  if (mask === null || typeof mask !== 'object' || !(mask.data instanceof Uint8Array)) {
    throw invalidParameter('mask', 'a Mask ({ width, height, data: Uint8Array })', mask);
  }
  if (mask.width !== image.width || mask.height !== image.height || mask.data.length !== mask.width * mask.height) {
    throw new BgfillError(
      `mask is ${sizeLabel(mask)} (${mask.data.length} bytes) but the images are ${sizeLabel(image)}`,
      { subject: 'mask' },
    );
  }
}

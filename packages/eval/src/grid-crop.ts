import { invalidParameter } from '@bgfill/core';
import type { Mask } from '@bgfill/masks';
import type { RgbImage } from './metrics/image.js';

/** What each grid cell shows: the whole record, or its hole's region enlarged (`--grid-crop hole`). */
export const GRID_CROP_MODES = ['none', 'hole'] as const;
export type GridCropMode = (typeof GRID_CROP_MODES)[number];

/** A rectangle in pixels. */
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}

/**
 * Parse `--grid-crop`.
 * @example parseGridCrop('hole') // 'hole'
 */
export function parseGridCrop(value: string): GridCropMode {
  const lower = String(value).trim().toLowerCase();
  if ((GRID_CROP_MODES as readonly string[]).includes(lower)) return lower as GridCropMode;
  throw invalidParameter('grid crop', GRID_CROP_MODES.join(' or '), value);
}

/**
 * The hole's bounding box grown by an eighth of its larger side (at least 4 px) on every side, within the image;
 * null for a mask without a hole.
 * @example holeRegion(mask) // { x: 40, y: 12, width: 90, height: 200 }
 */
export function holeRegion(mask: Mask): Box | null {
  let x0 = mask.width;
  let y0 = mask.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (!mask.data[y * mask.width + x]) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      if (y > y1) y1 = y;
    }
  }
  if (x1 < 0) return null;
  const margin = Math.max(4, Math.round(Math.max(x1 - x0 + 1, y1 - y0 + 1) / 8));
  const x = Math.max(0, x0 - margin);
  const y = Math.max(0, y0 - margin);
  return { x, y, width: Math.min(mask.width, x1 + 1 + margin) - x, height: Math.min(mask.height, y1 + 1 + margin) - y };
}

/** The largest whole enlargement of a box that fits `width` × `height` (at least 1). */
export function enlargement(box: Box, width: number, height: number): number {
  return Math.max(1, Math.min(Math.floor(width / box.width), Math.floor(height / box.height)));
}

/**
 * A region of an image enlarged `scale` times by pixel repetition (nearest neighbour: no smoothing is added, so blur
 * in a fill stays what it is).
 * @example cropEnlarged(image, { x: 10, y: 10, width: 32, height: 64 }, 4) // 128 × 256
 */
export function cropEnlarged(image: RgbImage, box: Box, scale: number): RgbImage {
  const width = box.width * scale;
  const height = box.height * scale;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const sy = box.y + Math.floor(y / scale);
    for (let x = 0; x < width; x++) {
      const s = (sy * image.width + box.x + Math.floor(x / scale)) * 3;
      const d = (y * width + x) * 3;
      data[d] = image.data[s];
      data[d + 1] = image.data[s + 1];
      data[d + 2] = image.data[s + 2];
    }
  }
  return { data, width, height, channels: 3 };
}

import { invalidParameter } from '@bgfill/core';
import type { Rect } from './upscaler.js';

/**
 * Tiles for a super-resolution network, laid out so that seams cannot show. The region to upscale is cut into
 * `tile` × `tile` cores (the last row and column shorter); each core is run with `margin` pixels of the image
 * around it on every side (fewer at the image border, where the network's own zero padding then sees what it sees
 * on the whole image), and only the core's part of the output is kept. With `margin` at least the network's
 * receptive-field radius (receptive-field.ts) every output pixel sees exactly the input it sees in one
 * whole-image run, so any tile size gives the same values as no tiling at all; a smaller margin trades a little
 * exactness far from the core's edge for less repeated work.
 */
export interface UpscaleTile {
  /** The pixels this tile contributes, in input coordinates. */
  core: Rect;
  /** What the network runs on: the core plus its margin, clipped to the image. */
  input: Rect;
}

/** The largest tile side accepted (input pixels): far beyond what one network run should take. */
export const MAX_UPSCALE_TILE = 4096;

/**
 * Check a tile side: 0 means one run for the whole region (plus its margin).
 * @example parseUpscaleTile('128', '--tile') // → 128
 */
export function parseUpscaleTile(value: unknown, name = 'tile'): number {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'number' && Number.isInteger(n) && n >= 0 && n <= MAX_UPSCALE_TILE) return n;
  throw invalidParameter(name, `an integer from 0 (no tiling) to ${MAX_UPSCALE_TILE}`, value);
}

function axis(start: number, length: number, tile: number): Array<[number, number]> {
  if (tile === 0 || tile >= length) return [[start, length]];
  const out: Array<[number, number]> = [];
  for (let s = start; s < start + length; s += tile) out.push([s, Math.min(tile, start + length - s)]);
  return out;
}

/**
 * The tiles over `region` of a `width` × `height` image, row by row.
 * @example planUpscaleTiles({ x: 0, y: 0, width: 300, height: 200 }, 300, 200, 128, 10)
 * // 3 × 2 tiles; the first: core 128×128 at (0, 0), input 138×138 at (0, 0)
 */
export function planUpscaleTiles(region: Rect, width: number, height: number, tile: number, margin: number): UpscaleTile[] {
  const tiles: UpscaleTile[] = [];
  for (const [y, h] of axis(region.y, region.height, tile)) {
    for (const [x, w] of axis(region.x, region.width, tile)) {
      const x0 = Math.max(0, x - margin);
      const y0 = Math.max(0, y - margin);
      const x1 = Math.min(width, x + w + margin);
      const y1 = Math.min(height, y + h + margin);
      tiles.push({ core: { x, y, width: w, height: h }, input: { x: x0, y: y0, width: x1 - x0, height: y1 - y0 } });
    }
  }
  return tiles;
}

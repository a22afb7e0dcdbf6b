import { invalidParameter } from '@bgfill/core';

/** A binary mask, row-major, one byte per pixel: 1 = hole (to be filled), 0 = known pixel. */
export interface Mask {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface Size {
  readonly width: number;
  readonly height: number;
}

/** Largest side accepted anywhere in the package: guards against typos such as 2560000. */
export const MAX_MASK_SIDE = 16384;

/** Check a size at the edge; throws a BgfillError naming the field. */
export function checkSize(size: Size, name = 'size'): Size {
  for (const key of ['width', 'height'] as const) {
    const v = size[key];
    if (!Number.isInteger(v) || v <= 0 || v > MAX_MASK_SIDE) {
      throw invalidParameter(`${name}.${key}`, `integer between 1 and ${MAX_MASK_SIDE}`, v);
    }
  }
  return size;
}

/** An all-zero (no hole) mask. */
export function createMask(size: Size): Mask {
  checkSize(size);
  return { width: size.width, height: size.height, data: new Uint8Array(size.width * size.height) };
}

/** Fraction of pixels that are hole, in [0, 1]. */
export function holeRatio(mask: Mask): number {
  const { data } = mask;
  let n = 0;
  for (let i = 0; i < data.length; i++) n += data[i];
  return data.length === 0 ? 0 : n / data.length;
}

/** Fill the half-open rectangle [x0, x1) × [y0, y1), clipped to the mask. */
export function fillRect(mask: Mask, x0: number, y0: number, x1: number, y1: number): void {
  const xa = Math.max(0, Math.floor(x0));
  const xb = Math.min(mask.width, Math.floor(x1));
  const ya = Math.max(0, Math.floor(y0));
  const yb = Math.min(mask.height, Math.floor(y1));
  if (xa >= xb) return;
  for (let y = ya; y < yb; y++) mask.data.fill(1, y * mask.width + xa, y * mask.width + xb);
}

import type { Mask } from '@bgfill/masks';
import type { RgbImageLike } from './inpaint.js';
import type { Tile } from './tiling.js';

/**
 * Chessboard distance (8-neighbour steps) of every pixel to the nearest hole pixel, capped at `cap`: 0 inside the
 * hole, `cap` for every pixel `cap` or more steps away. Two passes (forward, backward).
 * @example holeDistance(mask, 5)[p] <= 3 // p lies in dilate(mask, 3 iterations, square)
 */
export function holeDistance(mask: Mask, cap: number): Uint16Array {
  const { width, height, data } = mask;
  const d = new Uint16Array(width * height);
  for (let p = 0; p < d.length; p++) d[p] = data[p] === 0 ? cap : 0;
  const relax = (p: number, q: number) => {
    if (d[q] + 1 < d[p]) d[p] = d[q] + 1;
  };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (x > 0) relax(p, p - 1);
      if (y > 0) {
        relax(p, p - width);
        if (x > 0) relax(p, p - width - 1);
        if (x < width - 1) relax(p, p - width + 1);
      }
    }
  }
  for (let y = height - 1; y >= 0; y--) {
    for (let x = width - 1; x >= 0; x--) {
      const p = y * width + x;
      if (x < width - 1) relax(p, p + 1);
      if (y < height - 1) {
        relax(p, p + width);
        if (x < width - 1) relax(p, p + width + 1);
        if (x > 0) relax(p, p + width - 1);
      }
    }
  }
  return d;
}

/**
 * Put `fill` into `image` inside the hole, feathered outward over `feather` pixels: weight 1 on the hole, 1 − d/(F+1)
 * at chessboard distance d ≤ F from it, 0 beyond. `fill` covers `at` (in image coordinates), which must contain every
 * pixel within `feather` of the hole. Pixels further than `feather` from the hole — everything outside
 * dilate(hole, feather iterations, square) — are returned unchanged, byte for byte.
 * @example const out = featherComposite(photo, hole, upscaledFill, rect, 4);
 */
export function featherComposite(image: RgbImageLike, hole: Mask, fill: Uint8Array, at: Tile, feather: number): Uint8Array {
  const out = Uint8Array.from(image.data);
  const distance = holeDistance(hole, feather + 1);
  for (let y = 0; y < image.height; y++) {
    for (let x = 0; x < image.width; x++) {
      const p = y * image.width + x;
      const d = distance[p];
      if (d > feather) continue;
      if (x < at.x || y < at.y || x >= at.x + at.width || y >= at.y + at.height) throw new Error(`internal: pixel (${x}, ${y}) near the hole lies outside the fill`);
      const w = 1 - d / (feather + 1);
      const f = ((y - at.y) * at.width + (x - at.x)) * 3;
      for (let c = 0; c < 3; c++) out[3 * p + c] = Math.round(w * fill[f + c] + (1 - w) * image.data[3 * p + c]);
    }
  }
  return out;
}

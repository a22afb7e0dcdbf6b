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
 * Put `fill` into `image` inside the hole only, its seam feathered over `feather` pixels inward: where the fill meets
 * the photo, its local offset from the photo is removed. For each ring pixel outside the hole (within `feather` of it)
 * the offset is photo − fill; a hole pixel at chessboard distance e ≤ `feather` from the nearest pixel outside the
 * hole gets fill + w · (mean offset over the outside pixels in its (2·feather + 1)² window), w = 1 − (e − 1)/feather:
 * at the edge the fill takes the photo's local level, `feather` pixels in it is the fill as it is. Only pixels
 * outside the hole are read from `image`, so what the hole held never matters, and every pixel outside the hole is
 * returned unchanged, byte for byte. `fill` covers `at` (in image coordinates), which must contain every hole pixel
 * and every pixel within `feather` of one. `feather` 0: the fill as it is, a hard edge.
 * @example const out = featherComposite(photo, hole, upscaledFill, rect, 4);
 */
export function featherComposite(image: RgbImageLike, hole: Mask, fill: Uint8Array, at: Tile, feather: number): Uint8Array {
  const out = Uint8Array.from(image.data);
  const { width, height } = image;
  // Offsets and counts of the outside pixels in `at`, as summed-area tables ((at.width + 1) × (at.height + 1)).
  const stride = at.width + 1;
  const sums = new Float64Array(stride * (at.height + 1) * 4);
  for (let ty = 0; ty < at.height; ty++) {
    for (let tx = 0; tx < at.width; tx++) {
      const p = (at.y + ty) * width + at.x + tx;
      const cell = ((ty + 1) * stride + tx + 1) * 4;
      const up = (ty * stride + tx + 1) * 4;
      const left = cell - 4;
      const diag = up - 4;
      // `at` may reach past the photo's right and bottom edges (the padding the shrink needed): those count for nothing.
      const outside = at.x + tx < width && at.y + ty < height && hole.data[p] === 0 ? 1 : 0;
      for (let c = 0; c < 4; c++) {
        const v = outside === 0 ? 0 : c === 3 ? 1 : image.data[3 * p + c] - fill[(ty * at.width + tx) * 3 + c];
        sums[cell + c] = v + sums[up + c] + sums[left + c] - sums[diag + c];
      }
    }
  }
  const inside: Mask = { width, height, data: hole.data.map((v) => (v === 0 ? 1 : 0)) };
  const depth = holeDistance(inside, feather + 1);
  const offset = [0, 0, 0];
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (hole.data[p] === 0) continue;
      if (x < at.x || y < at.y || x >= at.x + at.width || y >= at.y + at.height) throw new Error(`internal: hole pixel (${x}, ${y}) lies outside the fill`);
      const f = ((y - at.y) * at.width + (x - at.x)) * 3;
      const e = depth[p];
      offset.fill(0);
      if (e <= feather) {
        const x0 = Math.max(0, x - at.x - feather);
        const y0 = Math.max(0, y - at.y - feather);
        const x1 = Math.min(at.width, x - at.x + feather + 1);
        const y1 = Math.min(at.height, y - at.y + feather + 1);
        const box = (c: number) => sums[(y1 * stride + x1) * 4 + c] - sums[(y0 * stride + x1) * 4 + c] - sums[(y1 * stride + x0) * 4 + c] + sums[(y0 * stride + x0) * 4 + c];
        const w = (1 - (e - 1) / feather) / box(3);
        for (let c = 0; c < 3; c++) offset[c] = w * box(c);
      }
      for (let c = 0; c < 3; c++) out[3 * p + c] = Math.min(255, Math.max(0, Math.round(fill[f + c] + offset[c])));
    }
  }
  return out;
}

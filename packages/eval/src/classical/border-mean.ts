import type { FillTarget } from './fill-target.js';

/**
 * The simplest fill: every hole pixel takes the mean colour of the hole's border, the known pixels 4-adjacent to a
 * hole pixel (one mean over all of them, rounded half up per channel). With no known pixel at all, the hole is black.
 * Writes into `target.out`; pixels outside the hole are not touched.
 * @example borderMeanFill({ mask, out: Uint8Array.from(image.data), width, height });
 */
export function borderMeanFill(target: FillTarget): void {
  const { mask, out, width, height } = target;
  const hole = mask.data;
  let r = 0;
  let g = 0;
  let b = 0;
  let n = 0;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (hole[p]) continue;
      const border = (y > 0 && hole[p - width]) || (y < height - 1 && hole[p + width]) || (x > 0 && hole[p - 1]) || (x < width - 1 && hole[p + 1]);
      if (!border) continue;
      r += out[p * 3];
      g += out[p * 3 + 1];
      b += out[p * 3 + 2];
      n++;
    }
  }
  const colour = n === 0 ? [0, 0, 0] : [Math.round(r / n), Math.round(g / n), Math.round(b / n)];
  for (let p = 0; p < hole.length; p++) {
    if (!hole[p]) continue;
    out[p * 3] = colour[0];
    out[p * 3 + 1] = colour[1];
    out[p * 3 + 2] = colour[2];
  }
}

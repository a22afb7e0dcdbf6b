import type { Mask } from '@bgfill/masks';

/** Float32 rounding, as OpenCV's fills compute. */
export const f32 = Math.fround;
/** 1e-20 as a float32 (OpenCV's guard against dividing by zero). */
export const TINY = f32(1e-20);
/** 1e-6 as a float32: the weight OpenCV's fills give a direction term within 0.01 of zero. */
export const NEAR_ZERO = f32(0.000001);

/** What a fill works on: the hole (1 = hole) and the output pixels (8-bit RGB, starting as the input), same size. */
export interface FillTarget {
  mask: Mask;
  out: Uint8Array;
  width: number;
  height: number;
}

/**
 * An 8-bit value from a real number as OpenCV's `saturate_cast<uchar>` makes it: rounded to nearest with ties to
 * even (`cvRound`), then clamped to 0…255.
 * @example nearestEven(2.5) // 2; nearestEven(3.5) // 4; nearestEven(300) // 255
 */
export function nearestEven(x: number): number {
  let r = Math.round(x);
  if (r - x === 0.5 && r % 2 !== 0) r -= 1;
  return r < 0 ? 0 : r > 255 ? 255 : r;
}

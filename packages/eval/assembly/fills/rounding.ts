/** 1e-20 as a float32 (OpenCV's guard against dividing by zero). */
export const TINY: f32 = 1e-20;
/** 1e-6 as a float32: the weight OpenCV's fills give a direction term within 0.01 of zero. */
export const NEAR_ZERO: f32 = 0.000001;

/**
 * An 8-bit value from a real number as OpenCV's `saturate_cast<uchar>` makes it: rounded to nearest with ties to
 * even (`cvRound`; WebAssembly's `nearest`), then clamped to 0…255.
 */
@inline export function saturate(x: f64): u8 {
  const r = nearest(x);
  return <u8>(r < 0 ? 0 : r > 255 ? 255 : <i32>r);
}

/** Whether |x| ≤ 0.01, x a float32 compared in double as OpenCV's `fabs(dir) <= 0.01` does. */
@inline export function nearZero(x: f32): bool {
  return Math.abs(<f64>x) <= 0.01;
}

/**
 * Sums of absolute and squared differences of two interleaved images, over every value and over the values of the
 * pixels a mask marks (non-zero byte), added in reading order as src/metrics/differences.ts documents them.
 */

/** The sums of the last `differenceSums` call. */
export let abs: f64 = 0;
export let squared: f64 = 0;
export let holeAbs: f64 = 0;
export let holeSquared: f64 = 0;
export let holeCount: i32 = 0;

/**
 * Sum |x − y| and (x − y)² over the `length` values of type T at `x` and `y` (`channels` per pixel), and over the
 * pixels where the mask's byte at `mask` is non-zero (no mask when `mask` is 0).
 */
export function differenceSums<T>(x: usize, y: usize, length: i32, channels: i32, mask: usize): void {
  let a: f64 = 0;
  let s: f64 = 0;
  let ha: f64 = 0;
  let hs: f64 = 0;
  let hc = 0;
  const pixels = length / channels;
  for (let px = 0, o = 0; px < pixels; px++) {
    const inHole = mask != 0 && load<u8>(mask + <usize>px) != 0;
    for (let c = 0; c < channels; c++, o++) {
      const d = <f64>load<T>(x + (<usize>o << alignof<T>())) - <f64>load<T>(y + (<usize>o << alignof<T>()));
      const ad = d < 0 ? -d : d;
      a += ad;
      s += d * d;
      if (inHole) {
        ha += ad;
        hs += d * d;
      }
    }
    if (inHole) hc += channels;
  }
  abs = a;
  squared = s;
  holeAbs = ha;
  holeSquared = hs;
  holeCount = hc;
}

/**
 * `differenceSums` for 8-bit images, in integers: every partial sum of 8-bit differences is a whole number below
 * 2^53, so the float64 sums in reading order are exactly these.
 */
export function byteDifferenceSums(x: usize, y: usize, length: i32, channels: i32, mask: usize): void {
  let a: i64 = 0;
  let s: i64 = 0;
  let ha: i64 = 0;
  let hs: i64 = 0;
  let hc = 0;
  const pixels = length / channels;
  for (let px = 0, o = 0; px < pixels; px++) {
    let pa: i64 = 0;
    let ps: i64 = 0;
    for (let c = 0; c < channels; c++, o++) {
      const d = <i64>load<u8>(x + <usize>o) - <i64>load<u8>(y + <usize>o);
      pa += d < 0 ? -d : d;
      ps += d * d;
    }
    a += pa;
    s += ps;
    if (mask != 0 && load<u8>(mask + <usize>px) != 0) {
      ha += pa;
      hs += ps;
      hc += channels;
    }
  }
  abs = <f64>a;
  squared = <f64>s;
  holeAbs = <f64>ha;
  holeSquared = <f64>hs;
  holeCount = hc;
}

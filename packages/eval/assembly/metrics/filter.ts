import { pair, setPair } from './doubles';

/**
 * 1-D correlation with a symmetric window of 2p + 1 taps (w[k] = w[2p − k]), SSIM's separable Gaussian filtering:
 * out = w[p]·centre + Σ_{k<p} w[k]·(left_k + right_k), added in that order (so each output has the same bits as
 * the scalar sum written that way), two outputs at a time in f64x2 lanes, an odd last one alone.
 * `ws` holds each weight twice (ws[2k] = ws[2k + 1] = w[k]), for loading as a pair.
 */

/** dst[o + j] = Σ_k w[k]·src[j + k] for j in [0, n): a row padded by p on each side. */
export function filterRow(src: StaticArray<f64>, dst: StaticArray<f64>, o: i32, n: i32, w: StaticArray<f64>, ws: StaticArray<f64>, p: i32): void {
  let j = p == 5 ? filterRow11(src, dst, o, n, ws) : 0;
  for (; j + 2 <= n; j += 2) {
    let sum = f64x2.mul(pair(ws, 2 * p), pair(src, j + p));
    for (let k = 0; k < p; k++) {
      sum = f64x2.add(sum, f64x2.mul(pair(ws, 2 * k), f64x2.add(pair(src, j + k), pair(src, j + 2 * p - k))));
    }
    setPair(dst, o + j, sum);
  }
  if (j < n) {
    let sum = w[p] * src[j + p];
    for (let k = 0; k < p; k++) sum += w[k] * (src[j + k] + src[j + 2 * p - k]);
    dst[o + j] = sum;
  }
}

/** dst[j] = Σ_k w[k]·src[rows[k] + j] for j in [from, to): across rows, `rows[k]` the offset of the k-th (reflected) source row. */
export function filterColumns(src: StaticArray<f64>, dst: StaticArray<f64>, from: i32, to: i32, rows: StaticArray<i32>, w: StaticArray<f64>, ws: StaticArray<f64>, p: i32): void {
  const centre = rows[p];
  let j = p == 5 ? filterColumns11(src, dst, from, to, rows, ws) : from;
  for (; j + 2 <= to; j += 2) {
    let sum = f64x2.mul(pair(ws, 2 * p), pair(src, centre + j));
    for (let k = 0; k < p; k++) {
      sum = f64x2.add(sum, f64x2.mul(pair(ws, 2 * k), f64x2.add(pair(src, rows[k] + j), pair(src, rows[2 * p - k] + j))));
    }
    setPair(dst, j, sum);
  }
  if (j < to) {
    let sum = w[p] * src[centre + j];
    for (let k = 0; k < p; k++) sum += w[k] * (src[rows[k] + j] + src[rows[2 * p - k] + j]);
    dst[j] = sum;
  }
}

/** `filterRow`'s pairs for the 11-tap window (SSIM's default) with the weights in registers; returns where it stopped. */
function filterRow11(src: StaticArray<f64>, dst: StaticArray<f64>, o: i32, n: i32, ws: StaticArray<f64>): i32 {
  const w0 = pair(ws, 0);
  const w1 = pair(ws, 2);
  const w2 = pair(ws, 4);
  const w3 = pair(ws, 6);
  const w4 = pair(ws, 8);
  const w5 = pair(ws, 10);
  let j = 0;
  // Two pairs per turn: their sums are independent chains, which the processor overlaps.
  for (; j + 4 <= n; j += 4) {
    let sum = f64x2.mul(w5, pair(src, j + 5));
    let next = f64x2.mul(w5, pair(src, j + 7));
    sum = f64x2.add(sum, f64x2.mul(w0, f64x2.add(pair(src, j), pair(src, j + 10))));
    next = f64x2.add(next, f64x2.mul(w0, f64x2.add(pair(src, j + 2), pair(src, j + 12))));
    sum = f64x2.add(sum, f64x2.mul(w1, f64x2.add(pair(src, j + 1), pair(src, j + 9))));
    next = f64x2.add(next, f64x2.mul(w1, f64x2.add(pair(src, j + 3), pair(src, j + 11))));
    sum = f64x2.add(sum, f64x2.mul(w2, f64x2.add(pair(src, j + 2), pair(src, j + 8))));
    next = f64x2.add(next, f64x2.mul(w2, f64x2.add(pair(src, j + 4), pair(src, j + 10))));
    sum = f64x2.add(sum, f64x2.mul(w3, f64x2.add(pair(src, j + 3), pair(src, j + 7))));
    next = f64x2.add(next, f64x2.mul(w3, f64x2.add(pair(src, j + 5), pair(src, j + 9))));
    sum = f64x2.add(sum, f64x2.mul(w4, f64x2.add(pair(src, j + 4), pair(src, j + 6))));
    next = f64x2.add(next, f64x2.mul(w4, f64x2.add(pair(src, j + 6), pair(src, j + 8))));
    setPair(dst, o + j, sum);
    setPair(dst, o + j + 2, next);
  }
  return j;
}

/** `filterColumns`' pairs for the 11-tap window with the weights and row offsets in registers; returns where it stopped. */
function filterColumns11(src: StaticArray<f64>, dst: StaticArray<f64>, from: i32, to: i32, rows: StaticArray<i32>, ws: StaticArray<f64>): i32 {
  const w0 = pair(ws, 0);
  const w1 = pair(ws, 2);
  const w2 = pair(ws, 4);
  const w3 = pair(ws, 6);
  const w4 = pair(ws, 8);
  const w5 = pair(ws, 10);
  const o0 = rows[0];
  const o1 = rows[1];
  const o2 = rows[2];
  const o3 = rows[3];
  const o4 = rows[4];
  const o5 = rows[5];
  const o6 = rows[6];
  const o7 = rows[7];
  const o8 = rows[8];
  const o9 = rows[9];
  const o10 = rows[10];
  let j = from;
  // Two pairs per turn, as in filterRow11.
  for (; j + 4 <= to; j += 4) {
    let sum = f64x2.mul(w5, pair(src, o5 + j));
    let next = f64x2.mul(w5, pair(src, o5 + j + 2));
    sum = f64x2.add(sum, f64x2.mul(w0, f64x2.add(pair(src, o0 + j), pair(src, o10 + j))));
    next = f64x2.add(next, f64x2.mul(w0, f64x2.add(pair(src, o0 + j + 2), pair(src, o10 + j + 2))));
    sum = f64x2.add(sum, f64x2.mul(w1, f64x2.add(pair(src, o1 + j), pair(src, o9 + j))));
    next = f64x2.add(next, f64x2.mul(w1, f64x2.add(pair(src, o1 + j + 2), pair(src, o9 + j + 2))));
    sum = f64x2.add(sum, f64x2.mul(w2, f64x2.add(pair(src, o2 + j), pair(src, o8 + j))));
    next = f64x2.add(next, f64x2.mul(w2, f64x2.add(pair(src, o2 + j + 2), pair(src, o8 + j + 2))));
    sum = f64x2.add(sum, f64x2.mul(w3, f64x2.add(pair(src, o3 + j), pair(src, o7 + j))));
    next = f64x2.add(next, f64x2.mul(w3, f64x2.add(pair(src, o3 + j + 2), pair(src, o7 + j + 2))));
    sum = f64x2.add(sum, f64x2.mul(w4, f64x2.add(pair(src, o4 + j), pair(src, o6 + j))));
    next = f64x2.add(next, f64x2.mul(w4, f64x2.add(pair(src, o4 + j + 2), pair(src, o6 + j + 2))));
    setPair(dst, j, sum);
    setPair(dst, j + 2, next);
  }
  return j;
}

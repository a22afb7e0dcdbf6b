/**
 * @bgfill/eval's image metrics' inner loops as a WebAssembly module: the difference sums behind L1 and PSNR, and
 * SSIM's Gaussian filtering of local moments, two pixels at a time in f64x2 lanes, each lane the same float64
 * operations in the same order as the scalar sum (so the same bits). Built by `pnpm run build:wasm` in packages/eval
 * into src/metrics/metrics.wasm; src/metrics/metrics-kernel.ts loads it.
 *
 * Memory is a bump heap (the stub runtime). The caller resets it before each piece of work and copies the images in
 * (`allocate`). For SSIM (every channel and scale of an image pair): `prepare` the work buffers for the largest
 * plane, set the window with `weight`, make float64 planes (`plane`, `channel`), then `sums` per channel and scale,
 * `downsample` between scales.
 */
import { channelOf, downsample as halve } from './planes';
import { Scratch } from './scratch';
import * as differences from './differences';
import { contrastSum as lastContrastSum, filteredSums } from './sums';

let scratch: Scratch | null = null;

/** Forget every allocation: the heap starts again after the module's static data. */
export function reset(): void {
  __reset();
  scratch = null;
}

/** Allocate `bytes` bytes (16-byte aligned) and return their address. */
export function allocate(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

/** Make the work buffers for planes up to `width` × `height` and a window of 2·pad + 1 taps. */
export function prepare(width: i32, height: i32, pad: i32): void {
  scratch = new Scratch(width, height, pad);
}

/** Set window weight k (0 ≤ k ≤ 2·pad). */
export function weight(k: i32, value: f64): void {
  scratch!.weight(k, value);
}

/** A new float64 plane of `length` values (zeros). */
export function plane(length: i32): StaticArray<f64> {
  return new StaticArray<f64>(length);
}

/** Fill `dst` with channel `c` of an interleaved image of `channels` channels, `length` values of `kind` at `at`: 1 = 8-bit, 4 = float32, 8 = float64. */
export function channel(kind: i32, at: usize, length: i32, channels: i32, c: i32, dst: StaticArray<f64>): void {
  if (kind == 1) channelOf<u8>(at, length, channels, c, dst);
  else if (kind == 4) channelOf<f32>(at, length, channels, c, dst);
  else channelOf<f64>(at, length, channels, c, dst);
}

/** 2×2 average pooling of a `width` × `height` plane into `dst`. */
export function downsample(src: StaticArray<f64>, width: i32, height: i32, dst: StaticArray<f64>): void {
  halve(src, width, height, dst);
}

/**
 * The SSIM sum of a channel pair (term 0 or 2), its contrast sum waiting in `contrastSum()` (term 1 or 2); see sums.ts.
 * `integers`: both planes hold whole numbers or their 2×2 means (from 8-bit images).
 */
export function sums(x: StaticArray<f64>, y: StaticArray<f64>, width: i32, height: i32, c1: f64, c2: f64, term: i32, shortcut: bool, integers: bool): f64 {
  const s = scratch!;
  assert(width <= s.width && height <= s.height && x.length == width * height && y.length == width * height, 'plane larger than prepared');
  return filteredSums(x, y, width, height, c1, c2, term, shortcut, integers, s);
}

/** The contrast-sensitivity sum of the last `sums` call. */
export function contrastSum(): f64 {
  return lastContrastSum();
}

/**
 * Sums of |x − y| and (x − y)² of two interleaved images of `length` values of `kind` (1 = 8-bit, 4 = float32,
 * 8 = float64), `channels` per pixel, over every value and over the pixels where the mask at `mask` is non-zero
 * (0: no mask); read them with `difference(0…4)`.
 */
export function differenceSums(kind: i32, x: usize, y: usize, length: i32, channels: i32, mask: usize): void {
  if (kind == 1) differences.byteDifferenceSums(x, y, length, channels, mask);
  else if (kind == 4) differences.differenceSums<f32>(x, y, length, channels, mask);
  else differences.differenceSums<f64>(x, y, length, channels, mask);
}

/** The last `differenceSums`: 0 Σ|d|, 1 Σd², 2 Σ|d| in the hole, 3 Σd² in the hole, 4 the hole's value count. */
export function difference(which: i32): f64 {
  if (which == 0) return differences.abs;
  if (which == 1) return differences.squared;
  if (which == 2) return differences.holeAbs;
  if (which == 3) return differences.holeSquared;
  return <f64>differences.holeCount;
}

import { invalidParameter } from '@bgfill/core';
import type { Mask } from './mask.js';

/** The 3×3 structuring elements: `cross` is OpenCV's MORPH_CROSS (4-neighbourhood), `square` is MORPH_RECT. */
export type MorphKernel = 'cross' | 'square';

export interface MorphologyOptions {
  /** How many times the 3×3 kernel is applied (default 1; 0 returns a copy). */
  iterations?: number;
  /** Default `square`, like OpenCV's 3×3 rectangle when no kernel is given. */
  kernel?: MorphKernel;
}

/** The largest `iterations` accepted: far beyond any mask side, so only typos are refused. */
export const MAX_MORPHOLOGY_ITERATIONS = 16384;

function checkOptions(options: MorphologyOptions): { iterations: number; kernel: MorphKernel } {
  const iterations = options.iterations ?? 1;
  const kernel = options.kernel ?? 'square';
  if (!Number.isInteger(iterations) || iterations < 0 || iterations > MAX_MORPHOLOGY_ITERATIONS) {
    throw invalidParameter('iterations', `integer between 0 and ${MAX_MORPHOLOGY_ITERATIONS}`, iterations);
  }
  if (kernel !== 'cross' && kernel !== 'square') throw invalidParameter('kernel', '"cross" or "square"', kernel);
  return { iterations, kernel };
}

function checkSameSize(a: Mask, b: Mask): void {
  if (a.width !== b.width || a.height !== b.height) {
    throw invalidParameter('mask', `a ${a.width}×${a.height} mask (same size as the first)`, `${b.width}×${b.height}`);
  }
}

/**
 * 0/1 copy of `data` (any non-zero byte counts as hole), or its complement. Four bytes at a time: folding each byte's
 * bits down into its bit 0 (shifts by 4, 2, 1 never carry a neighbour byte's bits into bits 0–3).
 */
function normalized(data: Uint8Array, flip: boolean): Uint8Array {
  const out = new Uint8Array(data.length);
  const words = aligned(data.byteOffset) ? data.length >> 2 : 0;
  const flipMask = flip ? 0x01010101 : 0;
  if (words > 0) {
    const src = new Uint32Array(data.buffer, data.byteOffset, words);
    const dst = new Uint32Array(out.buffer, 0, words);
    for (let i = 0; i < words; i++) {
      let x = src[i];
      x |= x >>> 4;
      x |= x >>> 2;
      x |= x >>> 1;
      dst[i] = (x & 0x01010101) ^ flipMask;
    }
  }
  for (let i = words << 2; i < data.length; i++) out[i] = (data[i] === 0) === flip ? 1 : 0;
  return out;
}

function binaryCopy(data: Uint8Array): Uint8Array {
  return normalized(data, false);
}

function complement(data: Uint8Array): Uint8Array {
  return normalized(data, true);
}

function aligned(...values: number[]): boolean {
  for (const v of values) if ((v & 3) !== 0) return false;
  return true;
}

type Lanes = Uint8Array | Uint32Array;

/**
 * Views of byte buffers for row-wise ORs: four pixels per Uint32 lane when every row starts 4-byte aligned
 * (width a multiple of 4 and whole, fresh buffers), one pixel per lane otherwise.
 */
function lanes(width: number, ...buffers: Uint8Array[]): { views: Lanes[]; perRow: number } {
  if (aligned(width, ...buffers.map((b) => b.byteOffset), ...buffers.map((b) => b.length))) {
    return { views: buffers.map((b) => new Uint32Array(b.buffer, b.byteOffset, b.length >> 2)), perRow: width >> 2 };
  }
  return { views: buffers, perRow: width };
}

/** dst[d + k] = a[ai + k] | b[bi + k] for k < len (lanes of the same kind). */
function orLanes(dst: Lanes, d: number, a: Lanes, ai: number, b: Lanes, bi: number, len: number): void {
  for (let k = 0; k < len; k++) dst[d + k] = a[ai + k] | b[bi + k];
}

/**
 * Horizontal dilation by radius `r`, clipped to each row: every run of 1s [a, b) becomes [a − r, b + r) within its
 * row. Runs are found with the native `indexOf` over the whole image (each byte scanned once) and filled natively.
 */
function dilateRows(src: Uint8Array, dst: Uint8Array, width: number, r: number): void {
  dst.fill(0);
  let x = 0;
  for (;;) {
    const a = src.indexOf(1, x);
    if (a < 0) return;
    const rowStart = a - (a % width);
    const rowEnd = rowStart + width;
    let b = src.indexOf(0, a);
    if (b < 0 || b > rowEnd) b = rowEnd;
    dst.fill(1, Math.max(rowStart, a - r), Math.min(rowEnd, b + r));
    x = b;
  }
}

/**
 * Vertical dilation by radius `r` (window 2r+1 rows, outside rows count as 0) with the van Herk / Gil–Werman
 * scheme: per block of 2r+1 padded rows, running ORs forwards (g) and backwards (h); row y = h[y] | g[y + 2r].
 * Three row-wise OR passes whatever r is.
 */
function dilateColumns(src: Uint8Array, dst: Uint8Array, width: number, height: number, r: number): void {
  const k = 2 * r + 1;
  const rows = height + 2 * r;
  const {
    views: [S, D, G, H],
    perRow: w,
  } = lanes(width, src, dst, new Uint8Array(rows * width), new Uint8Array(rows * width));
  const has = (p: number) => p >= r && p < r + height;
  for (let p = 0; p < rows; p++) {
    const o = p * w;
    const first = p % k === 0;
    if (has(p)) {
      const so = (p - r) * w;
      if (first) for (let i = 0; i < w; i++) G[o + i] = S[so + i];
      else orLanes(G, o, G, o - w, S, so, w);
    } else if (!first) G.copyWithin(o, o - w, o);
  }
  for (let p = rows - 1; p >= 0; p--) {
    const o = p * w;
    const last = p % k === k - 1 || p === rows - 1;
    if (has(p)) {
      const so = (p - r) * w;
      if (last) for (let i = 0; i < w; i++) H[o + i] = S[so + i];
      else orLanes(H, o, H, o + w, S, so, w);
    } else if (!last) H.copyWithin(o, o + w, o + 2 * w);
  }
  orLanes(D, 0, H, 0, G, 2 * r * w, height * w);
}

/** One dilation by the 3×3 cross: the row pass of radius 1, OR the rows just above and below. */
function dilateCrossOnce(src: Uint8Array, dst: Uint8Array, width: number, height: number): void {
  dilateRows(src, dst, width, 1);
  const {
    views: [S, D],
    perRow: w,
  } = lanes(width, src, dst);
  if (height > 1) {
    orLanes(D, 0, D, 0, S, w, (height - 1) * w);
    orLanes(D, w, D, w, S, 0, (height - 1) * w);
  }
}

/** Dilate a 0/1 buffer (returns a new buffer; `data` is not modified). */
function dilateBinary(data: Uint8Array, width: number, height: number, iterations: number, kernel: MorphKernel): Uint8Array {
  if (iterations === 0) return data.slice();
  if (kernel === 'square') {
    // n applications of the 3×3 square = one (2n+1)×(2n+1) square (OpenCV itself makes this substitution, and the
    // neutral border keeps it exact); the square is separable into a row pass and a column pass.
    const tmp = new Uint8Array(data.length);
    const out = new Uint8Array(data.length);
    // A radius past the image edge changes nothing: clamp it (keeps the column pass's buffers small).
    dilateRows(data, tmp, width, Math.min(iterations, width));
    dilateColumns(tmp, out, width, height, Math.min(iterations, height));
    return out;
  }
  let src: Uint8Array = data;
  let out: Uint8Array = new Uint8Array(data.length);
  const spare: Uint8Array = iterations > 1 ? new Uint8Array(data.length) : out;
  for (let k = 0; k < iterations; k++) {
    dilateCrossOnce(src, out, width, height);
    const previous = src;
    src = out;
    out = previous === data ? spare : previous;
  }
  return src;
}

/** Flip 0/1 in place, four bytes at a time. */
function flipInPlace(data: Uint8Array): Uint8Array {
  const words = data.length >> 2;
  if (aligned(data.byteOffset)) {
    const w = new Uint32Array(data.buffer, data.byteOffset, words);
    for (let i = 0; i < words; i++) w[i] ^= 0x01010101;
  } else for (let i = 0; i < words << 2; i++) data[i] ^= 1;
  for (let i = words << 2; i < data.length; i++) data[i] ^= 1;
  return data;
}

/**
 * Grow the hole: OpenCV's `cv2.dilate(mask, kernel, iterations=n)` with a 3×3 cross or square kernel, anchor at the
 * centre and the default border (pixels outside the image never add hole). Byte-identical to OpenCV (tested against
 * fixtures it produced).
 * @example const halo = dilate(mask, { iterations: 4, kernel: 'cross' });
 */
export function dilate(mask: Mask, options: MorphologyOptions = {}): Mask {
  const { iterations, kernel } = checkOptions(options);
  const data = dilateBinary(binaryCopy(mask.data), mask.width, mask.height, iterations, kernel);
  return { width: mask.width, height: mask.height, data };
}

/**
 * Shrink the hole: OpenCV's `cv2.erode(mask, kernel, iterations=n)` with a 3×3 cross or square kernel, anchor at the
 * centre and the default border (pixels outside count as hole, so the image edge never eats into the hole).
 * Computed as the complement of the dilated complement, which is exact for these symmetric kernels and neutral borders.
 * @example const core = erode(mask, { iterations: 2 });
 */
export function erode(mask: Mask, options: MorphologyOptions = {}): Mask {
  const { iterations, kernel } = checkOptions(options);
  const grown = dilateBinary(complement(mask.data), mask.width, mask.height, iterations, kernel);
  return { width: mask.width, height: mask.height, data: flipInPlace(grown) };
}

/**
 * Pixels that are hole in either mask.
 * @example const both = union(personBox, scribbles);
 */
export function union(a: Mask, b: Mask): Mask {
  checkSameSize(a, b);
  const data = new Uint8Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] !== 0 || b.data[i] !== 0 ? 1 : 0;
  return { width: a.width, height: a.height, data };
}

/**
 * Pixels that are hole in both masks.
 * @example const overlap = intersection(a, b);
 */
export function intersection(a: Mask, b: Mask): Mask {
  checkSameSize(a, b);
  const data = new Uint8Array(a.data.length);
  for (let i = 0; i < data.length; i++) data[i] = a.data[i] !== 0 && b.data[i] !== 0 ? 1 : 0;
  return { width: a.width, height: a.height, data };
}

/**
 * Swap hole and known pixels (e.g. an outpainting mask from a "keep" region).
 * @example const keep = invert(mask);
 */
export function invert(mask: Mask): Mask {
  return { width: mask.width, height: mask.height, data: complement(mask.data) };
}

/**
 * OR `src` into `dst` in place (same size, 0/1 data); used to build unions without allocating.
 * @example orInto(accumulator, strokes);
 */
export function orInto(dst: Mask, src: Mask): void {
  checkSameSize(dst, src);
  const n = dst.data.length;
  const {
    views: [D, S],
  } = lanes(n, dst.data, src.data);
  orLanes(D, 0, D, 0, S, 0, D.length);
}

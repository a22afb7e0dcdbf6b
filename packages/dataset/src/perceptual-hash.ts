/**
 * 64-bit perceptual hashes of an image's grey thumbnail, and the exact-content hash. Near-duplicates (resized,
 * recompressed, slightly cropped, re-saved copies) have hashes a few bits apart; different photos differ in about half.
 */
import { createHash } from 'node:crypto';
import { cellIndex, cellIndexOf, cellMeans, type RgbPixels } from './image-signals.js';

/** A 64-bit hash as 16 lower-case hex digits (the form stored in quality.jsonl). */
export type HashHex = string;

/**
 * Area-averaged grey thumbnail of `width`×`height` cells: cell (i, j) is the mean luminance (BT.601 weights) of the
 * pixels (x, y) with ⌊x·width/W⌋ = i and ⌊y·height/H⌋ = j. The 32×32 one is what the build hashes (it comes out of the
 * same pass as the signals there, with the same arithmetic).
 * @example greyThumbnail(frame, 32, 32)
 */
export function greyThumbnail(image: RgbPixels, width: number, height: number): Float64Array {
  const sums = new Float64Array(width * height);
  const cellX = cellIndex(image.width, width);
  const { data } = image;
  for (let y = 0; y < image.height; y++) {
    const rowCell = cellIndexOf(y, image.height, height) * width;
    let o = y * image.width * 3;
    for (let x = 0; x < image.width; x++, o += 3) sums[rowCell + cellX[x]] += 299 * data[o] + 587 * data[o + 1] + 114 * data[o + 2];
  }
  return cellMeans(sums, image.width, image.height, width, height);
}

function bitsToHex(bits: readonly boolean[]): HashHex {
  let hex = '';
  for (let i = 0; i < 64; i += 4) hex += ((+bits[i] << 3) | (+bits[i + 1] << 2) | (+bits[i + 2] << 1) | +bits[i + 3]).toString(16);
  return hex;
}

/**
 * Difference hash: a 9×8 grey thumbnail, bit = "this cell is brighter than its right neighbour", row by row.
 * @example differenceHash(frame) // '3c3c1e0f0f0f8f87'
 */
export function differenceHash(image: RgbPixels): HashHex {
  const t = greyThumbnail(image, 9, 8);
  const bits: boolean[] = [];
  for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) bits.push(t[y * 9 + x] > t[y * 9 + x + 1]);
  return bitsToHex(bits);
}

const DCT_SIDE = 32;
const dctBasis = (() => {
  // Orthonormal DCT-II rows 0–7 over 32 samples.
  const basis = new Float64Array(8 * DCT_SIDE);
  for (let u = 0; u < 8; u++) {
    const scale = u === 0 ? Math.sqrt(1 / DCT_SIDE) : Math.sqrt(2 / DCT_SIDE);
    for (let x = 0; x < DCT_SIDE; x++) basis[u * DCT_SIDE + x] = scale * Math.cos(((2 * x + 1) * u * Math.PI) / (2 * DCT_SIDE));
  }
  return basis;
})();

/**
 * DCT hash (the "pHash" construction): a 32×32 grey thumbnail, its 2-D DCT-II, the 8×8 lowest frequencies; bit =
 * "coefficient above the median of the 63 non-DC ones" (the DC term's bit is always compared too, so 64 bits).
 * @example dctHash(frame)
 */
export function dctHash(image: RgbPixels): HashHex {
  return dctHashOfThumbnail(greyThumbnail(image, DCT_SIDE, DCT_SIDE));
}

/** {@link dctHash} of a 32×32 grey thumbnail (the build's comes from the same pass as the signals). */
export function dctHashOfThumbnail(t: Float64Array): HashHex {
  // Rows first: 32 rows × 8 frequencies, then columns: 8 × 8.
  const rows = new Float64Array(DCT_SIDE * 8);
  for (let y = 0; y < DCT_SIDE; y++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let x = 0; x < DCT_SIDE; x++) s += t[y * DCT_SIDE + x] * dctBasis[u * DCT_SIDE + x];
      rows[y * 8 + u] = s;
    }
  }
  const coef = new Float64Array(64);
  for (let v = 0; v < 8; v++) {
    for (let u = 0; u < 8; u++) {
      let s = 0;
      for (let y = 0; y < DCT_SIDE; y++) s += rows[y * 8 + u] * dctBasis[v * DCT_SIDE + y];
      coef[v * 8 + u] = s;
    }
  }
  const ac = Array.from(coef.subarray(1)).sort((a, b) => a - b);
  const median = (ac[31] + ac[32]) / 2;
  return bitsToHex(Array.from(coef, (c) => c > median));
}

/** Set bits of a 32-bit integer. */
export function popcount32(v: number): number {
  v -= (v >>> 1) & 0x55555555;
  v = (v & 0x33333333) + ((v >>> 2) & 0x33333333);
  return (((v + (v >>> 4)) & 0x0f0f0f0f) * 0x01010101) >>> 24;
}

/** A 64-bit hash as two unsigned 32-bit halves (high, low). */
export function hashWords(hex: HashHex): [number, number] {
  return [parseInt(hex.slice(0, 8), 16) >>> 0, parseInt(hex.slice(8, 16), 16) >>> 0];
}

/**
 * Hamming distance between two 64-bit hashes.
 * @example hammingDistance('ffffffffffffffff', '0000000000000000') // 64
 */
export function hammingDistance(a: HashHex, b: HashHex): number {
  const [ah, al] = hashWords(a);
  const [bh, bl] = hashWords(b);
  return popcount32((ah ^ bh) >>> 0) + popcount32((al ^ bl) >>> 0);
}

/**
 * Exact-content hash: SHA-256 of the decoded, oriented 8-bit RGB pixels with their size — equal for byte-identical
 * files and for re-saves that keep every pixel (a PNG re-written, metadata stripped), whatever the container.
 * @example contentHash(frame) // 64 hex digits
 */
export function contentHash(image: RgbPixels): string {
  return createHash('sha256').update(`${image.width}x${image.height}\n`).update(image.data).digest('hex');
}

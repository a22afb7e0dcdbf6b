/**
 * Painting an outline already dilated by the 3×3 square n times (`cv2.dilate` with MORPH_RECT, default border), on
 * bit rows: the hole within n pixels (Chebyshev) of the outline, which is separable into a row pass and a column pass.
 *
 * The row pass works on runs: each scaled run [a, b), clipped to the image (pixels outside it do not exist for
 * OpenCV), becomes [a − n, b + n) clipped again, set as bits of a 32-pixel-per-word row. The column pass ORs every
 * window of 2n + 1 bit rows with van Herk / Gil–Werman running ORs (three word passes whatever n). The result is
 * written into the byte mask run by run. At 256² a person and its 10-pixel halo cover a few hundred words.
 */
import type { Mask } from '../mask.js';
import type { OutlineRows } from './components.js';
import { scaledStart } from './paint.js';

/** Where the scaled outline goes (top-left may be outside the image), and whether it is mirrored. */
export interface OutlineBox {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly flip: boolean;
}

/** Set bits [a, b) of the bit row starting at word `o`. */
function setBits(bits: Uint32Array, o: number, a: number, b: number): void {
  const wa = a >>> 5;
  const wb = (b - 1) >>> 5;
  const first = ~0 << (a & 31);
  const last = ~0 >>> (31 - ((b - 1) & 31));
  if (wa === wb) {
    bits[o + wa] |= first & last;
    return;
  }
  bits[o + wa] |= first;
  for (let k = wa + 1; k < wb; k++) bits[o + k] = ~0;
  bits[o + wb] |= last;
}

/** Index of the lowest set bit of a non-zero word. */
function lowestBit(v: number): number {
  return 31 - Math.clz32(v & -v);
}

/** Fill the mask row at `rowStart` wherever the bit row (words at `o`, `words` of them) is set. */
function writeRow(bits: Uint32Array, o: number, words: number, data: Uint8Array, rowStart: number, width: number): void {
  let k = 0;
  while (k < words) {
    let v = bits[o + k];
    if (v === 0) {
      k++;
      continue;
    }
    const a = (k << 5) + lowestBit(v);
    // Extend the run over following set bits, word by word.
    v = ~v & (~0 << (a & 31));
    while (v === 0 && ++k < words) v = ~bits[o + k];
    const b = k < words ? (k << 5) + lowestBit(v) : words << 5;
    data.fill(1, rowStart + a, rowStart + Math.min(b, width));
    if (k >= words) return;
    // Continue from b within word k: clear the bits below b (those of this run).
    bits[o + k] &= ~0 << (b & 31);
  }
}

/**
 * Paint `outline` scaled into `box`, mirrored if asked, dilated by `iterations` of the 3×3 square, into `out`
 * (OR-ed; `out` is normally fresh). Equal to painting it and then `dilate(mask, { iterations, kernel: 'square' })`.
 * @example paintDilatedSquare(mask, outline, { left: 100, top: 20, width: 50, height: 200, flip: false }, 10)
 */
export function paintDilatedSquare(out: Mask, outline: OutlineRows, box: OutlineBox, iterations: number): void {
  const { width: w, height: h, data } = out;
  const r = iterations;
  const y0 = Math.max(0, box.top - r);
  const y1 = Math.min(h, box.top + box.height + r);
  if (y0 >= y1 || box.width <= 0 || box.height <= 0) return;
  const words = (w + 31) >>> 5;
  const n = y1 - y0;
  // Padded rows: r empty rows above and below, so every window of 2r + 1 lies inside.
  const rows = n + 2 * r;
  const bits = new Uint32Array(rows * words);
  const ch = outline.height;
  const j0 = Math.max(0, -box.top);
  const j1 = Math.min(box.height, h - box.top);
  const { rowStart, runs } = outline;
  for (let j = j0; j < j1; j++) {
    const sy = Math.floor(((2 * j + 1) * ch) / (2 * box.height));
    const o = (box.top + j - y0 + r) * words;
    for (let k = rowStart[sy]; k < rowStart[sy + 1]; k++) {
      let ra = scaledStart(runs[2 * k], outline.width, box.width);
      let rb = scaledStart(runs[2 * k + 1], outline.width, box.width);
      if (box.flip) {
        const t = ra;
        ra = box.width - rb;
        rb = box.width - t;
      }
      const a = Math.max(ra + box.left, 0);
      const b = Math.min(rb + box.left, w);
      if (a < b) setBits(bits, o, Math.max(0, a - r), Math.min(w, b + r));
    }
  }
  if (r === 0) {
    for (let y = 0; y < n; y++) writeRow(bits, y * words, words, data, (y0 + y) * w, w);
    return;
  }
  // Column pass: blocks of k = 2r + 1 padded rows; g = running OR forwards within a block, hb = backwards;
  // the window of padded rows [p, p + 2r] is hb[p] | g[p + 2r].
  const k = 2 * r + 1;
  const g = new Uint32Array(rows * words);
  const hb = new Uint32Array(rows * words);
  for (let p = 0; p < rows; p++) {
    const o = p * words;
    if (p % k === 0) for (let i = 0; i < words; i++) g[o + i] = bits[o + i];
    else for (let i = 0; i < words; i++) g[o + i] = g[o - words + i] | bits[o + i];
  }
  for (let p = rows - 1; p >= 0; p--) {
    const o = p * words;
    if (p % k === k - 1 || p === rows - 1) for (let i = 0; i < words; i++) hb[o + i] = bits[o + i];
    else for (let i = 0; i < words; i++) hb[o + i] = hb[o + words + i] | bits[o + i];
  }
  // Output row y (padded p = y + r) sees padded rows y … y + 2r; reuse `bits` for the ORed rows.
  for (let y = 0; y < n; y++) {
    const o = y * words;
    const o2 = (y + 2 * r) * words;
    for (let i = 0; i < words; i++) bits[o + i] = hb[o + i] | g[o2 + i];
    writeRow(bits, o, words, data, (y0 + y) * w, w);
  }
}

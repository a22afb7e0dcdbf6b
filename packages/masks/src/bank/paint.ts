/**
 * Painting a bank outline at another size: nearest-neighbour scaling by pixel centres (the rule of `resizeNearest`:
 * output pixel x samples source column ⌊(2x + 1)·w / (2·w′)⌋), optionally mirrored left–right, done on runs so that
 * each output row costs one `fill` per run.
 */
import type { OutlineRows } from './components.js';

/** ⌈n / d⌉ for d > 0. */
function ceilDiv(n: number, d: number): number {
  return Math.ceil(n / d);
}

/**
 * Paint `rows` scaled to `width × height` into `dst` (0/1 bytes, row stride `stride`) with the scaled box's top-left
 * at (`dx`, `dy`), mirrored when `flip`; pixels outside [0, clipWidth) × [0, clipHeight) are left out.
 * Source column s is drawn at output column x exactly when s = ⌊(2x + 1)·w / (2·width)⌋, so a source run [a, b) covers
 * the output columns ⌈(2a·width − w) / 2w⌉ … ⌈(2b·width − w) / 2w⌉ − 1; rows likewise.
 * @example paintOutline(buf, 64, 64, 64, outline, 10, 5, 30, 50, false)
 */
export function paintOutline(
  dst: Uint8Array,
  stride: number,
  clipWidth: number,
  clipHeight: number,
  rows: OutlineRows,
  dx: number,
  dy: number,
  width: number,
  height: number,
  flip: boolean,
): void {
  const cw = rows.width;
  const ch = rows.height;
  const y0 = Math.max(0, -dy);
  const y1 = Math.min(height, clipHeight - dy);
  const { rowStart, runs } = rows;
  for (let j = y0; j < y1; j++) {
    const sy = Math.floor(((2 * j + 1) * ch) / (2 * height));
    const base = (j + dy) * stride;
    for (let k = rowStart[sy]; k < rowStart[sy + 1]; k++) {
      let a = ceilDiv(2 * runs[2 * k] * width - cw, 2 * cw);
      let b = ceilDiv(2 * runs[2 * k + 1] * width - cw, 2 * cw);
      if (flip) {
        const t = a;
        a = width - b;
        b = width - t;
      }
      a = Math.max(a + dx, 0);
      b = Math.min(b + dx, clipWidth);
      if (a < b) dst.fill(1, base + a, base + b);
    }
  }
}

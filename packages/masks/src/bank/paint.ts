/**
 * Painting a bank outline at another size: nearest-neighbour scaling by pixel centres (the rule of `resizeNearest`:
 * output pixel x samples source column ⌊(2x + 1)·w / (2·w′)⌋), optionally mirrored left–right, done on runs so that
 * each output row costs one `fill` per run.
 */
import type { OutlineRows } from './components.js';

/**
 * The first output column at or after which source column `x` of a `sourceWidth`-wide outline is drawn at `width`:
 * ⌈(2x·width − sourceWidth) / (2·sourceWidth)⌉. A source run [a, b) covers output columns [scaledStart(a), scaledStart(b)).
 * @example scaledStart(3, 10, 20) // 6
 */
export function scaledStart(x: number, sourceWidth: number, width: number): number {
  return Math.ceil((2 * x * width - sourceWidth) / (2 * sourceWidth));
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
      let a = scaledStart(runs[2 * k], cw, width);
      let b = scaledStart(runs[2 * k + 1], cw, width);
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

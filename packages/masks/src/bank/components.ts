/**
 * Connected components of a binary mask, found on runs: each row's runs of hole pixels are joined to the runs of the
 * row above that they touch (8-connectivity, OpenCV's default for `connectedComponents`), with union–find.
 * A component comes back as its bounding box, pixel count and its own runs (other components inside its box are
 * not part of it).
 */
import type { Mask } from '../mask.js';

/** A run of hole pixels [x0, x1) on one row of an outline, in the outline's own coordinates. */
export interface OutlineRows {
  /** Width and height of the bounding box. */
  readonly width: number;
  readonly height: number;
  /** Runs of row r are runs[2k], runs[2k+1] (x0, x1 exclusive) for k in rowStart[r] … rowStart[r+1] − 1. */
  readonly rowStart: Uint32Array;
  readonly runs: Uint16Array | Uint32Array;
  /** Hole pixels. */
  readonly area: number;
}

/** One 8-connected component of a mask. */
export interface Component {
  /** Bounding box in the mask: left, top, width, height. */
  readonly x: number;
  readonly y: number;
  readonly rows: OutlineRows;
}

function find(parent: Int32Array, i: number): number {
  while (parent[i] !== i) {
    parent[i] = parent[parent[i]];
    i = parent[i];
  }
  return i;
}

/**
 * The 8-connected components of `mask`'s hole, ordered by their first pixel in row-major order (OpenCV's label order).
 * @example components({ width: 4, height: 1, data: Uint8Array.of(1, 0, 1, 1) }).length // 2
 */
export function components(mask: Mask): Component[] {
  const { width, height, data } = mask;
  // Any non-zero byte is hole; the run scan below looks for 1s.
  if (data.some((v) => v > 1)) return components({ width, height, data: data.map((v) => (v === 0 ? 0 : 1)) });
  // Runs of every row: x0, x1, row.
  const x0s: number[] = [];
  const x1s: number[] = [];
  const rowOf: number[] = [];
  const firstRun = new Int32Array(height + 1);
  for (let y = 0; y < height; y++) {
    firstRun[y] = x0s.length;
    const start = y * width;
    const end = start + width;
    let x = start;
    while (x < end) {
      const a = data.indexOf(1, x);
      if (a < 0 || a >= end) break;
      let b = a + 1;
      while (b < end && data[b] !== 0) b++;
      x0s.push(a - start);
      x1s.push(b - start);
      rowOf.push(y);
      x = b;
    }
  }
  firstRun[height] = x0s.length;
  const n = x0s.length;
  const parent = new Int32Array(n);
  for (let i = 0; i < n; i++) parent[i] = i;
  for (let y = 1; y < height; y++) {
    let q = firstRun[y - 1];
    const qEnd = firstRun[y];
    for (let r = firstRun[y]; r < firstRun[y + 1]; r++) {
      // Skip runs above that end left of this run's reach; they cannot touch later runs of this row either.
      while (q < qEnd && x1s[q] < x0s[r]) q++;
      for (let k = q; k < qEnd && x0s[k] <= x1s[r]; k++) {
        const a = find(parent, r);
        const b = find(parent, k);
        if (a !== b) parent[Math.max(a, b)] = Math.min(a, b);
      }
    }
  }
  // Group runs by root; roots in order of their first run (scan order).
  const label = new Int32Array(n).fill(-1);
  const groups: number[][] = [];
  for (let i = 0; i < n; i++) {
    const root = find(parent, i);
    if (label[root] < 0) {
      label[root] = groups.length;
      groups.push([]);
    }
    groups[label[root]].push(i);
  }
  return groups.map((runs) => {
    let left = Infinity;
    let right = -Infinity;
    for (const i of runs) {
      if (x0s[i] < left) left = x0s[i];
      if (x1s[i] > right) right = x1s[i];
    }
    const top = rowOf[runs[0]];
    const bottom = rowOf[runs[runs.length - 1]];
    const h = bottom - top + 1;
    const w = right - left;
    const rowStart = new Uint32Array(h + 1);
    const packed = w <= 0xffff ? new Uint16Array(runs.length * 2) : new Uint32Array(runs.length * 2);
    let area = 0;
    let k = 0;
    let row = 0;
    for (const i of runs) {
      const r = rowOf[i] - top;
      while (row <= r) rowStart[row++] = k;
      packed[2 * k] = x0s[i] - left;
      packed[2 * k + 1] = x1s[i] - left;
      area += x1s[i] - x0s[i];
      k++;
    }
    while (row <= h) rowStart[row++] = k;
    return { x: left, y: top, rows: { width: w, height: h, rowStart, runs: packed, area } };
  });
}

/**
 * The runs of a whole bitmap as an outline of its size (every hole pixel, whatever its component).
 * @example outlineRowsOf({ width: 3, height: 1, data: Uint8Array.of(1, 0, 1) }).area // 2
 */
export function outlineRowsOf(mask: Mask): OutlineRows {
  const rowStart = new Uint32Array(mask.height + 1);
  const runs: number[] = [];
  for (let y = 0; y < mask.height; y++) {
    rowStart[y] = runs.length / 2;
    const row = mask.data.subarray(y * mask.width, (y + 1) * mask.width);
    for (let x = 0; x < mask.width; ) {
      if (row[x] === 0) {
        x++;
        continue;
      }
      const a = x;
      while (x < mask.width && row[x] !== 0) x++;
      runs.push(a, x);
    }
  }
  rowStart[mask.height] = runs.length / 2;
  let area = 0;
  for (let k = 0; k < runs.length; k += 2) area += runs[k + 1] - runs[k];
  return { width: mask.width, height: mask.height, rowStart, runs: Uint32Array.from(runs), area };
}

/**
 * Draw an outline's runs into a fresh 0/1 bitmap of its bounding box (for contact sheets and tests).
 * @example outlineBitmap(c.rows) // Uint8Array of c.rows.width × c.rows.height
 */
export function outlineBitmap(rows: OutlineRows): Mask {
  const data = new Uint8Array(rows.width * rows.height);
  for (let y = 0; y < rows.height; y++) {
    for (let k = rows.rowStart[y]; k < rows.rowStart[y + 1]; k++) data.fill(1, y * rows.width + rows.runs[2 * k], y * rows.width + rows.runs[2 * k + 1]);
  }
  return { width: rows.width, height: rows.height, data };
}

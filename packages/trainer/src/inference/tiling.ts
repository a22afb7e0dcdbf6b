import { invalidParameter } from '@bgfill/core';

/**
 * Tiled inpainting: the image is cut into a cols × rows grid of overlapping tiles, each inpainted on its own
 * (with its crop of the mask), and the results are blended with linear feathering weights, so that neither a seam
 * nor a darker or coloured border appears where tiles meet.
 *
 * Layout: all tiles of an axis have the same length L = ⌈(N + (n − 1)·o) / n⌉ for n tiles and overlap o, spread
 * evenly from 0 to N − L. The default overlap is ⌈(N / n) / 7⌉, which guarantees overlap ≥ L / 8.
 *
 * Weights: along an axis, a tile's weight rises linearly over the part it shares with the previous tile and falls
 * over the part it shares with the next one (1 elsewhere and at the image border). The weights are evaluated at
 * pixel centres, so two neighbours' ramps over the same interval sum to exactly 1, and the 2-D weight (the product
 * of the two axes) sums to 1 over the tiles covering any pixel. The blend still divides by the sum, so the result is
 * a convex combination of the tiles' values wherever they overlap: never outside their range.
 */

export interface TileGrid {
  cols: number;
  rows: number;
  /** Overlap between neighbouring tiles in pixels (default ⌈side / 7⌉ of an un-overlapped tile, per axis). */
  overlap?: number;
}

export interface Tile {
  x: number;
  y: number;
  width: number;
  height: number;
}

/** The largest grid side accepted: beyond this the tiles become too small to carry context. */
export const MAX_TILES_PER_SIDE = 16;

/**
 * The largest side `auto` tiling aims for: 512² is the largest network input whose self-attention score matrix
 * (one float per pair of positions at 1/4 resolution: (512·512/16)² · 4 bytes = 1 GiB) fits the default limit.
 */
export const AUTO_TILE_SIDE = 512;

/**
 * The grid `--tiles auto` uses for an image: the fewest tiles per axis whose tiles (with the default overlap)
 * are at most AUTO_TILE_SIDE; 1×1 for images up to that size.
 * @example autoTileGrid(1200, 800) // → { cols: 3, rows: 2 }
 */
export function autoTileGrid(width: number, height: number, side = AUTO_TILE_SIDE): TileGrid {
  const count = (n: number) => {
    let k = 1;
    while (k < MAX_TILES_PER_SIDE && axisLayoutLength(n, k) > side) k++;
    return k;
  };
  return { cols: count(width), rows: count(height) };
}

/** The tile length axisLayout gives for `count` tiles with the default overlap. */
function axisLayoutLength(size: number, count: number): number {
  if (count === 1) return size;
  const o = Math.ceil(size / count / 7);
  return Math.ceil((size + (count - 1) * o) / count);
}

/**
 * Parse "2x2" (cols × rows) as given on the command line, or "auto" (a grid per image, see autoTileGrid).
 * @example parseTileGrid('3x2') // → { cols: 3, rows: 2 }
 */
export function parseTileGrid(text: string): TileGrid | 'auto' {
  if (text.trim().toLowerCase() === 'auto') return 'auto';
  const match = /^(\d+)\s*[x×]\s*(\d+)$/i.exec(text.trim());
  const cols = match ? Number(match[1]) : NaN;
  const rows = match ? Number(match[2]) : NaN;
  if (!match || cols < 1 || rows < 1 || cols > MAX_TILES_PER_SIDE || rows > MAX_TILES_PER_SIDE) {
    throw invalidParameter('tiles', `"auto" or COLSxROWS with 1 to ${MAX_TILES_PER_SIDE} each (e.g. "2x2")`, text);
  }
  return { cols, rows };
}

/** Start positions and common length of `count` tiles over an axis of `size` pixels. */
function axisLayout(size: number, count: number, overlap: number | undefined, axis: string): { starts: number[]; length: number } {
  if (count === 1) return { starts: [0], length: size };
  const o = overlap ?? Math.ceil(size / count / 7);
  const length = Math.ceil((size + (count - 1) * o) / count);
  if (!Number.isInteger(o) || o < 1 || length >= size || o >= length) {
    throw invalidParameter(`tiles.overlap (${axis})`, `an integer overlap ≥ 1 that leaves ${count} tiles shorter than ${size}px`, o);
  }
  const starts = Array.from({ length: count }, (_, i) => Math.round((i * (size - length)) / (count - 1)));
  return { starts, length };
}

/**
 * The tiles of a grid over a width × height image, row by row.
 * @example planTiles(512, 512, { cols: 2, rows: 2 }) // four 275×275 tiles at x, y ∈ {0, 237} (overlap 38)
 */
export function planTiles(width: number, height: number, grid: TileGrid): Tile[] {
  const xs = axisLayout(width, grid.cols, grid.overlap, 'x');
  const ys = axisLayout(height, grid.rows, grid.overlap, 'y');
  const tiles: Tile[] = [];
  for (const y of ys.starts) for (const x of xs.starts) tiles.push({ x, y, width: xs.length, height: ys.length });
  return tiles;
}

/**
 * Feathering weights along one axis for the tile starting at `start` with `length` pixels, given where the
 * previous tile ends (`prevEnd`, or null at the border) and where the next one starts (`nextStart` or null).
 * @example axisWeights(0, 10, null, 6) // → 1 on pixels 0–5, then 0.875, 0.625, 0.375, 0.125
 */
export function axisWeights(start: number, length: number, prevEnd: number | null, nextStart: number | null): Float32Array {
  const w = new Float32Array(length).fill(1);
  const end = start + length;
  for (let i = 0; i < length; i++) {
    const p = start + i + 0.5; // pixel centre
    let v = 1;
    if (prevEnd !== null && p < prevEnd) v = Math.min(v, (p - start) / (prevEnd - start));
    if (nextStart !== null && p > nextStart) v = Math.min(v, (end - p) / (end - nextStart));
    w[i] = v;
  }
  return w;
}

/**
 * Per-tile 2-D weights (row-major, tile-sized), in the order of `tiles` from planTiles.
 * @example const weights = tileWeights(planTiles(w, h, grid), grid); // weights[i][y · tile.width + x]
 */
export function tileWeights(tiles: readonly Tile[], grid: TileGrid): Float32Array[] {
  const cols = grid.cols;
  return tiles.map((t, i) => {
    const col = i % cols;
    const row = Math.floor(i / cols);
    const left = col > 0 ? tiles[i - 1] : null;
    const right = col < cols - 1 ? tiles[i + 1] : null;
    const up = row > 0 ? tiles[i - cols] : null;
    const down = i + cols < tiles.length ? tiles[i + cols] : null;
    const wx = axisWeights(t.x, t.width, left ? left.x + left.width : null, right ? right.x : null);
    const wy = axisWeights(t.y, t.height, up ? up.y + up.height : null, down ? down.y : null);
    const w = new Float32Array(t.width * t.height);
    for (let y = 0; y < t.height; y++) for (let x = 0; x < t.width; x++) w[y * t.width + x] = wx[x] * wy[y];
    return w;
  });
}

/**
 * Accumulates tile results into a full image: Σ wᵢ·tileᵢ / Σ wᵢ per pixel.
 * @example
 * const acc = new TileBlender(w, h, 3);
 * acc.add(tile, values, weights); … const blended = acc.result();
 */
export class TileBlender {
  private readonly sum: Float64Array;
  private readonly weight: Float64Array;
  constructor(
    readonly width: number,
    readonly height: number,
    readonly channels: number,
  ) {
    this.sum = new Float64Array(width * height * channels);
    this.weight = new Float64Array(width * height);
  }

  /** Add one tile's values (tile-sized, HWC) with its weights. */
  add(tile: Tile, values: Float32Array, weights: Float32Array): void {
    const c = this.channels;
    for (let y = 0; y < tile.height; y++) {
      for (let x = 0; x < tile.width; x++) {
        const w = weights[y * tile.width + x];
        if (w === 0) continue;
        const p = (tile.y + y) * this.width + tile.x + x;
        this.weight[p] += w;
        const s = (y * tile.width + x) * c;
        for (let k = 0; k < c; k++) this.sum[p * c + k] += w * values[s + k];
      }
    }
  }

  /** The blended image (HWC float32). Pixels no tile covered (none, for a planTiles layout) are 0. */
  result(): Float32Array {
    const c = this.channels;
    const out = new Float32Array(this.sum.length);
    for (let p = 0; p < this.weight.length; p++) {
      const w = this.weight[p];
      if (w > 0) for (let k = 0; k < c; k++) out[p * c + k] = this.sum[p * c + k] / w;
    }
    return out;
  }
}

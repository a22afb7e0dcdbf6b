import { INSIDE, MarchFrame } from './march';

/** Bits of `Neighbourhood.known`: which of a known pixel's four neighbours are known too. */
export const RIGHT: u8 = 1;
export const LEFT: u8 = 2;
export const BELOW: u8 = 4;
export const ABOVE: u8 = 8;

/** The known pixels a hole pixel is filled from: the offsets within a disc of `radius`, the centre excluded. */
export class Disc {
  /** Row and column offsets (k − i, l − j), in raster order (rows, then columns, ascending). */
  dk: Int32Array;
  dl: Int32Array;
  /** Squared lengths. */
  len2: Int32Array;
  /** Frame position offsets: dk·cols + dl. */
  step: Int32Array;

  /**
   * The offsets (k − i, l − j) with (k − i)² + (l − j)² ≤ radius², centre excluded, in the raster order the
   * neighbourhood is summed in (so sums round exactly as a row-by-row scan does).
   */
  constructor(radius: i32, cols: i32) {
    let n = 0;
    for (let a = -radius; a <= radius; a++) for (let b = -radius; b <= radius; b++) if ((a != 0 || b != 0) && a * a + b * b <= radius * radius) n++;
    this.dk = new Int32Array(n);
    this.dl = new Int32Array(n);
    this.len2 = new Int32Array(n);
    this.step = new Int32Array(n);
    let m = 0;
    for (let a = -radius; a <= radius; a++) {
      for (let b = -radius; b <= radius; b++) {
        if ((a == 0 && b == 0) || a * a + b * b > radius * radius) continue;
        this.dk[m] = a;
        this.dl[m] = b;
        this.len2[m] = a * a + b * b;
        this.step[m] = a * cols + b;
        m++;
      }
    }
  }

  get length(): i32 {
    return this.dk.length;
  }

  /** A weight per offset from its squared length, computed in double and kept in float32, as OpenCV's are. */
  weights(weight: (len2: f64) => f64): Float32Array {
    const out = new Float32Array(this.length);
    for (let m = 0; m < this.length; m++) out[m] = <f32>weight(<f64>this.len2[m]);
    return out;
  }
}

/**
 * The known pixels around a hole pixel being filled, gathered in raster order by `gather` (read entries
 * 0 … count − 1): each one's offset index in the disc (`m`), frame position (`q`), which of its four neighbours are
 * known (`known`, bits RIGHT | LEFT | BELOW | ABOVE), and its `cell`: its index in the per-pixel tables of the box
 * every such pixel lies in (the hole's bounding box grown by the disc's radius, clipped to the image).
 *
 * `at[cell]` is the byte offset of the RGB pixel OpenCV reads for a pixel, and `locate(cell)` sets the offsets of
 * its right / left / lower / upper neighbours for central and forward differences (`east`, `west`, `south`,
 * `north`) and for backward ones (`eastBack`, `southBack`). At the image's edges these shift as OpenCV's km / kp /
 * lm / lp do: the first row or column stands in for the one outside it, and the last reads one in. Away from the
 * edges (`steady[cell]`) they are the pixel itself and its four neighbours.
 */
export class Neighbourhood {
  count: i32 = 0;
  /** The offset's index in the disc. */
  m: Int32Array;
  /** Frame position. */
  q: Int32Array;
  /** Index in the per-pixel tables. */
  cell: Int32Array;
  known: Uint8Array;
  /** Cells in the per-pixel tables. */
  cells: i32;
  /** Byte offset of each cell's pixel as OpenCV reads it. */
  at: Int32Array;
  /** 1 where a cell's differences read only the pixel itself and its four neighbours (away from the image's edges). */
  steady: Uint8Array;
  east: i32 = 0;
  west: i32 = 0;
  eastBack: i32 = 0;
  south: i32 = 0;
  north: i32 = 0;
  southBack: i32 = 0;
  /** The box: first frame row and column, and its width. */
  private k0: i32;
  private l0: i32;
  private boxWidth: i32;
  /** The disc's radius. */
  private radius: i32;
  /** Cell offsets of the disc's offsets. */
  private cellStep: Int32Array;

  /** The offsets within the radius. */
  disc: Disc;

  constructor(
    private frame: MarchFrame,
    radius: i32,
    /** Bytes per image row (width · 3). */
    private row: i32,
  ) {
    const disc = new Disc(radius, frame.cols);
    const n = disc.length;
    const rows = frame.rows;
    const cols = frame.cols;
    const k0 = max(1, frame.firstRow - radius);
    const l0 = max(1, frame.firstColumn - radius);
    const k1 = min(rows - 2, frame.lastRow + radius);
    const l1 = min(cols - 2, frame.lastColumn + radius);
    const boxWidth = max(0, l1 - l0 + 1);
    const cells = boxWidth * max(0, k1 - k0 + 1);
    const cellStep = new Int32Array(n);
    for (let a = 0; a < n; a++) cellStep[a] = disc.dk[a] * boxWidth + disc.dl[a];
    const at = new Int32Array(cells);
    const steady = new Uint8Array(cells);
    for (let k = k0, c = 0; k <= k1; k++) {
      for (let l = l0; l <= l1; l++, c++) {
        at[c] = clamp(fromStart(k), rows - 3) * row + clamp(fromStart(l), cols - 3) * 3;
        steady[c] = k > 1 && k < rows - 2 && l > 1 && l < cols - 2 ? 1 : 0;
      }
    }
    this.disc = disc;
    this.m = new Int32Array(n);
    this.q = new Int32Array(n);
    this.cell = new Int32Array(n);
    this.known = new Uint8Array(n);
    this.radius = radius;
    this.k0 = k0;
    this.l0 = l0;
    this.boxWidth = boxWidth;
    this.cells = cells;
    this.cellStep = cellStep;
    this.at = at;
    this.steady = steady;
  }

  /** Gather the known pixels within the disc around frame position p (row i, column j), p inside the hole. */
  gather(p: i32, i: i32, j: i32): void {
    const rows = this.frame.rows;
    const cols = this.frame.cols;
    const state = this.frame.state;
    const dk = this.disc.dk;
    const dl = this.disc.dl;
    const step = this.disc.step;
    const cellStep = this.cellStep;
    const centre = (i - this.k0) * this.boxWidth + (j - this.l0);
    const r = this.radius;
    // Away from the image's edges the whole disc is in the image: no bounds to check.
    const clear = i > r && i < rows - 1 - r && j > r && j < cols - 1 - r;
    const offsets = dk.length;
    let n = 0;
    for (let m = 0; m < offsets; m++) {
      if (!clear) {
        const k = i + dk[m];
        const l = j + dl[m];
        if (k <= 0 || k >= rows - 1 || l <= 0 || l >= cols - 1) continue;
      }
      const q = p + step[m];
      if (state[q] == INSIDE) continue;
      this.m[n] = m;
      this.q[n] = q;
      this.cell[n] = centre + cellStep[m];
      this.known[n] =
        (state[q + 1] != INSIDE ? RIGHT : 0) | (state[q - 1] != INSIDE ? LEFT : 0) | (state[q + cols] != INSIDE ? BELOW : 0) | (state[q - cols] != INSIDE ? ABOVE : 0);
      n++;
    }
    this.count = n;
  }

  /** Set `east` … `southBack` for a cell. */
  locate(cell: i32): void {
    const last = this.frame.rows - 3;
    const lastColumn = this.frame.cols - 3;
    const row = this.row;
    const k = this.k0 + cell / this.boxWidth;
    const l = this.l0 + (cell % this.boxWidth);
    const km = fromStart(k);
    const kp = fromEnd(k, last);
    const lm = fromStart(l);
    const lp = fromEnd(l, lastColumn);
    this.east = clamp(km, last) * row + clamp(lp + 1, lastColumn) * 3;
    this.west = clamp(km, last) * row + clamp(lm - 1, lastColumn) * 3;
    this.eastBack = clamp(km, last) * row + clamp(lp, lastColumn) * 3;
    this.south = clamp(kp + 1, last) * row + clamp(lm, lastColumn) * 3;
    this.north = clamp(km - 1, last) * row + clamp(lm, lastColumn) * 3;
    this.southBack = clamp(kp, last) * row + clamp(lm, lastColumn) * 3;
  }
}

/**
 * OpenCV's km / lm: the image row (column) it reads for frame row (column) k, where the first stands in for the one
 * outside the image before it.
 */
@inline function fromStart(k: i32): i32 {
  return k - 1 + (k == 1 ? 1 : 0);
}

/** OpenCV's kp / lp: the image row (column) for frame row (column) k, one in at the last (`last`, in image terms). */
@inline function fromEnd(k: i32, last: i32): i32 {
  return k - 1 - (k == last + 1 ? 1 : 0);
}

/**
 * An image row or column index kept within 0 … last. OpenCV's shifted indices stay inside any image at least two
 * pixels high and wide; in one a single pixel high (or wide) they would fall a row (column) outside it, where
 * OpenCV reads past the image, and here read the one row (column) there is instead.
 */
@inline function clamp(index: i32, last: i32): i32 {
  return index < 0 ? 0 : index > last ? last : index;
}

/**
 * Per-channel image differences a fill takes at a known pixel from its known neighbours (six per cell: x for R, G,
 * B, then y), kept while the set of known neighbours they were taken with is unchanged. A known pixel's value never
 * changes, so, away from the image's edges (`Neighbourhood.steady`), the same known neighbours give the same
 * differences; at the edges OpenCV reads shifted pixels that may still be filled, so those are taken afresh.
 * Each pixel is a neighbour of some thirty hole pixels (radius 3): this takes its differences once or twice
 * instead of at every one.
 */
export class DifferenceCache {
  values: Int16Array;
  private key: Uint8Array;

  constructor(
    cells: i32,
    private steady: Uint8Array,
  ) {
    this.values = new Int16Array(cells * 6);
    this.key = new Uint8Array(cells);
  }

  /** Whether the cell's values were taken with these known neighbours. */
  @inline has(cell: i32, known: u8): bool {
    return this.key[cell] == known + 1;
  }

  /** Mark the cell's values (just written) as taken with these known neighbours, where they can be reused. */
  @inline keep(cell: i32, known: u8): void {
    if (this.steady[cell]) this.key[cell] = known + 1;
  }
}

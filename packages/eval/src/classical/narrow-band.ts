import type { Mask } from '@bgfill/masks';

/**
 * The fast-marching machinery both classical fills share (Telea 2004, §2–3; Sethian's fast marching method): the
 * hole's arrival time T grows from 0 on the narrow band (the known pixels 4-adjacent to the hole) inwards, one pixel
 * at a time in order of T, and each pixel is filled from the known pixels near it when it is reached.
 *
 * Everything is laid out as OpenCV's `cv::inpaint` does, so that the order of the march, and so every filled value,
 * follows it: a frame one pixel wider on each side than the image (its outer ring always known), arrival times in
 * float32, a first-in-first-out order among equal times, and the band's pixels entering in raster order.
 */

/** A pixel's state during the march. */
export const KNOWN = 0;
export const BAND = 1;
export const INSIDE = 2;

/** The arrival time of every pixel not yet reached (OpenCV's 1e6). */
export const FAR = 1e6;

/**
 * A min-priority queue of frame positions by arrival time, first in first out among equal times (a binary heap
 * keyed by (time, arrival number)). Times are float32, compared as such.
 */
export class MarchQueue {
  private readonly time: Float32Array;
  private readonly order: Float64Array;
  private readonly position: Int32Array;
  private size = 0;
  private pushed = 0;

  constructor(capacity: number) {
    this.time = new Float32Array(capacity);
    this.order = new Float64Array(capacity);
    this.position = new Int32Array(capacity);
  }

  get length(): number {
    return this.size;
  }

  private before(a: number, b: number): boolean {
    const ta = this.time[a];
    const tb = this.time[b];
    return ta < tb || (ta === tb && this.order[a] < this.order[b]);
  }

  private swap(a: number, b: number): void {
    const t = this.time[a];
    this.time[a] = this.time[b];
    this.time[b] = t;
    const o = this.order[a];
    this.order[a] = this.order[b];
    this.order[b] = o;
    const p = this.position[a];
    this.position[a] = this.position[b];
    this.position[b] = p;
  }

  push(position: number, time: number): void {
    let i = this.size++;
    this.time[i] = time;
    this.order[i] = this.pushed++;
    this.position[i] = position;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.before(i, parent)) break;
      this.swap(i, parent);
      i = parent;
    }
  }

  /** The earliest position (the first pushed among equal times); -1 when empty. */
  pop(): number {
    if (this.size === 0) return -1;
    const top = this.position[0];
    const last = --this.size;
    if (last > 0) {
      this.time[0] = this.time[last];
      this.order[0] = this.order[last];
      this.position[0] = this.position[last];
      let i = 0;
      for (;;) {
        const l = 2 * i + 1;
        if (l >= last) break;
        const r = l + 1;
        const child = r < last && this.before(r, l) ? r : l;
        if (!this.before(child, i)) break;
        this.swap(child, i);
        i = child;
      }
    }
    return top;
  }
}

/**
 * The arrival time at a pixel from two of its neighbours (one vertical, one horizontal): the upwind solution of
 * |∇T| = 1 on a unit grid (Telea 2004, eq. 5). With both known and closer than 1 apart in time, the quadratic's
 * larger root; otherwise one more than the known one (or the smaller). Computed in double, returned as float32.
 */
function solvePair(state: Uint8Array, t: Float32Array, a: number, b: number): number {
  const ta = t[a];
  const tb = t[b];
  const aKnown = state[a] !== INSIDE;
  const bKnown = state[b] !== INSIDE;
  let sol: number;
  if (aKnown && bKnown) {
    const d = ta - tb;
    sol = Math.abs(d) >= 1 ? 1 + Math.min(ta, tb) : (ta + tb + Math.sqrt(2 - d * d)) * 0.5;
  } else if (aKnown) sol = 1 + ta;
  else if (bKnown) sol = 1 + tb;
  else sol = 1 + Math.min(ta, tb);
  return Math.fround(sol);
}

/**
 * A pixel's arrival time: the smallest of the solutions over its four quadrants (up/left, down/left, up/right,
 * down/right). `stride` is the frame's row length.
 */
export function arrivalTime(state: Uint8Array, t: Float32Array, p: number, stride: number): number {
  const up = p - stride;
  const down = p + stride;
  return Math.min(
    solvePair(state, t, up, p - 1),
    solvePair(state, t, down, p - 1),
    solvePair(state, t, up, p + 1),
    solvePair(state, t, down, p + 1),
  );
}

/** The image and its hole laid out in the frame, with the band ready to march from. */
export interface MarchFrame {
  /** Frame size: the image's plus 2. */
  rows: number;
  cols: number;
  /** INSIDE for hole pixels, KNOWN elsewhere (the band and the outer ring too). */
  state: Uint8Array;
  /** Arrival times: 0 on the band, FAR elsewhere. */
  t: Float32Array;
  /** 1 on the band (known pixels 4-adjacent to the hole, the frame's outer ring excluded). */
  band: Uint8Array;
  /** The band's pixels at time 0, in raster order. */
  queue: MarchQueue;
  /** Band pixels. */
  bandCount: number;
  /** Hole pixels. */
  holeCount: number;
  /** The hole's bounding box in frame rows and columns, inclusive (first > last when there is no hole). */
  holeBox: { firstRow: number; lastRow: number; firstColumn: number; lastColumn: number };
}

/**
 * Lay a mask out in the frame: hole pixels INSIDE, the frame's outer ring KNOWN (at time FAR), the band found by a
 * 4-neighbour dilation of the hole minus the hole, and the band queued at time 0 in raster order.
 * @example const frame = marchFrame(mask); // frame.queue.length === frame.bandCount
 */
export function marchFrame(mask: Mask): MarchFrame {
  const { width, height } = mask;
  const cols = width + 2;
  const rows = height + 2;
  const state = new Uint8Array(rows * cols);
  let holeCount = 0;
  const holeBox = { firstRow: rows, lastRow: -1, firstColumn: cols, lastColumn: -1 };
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      if (mask.data[y * width + x]) {
        state[(y + 1) * cols + x + 1] = INSIDE;
        holeCount++;
        if (y + 1 < holeBox.firstRow) holeBox.firstRow = y + 1;
        holeBox.lastRow = y + 1;
        if (x + 1 < holeBox.firstColumn) holeBox.firstColumn = x + 1;
        if (x + 1 > holeBox.lastColumn) holeBox.lastColumn = x + 1;
      }
    }
  }
  const band = new Uint8Array(rows * cols);
  const t = new Float32Array(rows * cols).fill(FAR);
  let bandCount = 0;
  for (let y = 1; y < rows - 1; y++) {
    for (let x = 1; x < cols - 1; x++) {
      const p = y * cols + x;
      if (state[p] === INSIDE) continue;
      if (state[p - cols] === INSIDE || state[p + cols] === INSIDE || state[p - 1] === INSIDE || state[p + 1] === INSIDE) {
        band[p] = 1;
        t[p] = 0;
        bandCount++;
      }
    }
  }
  const queue = new MarchQueue(bandCount + holeCount);
  for (let p = 0; p < band.length; p++) if (band[p]) queue.push(p, 0);
  return { rows, cols, state, t, band, queue, bandCount, holeCount, holeBox };
}

/**
 * 1 where any hole pixel lies within `radius` in x and in y (a (2r+1)² square dilation of the hole), by running
 * counts along rows and then columns.
 */
function squareDilation(state: Uint8Array, rows: number, cols: number, radius: number): Uint8Array {
  const across = new Uint8Array(rows * cols);
  for (let y = 0; y < rows; y++) {
    const row = y * cols;
    let count = 0;
    for (let x = 0; x < Math.min(radius, cols); x++) count += state[row + x] === INSIDE ? 1 : 0;
    for (let x = 0; x < cols; x++) {
      if (x + radius < cols && state[row + x + radius] === INSIDE) count++;
      if (x - radius - 1 >= 0 && state[row + x - radius - 1] === INSIDE) count--;
      across[row + x] = count > 0 ? 1 : 0;
    }
  }
  const out = new Uint8Array(rows * cols);
  for (let x = 0; x < cols; x++) {
    let count = 0;
    for (let y = 0; y < Math.min(radius, rows); y++) count += across[y * cols + x];
    for (let y = 0; y < rows; y++) {
      if (y + radius < rows) count += across[(y + radius) * cols + x];
      if (y - radius - 1 >= 0) count -= across[(y - radius - 1) * cols + x];
      out[y * cols + x] = count > 0 ? 1 : 0;
    }
  }
  return out;
}

/**
 * Telea's distances outside the hole (§3, "the T field is also computed outside"): march outwards from the band
 * over the known pixels within `radius` of the hole (a square neighbourhood, the frame's outer ring excluded), then
 * store those times negated, so that |T(known) − T(hole pixel)| grows with the distance between the two across the
 * boundary. Writes into `frame.t`.
 */
export function marchOutside(frame: MarchFrame, radius: number): void {
  const { rows, cols, band, t } = frame;
  const near = squareDilation(frame.state, rows, cols, radius);
  // Its own states: the ring still to reach is "inside"; the hole and everything else count as known.
  const ring = new Uint8Array(rows * cols);
  let ringCount = 0;
  for (let y = 1; y < rows - 1; y++) {
    for (let x = 1; x < cols - 1; x++) {
      const p = y * cols + x;
      if (near[p] && frame.state[p] !== INSIDE && !band[p]) {
        ring[p] = INSIDE;
        ringCount++;
      }
    }
  }
  const REACHED = 3;
  const queue = new MarchQueue(frame.bandCount + ringCount);
  for (let p = 0; p < band.length; p++) if (band[p]) queue.push(p, 0);
  const neighbours = [-cols, -1, cols, 1];
  for (let p = queue.pop(); p >= 0; p = queue.pop()) {
    ring[p] = REACHED;
    for (const step of neighbours) {
      const q = p + step;
      if (ring[q] !== INSIDE) continue;
      const time = arrivalTime(ring, t, q, cols);
      t[q] = time;
      ring[q] = BAND;
      queue.push(q, time);
    }
  }
  for (let p = 0; p < ring.length; p++) if (ring[p] === REACHED) t[p] = -t[p];
}

/** The known pixels a hole pixel is filled from: the offsets within a disc of `radius`, the centre excluded. */
export interface Disc {
  /** Row and column offsets (k − i, l − j), in raster order (rows, then columns, ascending). */
  dk: Int32Array;
  dl: Int32Array;
  /** Squared lengths. */
  len2: Int32Array;
  /** Frame position offsets: dk·cols + dl. */
  step: Int32Array;
}

/**
 * The offsets (k − i, l − j) with (k − i)² + (l − j)² ≤ radius², centre excluded, in the raster order the
 * neighbourhood is summed in (so sums round exactly as a row-by-row scan does).
 * @example discOffsets(1, 10).dk // Int32Array [-1, 0, 0, 1]
 */
export function discOffsets(radius: number, cols: number): Disc {
  const dk: number[] = [];
  const dl: number[] = [];
  for (let a = -radius; a <= radius; a++) {
    for (let b = -radius; b <= radius; b++) {
      if ((a === 0 && b === 0) || a * a + b * b > radius * radius) continue;
      dk.push(a);
      dl.push(b);
    }
  }
  return {
    dk: Int32Array.from(dk),
    dl: Int32Array.from(dl),
    len2: Int32Array.from(dk, (a, n) => a * a + dl[n] * dl[n]),
    step: Int32Array.from(dk, (a, n) => a * cols + dl[n]),
  };
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
  count = 0;
  /** The offset's index in the disc. */
  readonly m: Int32Array;
  /** Frame position. */
  readonly q: Int32Array;
  /** Index in the per-pixel tables. */
  readonly cell: Int32Array;
  readonly known: Uint8Array;
  /** Cells in the per-pixel tables. */
  readonly cells: number;
  /** Byte offset of each cell's pixel as OpenCV reads it. */
  readonly at: Int32Array;
  /** 1 where a cell's differences read only the pixel itself and its four neighbours (away from the image's edges). */
  readonly steady: Uint8Array;
  east = 0;
  west = 0;
  eastBack = 0;
  south = 0;
  north = 0;
  southBack = 0;
  /** The box: first frame row and column, and its width. */
  private readonly k0: number;
  private readonly l0: number;
  private readonly boxWidth: number;
  /** The disc's radius. */
  private readonly radius: number;
  /** Cell offsets of the disc's offsets. */
  private readonly cellStep: Int32Array;

  constructor(
    private readonly frame: MarchFrame,
    readonly disc: Disc,
    /** Bytes per image row (width · 3). */
    private readonly row: number,
  ) {
    const n = disc.dk.length;
    this.m = new Int32Array(n);
    this.q = new Int32Array(n);
    this.cell = new Int32Array(n);
    this.known = new Uint8Array(n);
    const { rows, cols, holeBox } = frame;
    let radius = 0;
    for (const a of disc.dk) if (a > radius) radius = a;
    this.radius = radius;
    this.k0 = Math.max(1, holeBox.firstRow - radius);
    this.l0 = Math.max(1, holeBox.firstColumn - radius);
    const k1 = Math.min(rows - 2, holeBox.lastRow + radius);
    const l1 = Math.min(cols - 2, holeBox.lastColumn + radius);
    this.boxWidth = Math.max(0, l1 - this.l0 + 1);
    this.cells = this.boxWidth * Math.max(0, k1 - this.k0 + 1);
    this.cellStep = Int32Array.from(disc.dk, (a, m) => a * this.boxWidth + disc.dl[m]);
    this.at = new Int32Array(this.cells);
    this.steady = new Uint8Array(this.cells);
    for (let k = this.k0, c = 0; k <= k1; k++) {
      for (let l = this.l0; l <= l1; l++, c++) {
        this.at[c] = (k - 1 + (k === 1 ? 1 : 0)) * row + (l - 1 + (l === 1 ? 1 : 0)) * 3;
        this.steady[c] = k > 1 && k < rows - 2 && l > 1 && l < cols - 2 ? 1 : 0;
      }
    }
  }

  /** Gather the known pixels within the disc around frame position p (row i, column j), p inside the hole. */
  gather(p: number, i: number, j: number): void {
    const { rows, cols, state } = this.frame;
    const { dk, dl, step } = this.disc;
    const cellStep = this.cellStep;
    const centre = (i - this.k0) * this.boxWidth + (j - this.l0);
    const r = this.radius;
    // Away from the image's edges the whole disc is in the image: no bounds to check.
    const clear = i > r && i < rows - 1 - r && j > r && j < cols - 1 - r;
    let n = 0;
    for (let m = 0; m < dk.length; m++) {
      if (!clear) {
        const k = i + dk[m];
        const l = j + dl[m];
        if (k <= 0 || k >= rows - 1 || l <= 0 || l >= cols - 1) continue;
      }
      const q = p + step[m];
      if (state[q] === INSIDE) continue;
      this.m[n] = m;
      this.q[n] = q;
      this.cell[n] = centre + cellStep[m];
      this.known[n] =
        (state[q + 1] !== INSIDE ? RIGHT : 0) | (state[q - 1] !== INSIDE ? LEFT : 0) | (state[q + cols] !== INSIDE ? BELOW : 0) | (state[q - cols] !== INSIDE ? ABOVE : 0);
      n++;
    }
    this.count = n;
  }

  /** Set `east` … `southBack` for a cell. */
  locate(cell: number): void {
    const { rows, cols } = this.frame;
    const row = this.row;
    const k = this.k0 + ((cell / this.boxWidth) | 0);
    const l = this.l0 + (cell % this.boxWidth);
    const km = k - 1 + (k === 1 ? 1 : 0);
    const kp = k - 1 - (k === rows - 2 ? 1 : 0);
    const lm = l - 1 + (l === 1 ? 1 : 0);
    const lp = l - 1 - (l === cols - 2 ? 1 : 0);
    this.east = km * row + (lp + 1) * 3;
    this.west = km * row + (lm - 1) * 3;
    this.eastBack = km * row + lp * 3;
    this.south = (kp + 1) * row + lm * 3;
    this.north = (km - 1) * row + lm * 3;
    this.southBack = kp * row + lm * 3;
  }
}

/**
 * Per-channel image differences a fill takes at a known pixel from its known neighbours (`values`, `width` per
 * cell), kept while the set of known neighbours they were taken with is unchanged. A known pixel's value never
 * changes, so, away from the image's edges (`Neighbourhood.steady`), the same known neighbours give the same
 * differences; at the edges OpenCV reads shifted pixels that may still be filled, so those are taken afresh.
 * Each pixel is a neighbour of some thirty hole pixels (radius 3): this takes its differences once or twice
 * instead of at every one.
 */
export class DifferenceCache {
  readonly values: Int16Array;
  private readonly key: Uint8Array;

  constructor(
    cells: number,
    readonly width: number,
    private readonly steady: Uint8Array,
  ) {
    this.values = new Int16Array(cells * width);
    this.key = new Uint8Array(cells);
  }

  /** Whether the cell's values were taken with these known neighbours. */
  has(cell: number, known: number): boolean {
    return this.key[cell] === known + 1;
  }

  /** Mark the cell's values (just written) as taken with these known neighbours, where they can be reused. */
  keep(cell: number, known: number): void {
    if (this.steady[cell]) this.key[cell] = known + 1;
  }
}

/** Bits of `Neighbourhood.known`. */
export const RIGHT = 1;
export const LEFT = 2;
export const BELOW = 4;
export const ABOVE = 8;

/**
 * March the band into the hole (Telea 2004, §3): take the earliest band pixel, make it known, and reach each of its
 * four neighbours still inside, in OpenCV's order (up, left, down, right): its arrival time from its known
 * neighbours, then `fill(p, i, j, time)` (which writes its value; the pixel is still inside while it runs), then it
 * joins the band at that time.
 */
export function marchInward(frame: MarchFrame, fill: (p: number, i: number, j: number, time: number) => void): void {
  const { cols, state, t, queue } = frame;
  const reach = (p: number) => {
    const i = (p / cols) | 0;
    const time = arrivalTime(state, t, p, cols);
    t[p] = time;
    fill(p, i, p - i * cols, time);
    state[p] = BAND;
    queue.push(p, time);
  };
  for (let p0 = queue.pop(); p0 >= 0; p0 = queue.pop()) {
    state[p0] = KNOWN;
    // The frame's outer ring is never inside, so the four neighbours always exist.
    if (state[p0 - cols] === INSIDE) reach(p0 - cols);
    if (state[p0 - 1] === INSIDE) reach(p0 - 1);
    if (state[p0 + cols] === INSIDE) reach(p0 + cols);
    if (state[p0 + 1] === INSIDE) reach(p0 + 1);
  }
}

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
export const KNOWN: u8 = 0;
export const BAND: u8 = 1;
export const INSIDE: u8 = 2;

/** The arrival time of every pixel not yet reached (OpenCV's 1e6). */
export const FAR: f32 = 1e6;

/**
 * A min-priority queue of frame positions by arrival time, first in first out among equal times (a binary heap
 * keyed by (time, arrival number)). Times are float32, compared as such.
 */
export class MarchQueue {
  private time: Float32Array;
  private order: Int32Array;
  private position: Int32Array;
  private size: i32 = 0;
  private pushed: i32 = 0;

  constructor(capacity: i32) {
    this.time = new Float32Array(capacity);
    this.order = new Int32Array(capacity);
    this.position = new Int32Array(capacity);
  }

  @inline private before(a: i32, b: i32): bool {
    const ta = this.time[a];
    const tb = this.time[b];
    return ta < tb || (ta == tb && this.order[a] < this.order[b]);
  }

  @inline private swap(a: i32, b: i32): void {
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

  push(position: i32, time: f32): void {
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
  pop(): i32 {
    if (this.size == 0) return -1;
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
@inline function solvePair(state: Uint8Array, t: Float32Array, a: i32, b: i32): f32 {
  const ta = <f64>t[a];
  const tb = <f64>t[b];
  const aKnown = state[a] != INSIDE;
  const bKnown = state[b] != INSIDE;
  let sol: f64;
  if (aKnown && bKnown) {
    const d = ta - tb;
    sol = Math.abs(d) >= 1 ? 1 + Math.min(ta, tb) : (ta + tb + Math.sqrt(2 - d * d)) * 0.5;
  } else if (aKnown) sol = 1 + ta;
  else if (bKnown) sol = 1 + tb;
  else sol = 1 + Math.min(ta, tb);
  return <f32>sol;
}

/**
 * A pixel's arrival time: the smallest of the solutions over its four quadrants (up/left, down/left, up/right,
 * down/right). `stride` is the frame's row length.
 */
export function arrivalTime(state: Uint8Array, t: Float32Array, p: i32, stride: i32): f32 {
  const up = p - stride;
  const down = p + stride;
  return min(min(solvePair(state, t, up, p - 1), solvePair(state, t, down, p - 1)), min(solvePair(state, t, up, p + 1), solvePair(state, t, down, p + 1)));
}

/** The image and its hole laid out in the frame, with the band ready to march from. */
export class MarchFrame {
  /** Frame size: the image's plus 2. */
  rows: i32;
  cols: i32;
  /** INSIDE for hole pixels, KNOWN elsewhere (the band and the outer ring too). */
  state: Uint8Array;
  /** Arrival times: 0 on the band, FAR elsewhere. */
  t: Float32Array;
  /** 1 on the band (known pixels 4-adjacent to the hole, the frame's outer ring excluded). */
  band: Uint8Array;
  /** The band's pixels at time 0, in raster order. */
  queue: MarchQueue;
  /** Band pixels. */
  bandCount: i32;
  /** Hole pixels. */
  holeCount: i32;
  /** The hole's bounding box in frame rows and columns, inclusive (first > last when there is no hole). */
  firstRow: i32;
  lastRow: i32;
  firstColumn: i32;
  lastColumn: i32;

  /**
   * Lay a mask (`width` × `height` bytes at `mask`, non-zero = hole) out in the frame: hole pixels INSIDE, the
   * frame's outer ring KNOWN (at time FAR), the band found by a 4-neighbour dilation of the hole minus the hole, and
   * the band queued at time 0 in raster order.
   */
  constructor(mask: usize, width: i32, height: i32) {
    const cols = width + 2;
    const rows = height + 2;
    const state = new Uint8Array(rows * cols);
    const band = new Uint8Array(rows * cols);
    const t = new Float32Array(rows * cols);
    let holeCount = 0;
    let firstRow = rows, lastRow = -1, firstColumn = cols, lastColumn = -1; // prettier-ignore
    for (let y = 0; y < height; y++) {
      for (let x = 0; x < width; x++) {
        if (load<u8>(mask + <usize>(y * width + x)) != 0) {
          state[(y + 1) * cols + x + 1] = INSIDE;
          holeCount++;
          if (y + 1 < firstRow) firstRow = y + 1;
          lastRow = y + 1;
          if (x + 1 < firstColumn) firstColumn = x + 1;
          if (x + 1 > lastColumn) lastColumn = x + 1;
        }
      }
    }
    t.fill(FAR);
    let bandCount = 0;
    for (let y = 1; y < rows - 1; y++) {
      for (let x = 1; x < cols - 1; x++) {
        const p = y * cols + x;
        if (state[p] == INSIDE) continue;
        if (state[p - cols] == INSIDE || state[p + cols] == INSIDE || state[p - 1] == INSIDE || state[p + 1] == INSIDE) {
          band[p] = 1;
          t[p] = 0;
          bandCount++;
        }
      }
    }
    const queue = new MarchQueue(bandCount + holeCount);
    for (let p = 0; p < band.length; p++) if (band[p]) queue.push(p, 0);
    this.rows = rows;
    this.cols = cols;
    this.state = state;
    this.t = t;
    this.band = band;
    this.queue = queue;
    this.bandCount = bandCount;
    this.holeCount = holeCount;
    this.firstRow = firstRow;
    this.lastRow = lastRow;
    this.firstColumn = firstColumn;
    this.lastColumn = lastColumn;
  }
}

/**
 * 1 where any hole pixel lies within `radius` in x and in y (a (2r+1)² square dilation of the hole), by running
 * counts along rows and then columns.
 */
function squareDilation(state: Uint8Array, rows: i32, cols: i32, radius: i32): Uint8Array {
  const across = new Uint8Array(rows * cols);
  for (let y = 0; y < rows; y++) {
    const row = y * cols;
    let count = 0;
    for (let x = 0; x < min(radius, cols); x++) count += state[row + x] == INSIDE ? 1 : 0;
    for (let x = 0; x < cols; x++) {
      if (x + radius < cols && state[row + x + radius] == INSIDE) count++;
      if (x - radius - 1 >= 0 && state[row + x - radius - 1] == INSIDE) count--;
      across[row + x] = count > 0 ? 1 : 0;
    }
  }
  const out = new Uint8Array(rows * cols);
  for (let x = 0; x < cols; x++) {
    let count = 0;
    for (let y = 0; y < min(radius, rows); y++) count += across[y * cols + x];
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
export function marchOutside(frame: MarchFrame, radius: i32): void {
  const rows = frame.rows;
  const cols = frame.cols;
  const band = frame.band;
  const t = frame.t;
  const near = squareDilation(frame.state, rows, cols, radius);
  // Its own states: the ring still to reach is "inside"; the hole and everything else count as known.
  const ring = new Uint8Array(rows * cols);
  let ringCount = 0;
  for (let y = 1; y < rows - 1; y++) {
    for (let x = 1; x < cols - 1; x++) {
      const p = y * cols + x;
      if (near[p] && frame.state[p] != INSIDE && !band[p]) {
        ring[p] = INSIDE;
        ringCount++;
      }
    }
  }
  const REACHED: u8 = 3;
  const queue = new MarchQueue(frame.bandCount + ringCount);
  for (let p = 0; p < band.length; p++) if (band[p]) queue.push(p, 0);
  for (let p = queue.pop(); p >= 0; p = queue.pop()) {
    ring[p] = REACHED;
    reachRing(ring, t, queue, p - cols, cols);
    reachRing(ring, t, queue, p - 1, cols);
    reachRing(ring, t, queue, p + cols, cols);
    reachRing(ring, t, queue, p + 1, cols);
  }
  for (let p = 0; p < ring.length; p++) if (ring[p] == REACHED) t[p] = -t[p];
}

/** Reach ring pixel q from the outside march: its arrival time, and it joins the band at that time. */
@inline function reachRing(ring: Uint8Array, t: Float32Array, queue: MarchQueue, q: i32, cols: i32): void {
  if (ring[q] != INSIDE) return;
  const time = arrivalTime(ring, t, q, cols);
  t[q] = time;
  ring[q] = BAND;
  queue.push(q, time);
}

/** What the inward march hands each hole pixel as it reaches it. */
export interface Filler {
  /** Write the value of frame position p (row i, column j, arrival time `time`); p is still inside. */
  fill(p: i32, i: i32, j: i32, time: f32): void;
}

/**
 * March the band into the hole (Telea 2004, §3): take the earliest band pixel, make it known, and reach each of its
 * four neighbours still inside, in OpenCV's order (up, left, down, right): its arrival time from its known
 * neighbours, then `filler.fill(p, i, j, time)`, then it joins the band at that time.
 */
export function marchInward<F extends Filler>(frame: MarchFrame, filler: F): void {
  const cols = frame.cols;
  const state = frame.state;
  const queue = frame.queue;
  for (let p0 = queue.pop(); p0 >= 0; p0 = queue.pop()) {
    state[p0] = KNOWN;
    // The frame's outer ring is never inside, so the four neighbours always exist.
    if (state[p0 - cols] == INSIDE) reach(frame, filler, p0 - cols);
    if (state[p0 - 1] == INSIDE) reach(frame, filler, p0 - 1);
    if (state[p0 + cols] == INSIDE) reach(frame, filler, p0 + cols);
    if (state[p0 + 1] == INSIDE) reach(frame, filler, p0 + 1);
  }
}

/** Reach hole pixel p: its arrival time, its fill, and it joins the band at that time. */
@inline function reach<F extends Filler>(frame: MarchFrame, filler: F, p: i32): void {
  const cols = frame.cols;
  const i = p / cols;
  const time = arrivalTime(frame.state, frame.t, p, cols);
  frame.t[p] = time;
  filler.fill(p, i, p - i * cols, time);
  frame.state[p] = BAND;
  frame.queue.push(p, time);
}

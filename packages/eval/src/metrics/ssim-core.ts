import type { ResolvedSsimOptions } from './options.js';
import type { Plane } from './planes.js';
import { filterColumns, filterRow, reflectIndex } from './symmetric-filter.js';

/**
 * What `ssimSums` adds up: `ssim`, the SSIM map over every pixel; `cs`, the contrast-sensitivity map over the pixels
 * at least `pad` from each border (what MS-SSIM uses at every scale but the last).
 */
export type SsimTerm = 'ssim' | 'cs';

/** A sum over one channel and how many pixels went into it; the mean is sum / count. */
export interface SsimSum {
  sum: number;
  count: number;
}

/** Both sums of one pass (`ssimAndCsSums`): the SSIM map's over every pixel, the contrast map's over the interior. */
export interface SsimAndCsSums {
  ssim: SsimSum;
  cs: SsimSum;
}

/** The four local moments SSIM needs: E[x], E[y], E[x² + y²], E[xy]. */
const MOMENTS = 4;

/**
 * Reusable work buffers for `ssimSums`, grown to the largest plane seen; one per call of `ssim`/`msssim`, so a
 * multi-channel or multi-scale computation allocates once.
 */
export class SsimScratch {
  private size = 0;
  private rowSize = 0;
  /** Horizontally filtered moments, one value per pixel each. */
  h: Float64Array[] = [];
  /** One reflect-padded source row of each moment. */
  row: Float64Array[] = [];
  /** One output row of each moment after the vertical pass. */
  v: Float64Array[] = [];
  rows = new Int32Array(0);
  /** Source offset (column · stride) of each position of a reflect-padded row. */
  columns = new Int32Array(0);
  /**
   * Filter only the pixels whose window meets a difference between x and y, counting 1 for the others (see
   * `ssimSums`); the same sums to rounding as filtering every pixel, which `false` does (to check the shortcut).
   */
  shortcut = true;
  /** Per row of the plane, the columns [first, end) where x and y differ (first = end = 0 where they agree). */
  first = new Int32Array(0);
  end = new Int32Array(0);
  /** Per output row, the columns [from, to) whose window meets a difference. */
  from = new Int32Array(0);
  to = new Int32Array(0);
  /** Per source row, the columns [hFrom, hTo) the horizontal pass filters (those some output row needs). */
  hFrom = new Int32Array(0);
  hTo = new Int32Array(0);

  ensure(width: number, height: number, pad: number): void {
    const size = width * height;
    if (height > this.first.length) {
      this.first = new Int32Array(height);
      this.end = new Int32Array(height);
      this.from = new Int32Array(height);
      this.to = new Int32Array(height);
      this.hFrom = new Int32Array(height);
      this.hTo = new Int32Array(height);
    }
    const rowSize = width + 2 * pad;
    if (size > this.size) {
      this.size = size;
      this.h = Array.from({ length: MOMENTS }, () => new Float64Array(size));
    }
    if (rowSize > this.rowSize) {
      this.rowSize = rowSize;
      this.columns = new Int32Array(rowSize);
      this.row = Array.from({ length: MOMENTS }, () => new Float64Array(rowSize));
      this.v = Array.from({ length: MOMENTS }, () => new Float64Array(rowSize));
    }
    if (this.rows.length !== 2 * pad + 1) this.rows = new Int32Array(2 * pad + 1);
  }
}

/** Planes up to this many pixels (1024²) share one scratch; larger ones get their own, freed after the call. */
const SHARED_SCRATCH_PIXELS = 1 << 20;
let shared: SsimScratch | undefined;

/**
 * Work buffers for one `ssim` / `msssim` call on planes of this size: below 1024² one module-wide scratch, reused by
 * every call (the calls are synchronous, so none can overlap it), instead of a fresh 4 × width × height float64
 * (2 MiB at 256²) for the garbage collector each time; larger planes get their own.
 * @example const scratch = ssimScratchFor(256, 256);
 */
export function ssimScratchFor(width: number, height: number): SsimScratch {
  if (width * height > SHARED_SCRATCH_PIXELS) return new SsimScratch();
  shared ??= new SsimScratch();
  return shared;
}

/**
 * The SSIM (or contrast-sensitivity) sum of one channel pair, following torchmetrics 1.9.0 (`functional/image/ssim.py`, `_ssim_update`):
 * both planes reflect-padded by `pad`; local means of x, y, x², y², xy taken with the normalised Gaussian window
 * (a valid correlation over the padded planes, so one value per original pixel);
 * SSIM = (2μxμy + c1)(2σxy + c2) / ((μx² + μy² + c1)(σx² + σy² + c2)) summed over every pixel; and the
 * contrast-sensitivity term (2σxy + c2) / (σx² + σy² + c2) summed over the pixels at least `pad` from each border
 * (torchmetrics crops the contrast map, not the SSIM map, before averaging).
 *
 * Only σx² + σy² enters the formula, so E[x²] and E[y²] are filtered together as E[x² + y²] (four filtered maps
 * instead of five); the sum is clamped at 0 where torchmetrics clamps each variance — the two differ only where a
 * variance is rounding noise (|σ²| ~ 1e-12), far below any tolerance. Filtering is separable (the 2-D window is an
 * outer product) and everything is float64. Where x equals y over a pixel's whole window (outside an inpainted hole,
 * more than `pad` from it), x's moments are y's and both terms are exactly 1, so such pixels are not filtered at all
 * but counted as 1 (`SsimScratch.shortcut`). Filtering them would give 1 too, up to the rounding of
 * E[x² + y²] − 2μ², which a flat area can leave at −1e-13 or so: the sums agree to a few units in their last place.
 * For the demo's 256² records with person-box + scribble holes (a quarter of the image) this filters a third of the
 * pixels at the first scale.
 * Requires width, height ≥ pad + 1 (and > 2·pad for `cs`); callers check sizes first.
 */
export function ssimSums(
  x: Plane,
  y: Plane,
  options: ResolvedSsimOptions,
  window: Float64Array,
  term: SsimTerm,
  scratch: SsimScratch = new SsimScratch(),
): SsimSum {
  const both = filteredSums(x, y, options, window, term, scratch);
  return term === 'cs' ? both.cs : both.ssim;
}

/**
 * The SSIM sum and the contrast-sensitivity sum of one channel pair from one filtering pass (what `ssim` and the
 * first scale of `msssim` both need when their settings agree): each equals `ssimSums` with that term, bit for bit.
 * @example const { ssim, cs } = ssimAndCsSums(x, y, options, window);
 */
export function ssimAndCsSums(x: Plane, y: Plane, options: ResolvedSsimOptions, window: Float64Array, scratch: SsimScratch = new SsimScratch()): SsimAndCsSums {
  return filteredSums(x, y, options, window, 'both', scratch);
}

function filteredSums(x: Plane, y: Plane, options: ResolvedSsimOptions, window: Float64Array, term: SsimTerm | 'both', scratch: SsimScratch): SsimAndCsSums {
  const { width: W, height: H } = x;
  const { pad: p, c1, c2 } = options;
  scratch.ensure(W, H, p);
  const [hx, hy, hs, hxy] = scratch.h;
  const [px, py, ps, pxy] = scratch.row;
  const [vx, vy, vs, vxy] = scratch.v;
  const { rows, first, end, from, to, hFrom, hTo } = scratch;
  const xd = x.data;
  const yd = y.data;
  const stride = x.stride;
  const xo = x.offset;
  const yo = y.offset;
  const wantSsim = term !== 'cs';
  const wantCs = term !== 'ssim';
  const r0 = wantSsim ? 0 : p;
  const r1 = wantSsim ? H : H - p;
  // Where x and y agree over a pixel's whole window (inpainted outputs equal the target outside the hole), x's
  // moments are y's and the pixel's SSIM and contrast terms are exactly 1 (see `ssimSums`): only the pixels whose
  // window meets a difference are filtered, the rest add 1 each. The columns an output row needs are those within
  // pad of a difference in any of its window's rows; a source row is filtered across the columns its output rows need.
  differingSpans(x, y, scratch);
  hFrom.fill(W, 0, H);
  hTo.fill(0, 0, H);
  for (let r = r0; r < r1; r++) {
    let a = W;
    let b = 0;
    for (let k = 0; k <= 2 * p; k++) {
      const source = reflectIndex(r - p + k, H);
      if (first[source] < end[source]) {
        if (first[source] - p < a) a = first[source] - p;
        if (end[source] + p > b) b = end[source] + p;
      }
    }
    if (a >= b) (a = 0), (b = 0);
    else (a = Math.max(0, a)), (b = Math.min(W, b));
    from[r] = a;
    to[r] = b;
    if (a === b) continue;
    for (let k = 0; k <= 2 * p; k++) {
      const source = reflectIndex(r - p + k, H);
      if (a < hFrom[source]) hFrom[source] = a;
      if (b > hTo[source]) hTo[source] = b;
    }
  }

  // Horizontal pass over each needed source row's needed columns [a, b): the reflect-padded values at padded
  // positions [a, b + 2·pad), filtered into h*. Rows where x = y filter only y and x² + y² (a·a + b·b is b·b + b·b).
  const columns = scratch.columns;
  const padded = W + 2 * p;
  for (let i = 0; i < padded; i++) columns[i] = (i >= p && i < W + p ? i - p : reflectIndex(i - p, W)) * stride;
  for (let r = 0; r < H; r++) {
    const a = hFrom[r];
    const b = hTo[r];
    if (a >= b) continue;
    const o = r * W;
    const at = o * stride;
    const n = b - a;
    if (first[r] === end[r]) {
      for (let i = 0; i < n + 2 * p; i++) {
        const v = yd[at + columns[a + i] + yo];
        py[i] = v;
        ps[i] = v * v + v * v;
      }
      filterRow(py, hy, o + a, n, window, p);
      filterRow(ps, hs, o + a, n, window, p);
      for (let j = o + a; j < o + b; j++) {
        hx[j] = hy[j];
        hxy[j] = hs[j] * 0.5;
      }
      continue;
    }
    for (let i = 0; i < n + 2 * p; i++) {
      const k = at + columns[a + i];
      const u = xd[k + xo];
      const v = yd[k + yo];
      px[i] = u;
      py[i] = v;
      ps[i] = u * u + v * v;
      pxy[i] = u * v;
    }
    filterRow(py, hy, o + a, n, window, p);
    filterRow(ps, hs, o + a, n, window, p);
    filterRow(px, hx, o + a, n, window, p);
    filterRow(pxy, hxy, o + a, n, window, p);
  }

  // Vertical pass, one output row at a time over its columns [from, to), then that row's terms: SSIM over every
  // row and column, the contrast term over the rows and columns at least pad from each border; 1 for each pixel
  // outside [from, to).
  let ssimTotal = 0;
  let csTotal = 0;
  for (let r = r0; r < r1; r++) {
    const a = from[r];
    const b = to[r];
    const cs = wantCs && r >= p && r < H - p;
    if (a < b) {
      for (let k = 0; k <= 2 * p; k++) rows[k] = reflectIndex(r - p + k, H) * W;
      filterColumns(hy, vy, a, b, rows, window, p);
      filterColumns(hs, vs, a, b, rows, window, p);
      filterColumns(hx, vx, a, b, rows, window, p);
      filterColumns(hxy, vxy, a, b, rows, window, p);
    }
    // The row sums are 0 over an empty span.
    if (wantSsim) ssimTotal += W - (b - a) + ssimRowSum(vx, vy, vs, vxy, a, b, c1, c2);
    if (cs) {
      const ca = Math.max(p, a);
      const cb = Math.min(W - p, b);
      csTotal += W - 2 * p - Math.max(0, cb - ca) + csRowSum(vx, vy, vs, vxy, ca, cb, c2);
    }
  }
  return {
    ssim: { sum: ssimTotal, count: wantSsim ? W * H : 0 },
    cs: { sum: csTotal, count: wantCs ? (W - 2 * p) * (H - 2 * p) : 0 },
  };
}

/**
 * Into `scratch.first` / `scratch.end`, for each row of two planes, the columns [first, end) between the first and
 * the last value where they differ (first = end = 0 where the row agrees). With the shortcut off, and for float
 * planes holding a value below 1e-100 in magnitude (whose squares could lose bits to underflow, so that halving
 * their sums would not be exact), every row is reported as differing everywhere, which filters every moment.
 */
function differingSpans(x: Plane, y: Plane, scratch: SsimScratch): void {
  const { width: W, height: H, stride } = x;
  const { first, end } = scratch;
  const everywhere = () => (first.fill(0, 0, H), end.fill(W, 0, H));
  if (!scratch.shortcut) return void everywhere();
  const xd = x.data;
  const yd = y.data;
  const bytes = yd instanceof Uint8Array;
  for (let r = 0; r < H; r++) {
    let lo = -1;
    let hi = -1;
    let k = r * W * stride;
    for (let j = 0; j < W; j++, k += stride) {
      const b = yd[k + y.offset];
      if (xd[k + x.offset] !== b) {
        if (lo < 0) lo = j;
        hi = j;
      } else if (!bytes && b !== 0 && b < 1e-100 && b > -1e-100) return void everywhere();
    }
    first[r] = lo < 0 ? 0 : lo;
    end[r] = lo < 0 ? 0 : hi + 1;
  }
}

/** Σ over columns [j0, j1) of a row of (2μxμy + c1)(2σxy + c2) / ((μx² + μy² + c1)(σx² + σy² + c2)), from the filtered moments. */
function ssimRowSum(
  vx: Float64Array,
  vy: Float64Array,
  vs: Float64Array,
  vxy: Float64Array,
  j0: number,
  j1: number,
  c1: number,
  c2: number,
): number {
  let sum = 0;
  for (let j = j0; j < j1; j++) {
    const mx = vx[j];
    const my = vy[j];
    const mxx = mx * mx;
    const myy = my * my;
    const mxy = mx * my;
    let variances = vs[j] - (mxx + myy);
    if (variances < 0) variances = 0;
    sum += ((2 * mxy + c1) * (2 * (vxy[j] - mxy) + c2)) / ((mxx + myy + c1) * (variances + c2));
  }
  return sum;
}

/** Σ over columns [j0, j1) of a row of (2σxy + c2) / (σx² + σy² + c2), from the filtered moments. */
function csRowSum(
  vx: Float64Array,
  vy: Float64Array,
  vs: Float64Array,
  vxy: Float64Array,
  j0: number,
  j1: number,
  c2: number,
): number {
  let sum = 0;
  for (let j = j0; j < j1; j++) {
    const mx = vx[j];
    const my = vy[j];
    let variances = vs[j] - (mx * mx + my * my);
    if (variances < 0) variances = 0;
    sum += (2 * (vxy[j] - mx * my) + c2) / (variances + c2);
  }
  return sum;
}

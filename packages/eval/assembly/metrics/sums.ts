import { both, pair } from './doubles';
import { filterColumns, filterRow } from './filter';
import { reflectIndex, Scratch } from './scratch';

/** Which sums `filteredSums` makes: SSIM over every pixel, the contrast term over the interior, or both. */
export const TERM_SSIM = 0;
export const TERM_CS = 1;
export const TERM_BOTH = 2;

/** The contrast-sensitivity sum of the last `filteredSums` call (the SSIM sum is what it returns). */
let lastCs: f64 = 0;

/** The contrast-sensitivity sum of the last `filteredSums` call. */
export function contrastSum(): f64 {
  return lastCs;
}

/**
 * SSIM's sums over one channel pair of `width` × `height` float64 planes, as torchmetrics 1.9.0 defines them
 * (`_ssim_update`: reflect padding by p, local moments from the normalised Gaussian window): the SSIM map summed over
 * every pixel (returned) and the contrast map over the pixels at least p from each border (`contrastSum()`), either
 * skipped when `term` does not ask for it. E[x²] and E[y²] are filtered together as E[x² + y²], and where x equals y
 * over a pixel's whole window the pixel counts 1 without filtering (with `shortcut`; src/metrics/ssim-core.ts says
 * why both give torchmetrics' sums). Filtering is separable; everything is float64.
 */
export function filteredSums(x: StaticArray<f64>, y: StaticArray<f64>, W: i32, H: i32, c1: f64, c2: f64, term: i32, shortcut: bool, integers: bool, s: Scratch): f64 {
  const p = s.pad;
  const wantSsim = term != TERM_CS;
  const wantCs = term != TERM_SSIM;
  const r0 = wantSsim ? 0 : p;
  const r1 = wantSsim ? H : H - p;
  const first = s.first;
  const end = s.end;
  const from = s.from;
  const to = s.to;
  const hFrom = s.hFrom;
  const hTo = s.hTo;

  // The columns each output row needs (within p of a difference in any row of its window), and for each source row
  // the columns some output row needs.
  differingSpans(x, y, W, H, shortcut, integers, s);
  for (let r = 0; r < H; r++) {
    hFrom[r] = W;
    hTo[r] = 0;
  }
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
    if (a >= b) {
      a = 0;
      b = 0;
    } else {
      a = max(0, a);
      b = min(W, b);
    }
    from[r] = a;
    to[r] = b;
    if (a == b) continue;
    for (let k = 0; k <= 2 * p; k++) {
      const source = reflectIndex(r - p + k, H);
      if (a < hFrom[source]) hFrom[source] = a;
      if (b > hTo[source]) hTo[source] = b;
    }
  }

  horizontalPass(x, y, W, H, s);

  // Vertical pass, one output row at a time over its columns [from, to), then that row's terms; 1 for each pixel
  // outside [from, to).
  const rows = s.rows;
  let ssimTotal: f64 = 0;
  let csTotal: f64 = 0;
  for (let r = r0; r < r1; r++) {
    const a = from[r];
    const b = to[r];
    const cs = wantCs && r >= p && r < H - p;
    if (a < b) {
      for (let k = 0; k <= 2 * p; k++) rows[k] = reflectIndex(r - p + k, H) * W;
      filterColumns(s.hy, s.vy, a, b, rows, s.w, s.ws, p);
      filterColumns(s.hs, s.vs, a, b, rows, s.w, s.ws, p);
      filterColumns(s.hx, s.vx, a, b, rows, s.w, s.ws, p);
      filterColumns(s.hxy, s.vxy, a, b, rows, s.w, s.ws, p);
    }
    if (wantSsim) ssimTotal += <f64>(W - (b - a)) + ssimRowSum(s, a, b, c1, c2);
    if (cs) {
      const ca = max(p, a);
      const cb = min(W - p, b);
      csTotal += <f64>(W - 2 * p - max(0, cb - ca)) + csRowSum(s, ca, cb, c2);
    }
  }
  lastCs = csTotal;
  return ssimTotal;
}

/**
 * Each needed source row's needed columns [a, b): its reflect-padded values at padded positions [a, a + n + 2p),
 * the moments' products, filtered into h*. Rows where x = y filter only y and x² + y² (x·x + y·y is y·y + y·y).
 */
function horizontalPass(x: StaticArray<f64>, y: StaticArray<f64>, W: i32, H: i32, s: Scratch): void {
  const p = s.pad;
  const px = s.px;
  const py = s.py;
  const ps = s.ps;
  const pxy = s.pxy;
  const hx = s.hx;
  const hy = s.hy;
  const hs = s.hs;
  const hxy = s.hxy;
  for (let r = 0; r < H; r++) {
    const a = s.hFrom[r];
    const b = s.hTo[r];
    if (a >= b) continue;
    const o = r * W;
    const n = b - a;
    if (s.first[r] == s.end[r]) {
      for (let i = 0; i < n + 2 * p; i++) {
        const v = y[o + reflectIndex(a + i - p, W)];
        py[i] = v;
        ps[i] = v * v + v * v;
      }
      filterRow(py, hy, o + a, n, s.w, s.ws, p);
      filterRow(ps, hs, o + a, n, s.w, s.ws, p);
      for (let j = o + a; j < o + b; j++) {
        hx[j] = hy[j];
        hxy[j] = hs[j] * 0.5;
      }
      continue;
    }
    for (let i = 0; i < n + 2 * p; i++) {
      const k = o + reflectIndex(a + i - p, W);
      const u = x[k];
      const v = y[k];
      px[i] = u;
      py[i] = v;
      ps[i] = u * u + v * v;
      pxy[i] = u * v;
    }
    filterRow(py, hy, o + a, n, s.w, s.ws, p);
    filterRow(ps, hs, o + a, n, s.w, s.ws, p);
    filterRow(px, hx, o + a, n, s.w, s.ws, p);
    filterRow(pxy, hxy, o + a, n, s.w, s.ws, p);
  }
}

/**
 * Into `s.first` / `s.end`, for each row, the columns [first, end) between the first and the last value where the
 * planes differ (first = end = 0 where the row agrees), two values at a time. Without the shortcut, and where y
 * holds a value below 1e-100 in magnitude at a place where x equals it (whose square could lose bits to underflow,
 * so that halving x² + y² would not be exact), every row is reported as differing everywhere, which filters every
 * moment. Planes of `integers` (8-bit images and their halvings) cannot hold such values and are not searched for them.
 */
function differingSpans(x: StaticArray<f64>, y: StaticArray<f64>, W: i32, H: i32, shortcut: bool, integers: bool, s: Scratch): void {
  const first = s.first;
  const end = s.end;
  let everywhere = !shortcut;
  const zero = both(0);
  const tiny = both(1e-100);
  for (let r = 0; r < H && !everywhere; r++) {
    let lo = -1;
    let hi = -1;
    const o = r * W;
    let j = 0;
    for (; j + 2 <= W; j += 2) {
      const b = pair(y, o + j);
      // All ones in a lane where x and y differ.
      const differs = f64x2.ne(pair(x, o + j), b);
      if (v128.any_true(differs)) {
        if (lo < 0) lo = i64x2.extract_lane(differs, 0) != 0 ? j : j + 1;
        hi = i64x2.extract_lane(differs, 1) != 0 ? j + 1 : j;
      }
      if (!integers && v128.any_true(v128.andnot(v128.and(f64x2.ne(b, zero), f64x2.lt(f64x2.abs(b), tiny)), differs))) everywhere = true;
    }
    for (; j < W; j++) {
      const b = y[o + j];
      if (x[o + j] != b) {
        if (lo < 0) lo = j;
        hi = j;
      } else if (!integers && b != 0 && b < 1e-100 && b > -1e-100) everywhere = true;
    }
    first[r] = lo < 0 ? 0 : lo;
    end[r] = lo < 0 ? 0 : hi + 1;
  }
  if (!everywhere) return;
  for (let r = 0; r < H; r++) {
    first[r] = 0;
    end[r] = W;
  }
}

/** Σ over columns [j0, j1) of the filtered row of (2μxμy + c1)(2σxy + c2) / ((μx² + μy² + c1)(σx² + σy² + c2)), added left to right. */
function ssimRowSum(s: Scratch, j0: i32, j1: i32, c1: f64, c2: f64): f64 {
  const vx = s.vx;
  const vy = s.vy;
  const vs = s.vs;
  const vxy = s.vxy;
  const C1 = both(c1);
  const C2 = both(c2);
  const two = both(2);
  const zero = both(0);
  let sum: f64 = 0;
  let j = j0;
  for (; j + 2 <= j1; j += 2) {
    const mx = pair(vx, j);
    const my = pair(vy, j);
    const mxx = f64x2.mul(mx, mx);
    const myy = f64x2.mul(my, my);
    const mxy = f64x2.mul(mx, my);
    const squares = f64x2.add(mxx, myy);
    const variances = f64x2.pmax(f64x2.sub(pair(vs, j), squares), zero);
    const num = f64x2.mul(f64x2.add(f64x2.mul(two, mxy), C1), f64x2.add(f64x2.mul(two, f64x2.sub(pair(vxy, j), mxy)), C2));
    const den = f64x2.mul(f64x2.add(squares, C1), f64x2.add(variances, C2));
    const term = f64x2.div(num, den);
    sum += f64x2.extract_lane(term, 0);
    sum += f64x2.extract_lane(term, 1);
  }
  if (j < j1) {
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

/** Σ over columns [j0, j1) of the filtered row of (2σxy + c2) / (σx² + σy² + c2), added left to right. */
function csRowSum(s: Scratch, j0: i32, j1: i32, c2: f64): f64 {
  const vx = s.vx;
  const vy = s.vy;
  const vs = s.vs;
  const vxy = s.vxy;
  const C2 = both(c2);
  const two = both(2);
  const zero = both(0);
  let sum: f64 = 0;
  let j = j0;
  for (; j + 2 <= j1; j += 2) {
    const mx = pair(vx, j);
    const my = pair(vy, j);
    const mxy = f64x2.mul(mx, my);
    const variances = f64x2.pmax(f64x2.sub(pair(vs, j), f64x2.add(f64x2.mul(mx, mx), f64x2.mul(my, my))), zero);
    const term = f64x2.div(f64x2.add(f64x2.mul(two, f64x2.sub(pair(vxy, j), mxy)), C2), f64x2.add(variances, C2));
    sum += f64x2.extract_lane(term, 0);
    sum += f64x2.extract_lane(term, 1);
  }
  if (j < j1) {
    const mx = vx[j];
    const my = vy[j];
    let variances = vs[j] - (mx * mx + my * my);
    if (variances < 0) variances = 0;
    sum += (2 * (vxy[j] - mx * my) + c2) / (variances + c2);
  }
  return sum;
}

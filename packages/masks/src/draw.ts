/**
 * Raster primitives for procedural masks. Every function writes 1s (hole) into the mask, clipped to it.
 *
 * Coordinates are continuous: pixel (i, j) covers [i, i + 1) × [j, j + 1) and its centre is (i + 0.5, j + 0.5),
 * the same convention as `fillRect` (a shape spanning [0, width] covers every column). A pixel belongs to a shape
 * when its centre does. Each primitive computes, row by row, the interval of x covered by the shape analytically
 * and fills it with `TypedArray.fill`: no per-pixel tests, no closures, no allocation (except `fillPolygon`'s
 * crossing list), so drawing costs O(rows + filled pixels).
 */
import type { Mask } from './mask.js';

/** A point in continuous pixel coordinates: [x, y]. */
export type Point = readonly [number, number];

/**
 * Fill the pixels of row `y` whose centres lie in the closed interval [xl, xr].
 * @returns nothing; the caller guarantees 0 ≤ y < height.
 */
function fillRowSpan(mask: Mask, y: number, xl: number, xr: number): void {
  // Centres i + 0.5 ∈ [xl, xr]  ⇔  ceil(xl − 0.5) ≤ i ≤ floor(xr − 0.5).
  let a = Math.ceil(xl - 0.5);
  let b = Math.floor(xr - 0.5);
  if (a < 0) a = 0;
  if (b > mask.width - 1) b = mask.width - 1;
  if (a > b) return;
  const row = y * mask.width;
  mask.data.fill(1, row + a, row + b + 1);
}

/** Rows whose centres y + 0.5 fall in [top, bottom], clipped to the mask: [first, last] (empty when first > last). */
function rowRange(mask: Mask, top: number, bottom: number): [number, number] {
  return [Math.max(0, Math.ceil(top - 0.5)), Math.min(mask.height - 1, Math.floor(bottom - 0.5))];
}

/**
 * Fill a disk: pixels whose centres are within `r` of (cx, cy) (boundary included).
 * @example fillDisk(mask, 128, 128, 10) // a disk of radius 10 px in the middle of a 256×256 mask
 */
export function fillDisk(mask: Mask, cx: number, cy: number, r: number): void {
  if (!(r >= 0)) return;
  const r2 = r * r;
  const [y0, y1] = rowRange(mask, cy - r, cy + r);
  for (let y = y0; y <= y1; y++) {
    const dy = y + 0.5 - cy;
    const h2 = r2 - dy * dy;
    if (h2 < 0) continue;
    const h = Math.sqrt(h2);
    fillRowSpan(mask, y, cx - h, cx + h);
  }
}

/**
 * Fill a thick line segment with round caps (a capsule): pixels whose centres are within `radius` of the segment
 * from (x0, y0) to (x1, y1). A segment of zero length is a disk. The brush width is `2 × radius`.
 * @example fillCapsule(mask, 20, 30, 200, 90, 6) // a 12 px wide stroke
 */
export function fillCapsule(mask: Mask, x0: number, y0: number, x1: number, y1: number, radius: number): void {
  if (!(radius >= 0)) return;
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  if (len2 === 0) {
    fillDisk(mask, x0, y0, radius);
    return;
  }
  const r2 = radius * radius;
  const rLen = radius * Math.sqrt(len2);
  const [ya, yb] = rowRange(mask, Math.min(y0, y1) - radius, Math.max(y0, y1) + radius);
  for (let y = ya; y <= yb; y++) {
    const yc = y + 0.5;
    // The capsule is convex, so its intersection with the row is one interval: the union of the intervals cut
    // by the two end disks and by the body (projection within the segment, perpendicular distance ≤ radius).
    let lo = Infinity;
    let hi = -Infinity;
    const e0 = yc - y0;
    const h0 = r2 - e0 * e0;
    if (h0 >= 0) {
      const h = Math.sqrt(h0);
      lo = x0 - h;
      hi = x0 + h;
    }
    const e1 = yc - y1;
    const h1 = r2 - e1 * e1;
    if (h1 >= 0) {
      const h = Math.sqrt(h1);
      if (x1 - h < lo) lo = x1 - h;
      if (x1 + h > hi) hi = x1 + h;
    }
    // Body: with u = x − x0,  0 ≤ u·dx + e0·dy ≤ len²  and  −r·len ≤ u·dy − e0·dx ≤ r·len.
    let bl = -Infinity;
    let br = Infinity;
    if (dx !== 0) {
      let a = (0 - e0 * dy) / dx;
      let b = (len2 - e0 * dy) / dx;
      if (a > b) [a, b] = [b, a];
      bl = a;
      br = b;
    } else {
      const t = e0 * dy;
      if (t < 0 || t > len2) bl = Infinity;
    }
    if (dy !== 0) {
      let a = (e0 * dx - rLen) / dy;
      let b = (e0 * dx + rLen) / dy;
      if (a > b) [a, b] = [b, a];
      if (a > bl) bl = a;
      if (b < br) br = b;
    } else if (Math.abs(e0 * dx) > rLen) {
      bl = Infinity;
    }
    if (bl <= br) {
      if (x0 + bl < lo) lo = x0 + bl;
      if (x0 + br > hi) hi = x0 + br;
    }
    if (lo <= hi) fillRowSpan(mask, y, lo, hi);
  }
}

/**
 * Fill a polygon by the even-odd rule, sampling pixel centres. An edge counts for a row when one end is at or
 * below the row centre and the other strictly above (the classic half-open rule), so shared vertices are not
 * counted twice. Fewer than 3 points fill nothing.
 * @example fillPolygon(mask, [[10, 10], [100, 20], [40, 90]]) // a triangle
 */
export function fillPolygon(mask: Mask, points: ReadonlyArray<Point>): void {
  const n = points.length;
  if (n < 3) return;
  let top = Infinity;
  let bottom = -Infinity;
  for (let k = 0; k < n; k++) {
    const py = points[k][1];
    if (py < top) top = py;
    if (py > bottom) bottom = py;
  }
  const [ya, yb] = rowRange(mask, top, bottom);
  const xs: number[] = [];
  for (let y = ya; y <= yb; y++) {
    const yc = y + 0.5;
    xs.length = 0;
    for (let i = 0, j = n - 1; i < n; j = i++) {
      const [xi, yi] = points[i];
      const [xj, yj] = points[j];
      if (yi > yc !== yj > yc) xs.push(((xj - xi) * (yc - yi)) / (yj - yi) + xi);
    }
    if (xs.length < 2) continue;
    xs.sort((a, b) => a - b);
    // A centre xc is inside when an odd number of crossings lie strictly right of it: xs[2k] ≤ xc < xs[2k+1].
    for (let k = 0; k + 1 < xs.length; k += 2) {
      let a = Math.ceil(xs[k] - 0.5);
      let b = Math.ceil(xs[k + 1] - 0.5) - 1;
      if (a < 0) a = 0;
      if (b > mask.width - 1) b = mask.width - 1;
      if (a <= b) mask.data.fill(1, y * mask.width + a, y * mask.width + b + 1);
    }
  }
}

/**
 * Fill an ellipse with semi-axes `rx` (along the direction `angle`, radians, measured from +x towards +y) and
 * `ry`, centred on (cx, cy); boundary included.
 * @example fillEllipse(mask, 128, 60, 20, 28, 0.2)
 */
export function fillEllipse(mask: Mask, cx: number, cy: number, rx: number, ry: number, angle = 0): void {
  if (!(rx > 0) || !(ry > 0)) return;
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const irx2 = 1 / (rx * rx);
  const iry2 = 1 / (ry * ry);
  // With (u, v) = (x − cx, y − cy): A u² + B u v + C v² ≤ 1.
  const A = c * c * irx2 + s * s * iry2;
  const B = 2 * c * s * (irx2 - iry2);
  const C = s * s * irx2 + c * c * iry2;
  // The extreme v of the ellipse: v² ≤ 4A / (4AC − B²).
  const vMax = Math.sqrt((4 * A) / (4 * A * C - B * B));
  const [ya, yb] = rowRange(mask, cy - vMax, cy + vMax);
  for (let y = ya; y <= yb; y++) {
    const v = y + 0.5 - cy;
    const b = B * v;
    const disc = b * b - 4 * A * (C * v * v - 1);
    if (disc < 0) continue;
    const root = Math.sqrt(disc);
    fillRowSpan(mask, y, cx + (-b - root) / (2 * A), cx + (-b + root) / (2 * A));
  }
}

/** The four corners of a rectangle of size w × h centred on (cx, cy) and turned by `angle` radians. */
export function rotatedRectCorners(cx: number, cy: number, w: number, h: number, angle: number): Point[] {
  const c = Math.cos(angle);
  const s = Math.sin(angle);
  const hw = w / 2;
  const hh = h / 2;
  return [
    [cx - hw * c + hh * s, cy - hw * s - hh * c],
    [cx + hw * c + hh * s, cy + hw * s - hh * c],
    [cx + hw * c - hh * s, cy + hw * s + hh * c],
    [cx - hw * c - hh * s, cy - hw * s + hh * c],
  ];
}

/**
 * Fill a rectangle of size w × h centred on (cx, cy), turned by `angle` radians (even-odd polygon fill).
 * @example fillRotatedRect(mask, 128, 128, 80, 30, Math.PI / 6)
 */
export function fillRotatedRect(mask: Mask, cx: number, cy: number, w: number, h: number, angle: number): void {
  fillPolygon(mask, rotatedRectCorners(cx, cy, w, h, angle));
}

/**
 * Fill a polyline drawn with a round brush of the given radius: a capsule per segment (its caps are the disks at
 * the vertices). A single point is a disk.
 * @example fillPolyline(mask, [[10, 10], [60, 40], [90, 10]], 4)
 */
export function fillPolyline(mask: Mask, points: ReadonlyArray<Point>, radius: number): void {
  if (points.length === 1) fillDisk(mask, points[0][0], points[0][1], radius);
  for (let k = 1; k < points.length; k++) {
    const [xa, ya] = points[k - 1];
    const [xb, yb] = points[k];
    fillCapsule(mask, xa, ya, xb, yb, radius);
  }
}

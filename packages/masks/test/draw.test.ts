import test from 'ava';
import {
  fillCapsule,
  fillDisk,
  fillEllipse,
  fillPolygon,
  fillPolyline,
  fillRotatedRect,
  rotatedRectCorners,
  type Point,
} from '../src/draw.js';
import { createMask, type Mask } from '../src/mask.js';
import { rngFor, type Rng } from '@bgfill/core';

// Independent expectations: every primitive is compared with a brute-force per-pixel test of the pixel centre
// (i + 0.5, j + 0.5) against the shape's defining inequality.

function brute(width: number, height: number, inside: (x: number, y: number) => boolean): Mask {
  const mask = createMask({ width, height });
  for (let j = 0; j < height; j++) {
    for (let i = 0; i < width; i++) if (inside(i + 0.5, j + 0.5)) mask.data[j * width + i] = 1;
  }
  return mask;
}

function segmentDistance2(px: number, py: number, x0: number, y0: number, x1: number, y1: number): number {
  const dx = x1 - x0;
  const dy = y1 - y0;
  const len2 = dx * dx + dy * dy;
  let t = len2 === 0 ? 0 : ((px - x0) * dx + (py - y0) * dy) / len2;
  t = Math.max(0, Math.min(1, t));
  const qx = x0 + t * dx - px;
  const qy = y0 + t * dy - py;
  return qx * qx + qy * qy;
}

/** PNPOLY (W. R. Franklin's crossing test), even-odd. */
function insidePolygon(points: ReadonlyArray<Point>, x: number, y: number): boolean {
  let inside = false;
  for (let i = 0, j = points.length - 1; i < points.length; j = i++) {
    const [xi, yi] = points[i];
    const [xj, yj] = points[j];
    if (yi > y !== yj > y && x < ((xj - xi) * (y - yi)) / (yj - yi) + xi) inside = !inside;
  }
  return inside;
}

function diffCount(a: Mask, b: Mask): number {
  let n = 0;
  for (let i = 0; i < a.data.length; i++) if (a.data[i] !== b.data[i]) n++;
  return n;
}

function count(mask: Mask): number {
  let n = 0;
  for (const v of mask.data) n += v;
  return n;
}

const W = 61;
const H = 47;
/** A coordinate that may fall outside the mask, so clipping is exercised. */
const coord = (rng: Rng, side: number) => rng.uniform(-0.3 * side, 1.3 * side);

test('fillDisk matches the per-pixel distance test (random disks, clipped)', (t) => {
  let filled = 0;
  for (let k = 0; k < 300; k++) {
    const rng = rngFor('draw-disk', k);
    const cx = coord(rng, W);
    const cy = coord(rng, H);
    const r = rng.uniform(0, 25);
    const got = createMask({ width: W, height: H });
    fillDisk(got, cx, cy, r);
    const want = brute(W, H, (x, y) => (x - cx) ** 2 + (y - cy) ** 2 <= r * r);
    t.is(diffCount(got, want), 0, `disk ${k}: (${cx}, ${cy}) r=${r}`);
    filled += count(want);
  }
  t.true(filled > 10_000, 'the cases cover many pixels');
});

test('fillCapsule matches the per-pixel segment distance test (any direction, degenerate, clipped)', (t) => {
  let filled = 0;
  for (let k = 0; k < 600; k++) {
    const rng = rngFor('draw-capsule', k);
    const x0 = coord(rng, W);
    const y0 = coord(rng, H);
    let x1 = coord(rng, W);
    let y1 = coord(rng, H);
    // Exercise the special cases too: horizontal, vertical, zero length.
    if (k % 10 === 1) y1 = y0;
    if (k % 10 === 2) x1 = x0;
    if (k % 10 === 3) [x1, y1] = [x0, y0];
    const r = rng.uniform(0, 12);
    const got = createMask({ width: W, height: H });
    fillCapsule(got, x0, y0, x1, y1, r);
    const want = brute(W, H, (x, y) => segmentDistance2(x, y, x0, y0, x1, y1) <= r * r);
    t.is(diffCount(got, want), 0, `capsule ${k}: (${x0}, ${y0})–(${x1}, ${y1}) r=${r}`);
    filled += count(want);
  }
  t.true(filled > 20_000);
});

test('fillEllipse matches the per-pixel test in the rotated frame', (t) => {
  let filled = 0;
  for (let k = 0; k < 400; k++) {
    const rng = rngFor('draw-ellipse', k);
    const cx = coord(rng, W);
    const cy = coord(rng, H);
    const rx = rng.uniform(0.2, 30);
    const ry = rng.uniform(0.2, 30);
    const angle = k % 7 === 0 ? 0 : rng.uniform(-4, 4);
    const got = createMask({ width: W, height: H });
    fillEllipse(got, cx, cy, rx, ry, angle);
    const c = Math.cos(angle);
    const s = Math.sin(angle);
    const want = brute(W, H, (x, y) => {
      const a = (x - cx) * c + (y - cy) * s;
      const b = -(x - cx) * s + (y - cy) * c;
      return (a / rx) ** 2 + (b / ry) ** 2 <= 1;
    });
    // The analytic row solve and the per-pixel quotient round differently only for centres within ~1e-12 of
    // the boundary; allow one such pixel.
    t.true(diffCount(got, want) <= 1, `ellipse ${k}`);
    filled += count(want);
  }
  t.true(filled > 20_000);
});

test('fillPolygon matches the even-odd crossing test (convex, concave, self-intersecting)', (t) => {
  let filled = 0;
  for (let k = 0; k < 300; k++) {
    const rng = rngFor('draw-polygon', k);
    const n = rng.int(3, 9);
    const points: Point[] = [];
    for (let i = 0; i < n; i++) points.push([coord(rng, W), coord(rng, H)]);
    const got = createMask({ width: W, height: H });
    fillPolygon(got, points);
    const want = brute(W, H, (x, y) => insidePolygon(points, x, y));
    t.is(diffCount(got, want), 0, `polygon ${k}`);
    filled += count(want);
  }
  t.true(filled > 50_000);
});

test('fillPolygon: a pixel-aligned square covers exactly its pixels, a star leaves its centre empty', (t) => {
  const mask = createMask({ width: 10, height: 10 });
  fillPolygon(mask, [[2, 3], [7, 3], [7, 8], [2, 8]]);
  t.is(count(mask), 25);
  for (let y = 3; y < 8; y++) for (let x = 2; x < 7; x++) t.is(mask.data[y * 10 + x], 1);
  // Pentagram: the even-odd rule leaves the central pentagon unfilled.
  const star = createMask({ width: 101, height: 101 });
  const pts: Point[] = [];
  for (let i = 0; i < 5; i++) {
    const a = -Math.PI / 2 + (i * 4 * Math.PI) / 5;
    pts.push([50.5 + 45 * Math.cos(a), 50.5 + 45 * Math.sin(a)]);
  }
  fillPolygon(star, pts);
  t.is(star.data[50 * 101 + 50], 0);
  t.is(star.data[15 * 101 + 50], 1);
});

test('fillRotatedRect: area close to w·h and corners match the rotation', (t) => {
  for (let k = 0; k < 50; k++) {
    const rng = rngFor('draw-rrect', k);
    const w = rng.uniform(20, 60);
    const h = rng.uniform(20, 60);
    const angle = rng.uniform(0, Math.PI);
    const mask = createMask({ width: 128, height: 128 });
    fillRotatedRect(mask, 64, 64, w, h, angle);
    // Pixel-centre sampling of a convex shape: error bounded by about its perimeter (in pixels).
    t.true(Math.abs(count(mask) - w * h) <= 2 * (w + h), `rect ${k}`);
    const corners = rotatedRectCorners(64, 64, w, h, angle);
    // Sides have the requested lengths.
    t.true(Math.abs(Math.hypot(corners[1][0] - corners[0][0], corners[1][1] - corners[0][1]) - w) < 1e-9);
    t.true(Math.abs(Math.hypot(corners[2][0] - corners[1][0], corners[2][1] - corners[1][1]) - h) < 1e-9);
  }
});

test('fillPolyline equals the union of its capsules; a single point is a disk', (t) => {
  const pts: Point[] = [[5, 5], [40, 12], [20, 40], [55, 44]];
  const got = createMask({ width: W, height: H });
  fillPolyline(got, pts, 3.3);
  const want = brute(W, H, (x, y) =>
    pts.slice(1).some((p, i) => segmentDistance2(x, y, pts[i][0], pts[i][1], p[0], p[1]) <= 3.3 * 3.3),
  );
  t.is(diffCount(got, want), 0);
  const dot = createMask({ width: W, height: H });
  fillPolyline(dot, [[30, 20]], 5);
  t.is(diffCount(dot, brute(W, H, (x, y) => (x - 30) ** 2 + (y - 20) ** 2 <= 25)), 0);
});

test('negative or NaN radii draw nothing', (t) => {
  const mask = createMask({ width: 16, height: 16 });
  fillDisk(mask, 8, 8, -1);
  fillCapsule(mask, 1, 1, 10, 10, Number.NaN);
  fillEllipse(mask, 8, 8, 0, 4);
  fillPolygon(mask, [[1, 1], [5, 5]]);
  t.is(count(mask), 0);
});

import test from 'ava';
import type { Mask } from '../src/mask.js';
import { rngFor } from '@bgfill/core';
import { scribbleSchema, scribbleStrategy, scribbleStrokes, type Stroke } from '../src/strategies/scribble.js';

const SIZE = { width: 256, height: 256 };
const defaults = scribbleSchema.parse({ strategy: 'scribble' });

function holeCount(mask: Mask): number {
  let n = 0;
  for (let i = 0; i < mask.data.length; i++) n += mask.data[i];
  return n;
}

/** Signed distance from (x, y) to the union of round brushes: < 0 inside some stroke. Flat loops, no allocation. */
function brushDistance(x: number, y: number, segs: Float64Array): number {
  let best = Infinity;
  for (let k = 0; k < segs.length; k += 5) {
    const x0 = segs[k];
    const y0 = segs[k + 1];
    const dx = segs[k + 2] - x0;
    const dy = segs[k + 3] - y0;
    const len2 = dx * dx + dy * dy;
    const t = len2 === 0 ? 0 : Math.max(0, Math.min(1, ((x - x0) * dx + (y - y0) * dy) / len2));
    const d = Math.hypot(x0 + t * dx - x, y0 + t * dy - y) - segs[k + 4];
    if (d < best) best = d;
  }
  return best;
}

/** Segments as [x0, y0, x1, y1, radius] records (a lone point is a zero-length segment). */
function flatSegments(strokes: Stroke[]): Float64Array {
  const out: number[] = [];
  for (const { points, width } of strokes) {
    if (points.length === 1) out.push(points[0][0], points[0][1], points[0][0], points[0][1], width / 2);
    for (let k = 1; k < points.length; k++) out.push(...points[k - 1], ...points[k], width / 2);
  }
  return Float64Array.from(out);
}

test('defaults match the documented DeepFill v2 style ranges', (t) => {
  t.deepEqual(defaults.count, [1, 3]);
  t.deepEqual(defaults.vertices, [4, 12]);
  t.is(defaults.meanAngle, (2 * Math.PI) / 5);
  t.is(defaults.width[0] * 256, 8);
  t.is(defaults.width[1] * 256, 24);
});

test('every hole pixel is within the brush radius of a stroke, vertices stay in the image, ranges are honoured', (t) => {
  for (const size of [SIZE, { width: 180, height: 96 }]) {
    const side = Math.min(size.width, size.height);
    for (let i = 0; i < 25; i++) {
      const strokes = scribbleStrokes(size, defaults, rngFor('scr-bounds', i));
      const mask = scribbleStrategy.generate(size, defaults, rngFor('scr-bounds', i));
      t.true(strokes.length >= 1 && strokes.length <= 3);
      for (const s of strokes) {
        t.true(s.points.length >= 5 && s.points.length <= 13, '4–12 steps');
        t.true(s.width >= 0.03125 * side && s.width <= 0.09375 * side);
        for (const [x, y] of s.points) t.true(x >= 0 && x <= size.width && y >= 0 && y <= size.height);
        for (let k = 1; k < s.points.length; k++) {
          const step = Math.hypot(s.points[k][0] - s.points[k - 1][0], s.points[k][1] - s.points[k - 1][1]);
          t.true(step <= 0.25 * side + 1e-9, 'a step is never longer than the range (clamping only shortens)');
        }
      }
      const segs = flatSegments(strokes);
      let outside = 0;
      let missing = 0;
      for (let y = 0; y < size.height; y++) {
        for (let x = 0; x < size.width; x++) {
          const d = brushDistance(x + 0.5, y + 0.5, segs);
          const hole = mask.data[y * size.width + x] === 1;
          if (hole && d > 1e-9) outside++;
          if (!hole && d < -1e-9) missing++;
        }
      }
      t.is(outside, 0, `seed ${i}: hole pixels farther than the brush radius`);
      t.is(missing, 0, `seed ${i}: pixels under the brush left unfilled`);
    }
  }
});

test('a single horizontal stroke is as thick as the width asked (column count, ±1 px)', (t) => {
  for (const width of [3, 8, 15.5, 24, 40]) {
    const config = scribbleSchema.parse({
      strategy: 'scribble',
      count: [1, 1],
      vertices: [1, 1],
      length: [0.5, 0.5],
      width: [width / 256, width / 256],
      meanAngle: 0,
      angleRange: 0,
      randomHeading: false,
    });
    for (let i = 0; i < 20; i++) {
      const [stroke] = scribbleStrokes(SIZE, config, rngFor('scr-straight', i));
      const [[x0, y0], [x1, y1]] = stroke.points;
      t.true(Math.abs(y0 - y1) < 1e-9, 'the stroke is horizontal');
      if (x1 - x0 < 20 || y0 < width || y0 > 256 - width) continue; // clamped at an edge: nothing to measure
      const mask = scribbleStrategy.generate(SIZE, config, rngFor('scr-straight', i));
      const column = Math.floor((x0 + x1) / 2);
      let thickness = 0;
      for (let y = 0; y < 256; y++) thickness += mask.data[y * 256 + column];
      t.true(Math.abs(thickness - width) <= 1, `width ${width}: measured ${thickness}`);
    }
  }
});

test('a single stroke at any angle: thickness perpendicular to it matches the width asked (±1 px)', (t) => {
  let measured = 0;
  for (let i = 0; i < 200; i++) {
    const width = 4 + (i % 9) * 4;
    const config = scribbleSchema.parse({
      strategy: 'scribble',
      count: [1, 1],
      vertices: [1, 1],
      length: [0.4, 0.6],
      width: [width / 256, width / 256],
    });
    const [stroke] = scribbleStrokes(SIZE, config, rngFor('scr-angle', i));
    const [[x0, y0], [x1, y1]] = stroke.points;
    const len = Math.hypot(x1 - x0, y1 - y0);
    if (len < 40) continue;
    const ux = (x1 - x0) / len;
    const uy = (y1 - y0) / len;
    const mask = scribbleStrategy.generate(SIZE, config, rngFor('scr-angle', i));
    // Hole pixels whose centres project onto the middle half of the segment: their count divided by the band's
    // length is the mean thickness; their perpendicular spread is the extreme thickness.
    let inBand = 0;
    let lo = Infinity;
    let hi = -Infinity;
    for (let y = 0; y < 256; y++) {
      for (let x = 0; x < 256; x++) {
        if (!mask.data[y * 256 + x]) continue;
        const along = (x + 0.5 - x0) * ux + (y + 0.5 - y0) * uy;
        if (along < len / 4 || along > (3 * len) / 4) continue;
        const across = -(x + 0.5 - x0) * uy + (y + 0.5 - y0) * ux;
        inBand++;
        lo = Math.min(lo, across);
        hi = Math.max(hi, across);
      }
    }
    // Skip strokes whose band is cut by the image edge.
    const nearEdge = [x0, y0, x1, y1].some((v) => v < width || v > 256 - width);
    if (nearEdge) continue;
    measured++;
    t.true(Math.abs(inBand / (len / 2) - width) <= 1, `seed ${i}: mean thickness ${inBand / (len / 2)} vs ${width}`);
    t.true(hi - lo <= width && hi - lo >= width - 1, `seed ${i}: extreme thickness ${hi - lo} vs ${width}`);
  }
  t.true(measured > 50, `measured ${measured} strokes`);
});

test('count range honoured: 0 gives an empty mask, fixed counts give that many strokes', (t) => {
  const none = scribbleSchema.parse({ strategy: 'scribble', count: [0, 0] });
  for (let i = 0; i < 10; i++) t.is(holeCount(scribbleStrategy.generate(SIZE, none, rngFor('scr-count', i))), 0);
  const seen = new Set<number>();
  const range = scribbleSchema.parse({ strategy: 'scribble', count: [2, 5], vertices: [2, 3] });
  for (let i = 0; i < 200; i++) {
    const strokes = scribbleStrokes(SIZE, range, rngFor('scr-count', i));
    seen.add(strokes.length);
    for (const s of strokes) t.true(s.points.length === 3 || s.points.length === 4);
  }
  t.deepEqual([...seen].sort(), [2, 3, 4, 5], 'every count in the range occurs, none outside');
});

test('adding strokes keeps the earlier ones (each stroke has its own derived source)', (t) => {
  const three = scribbleSchema.parse({ strategy: 'scribble', count: [3, 3] });
  const five = scribbleSchema.parse({ strategy: 'scribble', count: [5, 5] });
  for (let i = 0; i < 20; i++) {
    const a = scribbleStrokes(SIZE, three, rngFor('scr-add', i));
    const b = scribbleStrokes(SIZE, five, rngFor('scr-add', i));
    t.deepEqual(b.slice(0, 3), a);
  }
});

test('determinism: same seed and path give identical bytes, different indices differ', (t) => {
  let same = 0;
  for (let i = 0; i < 100; i++) {
    const a = scribbleStrategy.generate(SIZE, defaults, rngFor(7, 'val', i));
    const b = scribbleStrategy.generate(SIZE, defaults, rngFor(7, 'val', i));
    t.is(Buffer.compare(a.data, b.data), 0, 'identical bytes');
    if (Buffer.compare(a.data, scribbleStrategy.generate(SIZE, defaults, rngFor(7, 'val', i + 1)).data) === 0) same++;
  }
  t.is(same, 0);
});

test('schema: strict, ranges checked, errors name the field', (t) => {
  const paths = (input: unknown) => {
    const r = scribbleSchema.safeParse(input);
    t.false(r.success, JSON.stringify(input));
    return r.error?.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join() : i.path.join('.')));
  };
  t.deepEqual(paths({ strategy: 'scribble', count: [3, 1] }), ['count']);
  t.deepEqual(paths({ strategy: 'scribble', count: [1.5, 2] }), ['count.0']);
  t.deepEqual(paths({ strategy: 'scribble', vertices: [0, 2] }), ['vertices.0']);
  t.deepEqual(paths({ strategy: 'scribble', width: [0.1] }), ['width']);
  t.deepEqual(paths({ strategy: 'scribble', angleRange: -1 }), ['angleRange']);
  t.deepEqual(paths({ strategy: 'scribble', brush: 3 }), ['brush']);
});

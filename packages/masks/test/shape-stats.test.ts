import test from 'ava';
import { rngFor } from '@bgfill/core';
import { compareMeasures, ksPValue, ksStatistic, wasserstein1 } from '../src/compare.js';
import { createMask, fillRect, holeRatio, type Mask } from '../src/mask.js';
import { holeShape, quantile, summarizeShapes, summarizeValues } from '../src/shape-stats.js';

test('holeShape: box, centroid and aspect of known holes; an empty mask has only a ratio', (t) => {
  const m = createMask({ width: 100, height: 50 });
  fillRect(m, 10, 5, 30, 45); // 20 wide, 40 high
  t.deepEqual(holeShape(m), { ratio: 800 / 5000, height: 40 / 50, width: 20 / 100, aspect: 2, centreX: 20 / 100, centreY: 25 / 50 });
  // Two blobs: the box spans both, the centroid weighs by pixels.
  fillRect(m, 80, 0, 90, 10); // 100 pixels centred at (85, 5)
  const s = holeShape(m);
  t.is(s.height, 45 / 50);
  t.is(s.width, 80 / 100);
  t.true(Math.abs((s.centreX ?? 0) - (800 * 20 + 100 * 85) / 900 / 100) < 1e-12);
  t.true(Math.abs((s.centreY ?? 0) - (800 * 25 + 100 * 5) / 900 / 50) < 1e-12);
  t.is(s.ratio, holeRatio(m));
  t.deepEqual(holeShape(createMask({ width: 4, height: 4 })), { ratio: 0, height: null, width: null, aspect: null, centreX: null, centreY: null });
});

test('holeShape equals a pixel-by-pixel count on random masks', (t) => {
  const rng = rngFor('shape');
  for (let k = 0; k < 20; k++) {
    const w = rng.int(1, 40);
    const h = rng.int(1, 40);
    const data = Uint8Array.from({ length: w * h }, () => (rng.chance(0.2) ? 1 : 0));
    const m: Mask = { width: w, height: h, data };
    const xs: number[] = [];
    const ys: number[] = [];
    for (let y = 0; y < h; y++) {
      for (let x = 0; x < w; x++) {
        if (data[y * w + x]) {
          xs.push(x);
          ys.push(y);
        }
      }
    }
    const n = xs.length;
    const [x0, x1, y0, y1] = [Math.min(...xs), Math.max(...xs), Math.min(...ys), Math.max(...ys)];
    const sx = xs.reduce((a, x) => a + x + 0.5, 0);
    const sy = ys.reduce((a, y) => a + y + 0.5, 0);
    const s = holeShape(m);
    if (n === 0) {
      t.is(s.height, null);
      continue;
    }
    t.is(s.height, (y1 - y0 + 1) / h);
    t.is(s.width, (x1 - x0 + 1) / w);
    t.true(Math.abs((s.centreX ?? 0) - sx / n / w) < 1e-12);
    t.true(Math.abs((s.centreY ?? 0) - sy / n / h) < 1e-12);
  }
});

test('summaries: quantiles as numpy (linear), population std, ten bins, empties counted apart', (t) => {
  t.is(quantile([1, 2, 3, 4], 0.5), 2.5);
  t.is(quantile([1, 2, 3, 4], 0.25), 1.75); // numpy.quantile([1,2,3,4], 0.25) = 1.75
  t.is(quantile([5], 0.95), 5);
  const d = summarizeValues([0.05, 0.15, 0.15, 0.95, 1], true);
  t.deepEqual(d.bins, [1, 2, 0, 0, 0, 0, 0, 0, 0, 2]);
  t.is(d.count, 5);
  t.true(Math.abs(d.mean - 0.46) < 1e-12);
  const full = createMask({ width: 10, height: 10 });
  fillRect(full, 0, 0, 10, 5);
  const s = summarizeShapes([holeShape(full), holeShape(createMask({ width: 10, height: 10 }))]);
  t.is(s.empty, 1);
  t.is(s.height.count, 1);
  t.is(s.aspect.p50, 0.5);
  t.is(s.aspect.bins, undefined);
});

/** W1 of two equal-size samples: the mean distance between their order statistics (an independent formula). */
function w1Equal(a: number[], b: number[]): number {
  const sa = [...a].sort((x, y) => x - y);
  const sb = [...b].sort((x, y) => x - y);
  return sa.reduce((acc, v, i) => acc + Math.abs(v - sb[i]), 0) / sa.length;
}

/** KS by brute force: the CDF gap at every sample point. */
function ksBrute(a: number[], b: number[]): number {
  let d = 0;
  for (const x of [...a, ...b]) d = Math.max(d, Math.abs(a.filter((v) => v <= x).length / a.length - b.filter((v) => v <= x).length / b.length));
  return d;
}

test('Wasserstein-1 and KS equal independent formulas (order statistics, brute force), ties included', (t) => {
  const rng = rngFor('w1');
  for (let k = 0; k < 20; k++) {
    const n = rng.int(1, 60);
    const a = Array.from({ length: n }, () => Math.round(rng.uniform(0, 1) * 20) / 20);
    const b = Array.from({ length: n }, () => Math.round(rng.uniform(0.2, 1.4) * 20) / 20);
    t.true(Math.abs(wasserstein1(a, b) - w1Equal(a, b)) < 1e-12, `W1 case ${k}`);
    const c = Array.from({ length: rng.int(1, 40) }, () => Math.round(rng.normal() * 4) / 4);
    t.true(Math.abs(ksStatistic(a, c) - ksBrute(a, c)) < 1e-12, `KS case ${k}`);
  }
  t.is(wasserstein1([0, 1], [0.5, 1.5]), 0.5);
  t.is(wasserstein1([1, 2, 3], [1, 2, 3]), 0);
  t.is(ksStatistic([1, 2], [3, 4]), 1);
  // Kolmogorov's distribution: Q(1.36) ≈ 0.049, Q(1.63) ≈ 0.010 (the usual 5 % and 1 % points), large samples.
  const n = 1e8;
  t.true(Math.abs(ksPValue(1.358 / Math.sqrt(n / 2), n, n) - 0.05) < 0.002);
  t.true(Math.abs(ksPValue(1.628 / Math.sqrt(n / 2), n, n) - 0.01) < 0.0005);
  t.is(ksPValue(0, 10, 10), 1);
});

test('compareMeasures: a set against itself is at distance 0; a shifted set is as far as its shift', (t) => {
  const boxes = (dx: number) =>
    Array.from({ length: 50 }, (_, i) => {
      const m = createMask({ width: 100, height: 100 });
      fillRect(m, 20 + dx, 10 + (i % 5), 40 + dx, 90 - (i % 5));
      return holeShape(m);
    });
  const same = compareMeasures(boxes(0), boxes(0));
  for (const d of same) {
    t.is(d.wasserstein1, 0, d.variable);
    t.is(d.ks, 0, d.variable);
  }
  const shifted = compareMeasures(boxes(0), boxes(10));
  const byName = Object.fromEntries(shifted.map((d) => [d.variable, d]));
  t.true(Math.abs(byName['centre x'].wasserstein1 - 0.1) < 1e-12);
  t.is(byName['centre x'].ks, 1);
  t.true(byName['centre x'].ksP < 1e-6);
  t.is(byName.height.wasserstein1, 0);
  t.deepEqual(shifted.map((d) => d.variable), ['hole ratio', 'height', 'width', 'log2 aspect', 'centre x', 'centre y']);
});

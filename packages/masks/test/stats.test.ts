import test from 'ava';
import { BgfillError } from '@bgfill/core';
import { createProceduralGenerator } from '../src/generate.js';
import { holeRatio } from '../src/mask.js';
import {
  ALL_HOLE_RATIO_BINS,
  generateBalancedMask,
  HOLE_RATIO_BINS,
  holeRatioBin,
  holeRatioHistogram,
  summarizeHoleRatios,
} from '../src/stats.js';

test('bins are right-closed with the study edges, plus one below and one above', (t) => {
  t.deepEqual(
    HOLE_RATIO_BINS.map((b) => b.label),
    ['(0.01,0.1]', '(0.1,0.2]', '(0.2,0.3]', '(0.3,0.4]', '(0.4,0.5]', '(0.5,0.6]'],
  );
  const cases: Array<[number, string]> = [
    [0, '[0,0.01]'],
    [0.01, '[0,0.01]'],
    [0.010001, '(0.01,0.1]'],
    [0.1, '(0.01,0.1]'],
    [0.3, '(0.2,0.3]'],
    [3 / 10, '(0.2,0.3]'],
    [0.6, '(0.5,0.6]'],
    [0.600001, '(0.6,1]'],
    [1, '(0.6,1]'],
  ];
  for (const [ratio, label] of cases) t.is(holeRatioBin(ratio), label, String(ratio));
  // Exact pixel fractions on the edges: 6554/65536 > 0.1 but 6553/65536 < 0.1.
  t.is(holeRatioBin(6553 / 65536), '(0.01,0.1]');
  t.is(holeRatioBin(6554 / 65536), '(0.1,0.2]');
  t.throws(() => holeRatioBin(-0.1), { instanceOf: BgfillError });
  t.throws(() => holeRatioBin(Number.NaN), { instanceOf: BgfillError });
});

test('histogram counts every ratio once, with all eight labels in order', (t) => {
  const ratios = Array.from({ length: 1001 }, (_, i) => i / 1000);
  const h = holeRatioHistogram(ratios);
  t.deepEqual(Object.keys(h), ALL_HOLE_RATIO_BINS.map((b) => b.label));
  // Independent count: ratio i/1000 falls in (lo, hi] iff lo·1000 < i ≤ hi·1000.
  t.is(h['[0,0.01]'], 11);
  t.is(h['(0.01,0.1]'], 90);
  for (const label of ['(0.1,0.2]', '(0.2,0.3]', '(0.3,0.4]', '(0.4,0.5]', '(0.5,0.6]']) t.is(h[label], 100, label);
  t.is(h['(0.6,1]'], 400);
});

test('summary: mean, population std, min, max', (t) => {
  const s = summarizeHoleRatios([0.1, 0.2, 0.3, 0.6]);
  t.is(s.count, 4);
  t.true(Math.abs(s.mean - 0.3) < 1e-12);
  // Σ(x − 0.3)² = 0.04 + 0.01 + 0 + 0.09 = 0.14; /4 = 0.035.
  t.true(Math.abs(s.std - Math.sqrt(0.035)) < 1e-12);
  t.is(s.min, 0.1);
  t.is(s.max, 0.6);
  t.deepEqual(summarizeHoleRatios([]), { count: 0, mean: 0, std: 0, min: 0, max: 0, histogram: holeRatioHistogram([]) });
});

test('a balanced set puts mask i in bin i mod 6, reproducibly', (t) => {
  const gen = createProceduralGenerator('person-box');
  const size = { width: 64, height: 64 };
  for (let i = 0; i < 24; i++) {
    const r = generateBalancedMask(gen, size, 5, i);
    t.true(r.hit, `mask ${i}`);
    t.is(r.target, HOLE_RATIO_BINS[i % 6].label);
    t.is(holeRatioBin(holeRatio(r.mask)), r.target);
    t.is(r.ratio, holeRatio(r.mask));
    t.deepEqual(generateBalancedMask(gen, size, 5, i).mask.data, r.mask.data);
  }
});

test('an unreachable bin is reported, keeping the nearest draw', (t) => {
  // box:0 is always empty (ratio 0): it can never reach (0.01, 0.1].
  const gen = createProceduralGenerator('box:0');
  const r = generateBalancedMask(gen, { width: 16, height: 16 }, 1, 0, { maxAttempts: 7 });
  t.false(r.hit);
  t.is(r.attempts, 7);
  t.is(r.ratio, 0);
  t.throws(() => generateBalancedMask(gen, { width: 16, height: 16 }, 1, 0, { maxAttempts: 0 }), { instanceOf: BgfillError });
});

// The paired bootstrap: its intervals cover the true mean difference at the stated rate on simulated paired data
// with a known difference (checked against a binomial bound on the Monte Carlo error), it is deterministic for a
// seed, and compareRows pairs records, leaves out records without a hole and counts better / worse correctly.
import test from 'ava';
import { BgfillError, rngFor } from '@bgfill/core';
import { holeRatioBin } from '@bgfill/masks';
import { PairedBootstrap, quantileSorted } from '../src/bootstrap.js';
import { compareRows, type MetricDifference } from '../src/paired-stats.js';
import { differenceVerdict, MIN_RECORDS_FOR_VERDICT, verdictSentence, whereText } from '../src/verdict.js';
import type { ImageScore } from '../src/score-checkpoint.js';

/**
 * Half-width of a two-sided binomial acceptance band for a coverage rate measured over `trials` intervals:
 * z·√(p(1 − p)/trials) at z = 3.29 (0.1 % false alarms), plus `bias`, the known small-sample shortfall of the
 * percentile bootstrap (its intervals are a little narrow: about (n − 1)/n of the variance, and skew).
 */
function coverageTolerance(p: number, trials: number, bias: number): number {
  return 3.29 * Math.sqrt((p * (1 - p)) / trials) + bias;
}

function coverage(draw: (rng: ReturnType<typeof rngFor>) => number, trueMean: number, n: number, trials: number): number {
  let covered = 0;
  for (let trial = 0; trial < trials; trial++) {
    const rng = rngFor('coverage-data', n, trial);
    const values = Array.from({ length: n }, () => draw(rng));
    const { lo, hi } = new PairedBootstrap({ seed: trial }).interval(values);
    if (lo <= trueMean && trueMean <= hi) covered++;
  }
  return covered / trials;
}

test('95 % intervals cover the true mean difference at 95 % (normal and skewed differences, within the binomial bound)', (t) => {
  const trials = 1000;
  // Paired scores: the reference's hole L1 ~ N(0.05, 0.02) per record; the row is better by 0.003 on average, with
  // its own noise (sd 0.01): the differences' true mean is −0.003.
  const paired = (rng: ReturnType<typeof rngFor>) => {
    const reference = 0.05 + 0.02 * rng.normal();
    const row = reference - 0.003 + 0.01 * rng.normal();
    return row - reference;
  };
  const normal = coverage(paired, -0.003, 80, trials);
  // Skewed differences (an exponential shifted to mean 0.2).
  const skewed = coverage((rng) => -Math.log(1 - rng.random()) - 1 + 0.2, 0.2, 120, trials / 2);
  const tolNormal = coverageTolerance(0.95, trials, 0.01);
  const tolSkewed = coverageTolerance(0.95, trials / 2, 0.02);
  t.log(`coverage: normal ${normal} (±${tolNormal.toFixed(3)}), skewed ${skewed} (±${tolSkewed.toFixed(3)})`);
  t.true(Math.abs(normal - 0.95) <= tolNormal, `normal: ${normal}`);
  t.true(Math.abs(skewed - 0.95) <= tolSkewed, `skewed: ${skewed}`);
  // A 50 % interval covers about half the time: the level is honoured, not just "wide".
  let half = 0;
  for (let trial = 0; trial < trials / 2; trial++) {
    const rng = rngFor('coverage-half', trial);
    const values = Array.from({ length: 80 }, () => 1 + rng.normal());
    const { lo, hi } = new PairedBootstrap({ seed: trial, level: 0.5 }).interval(values);
    if (lo <= 1 && 1 <= hi) half++;
  }
  t.true(Math.abs(half / (trials / 2) - 0.5) <= coverageTolerance(0.5, trials / 2, 0.03), `50 %: ${half / (trials / 2)}`);
});

test('deterministic for a seed; another seed moves the ends only by Monte Carlo error; the mean is exact', (t) => {
  const rng = rngFor('determinism');
  const values = Array.from({ length: 200 }, () => rng.normal());
  const a = new PairedBootstrap({ seed: 5 }).interval(values);
  const b = new PairedBootstrap({ seed: 5 }).interval(values);
  const c = new PairedBootstrap({ seed: 6 }).interval(values);
  t.deepEqual(a, b);
  t.not(a.lo, c.lo);
  t.is(a.mean, values.reduce((s, v) => s + v, 0) / values.length);
  const se = Math.sqrt(values.reduce((s, v) => s + (v - a.mean) ** 2, 0) / values.length / values.length);
  t.true(Math.abs(a.lo - c.lo) < 0.2 * se && Math.abs(a.hi - c.hi) < 0.2 * se);
  t.true(Math.abs(a.hi - a.lo - 2 * 1.96 * se) < 0.15 * (a.hi - a.lo), 'width ≈ 2 × 1.96 standard errors');
  t.deepEqual(new PairedBootstrap().interval([0.25]), { n: 1, mean: 0.25, lo: 0.25, hi: 0.25 });
  const empty = new PairedBootstrap().interval([]);
  t.true(empty.n === 0 && Number.isNaN(empty.mean) && Number.isNaN(empty.lo));
  t.is(quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5), 2.5);
  t.is(quantileSorted(Float64Array.of(1, 2, 3, 4), 1), 4);
  t.throws(() => new PairedBootstrap({ resamples: 0 }), { instanceOf: BgfillError, message: /bootstrap resamples/ });
  t.throws(() => new PairedBootstrap({ level: 1 }), { instanceOf: BgfillError });
});

function record(index: number, holeRatio: number, l1Hole: number | undefined, psnr: number): ImageScore {
  const s: ImageScore = { index, key: `k${index}`, holeRatio, bin: holeRatioBin(holeRatio), l1: 0.01 * index, psnr, ssim: 0.5, msssim: 0.9 };
  if (l1Hole !== undefined) s.l1Hole = l1Hole;
  if (l1Hole !== undefined) s.psnrHole = 20;
  return s;
}

test('compareRows: records paired by index, records without a hole left out, better/worse by direction, per bin', (t) => {
  const reference = [record(0, 0.05, 0.1, 30), record(1, 0, undefined, Infinity), record(2, 0.25, 0.2, 25), record(3, 0.27, 0.3, 25)];
  const row = [record(0, 0.05, 0.08, 31), record(1, 0, undefined, Infinity), record(2, 0.25, 0.25, 25), record(3, 0.27, 0.3, Infinity)];
  const c = compareRows({ name: '9', images: row }, { name: 'start', images: reference }, new PairedBootstrap({ seed: 1 }));
  t.is(c.row, '9');
  t.is(c.reference, 'start');
  t.is(c.all.records, 3);
  const l1Hole = c.all.metrics.l1Hole;
  t.is(l1Hole.n, 3);
  t.true(Math.abs(l1Hole.mean - (-0.02 + 0.05 + 0) / 3) < 1e-12);
  t.is(l1Hole.better, 1 / 3); // lower is better: record 0
  t.is(l1Hole.worse, 1 / 3); // record 2
  t.true(l1Hole.lo <= l1Hole.mean && l1Hole.mean <= l1Hole.hi);
  const psnr = c.all.metrics.psnr;
  t.is(psnr.n, 2); // record 3's PSNR is infinite in the row: left out
  t.is(psnr.mean, 0.5);
  t.is(psnr.better, 0.5); // higher is better: record 0
  t.deepEqual(Object.keys(c.bins), ['(0.01,0.1]', '(0.2,0.3]']);
  t.is(c.bins['(0.2,0.3]'].records, 2);
  t.true(Math.abs(c.bins['(0.2,0.3]'].metrics.l1Hole.mean - 0.025) < 1e-12);
  t.false(c.bins['(0.01,0.1]'].metrics.l1Hole.excludesZero && c.bins['(0.01,0.1]'].metrics.l1Hole.n === 0);
  const same = compareRows({ name: 'start', images: reference }, { name: 'start', images: reference }, new PairedBootstrap());
  t.is(same.all.metrics.l1Hole.mean, 0);
  t.false(same.all.metrics.l1Hole.excludesZero);
  t.is(same.all.metrics.l1Hole.better, 0);
});

test('the words judge a difference only on enough records, in the metric\'s direction', (t) => {
  const d = (n: number, mean: number, lo: number, hi: number): MetricDifference => ({ n, mean, lo, hi, excludesZero: lo > 0 || hi < 0, better: 0.7, worse: 0.3 });
  t.is(MIN_RECORDS_FOR_VERDICT, 10);
  t.is(differenceVerdict(d(12, -0.01, -0.02, -0.005), 'l1Hole'), 'better');
  t.is(differenceVerdict(d(12, -0.01, -0.02, -0.005), 'psnrHole'), 'worse');
  t.is(differenceVerdict(d(12, 0.3, 0.1, 0.5), 'msssim'), 'better');
  t.is(differenceVerdict(d(12, -0.01, -0.02, 0.001), 'l1Hole'), 'unclear');
  t.is(differenceVerdict(d(1, -0.01, -0.01, -0.01), 'l1Hole'), 'few');
  const group = (x: MetricDifference) => ({ records: x.n, metrics: { l1: x, psnr: x, ssim: x, msssim: x, l1Hole: x, psnrHole: x } });
  const comparison = {
    row: '9',
    reference: 'start',
    all: group(d(2000, -0.012, -0.015, -0.009)),
    bins: { '(0.1,0.2]': group(d(900, -0.02, -0.03, -0.01)), '(0.5,0.6]': group(d(40, 0.01, 0.002, 0.02)), '(0.6,1]': group(d(3, -0.1, -0.2, -0.05)) },
  };
  t.is(
    verdictSentence('epoch 9', comparison, 'the start', 0.95),
    'epoch 9: hole L1 −0.0120 (95 % CI −0.0150 … −0.0090) against the start, better on 70 % of 2,000 records: a clear improvement.',
  );
  t.is(whereText(comparison), 'clearly better in (0.1,0.2]; clearly worse in (0.5,0.6]; too few records to judge in (0.6,1]');
});

import type { MetricDifference, RowComparison } from './paired-stats.js';
import { METRIC_DIRECTION } from './paired-stats.js';
import type { ScoreMetric } from './score-summary.js';

/** The metric the report's first line speaks of: L1 inside the hole, what a fill is judged by first. */
export const HEADLINE_METRIC: ScoreMetric = 'l1Hole';

/** Metric names in sentences. */
export const METRIC_WORDS: Readonly<Record<ScoreMetric, string>> = {
  l1: 'L1',
  psnr: 'PSNR',
  ssim: 'SSIM',
  msssim: 'MS-SSIM',
  l1Hole: 'hole L1',
  psnrHole: 'hole PSNR',
};

/** Decimals shown for a difference of each metric (L1 is on the 0–1 scale, PSNR in dB). */
const DIFF_DIGITS: Readonly<Record<ScoreMetric, number>> = { l1: 4, psnr: 2, ssim: 4, msssim: 4, l1Hole: 4, psnrHole: 2 };

/**
 * A signed number with a real minus sign: `−0.0120`, `+0.0040`, `0.0000`.
 * @example signed(-0.012, 'l1Hole') // '−0.0120'
 */
export function signed(value: number, metric: ScoreMetric): string {
  if (!Number.isFinite(value)) return '–';
  const text = Math.abs(value).toFixed(DIFF_DIGITS[metric]);
  if (Number(text) === 0) return text;
  return `${value < 0 ? '−' : '+'}${text}`;
}

/** A share as a whole percentage: `71 %`. */
export function percent(share: number): string {
  return Number.isFinite(share) ? `${Math.round(share * 100)} %` : '–';
}

/** A count with thousands separators: `2,000`. */
export function count(n: number): string {
  return n.toLocaleString('en-US');
}

/**
 * `−0.0120 (95 % CI −0.0150 … −0.0090)`.
 * @example differenceText(d, 'l1Hole', 0.95)
 */
export function differenceText(d: MetricDifference, metric: ScoreMetric, level: number): string {
  return `${signed(d.mean, metric)} (${Math.round(level * 100)} % CI ${signed(d.lo, metric)} … ${signed(d.hi, metric)})`;
}

/**
 * Fewest records a difference is judged on in words: below this the percentile bootstrap's interval is not to be
 * trusted (with one record it is a single point, which always "excludes zero").
 */
export const MIN_RECORDS_FOR_VERDICT = 10;

/**
 * Whether a difference is clearly better, clearly worse, or not told apart from zero by its interval; `few` when it
 * rests on fewer than MIN_RECORDS_FOR_VERDICT records.
 */
export function differenceVerdict(d: MetricDifference, metric: ScoreMetric): 'better' | 'worse' | 'unclear' | 'few' {
  if (d.n < MIN_RECORDS_FOR_VERDICT) return 'few';
  if (!d.excludesZero) return 'unclear';
  return (d.mean < 0) === (METRIC_DIRECTION[metric] === 'lower') ? 'better' : 'worse';
}

/** How the reference row is named after "against": `the start`, `epoch 1`, `shipped`, `Telea`. */
export function referencePhrase(label: string, kind: string): string {
  return kind === 'start' ? 'the start' : label;
}

/**
 * The report's first line: the chosen row's headline difference from the reference, with its interval and the share
 * of records on which it is better, and what that means.
 * @example
 * verdictSentence('epoch 9', comparison, 'the start', 0.95)
 * // 'epoch 9: hole L1 −0.0120 (95 % CI −0.0150 … −0.0090) against the start, better on 71 % of 2,000 records: a clear improvement.'
 */
export function verdictSentence(rowLabel: string, comparison: RowComparison, referenceText: string, level: number, metric: ScoreMetric = HEADLINE_METRIC): string {
  const d = comparison.all.metrics[metric];
  if (d.n === 0) return `${rowLabel}: no record with a hole to compare against ${referenceText}.`;
  const meaning = {
    better: 'a clear improvement',
    worse: 'clearly worse',
    unclear: 'the interval includes zero, so no clear difference',
    few: `too few records to judge (fewer than ${MIN_RECORDS_FOR_VERDICT})`,
  }[differenceVerdict(d, metric)];
  return (
    `${rowLabel}: ${METRIC_WORDS[metric]} ${differenceText(d, metric, level)} against ${referenceText}, ` +
    `better on ${percent(d.better)} of ${count(d.n)} records: ${meaning}.`
  );
}

/**
 * Where a row is clearly better and clearly worse than the reference, by hole-ratio bin, on a metric: e.g.
 * `clearly better in (0.1,0.2], (0.2,0.3]; clearly worse in (0.5,0.6]; no clear difference in (0.3,0.4]` (bins with
 * fewer than MIN_RECORDS_FOR_VERDICT records: `too few records to judge in …`).
 * @example whereText(comparison, 'l1Hole')
 */
export function whereText(comparison: RowComparison, metric: ScoreMetric = HEADLINE_METRIC): string {
  const groups: Record<'better' | 'worse' | 'unclear' | 'few', string[]> = { better: [], worse: [], unclear: [], few: [] };
  for (const [bin, g] of Object.entries(comparison.bins)) if (g.metrics[metric].n > 0) groups[differenceVerdict(g.metrics[metric], metric)].push(bin);
  const parts: string[] = [];
  if (groups.better.length) parts.push(`clearly better in ${groups.better.join(', ')}`);
  if (groups.worse.length) parts.push(`clearly worse in ${groups.worse.join(', ')}`);
  if (groups.unclear.length) parts.push(`no clear difference in ${groups.unclear.join(', ')}`);
  if (groups.few.length) parts.push(`too few records to judge in ${groups.few.join(', ')}`);
  return parts.join('; ');
}

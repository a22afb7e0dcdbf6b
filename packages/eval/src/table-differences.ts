import type { MetricDifference, RowComparison } from './paired-stats.js';
import { METRIC_LABELS, SCORE_METRICS, type ScoreMetric } from './score-summary.js';
import { csvLine, csvNumber, mdTable } from './table.js';
import { differenceText, differenceVerdict, HEADLINE_METRIC, percent } from './verdict.js';

/** How the difference tables name rows and the reference. */
export interface DifferenceContext {
  /** Table label of each row by name (`epoch 9`, `start`, `Telea`). */
  labels: ReadonlyMap<string, string>;
  /** Kind of each row by name. */
  kinds: ReadonlyMap<string, string>;
  /** The interval's level (0.95). */
  level: number;
  resamples: number;
}

/**
 * `differences.csv`: one line per compared row, group (`all`, then each hole-ratio bin) and metric: the records
 * compared, the mean of (row − reference) per record, its paired bootstrap interval, whether that excludes zero, and
 * the shares of records on which the row is better and worse.
 * @example formatDifferencesCsv(comparisons, context).split('\n')[0] // 'row,kind,reference,group,records,metric,n,mean,lo,hi,…'
 */
export function formatDifferencesCsv(comparisons: readonly RowComparison[], context: DifferenceContext): string {
  let out = csvLine(['row', 'kind', 'reference', 'group', 'records', 'metric', 'n', 'mean', 'lo', 'hi', 'excludes_zero', 'better', 'worse', 'level']);
  for (const c of comparisons) {
    for (const [group, g] of [['all', c.all] as const, ...Object.entries(c.bins)]) {
      for (const m of SCORE_METRICS) {
        const d = g.metrics[m];
        out += csvLine([
          c.row,
          context.kinds.get(c.row) ?? '',
          c.reference,
          group,
          String(g.records),
          m,
          String(d.n),
          csvNumber(d.mean),
          csvNumber(d.lo),
          csvNumber(d.hi),
          d.excludesZero ? '1' : '0',
          csvNumber(d.better),
          csvNumber(d.worse),
          String(context.level),
        ]);
      }
    }
  }
  return out;
}

/**
 * One difference for a human table: `−0.0120 (95 % CI −0.0150 … −0.0090), better on 71 %`, marked ▲ (clearly
 * better) or ▼ (clearly worse) when the interval excludes zero.
 * @example differenceCell(d, 'l1Hole', 0.95)
 */
export function differenceCell(d: MetricDifference, metric: ScoreMetric, level: number): string {
  if (d.n === 0) return '–';
  const mark = { better: ' ▲', worse: ' ▼', unclear: '', few: '' }[differenceVerdict(d, metric)];
  return `${differenceText(d, metric, level)}, better on ${percent(d.better)}${mark}`;
}

/**
 * The Markdown section of the paired statistics: every row against the reference on every metric, then the headline
 * metric (hole L1) per hole-ratio bin.
 * @example formatDifferencesMarkdown(comparisons, 'start', context)
 */
export function formatDifferencesMarkdown(comparisons: readonly RowComparison[], referenceLabel: string, context: DifferenceContext): string {
  if (comparisons.length === 0) return '';
  const lines: string[] = [];
  const label = (row: string) => context.labels.get(row) ?? row;
  lines.push(`## Against the reference (${referenceLabel})\n`);
  lines.push(
    `Mean per-record difference (row − ${referenceLabel}) over the records with a hole, with its ${Math.round(context.level * 100)} % paired ` +
      `bootstrap interval (${context.resamples.toLocaleString('en-US')} resamples) and the share of records on which the row is better; ` +
      `▲ / ▼: the interval excludes zero (clearly better / worse; judged on 10 records or more).\n`,
  );
  lines.push(mdTable(['row', 'records', ...SCORE_METRICS.map((m) => METRIC_LABELS[m])], comparisons.map((c) => [label(c.row), String(c.all.records), ...SCORE_METRICS.map((m) => differenceCell(c.all.metrics[m], m, context.level))])));
  const bins = [...new Set(comparisons.flatMap((c) => Object.keys(c.bins)))];
  if (bins.length > 0) {
    lines.push(`\n## ${METRIC_LABELS[HEADLINE_METRIC]} against the reference by hole ratio\n`);
    const header = ['row', ...bins.map((b) => `${b} (${comparisons[0].bins[b]?.records ?? 0})`)];
    lines.push(mdTable(header, comparisons.map((c) => [label(c.row), ...bins.map((b) => (c.bins[b] ? differenceCell(c.bins[b].metrics[HEADLINE_METRIC], HEADLINE_METRIC, context.level) : '–'))])));
  }
  return `${lines.join('\n')}\n`;
}

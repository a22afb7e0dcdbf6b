import type { RowComparison } from './paired-stats.js';
import type { ScoreMetric } from './score-summary.js';
import type { RowScores } from './row-scores.js';
import { METRIC_LABELS, SCORE_METRICS } from './score-summary.js';
import { formatMeanStd } from './table.js';
import type { MetricDifference } from './paired-stats.js';
import { differenceVerdict, HEADLINE_METRIC, percent, signed } from './verdict.js';

/** What the report shows of the paired statistics. */
export interface ReportComparisons {
  /** The reference row. */
  reference: { name: string; label: string; kind: string };
  level: number;
  resamples: number;
  seed: string | number;
  /** Every other row against the reference. */
  rows: readonly RowComparison[];
  /** The best epoch against each row that is not an epoch (start, compare nets, baselines), reference excluded. */
  bestAgainst: readonly RowComparison[];
  /** The report's first line (see verdictSentence). */
  sentence: string;
  /** Lines under it: where the best epoch is better or worse, and how it fares against the other rows. */
  findings: readonly string[];
}

/** Escaping for HTML (the report's own helper, passed in to keep one definition). */
type Escape = (s: string) => string;

/** A difference as a compact table cell: the mean, its interval below it, the share of records where it is better. */
function differenceCellHtml(d: MetricDifference, metric: ScoreMetric): string {
  if (d.n === 0) return `<td data-metric="${metric}">–</td>`;
  const verdict = differenceVerdict(d, metric);
  const mark = { better: ' ▲', worse: ' ▼', unclear: '', few: '' }[verdict];
  return (
    `<td data-metric="${metric}"${verdict === 'better' || verdict === 'worse' ? ` class="${verdict}"` : ''}>${signed(d.mean, metric)}${mark}` +
    `<br><small>${signed(d.lo, metric)} … ${signed(d.hi, metric)}</small><br><small>better on ${percent(d.better)}</small></td>`
  );
}

/** Table rows for rows other than the epochs (the start before the epochs, compare nets and baselines after). */
export function otherRowsHtml(others: readonly RowScores[], escape: Escape): { before: string; after: string } {
  const row = (o: RowScores) => {
    const cells = SCORE_METRICS.map((m) => `<td data-metric="${m}">${escape(formatMeanStd(o.all.metrics[m], m))}</td>`).join('');
    return `<tr data-row="${escape(o.name)}" class="row-${o.kind}"><td>${escape(o.label)}<span class="kind">${o.kind}</span></td><td>${o.all.images}</td>${cells}</tr>`;
  };
  return { before: others.filter((o) => o.kind === 'start').map(row).join(''), after: others.filter((o) => o.kind !== 'start').map(row).join('') };
}

/**
 * The statistics sections: every row against the reference on every metric, the headline metric per hole-ratio
 * bin, and the best epoch against the start, compare nets and baselines.
 */
export function differencesHtml(c: ReportComparisons, labels: ReadonlyMap<string, string>, escape: Escape): string {
  const label = (row: string) => escape(labels.get(row) ?? row);
  const pct = Math.round(c.level * 100);
  const cell = (comparison: RowComparison, metric: ScoreMetric, group = comparison.all) => differenceCellHtml(group.metrics[metric], metric);
  const head = SCORE_METRICS.map((m) => `<th>${escape(METRIC_LABELS[m])}</th>`).join('');
  const table = (id: string, rows: readonly RowComparison[], name: (r: RowComparison) => string) =>
    `<div class="scroll"><table id="${id}"><thead><tr><th>row</th><th>records</th>${head}</tr></thead><tbody>${rows
      .map((r) => `<tr data-row="${escape(name(r))}"><td>${label(name(r))}</td><td>${r.all.records}</td>${SCORE_METRICS.map((m) => cell(r, m)).join('')}</tr>`)
      .join('')}</tbody></table></div>`;
  const bins = [...new Set(c.rows.flatMap((r) => Object.keys(r.bins)))];
  const binTable =
    bins.length === 0
      ? ''
      : `<h2 id="bin-differences">${escape(METRIC_LABELS[HEADLINE_METRIC])} against the reference by hole ratio</h2>
<div class="scroll"><table id="bin-differences-table"><thead><tr><th>row</th>${bins
          .map((b) => `<th>${escape(b)}<br><small>${c.rows[0].bins[b]?.records ?? 0} records</small></th>`)
          .join('')}</tr></thead><tbody>${c.rows
          .map((r) => `<tr data-row="${escape(r.row)}"><td>${label(r.row)}</td>${bins.map((b) => (r.bins[b] ? cell(r, HEADLINE_METRIC, r.bins[b]) : '<td>–</td>')).join('')}</tr>`)
          .join('')}</tbody></table></div>`;
  const against =
    c.bestAgainst.length === 0
      ? ''
      : `<h2 id="best-against">${label(c.bestAgainst[0].row)} against the other rows</h2>
<p>The chosen epoch minus each row, record by record (same records, same masks).</p>
${table('best-against-table', c.bestAgainst, (r) => r.reference)}`;
  return `<h2 id="differences">Against the reference (${escape(c.reference.label)})</h2>
<p>Each cell: the mean per-record difference (row − ${escape(c.reference.label)}) over the records with a hole; below it, its ${pct} % paired
bootstrap interval (${c.resamples.toLocaleString('en-US')} resamples, seed ${escape(String(c.seed))}) and the share of records on which the row is
better. Green ▲: the interval excludes zero and the row is better; red ▼: clearly worse (judged on 10 records or more).</p>
${table('differences-table', c.rows, (r) => r.row)}
${binTable}
${against}`;
}

/** The report's opening: the sentence, and the findings under it. */
export function summaryHtml(c: ReportComparisons | undefined, escape: Escape): string {
  if (!c) return '';
  const findings = c.findings.length ? `<ul id="findings">${c.findings.map((f) => `<li>${escape(f)}</li>`).join('')}</ul>` : '';
  return `<p class="summary" id="summary">${escape(c.sentence)}</p>\n${findings}`;
}

/** Extra style for the new sections. */
export const DIFFERENCE_STYLE = `
.summary{font-size:1.1rem;font-weight:600;margin:.5rem 0}#findings{margin:.2rem 0 1rem}td.better{background:#e3f4e3}td.worse{background:#fbe3e3}
td small{color:#555}
.kind{display:inline-block;color:#666;font-size:.72rem;margin-left:.4rem;text-transform:uppercase;letter-spacing:.03em}
`;

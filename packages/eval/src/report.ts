import type { BestChoice } from './best.js';
import { DIFFERENCE_STYLE, differencesHtml, otherRowsHtml, summaryHtml, type ReportComparisons } from './report-differences.js';
import type { RowScores } from './row-scores.js';
import { METRIC_LABELS, SCORE_METRICS, type EpochScores, type ScoreMetric } from './score-summary.js';
import { binLabels, formatMeanStd } from './table.js';
import { skippedLabel, type SkippedCheckpoint } from './skipped-checkpoint.js';

/** Everything the HTML report shows. */
export interface ReportContent {
  /** The run folder, as given. */
  run: string;
  /** The bundle folder, as given. */
  data: string;
  split: string;
  /** Records scored per epoch. */
  images: number;
  maskStrategy: string | null;
  best: BestChoice;
  epochs: readonly EpochScores[];
  skipped: readonly SkippedCheckpoint[];
  /** Things the reader should know (a grid epoch that does not exist, a damaged cache entry…). */
  notes: readonly string[];
  /** The metric-versus-epoch plot, an SVG document (inlined). */
  plotSvg: string;
  /** The comparison grid PNG (inlined as a data URI), and what its columns are. */
  grid: { png: Uint8Array; columns: readonly string[]; samples: number; crop?: string } | null;
  /** Rows besides the epochs: the start, compare nets, baselines. */
  others?: readonly RowScores[];
  /** The paired statistics against the reference row, and the report's first line. */
  comparisons?: ReportComparisons;
  /** Records without a hole (an empty mask): left out of the hole metrics, the statistics and the grid. */
  holeless?: number;
  /** The run's starting point: its checkpoint, or why there is no start row. */
  start?: { checkpoint: string } | { reason: string };
}

/**
 * Escape text for HTML content and attribute values.
 * @example escapeHtml('<a & "b">') // '&lt;a &amp; &quot;b&quot;&gt;'
 */
export function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[c]!);
}

/** A `data:` URI for bytes of a MIME type. */
export function dataUri(mime: string, bytes: Uint8Array): string {
  return `data:${mime};base64,${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('base64')}`;
}

/** The SVG element of an SVG document (drops an XML declaration or doctype, which may not appear inside HTML). */
function inlineSvg(svg: string): string {
  const start = svg.indexOf('<svg');
  return start >= 0 ? svg.slice(start) : '';
}

const STYLE = `
body{font-family:system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;margin:2rem auto;max-width:1200px;padding:0 1rem;color:#222;line-height:1.45}
h1{font-size:1.6rem;margin-bottom:.2rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:.2rem}
dl.meta{display:grid;grid-template-columns:max-content 1fr;gap:.15rem 1rem;font-size:.92rem}dl.meta dt{color:#666}dl.meta dd{margin:0;word-break:break-all}
table{border-collapse:collapse;font-size:.88rem;font-variant-numeric:tabular-nums;margin:.5rem 0}
th,td{border:1px solid #ddd;padding:.25rem .5rem;text-align:right;white-space:nowrap}th{background:#f5f5f5}td:first-child,th:first-child{text-align:left}
tr.best td{background:#fff3cd;font-weight:600}.badge{display:inline-block;background:#d62728;color:#fff;border-radius:.6rem;padding:0 .45rem;font-size:.75rem;margin-left:.4rem}
.scroll{overflow-x:auto}figure{margin:1rem 0}figure svg,figure img{max-width:100%;height:auto}figcaption{color:#555;font-size:.88rem}
.callout{background:#eef6ee;border-left:4px solid #2ca02c;padding:.6rem 1rem;margin:1rem 0}.notes li,.skipped li{margin:.2rem 0}code{font-size:.85em}
`;

function epochRow(e: EpochScores, best: number): string {
  const isBest = e.epoch === best;
  const head = `<td>${e.epoch}${isBest ? '<span class="badge" title="best epoch">★ best</span>' : ''}</td>`;
  const cells = SCORE_METRICS.map((m) => `<td data-metric="${m}">${escapeHtml(formatMeanStd(e.all.metrics[m], m))}</td>`).join('');
  return `<tr data-epoch="${e.epoch}"${isBest ? ' class="best" aria-current="true"' : ''}>${head}<td>${e.all.images}</td>${cells}</tr>`;
}

function binTable(epochs: readonly EpochScores[], best: number, rule: ScoreMetric, others: readonly RowScores[]): string {
  const bins = binLabels(epochs);
  if (bins.length === 0) return '';
  const header = bins.map((b) => `<th>${escapeHtml(b)}<br><small>${epochs[0].bins[b].images} records</small></th>`).join('');
  const cells = (row: { bins: EpochScores['bins'] }) => bins.map((b) => `<td>${row.bins[b] ? escapeHtml(formatMeanStd(row.bins[b].metrics[rule], rule)) : '–'}</td>`).join('');
  const other = (o: RowScores) => `<tr data-row="${escapeHtml(o.name)}"><td>${escapeHtml(o.label)}</td>${cells(o)}</tr>`;
  const rows = epochs
    .map((e) => `<tr data-epoch="${e.epoch}"${e.epoch === best ? ' class="best"' : ''}><td>${e.epoch}${e.epoch === best ? '<span class="badge">★ best</span>' : ''}</td>${cells(e)}</tr>`)
    .join('');
  const before = others.filter((o) => o.kind === 'start').map(other).join('');
  const after = others.filter((o) => o.kind !== 'start').map(other).join('');
  return `<h2 id="bins">${escapeHtml(METRIC_LABELS[rule])} by hole ratio</h2>
<p>Mean ± std of ${escapeHtml(METRIC_LABELS[rule])} over the records whose hole covers that fraction of the image.</p>
<div class="scroll"><table id="bin-table"><thead><tr><th>epoch</th>${header}</tr></thead><tbody>${before}${rows}${after}</tbody></table></div>`;
}

/**
 * The self-contained HTML report: the choice, the run and data, the per-epoch table (best row marked), the plot as
 * inline SVG, the per-bin table, the comparison grid as a data URI, and what was skipped. It loads nothing: a
 * Content-Security-Policy forbids every fetch except `data:` images, so it reads the same offline or mailed.
 * @example await atomicWriteFile('runs/a/eval/report.html', renderReportHtml(content));
 */
export function renderReportHtml(c: ReportContent): string {
  const { best } = c;
  const rule = best.rule as ScoreMetric;
  const bestScores = c.epochs.find((e) => e.epoch === best.epoch);
  const head = SCORE_METRICS.map((m) => `<th data-metric="${m}">${escapeHtml(METRIC_LABELS[m])}</th>`).join('');
  const tie = best.tiedOnRule.length > 1 ? ` Epochs ${best.tiedOnRule.join(', ')} tied on it; decided by ${best.decidedBy === 'earliest epoch' ? 'the earliest epoch' : `${METRIC_LABELS[best.decidedBy as ScoreMetric] ?? best.decidedBy}`}.` : '';
  const others = otherRowsHtml(c.others ?? [], escapeHtml);
  const labels = new Map<string, string>([...c.epochs.map((e) => [String(e.epoch), `epoch ${e.epoch}`] as const), ...(c.others ?? []).map((o) => [o.name, o.label] as const)]);
  const start = c.start ? ('checkpoint' in c.start ? `<code>${escapeHtml(c.start.checkpoint)}</code> (epoch 0)` : `none: ${escapeHtml(c.start.reason)}`) : '';
  const holeless = c.holeless ? ` (${c.holeless} without a hole: left out of the hole metrics, the statistics and the grid)` : '';
  const grid = c.grid
    ? `<h2 id="grid">Samples</h2>
<figure><img id="grid-image" src="${dataUri('image/png', c.grid.png)}" alt="Comparison grid: ${c.grid.samples} samples; columns ${escapeHtml(c.grid.columns.join(', '))}">
<figcaption>Rows are samples spread over the evaluation set's records with a hole${c.grid.crop === 'hole' ? ', each cropped to its hole and enlarged' : ''}; columns: ${escapeHtml(c.grid.columns.join(' · '))}.</figcaption></figure>`
    : '';
  const skipped =
    c.skipped.length > 0
      ? `<h2 id="skipped">Skipped checkpoints</h2><ul class="skipped">${c.skipped
          .map((s) => `<li>${escapeHtml(skippedLabel(s))} (<code>${escapeHtml(s.checkpoint)}</code>): ${escapeHtml(s.reason)}</li>`)
          .join('')}</ul>`
      : '';
  const notes = c.notes.length > 0 ? `<h2 id="notes">Notes</h2><ul class="notes">${c.notes.map((n) => `<li>${escapeHtml(n)}</li>`).join('')}</ul>` : '';
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>bgfill eval: best epoch ${best.epoch}</title>
<style>${STYLE}${DIFFERENCE_STYLE}</style>
</head>
<body>
${summaryHtml(c.comparisons, escapeHtml)}
<h1>Checkpoint evaluation</h1>
<p class="callout" id="verdict">Best epoch: <strong id="best-epoch">${best.epoch}</strong>, by the ${best.direction === 'higher' ? 'highest' : 'lowest'} mean ${escapeHtml(METRIC_LABELS[rule])}
(${escapeHtml(bestScores ? formatMeanStd(bestScores.all.metrics[rule], rule) : String(best.value))}).${escapeHtml(tie)}
Checkpoint <code>${escapeHtml(bestScores?.checkpoint ?? '')}</code>.</p>
<dl class="meta">
<dt>run</dt><dd>${escapeHtml(c.run)}</dd>
<dt>data</dt><dd>${escapeHtml(c.data)}, split <code>${escapeHtml(c.split)}</code>, ${c.images} records<span id="holeless">${escapeHtml(holeless)}</span>${c.maskStrategy ? `, masks <code>${escapeHtml(c.maskStrategy)}</code>` : ''}</dd>
<dt>epochs scored</dt><dd>${c.epochs.length}${c.skipped.length ? ` (${c.skipped.length} skipped)` : ''}</dd>
${start ? `<dt>start</dt><dd id="start">${start}</dd>` : ''}
${c.comparisons ? `<dt>reference</dt><dd id="reference">${escapeHtml(c.comparisons.reference.label)}</dd>` : ''}
</dl>
<h2 id="scores">Scores per epoch</h2>
<p>Mean ± population std over the records. L1 is on the 0–1 scale; hole metrics count only pixels inside the mask.</p>
<div class="scroll"><table id="scores-table"><thead><tr><th>epoch</th><th>records</th>${head}</tr></thead>
<tbody>${others.before}${c.epochs.map((e) => epochRow(e, best.epoch)).join('')}${others.after}</tbody></table></div>
${c.comparisons ? differencesHtml(c.comparisons, labels, escapeHtml) : ''}
<h2 id="plot">Metrics by epoch</h2>
<figure id="plot-figure">${inlineSvg(c.plotSvg)}<figcaption>Mean per epoch with a ±1 std band; the dashed line and red point mark the best epoch${c.others?.length ? '; horizontal lines are the other rows (start, compare nets, baselines)' : ''}.</figcaption></figure>
${binTable(c.epochs, best.epoch, rule, c.others ?? [])}
${grid}
${skipped}
${notes}
</body>
</html>
`;
}

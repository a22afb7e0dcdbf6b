import type { Aggregate } from './metrics/aggregate.js';
import type { RowScores } from './row-scores.js';
import type { ImageScore } from './score-checkpoint.js';
import { METRIC_LABELS, SCORE_METRICS, type EpochScores, type GroupSummary, type ScoreMetric } from './score-summary.js';
import { skippedLabel, type SkippedCheckpoint } from './skipped-checkpoint.js';

/** CSV column names of a metric: `l1Hole` → `l1_hole`. */
function column(metric: ScoreMetric): string {
  return metric.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);
}

/** A number for CSV: shortest round-trip decimal; `inf` for +Infinity, empty for NaN or absent. */
export function csvNumber(v: number | undefined): string {
  if (v === undefined || Number.isNaN(v)) return '';
  if (v === Infinity) return 'inf';
  if (v === -Infinity) return '-inf';
  return String(v);
}

/** Quote a CSV field when it needs it (RFC 4180). */
function csvField(s: string): string {
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvLine(fields: readonly string[]): string {
  return `${fields.map(csvField).join(',')}\n`;
}

/** The run's epochs and the other rows (start, compare nets, baselines), in table order: start, epochs, others. */
function tableRows(epochs: readonly EpochScores[], others: readonly RowScores[]): Array<{ row: string; kind: string; epoch: number | null; label: string; all: GroupSummary; bins: Record<string, GroupSummary> }> {
  const start = others.filter((o) => o.kind === 'start');
  const rest = others.filter((o) => o.kind !== 'start');
  return [
    ...start.map((o) => ({ row: o.name, kind: o.kind, epoch: o.epoch, label: o.label, all: o.all, bins: o.bins })),
    ...epochs.map((e) => ({ row: String(e.epoch), kind: 'epoch', epoch: e.epoch, label: String(e.epoch), all: e.all, bins: e.bins })),
    ...rest.map((o) => ({ row: o.name, kind: o.kind, epoch: o.epoch, label: o.label, all: o.all, bins: o.bins })),
  ];
}

/**
 * `scores.csv`: one row per table row (the start, each epoch, compare nets, baselines) and group (`all`, then each
 * non-empty hole-ratio bin), with each metric's mean and population std, how many records went into it (`images`;
 * `*_n` for the hole metrics, which skip empty masks) and how many PSNRs were infinite (identical pixels, left out of
 * the mean). `best` is 1 on the chosen epoch's rows; `epoch` is 0 for the start and empty for compare nets and
 * baselines; the last columns name the row (`row`: the epoch number, `start`, a compare name, a baseline) and its `kind`.
 * @example formatScoresCsv(epochs, 7).split('\n')[0] // 'epoch,best,group,images,l1_mean,l1_std,…,row,kind'
 */
export function formatScoresCsv(epochs: readonly EpochScores[], bestEpoch: number, others: readonly RowScores[] = []): string {
  const header = ['epoch', 'best', 'group', 'images'];
  for (const m of SCORE_METRICS) {
    header.push(`${column(m)}_mean`, `${column(m)}_std`);
    if (m === 'l1Hole' || m === 'psnrHole') header.push(`${column(m)}_n`);
    if (m === 'psnr' || m === 'psnrHole') header.push(`${column(m)}_infinite`);
  }
  header.push('row', 'kind');
  let out = csvLine(header);
  for (const r of tableRows(epochs, others)) {
    const groups: Array<[string, GroupSummary]> = [['all', r.all], ...Object.entries(r.bins)];
    for (const [group, summary] of groups) {
      const row = [r.epoch === null ? '' : String(r.epoch), r.kind === 'epoch' && r.epoch === bestEpoch ? '1' : '0', group, String(summary.images)];
      for (const m of SCORE_METRICS) {
        const a = summary.metrics[m];
        row.push(csvNumber(a.mean), csvNumber(a.std));
        if (m === 'l1Hole' || m === 'psnrHole') row.push(String(a.n + a.infinite));
        if (m === 'psnr' || m === 'psnrHole') row.push(String(a.infinite));
      }
      row.push(r.row, r.kind);
      out += csvLine(row);
    }
  }
  return out;
}

/**
 * `images.csv`: every record's metrics for every row (long format: one line per row and record); `epoch` is empty
 * for compare nets and baselines, `row` names every row (the epoch number, `start`, a compare name, a baseline).
 * @example formatImagesCsv([{ epoch: 1, images }]).split('\n')[0] // 'epoch,index,key,hole_ratio,bin,l1,psnr,…,row'
 */
export function formatImagesCsv(rows: ReadonlyArray<{ epoch: number | null; row?: string; images: readonly ImageScore[] }>): string {
  let out = csvLine(['epoch', 'index', 'key', 'hole_ratio', 'bin', ...SCORE_METRICS.map(column), 'row']);
  for (const { epoch, row, images } of rows) {
    const name = row ?? String(epoch);
    for (const s of images) {
      out += csvLine([epoch === null ? '' : String(epoch), String(s.index), s.key, csvNumber(s.holeRatio), s.bin, ...SCORE_METRICS.map((m) => csvNumber(s[m])), name]);
    }
  }
  return out;
}

/** Decimal places shown per metric in the human tables. */
const DIGITS: Readonly<Record<ScoreMetric, number>> = { l1: 4, psnr: 2, ssim: 4, msssim: 4, l1Hole: 4, psnrHole: 2 };

/**
 * A metric's mean ± std for a human table, e.g. `0.0213 ± 0.0040`, `∞` when every value was infinite, `–` when none.
 * @example formatMeanStd({ mean: 24.512, std: 2.1, n: 9, infinite: 0 }, 'psnr') // '24.51 ± 2.10'
 */
export function formatMeanStd(a: Aggregate, metric: ScoreMetric): string {
  if (Number.isNaN(a.mean)) return '–';
  if (a.mean === Infinity) return '∞';
  const d = DIGITS[metric];
  const text = `${a.mean.toFixed(d)} ± ${a.std.toFixed(d)}`;
  return a.infinite > 0 ? `${text} (+${a.infinite} ∞)` : text;
}

/** Escape a Markdown table cell. */
function mdCell(s: string): string {
  return s.replace(/\|/g, '\\|');
}

export function mdTable(header: readonly string[], rows: ReadonlyArray<readonly string[]>): string {
  const line = (cells: readonly string[]) => `| ${cells.map(mdCell).join(' | ')} |\n`;
  return line(header) + line(header.map(() => '---')) + rows.map(line).join('');
}

/** What the Markdown and HTML reports say about the choice. */
export interface ScoreTableContext {
  bestEpoch: number;
  /** The metric the best epoch was chosen by. */
  rule: ScoreMetric;
  skipped?: readonly SkippedCheckpoint[];
  /** Rows besides the epochs: the start (listed first), compare nets and baselines (after the epochs). */
  others?: readonly RowScores[];
}

/**
 * `scores.md`: a table of every epoch (mean ± std of each metric over all records; the best epoch in bold with ★),
 * a table of the rule's metric per hole-ratio bin and epoch, and the skipped checkpoints.
 * @example formatScoresMarkdown(epochs, { bestEpoch: 7, rule: 'msssim' })
 */
export function formatScoresMarkdown(epochs: readonly EpochScores[], context: ScoreTableContext): string {
  const { bestEpoch, rule } = context;
  const rows = tableRows(epochs, context.others ?? []);
  const name = (r: (typeof rows)[number]) => (r.kind === 'epoch' && r.epoch === bestEpoch ? `**${r.label} ★**` : r.label);
  const lines: string[] = [];
  lines.push(`## Scores per epoch\n`);
  lines.push(`Best epoch: **${bestEpoch}** (by ${METRIC_LABELS[rule]}). Values are mean ± std over the records.\n`);
  const header = ['epoch', 'images', ...SCORE_METRICS.map((m) => METRIC_LABELS[m])];
  const tableLines = rows.map((r) => {
    const best = r.kind === 'epoch' && r.epoch === bestEpoch;
    const cells = [name(r), String(r.all.images)];
    for (const m of SCORE_METRICS) {
      const text = formatMeanStd(r.all.metrics[m], m);
      cells.push(best ? `**${text}**` : text);
    }
    return cells;
  });
  lines.push(mdTable(header, tableLines));
  const bins = binLabels(epochs);
  if (bins.length > 0) {
    lines.push(`\n## ${METRIC_LABELS[rule]} by hole ratio\n`);
    lines.push(`Mean ${METRIC_LABELS[rule]} per hole-ratio bin (records in the bin in brackets).\n`);
    const binHeader = ['epoch', ...bins.map((b) => `${b} (${epochs[0].bins[b]?.images ?? 0})`)];
    const binRows = rows.map((r) => [name(r), ...bins.map((b) => (r.bins[b] ? formatMeanStd(r.bins[b].metrics[rule], rule) : '–'))]);
    lines.push(mdTable(binHeader, binRows));
  }
  if (context.skipped && context.skipped.length > 0) {
    lines.push(`\n## Skipped checkpoints\n`);
    for (const s of context.skipped) lines.push(`- ${skippedLabel(s)} (\`${s.checkpoint}\`): ${s.reason.replace(/\n/g, ' ')}`);
    lines.push('');
  }
  return `${lines.join('\n')}\n`.replace(/\n{3,}/g, '\n\n');
}

/** The hole-ratio bins any epoch has records in, in bin order (every epoch scores the same records). */
export function binLabels(epochs: readonly EpochScores[]): string[] {
  return epochs.length > 0 ? Object.keys(epochs[0].bins) : [];
}

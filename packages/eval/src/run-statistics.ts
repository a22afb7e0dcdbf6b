import type { PairedBootstrap } from './bootstrap.js';
import { compareRows, type RowComparison } from './paired-stats.js';
import type { ReportComparisons } from './report-differences.js';
import { START_ROW } from './run-rows.js';
import type { ScoredRow } from './score-rows.js';
import { count, differenceText, differenceVerdict, HEADLINE_METRIC, METRIC_WORDS, percent, referencePhrase, verdictSentence, whereText } from './verdict.js';

/** The paired statistics of an evaluation, as scores.json, best.json and the report hold them. */
export interface RunStatistics extends ReportComparisons {
  /** The best epoch against the reference; null when the best epoch is the reference. */
  best: RowComparison | null;
}

/**
 * Which row is the reference: `--reference` (a row name, an epoch number, `best`, `last`, `first`), or by default the
 * start when it was scored, else the first epoch. A requested row that was not scored (a start or compare net that
 * could not be loaded) falls back to the default, with a note saying so.
 * @example referenceRow(undefined, ['start', '1', '2'], [1, 2], 2) // { name: 'start' }
 */
export function referenceRow(requested: string | undefined, names: readonly string[], epochs: readonly number[], best: number): { name: string; note?: string } {
  const first = String(Math.min(...epochs));
  const fallback = names.includes(START_ROW) ? START_ROW : first;
  if (requested === undefined) return { name: fallback };
  const lower = requested.trim().toLowerCase();
  const resolved =
    lower === 'best' ? String(best) : lower === 'last' ? String(Math.max(...epochs)) : lower === 'first' ? first : names.find((n) => n.toLowerCase() === lower);
  if (resolved !== undefined && names.includes(resolved)) return { name: resolved };
  return { name: fallback, note: `--reference ${requested}: that row was not scored (skipped, or not in the run), so the reference is ${fallback === START_ROW ? 'the start' : `epoch ${fallback}`}` };
}

/** One finding line: the best epoch against another row on the headline metric. */
function againstLine(c: RowComparison, rowLabel: string, otherLabel: string, otherKind: string, level: number): string {
  const d = c.all.metrics[HEADLINE_METRIC];
  if (d.n === 0) return `against ${otherLabel}: no record with a hole to compare`;
  const verdict = differenceVerdict(d, HEADLINE_METRIC);
  const meaning = {
    better: `${rowLabel} fills the hole better`,
    worse: `${rowLabel} does not beat ${otherLabel} inside the hole: ${otherLabel} is better`,
    unclear: 'no clear difference inside the hole',
    few: 'too few records to judge',
  }[verdict];
  const what = otherKind === 'start' ? 'the start' : otherLabel;
  return `against ${what}: ${METRIC_WORDS[HEADLINE_METRIC]} ${differenceText(d, HEADLINE_METRIC, level)}, better on ${percent(d.better)} of ${count(d.n)} records: ${meaning}.`;
}

/**
 * Compare every scored row with the reference row, and the best epoch with each row that is not an epoch; word
 * the report's first line and the findings under it.
 * @example runStatistics({ results, order, best: '9', reference: 'start', bootstrap, holeless: 2, records: 13 })
 */
export function runStatistics(input: {
  results: ReadonlyMap<string, ScoredRow>;
  /** Row names in table order (start, epochs, compare nets, baselines). */
  order: readonly string[];
  /** The best epoch's row name. */
  best: string;
  reference: string;
  bootstrap: PairedBootstrap;
  /** Records without a hole, of `records`. */
  holeless: number;
  records: number;
}): RunStatistics {
  const { results, bootstrap } = input;
  const ref = results.get(input.reference)!;
  const bestRow = results.get(input.best)!;
  const asInput = (r: ScoredRow) => ({ name: r.entry.name, images: r.images });
  const rows = input.order.filter((name) => name !== input.reference).map((name) => compareRows(asInput(results.get(name)!), asInput(ref), bootstrap));
  const others = input.order.filter((name) => name !== input.reference && name !== input.best && results.get(name)!.entry.kind !== 'epoch');
  const bestAgainst = others.map((name) => {
    const c = compareRows(asInput(bestRow), asInput(results.get(name)!), bootstrap);
    return c;
  });
  const best = input.best === input.reference ? null : rows.find((r) => r.row === input.best)!;
  const referenceText = referencePhrase(ref.entry.label, ref.entry.kind);
  const level = bootstrap.level;
  const sentence = best
    ? verdictSentence(bestRow.entry.label, best, referenceText, level)
    : `${bestRow.entry.label} is the best epoch and the reference itself${ref.entry.kind === 'epoch' && !results.has(START_ROW) ? ' (the run has no start row)' : ''}: compare it with the other rows below.`;
  const findings: string[] = [];
  if (best) {
    const where = whereText(best);
    if (where) findings.push(`By hole ratio (${METRIC_WORDS[HEADLINE_METRIC]} against ${referenceText}): ${where}.`);
  }
  for (const c of bestAgainst) {
    const other = results.get(c.reference)!.entry;
    findings.push(`${bestRow.entry.label} ${againstLine(c, bestRow.entry.label, other.label, other.kind, level)}`);
  }
  if (input.holeless > 0) {
    findings.push(`${input.holeless} of ${count(input.records)} records have no hole (an empty mask): they are left out of the hole metrics, the statistics and the grid.`);
  }
  return {
    reference: { name: input.reference, label: ref.entry.label, kind: ref.entry.kind },
    level,
    resamples: bootstrap.resamples,
    seed: bootstrap.seed,
    rows,
    bestAgainst,
    best,
    sentence,
    findings,
  };
}

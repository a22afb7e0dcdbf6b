import type { BestChoice } from './best.js';
import type { MetricDifference } from './paired-stats.js';
import type { RowScores } from './row-scores.js';
import type { RunStatistics } from './run-statistics.js';
import type { EpochScores, ScoreMetric } from './score-summary.js';

/** What best.json records about the choice against the reference row. */
export interface BestAgainstReference {
  /** The reference row: `start`, an epoch number, a compare name, a baseline. */
  reference: { row: string; label: string; kind: string };
  /** Records compared (with a hole). */
  records: number;
  level: number;
  resamples: number;
  seed: string | number;
  /** Per metric: the best epoch minus the reference, its interval, whether the interval excludes zero, better share. */
  difference: Record<ScoreMetric, MetricDifference> | null;
  /** The report's first line. */
  summary: string;
}

/**
 * best.json's part about the reference: the best epoch's difference from the reference on every metric with its
 * interval and whether it excludes zero (null when the best epoch is the reference).
 * @example bestAgainstReference(statistics).difference?.l1Hole.excludesZero
 */
export function bestAgainstReference(s: RunStatistics): BestAgainstReference {
  return {
    reference: { row: s.reference.name, label: s.reference.label, kind: s.reference.kind },
    records: s.best?.all.records ?? s.rows[0]?.all.records ?? 0,
    level: s.level,
    resamples: s.resamples,
    seed: s.seed,
    difference: s.best ? s.best.all.metrics : null,
    summary: s.sentence,
  };
}

/**
 * The parts of scores.json beyond the epochs: the other rows' summaries, the start, records without a hole, and the
 * paired statistics (every row against the reference, the best epoch against the other rows).
 * @example Object.assign(json, scoresExtras({ others, statistics, holeless: 2, start }))
 */
export function scoresExtras(input: { others: readonly RowScores[]; statistics: RunStatistics; holeless: number; start: { checkpoint: string } | { reason: string } }): Record<string, unknown> {
  const s = input.statistics;
  return {
    start: input.start,
    others: input.others,
    holeless: input.holeless,
    statistics: {
      reference: s.reference,
      level: s.level,
      resamples: s.resamples,
      seed: s.seed,
      summary: s.sentence,
      findings: s.findings,
      rows: s.rows,
      bestAgainst: s.bestAgainst,
    },
  };
}

/** The epoch a best choice names, in the epochs list. */
export function bestScores(epochs: readonly EpochScores[], best: BestChoice): EpochScores {
  return epochs.find((e) => e.epoch === best.epoch)!;
}

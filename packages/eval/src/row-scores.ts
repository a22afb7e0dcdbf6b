import type { RowKind } from './run-rows.js';
import type { ScoredRow } from './score-rows.js';
import { summarizeByBin, summarizeGroup, type EpochScores, type GroupSummary } from './score-summary.js';

/** One row of the tables besides the run's epochs (the start, a compare net, a baseline), summarised. */
export interface RowScores {
  kind: RowKind;
  /** `start`, a compare name, a baseline's method (epochs: their number as text). */
  name: string;
  /** How tables and the grid name it: `start`, `shipped`, `Telea`, `epoch 9`. */
  label: string;
  /** 0 for the start, the epoch for epochs, null otherwise. */
  epoch: number | null;
  /** The checkpoint, or the method and its settings. */
  source: string;
  /** SHA-256 of the checkpoint, or the method's cache identity. */
  digest: string;
  all: GroupSummary;
  bins: Record<string, GroupSummary>;
}

/**
 * A scored row's summary (over every record, and per hole-ratio bin).
 * @example summarizeRow(results.get('start')!).all.metrics.l1Hole.mean
 */
export function summarizeRow(row: ScoredRow): RowScores {
  const { entry } = row;
  return {
    kind: entry.kind,
    name: entry.name,
    label: entry.label,
    epoch: entry.epoch,
    source: entry.source,
    digest: row.digest,
    all: summarizeGroup(row.images),
    bins: summarizeByBin(row.images),
  };
}

/**
 * An epoch's summary as a table row.
 * @example epochRowScores(epochs[0]).label // 'epoch 1'
 */
export function epochRowScores(e: EpochScores): RowScores {
  return { kind: 'epoch', name: String(e.epoch), label: `epoch ${e.epoch}`, epoch: e.epoch, source: e.checkpoint, digest: e.digest, all: e.all, bins: e.bins };
}

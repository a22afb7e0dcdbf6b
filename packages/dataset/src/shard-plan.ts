import { createHash } from 'node:crypto';
import { invalidParameter, rngFor, type Seed } from '@bgfill/core';
import type { SourceItem } from './sources/source.js';
import { hashSplit, type SplitRatio } from './split.js';
import type { Compression } from './tfrecord-writer.js';

/** A source item with its key and split decided. */
export interface PlannedRecord extends SourceItem {
  /** Hex SHA-256 of `filename` (UTF-8): the record's identity, seeding hash splits and masks. */
  readonly key: string;
  readonly split: string;
}

/** A shard and the records planned for it, in write order. */
export interface PlannedShard {
  /** `{split}-{i:05d}-of-{n:05d}.tfrecord` (`.tfrecord.gz` with GZIP). */
  readonly file: string;
  /** `{split}-{i:05d}-of-{n:05d}.index`. */
  readonly indexFile: string;
  readonly split: string;
  /** Position among the split's shards. */
  readonly shardIndex: number;
  readonly shardCount: number;
  /** Position among all shards of the build (splits in plan order): workers take `global % workers`. */
  readonly global: number;
  readonly records: readonly PlannedRecord[];
}

/** An input dropped while planning (a duplicate listing). */
export interface PlanReject {
  readonly file: string;
  readonly reason: string;
  readonly code: 'duplicate';
}

export interface ShardPlan {
  readonly shards: readonly PlannedShard[];
  /** Split names in plan order, with the number of planned records. */
  readonly splits: ReadonlyArray<{ readonly split: string; readonly records: number }>;
  readonly rejects: readonly PlanReject[];
}

export interface PlanOptions {
  readonly seed: Seed;
  /** Split order, and for items without a fixed split, their hash ratios. */
  readonly splits: readonly string[];
  readonly ratios?: readonly SplitRatio[];
  readonly recordsPerShard: number;
  readonly compression: Compression;
}

/** The record key: hex SHA-256 of the stored filename. */
export function recordKey(filename: string): string {
  return createHash('sha256').update(filename, 'utf8').digest('hex');
}

/** Code-unit order, the same in every locale (never `localeCompare`). */
export function compareStrings(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

/**
 * A seeded Fisher–Yates shuffle (returns a new array).
 * @example seededShuffle([1, 2, 3], rngFor(0, 'shuffle'))
 */
export function seededShuffle<T>(items: readonly T[], rng: { int(lo: number, hi: number): number }): T[] {
  const out = [...items];
  for (let i = out.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [out[i], out[j]] = [out[j], out[i]];
  }
  return out;
}

/** Shard file names for `split` shard `i` of `n`. */
export function shardFileNames(split: string, i: number, n: number, compression: Compression): { file: string; indexFile: string } {
  const stem = `${split}-${String(i).padStart(5, '0')}-of-${String(n).padStart(5, '0')}`;
  return { file: `${stem}.tfrecord${compression === 'gzip' ? '.gz' : ''}`, indexFile: `${stem}.index` };
}

/**
 * Decide, before any image is read, which record goes to which shard and in what order: sort the inputs by filename,
 * drop duplicates, assign splits (fixed by the source or by seeded hash of the key), shuffle each split with a seeded
 * Fisher–Yates, cut it into shards of `recordsPerShard`. A pure function of (inputs, options): every worker and every
 * rerun computes the same plan.
 * @example planShards(listing.items, { seed: 0, splits: ['train', 'val'], ratios, recordsPerShard: 1000, compression: 'none' })
 */
export function planShards(items: readonly SourceItem[], options: PlanOptions): ShardPlan {
  if (!Number.isInteger(options.recordsPerShard) || options.recordsPerShard < 1) {
    throw invalidParameter('--records-per-shard', 'a positive integer', options.recordsPerShard);
  }
  const sorted = [...items].sort((a, b) => compareStrings(a.filename, b.filename));
  const rejects: PlanReject[] = [];
  const bySplit = new Map<string, PlannedRecord[]>(options.splits.map((s) => [s, []]));
  let previous: string | undefined;
  for (const item of sorted) {
    if (item.filename === previous) {
      rejects.push({ file: item.filename, reason: 'listed more than once (kept the first)', code: 'duplicate' });
      continue;
    }
    previous = item.filename;
    const key = recordKey(item.filename);
    let split = item.split;
    if (split === undefined) {
      if (!options.ratios) throw invalidParameter('split ratios', 'ratios for inputs without a fixed split', undefined);
      split = hashSplit(key, options.seed, options.ratios);
    }
    const list = bySplit.get(split);
    if (!list) throw invalidParameter('split', `one of ${options.splits.join(', ')}`, split);
    list.push({ ...item, key, split });
  }
  const shards: PlannedShard[] = [];
  const splits: Array<{ split: string; records: number }> = [];
  for (const split of options.splits) {
    const records = seededShuffle(bySplit.get(split) ?? [], rngFor(options.seed, 'shuffle', split));
    splits.push({ split, records: records.length });
    const n = Math.ceil(records.length / options.recordsPerShard);
    for (let i = 0; i < n; i++) {
      shards.push({
        ...shardFileNames(split, i, n, options.compression),
        split,
        shardIndex: i,
        shardCount: n,
        global: shards.length,
        records: records.slice(i * options.recordsPerShard, (i + 1) * options.recordsPerShard),
      });
    }
  }
  return { shards, splits, rejects };
}

/**
 * The shards worker `worker` of `workers` builds: every `workers`-th shard of the global order, starting at `worker`.
 * @example shardsForWorker(plan, 2, 8) // shards 2, 10, 18, …
 */
export function shardsForWorker(plan: ShardPlan, worker: number, workers: number): PlannedShard[] {
  if (!Number.isInteger(workers) || workers < 1) throw invalidParameter('--workers', 'a positive integer', workers);
  if (!Number.isInteger(worker) || worker < 0 || worker >= workers) throw invalidParameter('--worker', `an integer in [0, ${workers - 1}]`, worker);
  return plan.shards.filter((s) => s.global % workers === worker);
}

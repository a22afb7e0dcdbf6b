import { createProgress, errorMessage } from '@bgfill/core';
import { readScoreCache, writeScoreCache, type ScoreCacheIdentity } from './cache.js';
import type { RgbImage } from './metrics/image.js';
import type { PairMetricsOptions } from './metrics/pair-metrics.js';
import type { Predictor } from './predictor.js';
import type { RowKind } from './run-rows.js';
import { scoreCheckpoints, type ImageScore } from './score-checkpoint.js';
import { evalBatches, type EvalSet } from './score-data.js';
import type { SkippedCheckpoint } from './skipped-checkpoint.js';

/** One row to score: a checkpoint (an epoch, the start, a compare net) or a classical fill. */
export interface RowEntry {
  kind: RowKind;
  /** The row's name: the epoch number as text, `start`, a compare name, a baseline's method. */
  name: string;
  /** How tables, the grid and the log name it: `epoch 3`, `start`, `shipped` (a compare name), `Telea`. */
  label: string;
  /** The epoch (0 for the start); null for compare nets and baselines. */
  epoch: number | null;
  /** Shown in tables: the checkpoint (relative to the run for epochs) or the method and its settings. */
  source: string;
  /** Names the row in errors: `epoch 3 (run/epoch-0003/generator.safetensors)`. */
  errorLabel: string;
  /** What the cached scores depend on (SHA-256 of the checkpoint, or the method and its settings); may throw. */
  digest: () => Promise<string>;
  /** The engine part of the cache key (the resolved backend; `classical` for baselines). */
  engine: string;
  /** Makes the predictor (loads the checkpoint); may throw, and the row is then skipped. */
  load: () => Promise<Predictor>;
}

/** A scored row: every record's metrics and the kept sample outputs. */
export interface ScoredRow {
  entry: RowEntry;
  digest: string;
  images: ImageScore[];
  samples: Map<number, RgbImage>;
}

export interface ScoreRowsContext {
  set: EvalSet;
  cacheDir: string;
  /** The cache identity for a digest and engine (data, split, records, metric settings filled in). */
  identity: (digest: string, engine: string) => ScoreCacheIdentity;
  batchSize: number;
  sampleIndices: readonly number[];
  metrics?: PairMetricsOptions;
  progress: boolean;
  log: (message: string) => void;
  note: (message: string) => void;
}

export interface ScoreRowsResult {
  /** By row name. */
  results: Map<string, ScoredRow>;
  skipped: SkippedCheckpoint[];
  /** Row names scored now (their predictors were loaded), and served from the cache or an identical checkpoint. */
  scored: string[];
  cached: string[];
}

function skippedFrom(entry: RowEntry, reason: string): SkippedCheckpoint {
  return { epoch: entry.epoch, ...(entry.kind === 'epoch' ? {} : { row: entry.label }), checkpoint: entry.source, reason };
}

/**
 * The order rows are scored in: each checkpoint on its own pass over the records (one net in memory at a time), and
 * the classical fills together on one pass, where the first of them comes (they share the records' reading and
 * decoding, and hold no weights).
 */
function passesOf<T extends { entry: RowEntry }>(rows: readonly T[]): T[][] {
  const passes: T[][] = [];
  let classical: T[] | undefined;
  for (const row of rows) {
    if (row.entry.kind !== 'baseline') passes.push([row]);
    else if (classical) classical.push(row);
    else passes.push((classical = [row]));
  }
  return passes;
}

/**
 * Score rows on the evaluation set, each once: a cache hit (same digest, data, split, records, metric settings and
 * engine) is read instead, an entry with the same digest and engine as one already scored shares its scores, and an
 * entry whose digest or predictor cannot be had is skipped with the reason. New scores go to the cache as soon as a
 * row is done (the classical rows when their shared pass is), so an interrupted evaluation resumes with the next row. One progress bar over all of them.
 * @example const { results } = await scoreRows(entries, context);
 */
export async function scoreRows(entries: readonly RowEntry[], ctx: ScoreRowsContext): Promise<ScoreRowsResult> {
  const { set, log } = ctx;
  const results = new Map<string, ScoredRow>();
  const skipped: SkippedCheckpoint[] = [];
  const skip = (entry: RowEntry, reason: string, say: (message: string) => void = log) => {
    skipped.push(skippedFrom(entry, reason));
    say(`${entry.label}: skipped: ${reason}`);
  };

  // ---- cache lookups
  const toScore: Array<{ entry: RowEntry; digest: string }> = [];
  const cached: string[] = [];
  for (const entry of entries) {
    let digest: string;
    try {
      digest = await entry.digest();
    } catch (err) {
      skip(entry, errorMessage(err));
      continue;
    }
    const hit = await readScoreCache(ctx.cacheDir, ctx.identity(digest, entry.engine), ctx.note);
    if (hit) {
      results.set(entry.name, { entry, digest, ...hit });
      cached.push(entry.name);
      log(`${entry.label}: cached`);
    } else toScore.push({ entry, digest });
  }

  // ---- scoring
  const scored: string[] = [];
  const progress = createProgress({ label: 'eval', total: toScore.length * set.count, enabled: ctx.progress, extraFormat: ' | {row}' });
  // Lines written while the bar is drawn would tear it: hold them until it stops.
  const held: string[] = [];
  const say = (message: string) => (ctx.progress ? held.push(message) : log(message));
  try {
    for (const pass of passesOf(toScore)) {
      const loaded: Array<{ entry: RowEntry; digest: string; predictor: Predictor }> = [];
      try {
        for (const { entry, digest } of pass) {
          const twin = [...results.values()].find((r) => r.digest === digest && r.entry.engine === entry.engine);
          if (twin) {
            // Byte-identical weights (a copied checkpoint): same scores, no second load.
            results.set(entry.name, { ...twin, entry });
            cached.push(entry.name);
            progress.tick(set.count, { row: entry.label });
            say(`${entry.label}: same weights as ${twin.entry.label}`);
            continue;
          }
          progress.tick(0, { row: entry.label });
          try {
            loaded.push({ entry, digest, predictor: await entry.load() });
          } catch (err) {
            skip(entry, `cannot load the checkpoint: ${errorMessage(err)}`, say);
            progress.tick(set.count, { row: `${entry.label} skipped` });
          }
        }
        if (loaded.length === 0) continue;
        const scores = await scoreCheckpoints(
          loaded.map(({ entry, predictor }) => ({
            predictor,
            options: {
              label: entry.errorLabel,
              sampleIndices: new Set(ctx.sampleIndices),
              onProgress: (n: number) => progress.tick(n, { row: entry.label }),
              metrics: ctx.metrics,
            },
          })),
          evalBatches(set, ctx.batchSize),
        );
        await Promise.all(loaded.map(({ entry, digest }, i) => writeScoreCache(ctx.cacheDir, ctx.identity(digest, entry.engine), scores[i].images, scores[i].samples)));
        for (const [i, { entry, digest }] of loaded.entries()) {
          results.set(entry.name, { entry, digest, ...scores[i] });
          scored.push(entry.name);
          say(`${entry.label}: scored ${scores[i].images.length} records`);
        }
      } finally {
        for (const { predictor } of loaded) predictor.dispose();
      }
    }
  } finally {
    progress.stop();
    for (const message of held) log(message);
  }
  return { results, skipped, scored, cached };
}

import { createHash } from 'node:crypto';
import { BgfillError, invalidParameter } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import { readBundle, readManifest, splitShards, type DecodedExample } from '@bgfill/dataset';
import type { RgbImage } from './metrics/image.js';

/** The records a run is scored on: the first `count` records of one split of a bundle, in manifest order. */
export interface EvalSet {
  /** The bundle folder. */
  dir: string;
  split: string;
  /** Records scored: the split's size, or the limit when smaller. */
  count: number;
  /** Records in the split. */
  splitCount: number;
  limit: number | null;
  /** `dataset.json`'s build fingerprint. */
  fingerprint: string;
  /**
   * SHA-256 over the fingerprint, the split and the SHA-256 of each of the split's shards: identifies the scored
   * data by content, so a rebuilt or edited bundle never reuses cached scores.
   */
  identity: string;
  /** The mask strategy the split's fixed masks were drawn with. */
  maskStrategy: string | null;
}

/** One record to score. */
export interface EvalItem {
  /** Position in the evaluation set (0-based). */
  index: number;
  key: string;
  image: RgbImage;
  mask: Mask;
}

/** Consecutive records of one size, at most the batch size. */
export interface EvalBatch {
  items: EvalItem[];
}

/**
 * The refusal for a split without stored masks: scores on masks drawn afresh would not compare between runs.
 * @example throw missingMasksError('bundles/places', 'val')
 */
export function missingMasksError(dir: string, split: string): BgfillError {
  return new BgfillError(
    `${dir}: split "${split}" has no stored masks, and scores are only comparable on fixed masks. ` +
      `Build the bundle with fixed masks for it, e.g.\n  bgfill dataset build … --masks person-box+scribble:0-3 --mask-splits ${split}`,
    { subject: dir },
  );
}

/**
 * Open a split of a bundle for scoring: reads and checks `dataset.json` (the split exists, carries masks, is not
 * empty) and works out which records are scored and the data's identity. Throws a BgfillError otherwise.
 * @example const set = await openEvalSet('bundles/places', { split: 'val', limit: 500 });
 */
export async function openEvalSet(dir: string, options: { split?: string; limit?: number } = {}): Promise<EvalSet> {
  const split = options.split ?? 'val';
  const limit = options.limit ?? null;
  if (limit !== null && (!Number.isSafeInteger(limit) || limit < 1)) throw invalidParameter('limit', 'a positive integer', limit);
  const manifest = await readManifest(dir);
  const shards = splitShards(manifest, split, dir);
  const summary = manifest.splits[split];
  if (!summary.hasMasks) throw missingMasksError(dir, split);
  if (summary.count === 0) throw new BgfillError(`${dir}: split "${split}" has no records`, { subject: dir });
  const hash = createHash('sha256');
  hash.update(JSON.stringify({ fingerprint: manifest.fingerprint, split, shards: shards.map((s) => [s.file, s.records, s.sha256]) }));
  return {
    dir,
    split,
    count: Math.min(summary.count, limit ?? Infinity),
    splitCount: summary.count,
    limit,
    fingerprint: manifest.fingerprint,
    identity: hash.digest('hex'),
    maskStrategy: summary.maskStrategy,
  };
}

function toItem(set: EvalSet, example: DecodedExample, index: number): EvalItem {
  if (!example.mask) throw missingMasksError(set.dir, set.split);
  return { index, key: example.key, image: example.image, mask: example.mask };
}

/**
 * The evaluation set as batches of at most `batchSize` consecutive records of one size (a size change closes the
 * batch, so bundles built with `--keep-size` work too). Records arrive in manifest order, decoded ahead (4 at once).
 * @example for await (const { items } of evalBatches(set, 8)) …
 */
export async function* evalBatches(set: EvalSet, batchSize: number): AsyncGenerator<EvalBatch> {
  if (!Number.isSafeInteger(batchSize) || batchSize < 1) throw invalidParameter('batchSize', 'a positive integer', batchSize);
  let items: EvalItem[] = [];
  let index = 0;
  for await (const example of readBundle(set.dir, { split: set.split, limit: set.count })) {
    const item = toItem(set, example, index++);
    const first = items[0];
    if (first && (first.image.width !== item.image.width || first.image.height !== item.image.height)) {
      yield { items };
      items = [];
    }
    items.push(item);
    if (items.length === batchSize) {
      yield { items };
      items = [];
    }
  }
  if (items.length > 0) yield { items };
  if (index !== set.count) {
    throw new BgfillError(`${set.dir}: split "${set.split}" yielded ${index} records, expected ${set.count}`, { subject: set.dir });
  }
}

/**
 * Read a few records of the evaluation set by position (cheaply: records before each are skipped undecoded).
 * @example const [a, b] = await readEvalItems(set, [0, 17]);
 */
export async function readEvalItems(set: EvalSet, indices: readonly number[]): Promise<EvalItem[]> {
  const out: EvalItem[] = [];
  for (const index of indices) {
    if (!Number.isSafeInteger(index) || index < 0 || index >= set.count) {
      throw invalidParameter('index', `an integer in [0, ${set.count - 1}]`, index);
    }
    let found: EvalItem | undefined;
    for await (const example of readBundle(set.dir, { split: set.split, skip: index, limit: 1 })) found = toItem(set, example, index);
    if (!found) throw new BgfillError(`${set.dir}: split "${set.split}" has no record ${index}`, { subject: set.dir });
    out.push(found);
  }
  return out;
}

/**
 * The hole ratio of every record of the evaluation set, from the records' stored `mask/hole_ratio` (nothing is
 * decoded): 0 marks a record whose mask is empty.
 * @example const ratios = await readHoleRatios(set); ratios.filter((r) => r === 0).length // records without a hole
 */
export async function readHoleRatios(set: EvalSet): Promise<number[]> {
  const ratios: number[] = [];
  for await (const example of readBundle(set.dir, { split: set.split, limit: set.count, decode: false })) {
    if (example.holeRatio === undefined) throw missingMasksError(set.dir, set.split);
    ratios.push(example.holeRatio);
  }
  return ratios;
}

/**
 * `k` positions spread evenly over `n` records (⌊i·n/k⌋ for i < k), all of them when k ≥ n: the grid's samples.
 * @example spreadIndices(100, 4) // [0, 25, 50, 75]
 */
export function spreadIndices(n: number, k: number): number[] {
  if (k >= n) return Array.from({ length: n }, (_, i) => i);
  return Array.from({ length: k }, (_, i) => Math.floor((i * n) / k));
}

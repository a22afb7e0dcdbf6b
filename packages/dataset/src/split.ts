import { BgfillError, invalidParameter, rngFor, type Seed } from '@bgfill/core';
import { parseNameValues } from './name-values.js';

/** Split names end up in shard file names: lower-case letters, digits and `_`, starting with a letter. */
export const SPLIT_NAME = /^[a-z][a-z0-9_]*$/;

export interface SplitRatio {
  readonly split: string;
  readonly ratio: number;
}

/** Check a split name for use in file names; throws a BgfillError naming the option. */
export function checkSplitName(name: string, option = '--split'): string {
  if (!SPLIT_NAME.test(name)) throw invalidParameter(option, 'a split name of a-z, 0-9 and _ starting with a letter', name);
  return name;
}

/** How far from 1 the ratios of `--split-ratios` may sum (decimal fractions such as 0.1 are not exact in binary). */
export const RATIO_SUM_TOLERANCE = 1e-6;

/**
 * Parse `train=0.9,val=0.1` (or an object) into ratios. Ratios must be positive and sum to 1 within
 * {@link RATIO_SUM_TOLERANCE}: `train=0.3,val=0.1` (sum 0.4) is an error, not silently rescaled. The ratios are then
 * divided by their sum, which removes the rounding error of decimal fractions.
 * @example parseSplitRatios('train=0.9,val=0.1') // [{ split: 'train', ratio: 0.9 }, { split: 'val', ratio: 0.1 }]
 */
export function parseSplitRatios(value: string | Readonly<Record<string, number>>): SplitRatio[] {
  const pairs: Array<[string, number]> =
    typeof value === 'string' ? parseNameValues(value, '--split-ratios', 'train=0.9,val=0.1') : Object.entries(value);
  if (pairs.length === 0) throw invalidParameter('--split-ratios', 'at least one name=ratio pair', value);
  const seen = new Set<string>();
  for (const [name, ratio] of pairs) {
    checkSplitName(name, '--split-ratios');
    if (seen.has(name)) throw invalidParameter('--split-ratios', 'each split once', name);
    seen.add(name);
    if (!Number.isFinite(ratio) || ratio <= 0) throw invalidParameter(`--split-ratios ${name}`, 'a positive number', ratio);
  }
  const total = pairs.reduce((s, [, r]) => s + r, 0);
  if (Math.abs(total - 1) > RATIO_SUM_TOLERANCE) {
    const given = typeof value === 'string' ? value : pairs.map(([n, r]) => `${n}=${r}`).join(',');
    throw new BgfillError(
      `--split-ratios ${given} sums to ${Number(total.toPrecision(12))}; the ratios must sum to 1 (e.g. train=0.9,val=0.1)`,
      { subject: '--split-ratios' },
    );
  }
  return pairs.map(([split, ratio]) => ({ split, ratio: ratio / total }));
}

/**
 * The split of a record, from a seeded hash of its key alone: stable when other inputs come or go, the same in every
 * worker, and independent of listing order.
 * @example hashSplit(key, 0, parseSplitRatios('train=0.9,val=0.1')) // 'train' for about 90% of keys
 */
export function hashSplit(key: string, seed: Seed, ratios: readonly SplitRatio[]): string {
  const u = rngFor(seed, 'split', key).random();
  let cumulative = 0;
  for (const { split, ratio } of ratios) {
    cumulative += ratio;
    if (u < cumulative) return split;
  }
  return ratios[ratios.length - 1].split;
}

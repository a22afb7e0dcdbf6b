import { invalidParameter, rngFor, type Seed } from '@bgfill/core';
import type { MaskGenerator } from './generate.js';
import { holeRatio, type Mask, type Size } from './mask.js';
import type { TrainingProgress } from './ramp.js';

/** A hole-ratio interval (lo, hi], or [0, hi] for the first. */
export interface HoleRatioBin {
  readonly label: string;
  readonly lo: number;
  readonly hi: number;
}

/**
 * The six hole-ratio bins inpainting papers report by (as in the DeepFill / LaMa evaluations): (0.01,0.1], (0.1,0.2],
 * …, (0.5,0.6]. Masks outside them fall in `[0,0.01]` or `(0.6,1]` (see ALL_HOLE_RATIO_BINS).
 */
export const HOLE_RATIO_BINS: ReadonlyArray<HoleRatioBin> = [
  { label: '(0.01,0.1]', lo: 0.01, hi: 0.1 },
  { label: '(0.1,0.2]', lo: 0.1, hi: 0.2 },
  { label: '(0.2,0.3]', lo: 0.2, hi: 0.3 },
  { label: '(0.3,0.4]', lo: 0.3, hi: 0.4 },
  { label: '(0.4,0.5]', lo: 0.4, hi: 0.5 },
  { label: '(0.5,0.6]', lo: 0.5, hi: 0.6 },
];

/** Below the study bins: tiny or empty holes. */
export const HOLE_RATIO_BELOW: HoleRatioBin = { label: '[0,0.01]', lo: -Infinity, hi: 0.01 };
/** Above the study bins: holes over 60 % of the image. */
export const HOLE_RATIO_ABOVE: HoleRatioBin = { label: '(0.6,1]', lo: 0.6, hi: Infinity };

/** All eight bins in order: `[0,0.01]`, the six study bins, `(0.6,1]`. Every ratio in [0, 1] falls in exactly one. */
export const ALL_HOLE_RATIO_BINS: ReadonlyArray<HoleRatioBin> = [HOLE_RATIO_BELOW, ...HOLE_RATIO_BINS, HOLE_RATIO_ABOVE];

function checkRatio(ratio: number): number {
  if (typeof ratio !== 'number' || !(ratio >= 0 && ratio <= 1)) throw invalidParameter('hole ratio', 'number in [0, 1]', ratio);
  return ratio;
}

/**
 * The bin label of a hole ratio: one of `[0,0.01]`, `(0.01,0.1]`, …, `(0.5,0.6]`, `(0.6,1]` (right-closed).
 * @example holeRatioBin(0.25) // '(0.2,0.3]'
 */
export function holeRatioBin(ratio: number): string {
  checkRatio(ratio);
  for (const bin of ALL_HOLE_RATIO_BINS) if (ratio <= bin.hi) return bin.label;
  return HOLE_RATIO_ABOVE.label;
}

/**
 * Count ratios per bin; every one of the eight labels is present (0 when empty), in bin order.
 * @example holeRatioHistogram([0.05, 0.15, 0.7]) // { '[0,0.01]': 0, '(0.01,0.1]': 1, '(0.1,0.2]': 1, …, '(0.6,1]': 1 }
 */
export function holeRatioHistogram(ratios: Iterable<number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const bin of ALL_HOLE_RATIO_BINS) out[bin.label] = 0;
  for (const r of ratios) out[holeRatioBin(r)]++;
  return out;
}

/** Summary of a set of hole ratios. */
export interface HoleRatioSummary {
  count: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  min: number;
  max: number;
  histogram: Record<string, number>;
}

/**
 * Count, mean, population std, min, max and the eight-bin histogram (mean and std 0, min and max 0 for no ratios).
 * @example summarizeHoleRatios([0.1, 0.3]) // { count: 2, mean: 0.2, std: 0.1, min: 0.1, max: 0.3, histogram: {…} }
 */
export function summarizeHoleRatios(ratios: ReadonlyArray<number>): HoleRatioSummary {
  const histogram = holeRatioHistogram(ratios);
  const n = ratios.length;
  if (n === 0) return { count: 0, mean: 0, std: 0, min: 0, max: 0, histogram };
  let sum = 0;
  let min = Infinity;
  let max = -Infinity;
  for (const r of ratios) {
    sum += r;
    if (r < min) min = r;
    if (r > max) max = r;
  }
  const mean = sum / n;
  let sq = 0;
  for (const r of ratios) sq += (r - mean) ** 2;
  return { count: n, mean, std: Math.sqrt(sq / n), min, max, histogram };
}

/** Result of drawing a mask aimed at one hole-ratio bin. */
export interface BalancedMask {
  mask: Mask;
  ratio: number;
  /** The bin aimed at: HOLE_RATIO_BINS[index mod 6]. */
  target: string;
  /** Draws made (1 … maxAttempts). */
  attempts: number;
  /** False when no draw landed in the target bin; the mask is then the draw closest to it. */
  hit: boolean;
}

/** Default draws per balanced mask before giving up on its bin. */
export const DEFAULT_BALANCE_ATTEMPTS = 200;

function distanceToBin(ratio: number, bin: HoleRatioBin): number {
  return ratio <= bin.lo ? bin.lo - ratio : ratio > bin.hi ? ratio - bin.hi : 0;
}

/**
 * Mask `index` of a set balanced across the six study bins: it aims at bin `index mod 6` and redraws from
 * `rngFor(seed, 'mask', index, 'balance', attempt)` (attempt = 0, 1, …) until its hole ratio falls in that bin, up to
 * `maxAttempts`; on failure it keeps the draw nearest the bin (earliest on ties) and reports `hit: false`.
 * Still a pure function of (generator, size, seed, index).
 * @example const { mask, hit } = generateBalancedMask(gen, { width: 256, height: 256 }, 1, 7); // aims at (0.1,0.2]
 */
export function generateBalancedMask(
  generator: MaskGenerator,
  size: Size,
  seed: Seed,
  index: number,
  options: { maxAttempts?: number; progress?: TrainingProgress } = {},
): BalancedMask {
  const maxAttempts = options.maxAttempts ?? DEFAULT_BALANCE_ATTEMPTS;
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1) throw invalidParameter('maxAttempts', 'positive integer', maxAttempts);
  if (!Number.isSafeInteger(index) || index < 0) throw invalidParameter('index', 'non-negative integer', index);
  const bin = HOLE_RATIO_BINS[index % HOLE_RATIO_BINS.length];
  let best: { mask: Mask; ratio: number; distance: number } | undefined;
  for (let attempt = 0; attempt < maxAttempts; attempt++) {
    const mask = generator.generateWith(size, rngFor(seed, 'mask', index, 'balance', attempt), index, options.progress);
    const ratio = holeRatio(mask);
    if (holeRatioBin(ratio) === bin.label) return { mask, ratio, target: bin.label, attempts: attempt + 1, hit: true };
    const distance = distanceToBin(ratio, bin);
    if (!best || distance < best.distance) best = { mask, ratio, distance };
  }
  const kept = best as { mask: Mask; ratio: number };
  return { mask: kept.mask, ratio: kept.ratio, target: bin.label, attempts: maxAttempts, hit: false };
}

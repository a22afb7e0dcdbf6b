import { invalidParameter } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import { checkMaskFor, checkPair, type MetricImage } from './image.js';
import { metricsKernel, type DifferenceSums } from './metrics-kernel.js';

export type { DifferenceSums } from './metrics-kernel.js';

/**
 * Sum |pred − target| and (pred − target)² over every value, or over the hole pixels (mask ≠ 0) only, each added in
 * reading order (in the metrics kernel). For 8-bit images the sums are exact integers.
 */
export function differenceSums(pred: MetricImage, target: MetricImage, mask?: Mask): DifferenceSums {
  if (mask !== undefined) return differenceSumsWithHole(pred, target, mask).hole;
  checkPair(pred, target);
  return metricsKernel().differenceSums(pred, target).all;
}

/**
 * `differenceSums` over every value and over the hole's values at once (one pass instead of two; the same sums).
 * @example const { all, hole } = differenceSumsWithHole(pred, target, mask);
 */
export function differenceSumsWithHole(pred: MetricImage, target: MetricImage, mask: Mask): { all: DifferenceSums; hole: DifferenceSums } {
  checkPair(pred, target);
  checkMaskFor(mask, pred);
  return metricsKernel().differenceSums(pred, target, mask.data);
}

/** Check a data range option (the width of the value scale). */
export function checkDataRange(dataRange: number): number {
  if (typeof dataRange !== 'number' || !Number.isFinite(dataRange) || dataRange <= 0) {
    throw invalidParameter('dataRange', 'positive finite number', dataRange);
  }
  return dataRange;
}

/** PSNR in dB from a mean squared error: 10·log10(range² / mse); Infinity when mse is 0. */
export function psnrFromMse(mse: number, dataRange: number): number {
  if (mse === 0) return Infinity;
  return 10 * Math.log10((dataRange * dataRange) / mse);
}

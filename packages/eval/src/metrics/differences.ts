import { invalidParameter } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import { checkMaskFor, checkPair, type MetricImage } from './image.js';

/** Sums of absolute and squared differences over the pixels considered, all channels. */
export interface DifferenceSums {
  abs: number;
  squared: number;
  /** Values summed: pixels × channels. 0 when a mask has no hole pixel. */
  count: number;
}

/**
 * Sum |pred − target| and (pred − target)² over every value, or over the hole pixels (mask ≠ 0) only.
 * For 8-bit images the sums are exact integers.
 */
export function differenceSums(pred: MetricImage, target: MetricImage, mask?: Mask): DifferenceSums {
  if (mask !== undefined) return differenceSumsWithHole(pred, target, mask).hole;
  checkPair(pred, target);
  const a = pred.data;
  const b = target.data;
  let abs = 0;
  let squared = 0;
  for (let i = 0; i < a.length; i++) {
    const d = a[i] - b[i];
    abs += d < 0 ? -d : d;
    squared += d * d;
  }
  return { abs, squared, count: a.length };
}

/**
 * `differenceSums` over every value and over the hole's values at once (one pass instead of two; the same sums).
 * @example const { all, hole } = differenceSumsWithHole(pred, target, mask);
 */
export function differenceSumsWithHole(pred: MetricImage, target: MetricImage, mask: Mask): { all: DifferenceSums; hole: DifferenceSums } {
  checkPair(pred, target);
  checkMaskFor(mask, pred);
  const a = pred.data;
  const b = target.data;
  const ch = pred.channels;
  const m = mask.data;
  let abs = 0;
  let squared = 0;
  let holeAbs = 0;
  let holeSquared = 0;
  let holeCount = 0;
  for (let px = 0, o = 0; px < m.length; px++) {
    const inHole = m[px] !== 0;
    for (let c = 0; c < ch; c++, o++) {
      const d = a[o] - b[o];
      const ad = d < 0 ? -d : d;
      abs += ad;
      squared += d * d;
      if (inHole) (holeAbs += ad), (holeSquared += d * d);
    }
    if (inHole) holeCount += ch;
  }
  return { all: { abs, squared, count: a.length }, hole: { abs: holeAbs, squared: holeSquared, count: holeCount } };
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

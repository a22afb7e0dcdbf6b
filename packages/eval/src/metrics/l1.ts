import type { Mask } from '@bgfill/masks';
import { checkDataRange, differenceSums } from './differences.js';
import type { MetricImage } from './image.js';

/**
 * Mean absolute difference on the 0–1 scale (|pred − target| / dataRange averaged over pixels and channels), over
 * the whole image or, given a mask, over its hole pixels only (1 = hole). 0 for identical images.
 * A mask without any hole pixel gives NaN (the mean of nothing); `pairMetrics` leaves hole metrics out instead.
 * @example
 * l1(pred, target);          // e.g. 0.0197
 * l1(pred, target, mask);    // inside the hole only
 * l1(a, b, undefined, { dataRange: 1 }); // FloatImage in 0…1
 */
export function l1(pred: MetricImage, target: MetricImage, mask?: Mask, options: { dataRange?: number } = {}): number {
  const range = checkDataRange(options.dataRange ?? 255);
  const s = differenceSums(pred, target, mask);
  return s.count === 0 ? NaN : s.abs / s.count / range;
}

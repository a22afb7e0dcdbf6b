import type { Mask } from '@bgfill/masks';
import { differenceSums, differenceSumsWithHole, psnrFromMse } from './differences.js';
import { checkPair, type MetricImage } from './image.js';
import { msssim, ssimWithMsssim } from './msssim.js';
import type { MsssimOptions, SsimOptions } from './options.js';
import { ssim } from './ssim.js';

/**
 * Every metric of one prediction/target pair. `psnr` / `psnrHole` are Infinity for identical pixels.
 * The hole fields are present only when a mask with at least one hole pixel was given.
 */
export interface PairMetrics {
  /** Mean absolute difference, 0–1 scale. */
  l1: number;
  /** dB; Infinity when identical. */
  psnr: number;
  ssim: number;
  msssim: number;
  /** L1 inside the hole only. */
  l1Hole?: number;
  /** PSNR inside the hole only (dB). */
  psnrHole?: number;
  /** Fraction of pixels that are hole (present whenever a mask was given), for grouping by hole-ratio bin. */
  holeRatio?: number;
}

/** Options for `pairMetrics`: settings passed on to SSIM and MS-SSIM (both use `dataRange` 255 by default). */
export interface PairMetricsOptions {
  ssim?: SsimOptions;
  msssim?: MsssimOptions;
}

/** Names of the metrics in `PairMetrics`, in display order. */
export const PAIR_METRIC_NAMES = ['l1', 'psnr', 'ssim', 'msssim', 'l1Hole', 'psnrHole'] as const;
export type PairMetricName = (typeof PAIR_METRIC_NAMES)[number];

/**
 * L1, PSNR, SSIM and MS-SSIM of an 8-bit pair, plus L1 and PSNR inside the hole when a mask is given (1 = hole).
 * Throws a BgfillError when sizes differ, the mask's size differs, or the images are too small for MS-SSIM
 * (96×96 at the defaults; pass `options.msssim` with fewer scales for smaller images).
 * @example
 * const m = pairMetrics(await readRgbImage('pred.png'), await readRgbImage('gt.png'), mask);
 * // { l1: 0.0023, psnr: 39.76, ssim: 0.9706, msssim: 0.9756, l1Hole: 0.0207, psnrHole: 30.29, holeRatio: 0.108 }
 */
export function pairMetrics(
  pred: MetricImage,
  target: MetricImage,
  mask?: Mask,
  options: PairMetricsOptions = {},
): PairMetrics {
  checkPair(pred, target);
  const sums = mask === undefined ? { all: differenceSums(pred, target), hole: undefined } : differenceSumsWithHole(pred, target, mask);
  const all = sums.all;
  // With matching settings (the defaults), one filtering pass serves SSIM and MS-SSIM's first scale.
  const structural = ssimWithMsssim(pred, target, options.ssim, options.msssim) ?? { ssim: ssim(pred, target, options.ssim), msssim: msssim(pred, target, options.msssim) };
  const result: PairMetrics = {
    l1: all.abs / all.count / 255,
    psnr: psnrFromMse(all.squared / all.count, 255),
    ssim: structural.ssim,
    msssim: structural.msssim,
  };
  if (sums.hole !== undefined) {
    const hole = sums.hole;
    result.holeRatio = hole.count / pred.channels / (pred.width * pred.height);
    if (hole.count > 0) {
      result.l1Hole = hole.abs / hole.count / 255;
      result.psnrHole = psnrFromMse(hole.squared / hole.count, 255);
    }
  }
  return result;
}

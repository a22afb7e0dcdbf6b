import type { Mask } from '@bgfill/masks';
import { checkDataRange, differenceSums, psnrFromMse } from './differences.js';
import type { MetricImage } from './image.js';

/** PSNR options. */
export interface PsnrOptions {
  /** Width of the value scale; default 255 (8-bit). */
  dataRange?: number;
  /** Score only the hole pixels (1 = hole). */
  mask?: Mask;
}

/**
 * Peak signal-to-noise ratio in dB: 10·log10(dataRange² / MSE), MSE over all pixels and channels (torchmetrics'
 * `peak_signal_noise_ratio(data_range=255)`), or over the hole pixels only given `mask`.
 * Identical images (MSE 0) give `Infinity`; JSON has no Infinity, so `JSON.stringify` writes it as null — the
 * `bgfill eval pair --json` output documents null as "infinite". A mask without hole pixels gives NaN.
 * @example
 * psnr(pred, target);                 // e.g. 30.01
 * psnr(pred, target, { mask });       // inside the hole
 * psnr(a, a);                         // Infinity
 */
export function psnr(pred: MetricImage, target: MetricImage, options: PsnrOptions = {}): number {
  const range = checkDataRange(options.dataRange ?? 255);
  const s = differenceSums(pred, target, options.mask);
  return s.count === 0 ? NaN : psnrFromMse(s.squared / s.count, range);
}

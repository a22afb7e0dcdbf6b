import { gaussianWindow } from './gaussian.js';
import { checkPair, type MetricImage } from './image.js';
import { checkSsimSize, resolveSsimOptions, type SsimOptions } from './options.js';
import { metricsKernel } from './metrics-kernel.js';

/**
 * Structural similarity of two images, averaged over every pixel and channel — torchmetrics'
 * `structural_similarity_index_measure(pred, target, data_range=255)` at its defaults (agreement within 1e-10 on
 * the reference pairs). Symmetric; 1 for identical images (up to rounding, ~1e-15); lower is worse.
 * Works on `RgbImage` (0…255, `dataRange` 255) and on `FloatImage` (set `dataRange` to the value scale's width).
 * Throws a BgfillError when sizes differ or the image is smaller than the window needs.
 * @example
 * const pred = await readRgbImage('out/0001.png');
 * const target = await readRgbImage('gt/0001.png');
 * ssim(pred, target);                                // e.g. 0.9195
 * ssim(pred, target, { windowSize: 7, sigma: 1 });   // a smaller window
 */
export function ssim(pred: MetricImage, target: MetricImage, options: SsimOptions = {}): number {
  checkPair(pred, target);
  const o = resolveSsimOptions(options);
  checkSsimSize(pred.width, pred.height, o);
  const window = gaussianWindow(o.windowSize, o.sigma);
  return metricsKernel().ssimPass(pred, target, o, window, (pass) => {
    let sum = 0;
    let count = 0;
    for (let c = 0; c < pred.channels; c++) {
      const s = pass.sums(...pass.channel(c), 'ssim').ssim;
      sum += s.sum;
      count += s.count;
    }
    return sum / count;
  });
}

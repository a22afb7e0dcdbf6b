import { gaussianWindow } from './gaussian.js';
import { checkPair, type MetricImage } from './image.js';
import { checkMsssimSize, resolveMsssimOptions, type MsssimOptions, type MsssimNormalize } from './options.js';
import { channelViews, downsample2x, type Plane } from './planes.js';
import { SsimScratch, ssimSums } from './ssim-core.js';

/** Apply MS-SSIM's per-scale normalisation (see `MsssimOptions.normalize`). */
export function normalizeScaleValue(value: number, normalize: MsssimNormalize): number {
  if (normalize === 'relu') return value > 0 ? value : 0;
  if (normalize === 'simple') return (value + 1) / 2;
  return value;
}

/**
 * Per-scale values behind MS-SSIM, finest first: the contrast-sensitivity mean at every scale but the last and the
 * SSIM mean at the last, before normalisation and weighting. Exposed for diagnostics and tests.
 */
export function msssimScaleValues(pred: MetricImage, target: MetricImage, options: MsssimOptions = {}): number[] {
  checkPair(pred, target);
  const o = resolveMsssimOptions(options);
  checkMsssimSize(pred.width, pred.height, o);
  const window = gaussianWindow(o.windowSize, o.sigma);
  const scratch = new SsimScratch();
  let xs: Plane[] = channelViews(pred);
  let ys: Plane[] = channelViews(target);
  const n = o.weights.length;
  const values: number[] = [];
  for (let s = 0; s < n; s++) {
    const last = s === n - 1;
    let sum = 0;
    let count = 0;
    for (let c = 0; c < xs.length; c++) {
      const r = ssimSums(xs[c], ys[c], o, window, last ? 'ssim' : 'cs', scratch);
      sum += r.sum;
      count += r.count;
    }
    values.push(sum / count);
    if (!last) {
      xs = xs.map(downsample2x);
      ys = ys.map(downsample2x);
    }
  }
  return values;
}

/**
 * Multi-scale structural similarity — torchmetrics'
 * `multiscale_structural_similarity_index_measure(pred, target, data_range=255)` at its defaults (five scales with
 * weights 0.0448, 0.2856, 0.3001, 0.2363, 0.1333, 2×2 average pooling between scales, contrast sensitivity at scales
 * 1–4 and SSIM at scale 5, `relu` normalisation): the product of each scale's value raised to its weight.
 * Needs images of at least `msssimMinimumSide(scales, windowSize)` pixels a side (96 at the defaults); throws a
 * BgfillError naming that size (and how many scales would fit) when smaller.
 * @example
 * msssim(pred, target);                                  // e.g. 0.9812
 * msssim(crop64Pred, crop64Target, { scales: 3 });       // 64×64 crops: 3 scales with window 11 need 24×24
 * msssim(a, b, { weights: [0.5, 0.3, 0.2], windowSize: 7, sigma: 1 });
 */
export function msssim(pred: MetricImage, target: MetricImage, options: MsssimOptions = {}): number {
  const o = resolveMsssimOptions(options);
  const values = msssimScaleValues(pred, target, options);
  let product = 1;
  for (let s = 0; s < values.length; s++) product *= normalizeScaleValue(values[s], o.normalize) ** o.weights[s];
  return product;
}

import { gaussianWindow } from './gaussian.js';
import { checkPair, type MetricImage } from './image.js';
import { checkMsssimSize, checkSsimSize, resolveMsssimOptions, resolveSsimOptions, type MsssimOptions, type MsssimNormalize, type SsimOptions } from './options.js';
import { metricsKernel } from './metrics-kernel.js';

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
  return scaleValues(pred, target, options).values;
}

/**
 * The scale values, and, when `withSsim`, the full-resolution SSIM too, taken from the first scale's filtering pass
 * (same window, sigma and constants: the caller checks that its SSIM settings resolve to these). Each channel goes
 * through every scale before the next (the kernel's planes of a scale are shared by the channels); each scale's
 * sums still add the channels in order.
 */
function scaleValues(pred: MetricImage, target: MetricImage, options: MsssimOptions, withSsim = false): { values: number[]; ssim: number } {
  checkPair(pred, target);
  const o = resolveMsssimOptions(options);
  checkMsssimSize(pred.width, pred.height, o);
  const window = gaussianWindow(o.windowSize, o.sigma);
  const n = o.weights.length;
  const sums = new Array<number>(n).fill(0);
  const counts = new Array<number>(n).fill(0);
  let ssimSum = 0;
  let ssimCount = 0;
  metricsKernel().ssimPass(pred, target, o, window, (pass) => {
    for (let c = 0; c < pred.channels; c++) {
      let [x, y] = pass.channel(c);
      for (let s = 0; s < n; s++) {
        const last = s === n - 1;
        let r;
        if (withSsim && s === 0) {
          const both = pass.sums(x, y, 'both');
          ssimSum += both.ssim.sum;
          ssimCount += both.ssim.count;
          r = last ? both.ssim : both.cs;
        } else {
          const term = last ? 'ssim' : 'cs';
          r = pass.sums(x, y, term)[term];
        }
        sums[s] += r.sum;
        counts[s] += r.count;
        if (!last) [x, y] = [pass.halve(x), pass.halve(y)];
      }
    }
  });
  return { values: sums.map((sum, s) => sum / counts[s]), ssim: ssimSum / ssimCount };
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
  return combineScales(scaleValues(pred, target, options).values, resolveMsssimOptions(options));
}

function combineScales(values: readonly number[], o: ReturnType<typeof resolveMsssimOptions>): number {
  let product = 1;
  for (let s = 0; s < values.length; s++) product *= normalizeScaleValue(values[s], o.normalize) ** o.weights[s];
  return product;
}

/**
 * SSIM and MS-SSIM of a pair at once, when `ssimOptions` resolve to the same window, sigma, data range and constants
 * as `msssimOptions` (the defaults do): the SSIM map is summed in MS-SSIM's first-scale pass instead of filtering the
 * image a second time. Bit for bit what `ssim` and `msssim` give; undefined when the settings differ.
 * @example const both = ssimWithMsssim(pred, target); // { ssim: 0.9195, msssim: 0.9812 }
 */
export function ssimWithMsssim(pred: MetricImage, target: MetricImage, ssimOptions: SsimOptions = {}, msssimOptions: MsssimOptions = {}): { ssim: number; msssim: number } | undefined {
  const a = resolveSsimOptions(ssimOptions);
  const b = resolveMsssimOptions(msssimOptions);
  if (a.windowSize !== b.windowSize || a.sigma !== b.sigma || a.dataRange !== b.dataRange || a.c1 !== b.c1 || a.c2 !== b.c2 || a.pad !== b.pad) return undefined;
  checkSsimSize(pred.width, pred.height, a);
  const { values, ssim } = scaleValues(pred, target, msssimOptions, true);
  return { ssim, msssim: combineScales(values, b) };
}

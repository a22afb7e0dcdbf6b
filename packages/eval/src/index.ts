// @bgfill/eval's public API. Buffer metrics never load TensorFlow.js; importing this index does (through the
// tensor metrics). Code that wants the buffer metrics without tfjs imports from './metrics/*.js' directly.

// Metrics on 8-bit RGB (and float) buffers.
export type { RgbImage, FloatImage, MetricImage } from './metrics/image.js';
export { l1 } from './metrics/l1.js';
export { psnr, type PsnrOptions } from './metrics/psnr.js';
export { ssim } from './metrics/ssim.js';
export { msssim, msssimScaleValues } from './metrics/msssim.js';
export {
  pairMetrics,
  PAIR_METRIC_NAMES,
  type PairMetrics,
  type PairMetricName,
  type PairMetricsOptions,
} from './metrics/pair-metrics.js';
export { aggregate, type Aggregate } from './metrics/aggregate.js';
export {
  STANDARD_MSSSIM_WEIGHTS,
  MSSSIM_NORMALIZE,
  msssimMinimumSide,
  ssimMinimumSide,
  resolveSsimOptions,
  resolveMsssimOptions,
  type SsimOptions,
  type MsssimOptions,
  type MsssimNormalize,
} from './metrics/options.js';
export { gaussianWindow } from './metrics/gaussian.js';

// Differentiable metrics on tfjs tensors (NHWC, batched).
export { ssimTensor, msssimTensor, type TensorSsimOptions, type TensorMsssimOptions } from './metrics/tensor.js';

// Reading images.
export { readRgbImage, readMaskImage } from './image-io.js';

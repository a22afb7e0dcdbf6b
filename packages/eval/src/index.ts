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
  msssimScalesThatFit,
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

// `bgfill eval pair`: one pair or folders of pairs matched by name.
export {
  evaluatePairs,
  matchPairs,
  scorePair,
  formatPairTable,
  pairReportJson,
  IMAGE_EXTENSIONS,
  type EvaluatePairsOptions,
  type PairFiles,
  type PairRow,
  type PairReport,
  type SkippedFile,
} from './pair.js';

// Scoring every checkpoint of a training run, choosing the best epoch, and the report (tables, plot, grid, HTML).
export type { BackendResolver, Predictor, PredictorBatch, PredictorFactory } from './predictor.js';
export { scoreRun, SCORE_RUN_DEFAULTS, SCORE_RUN_FILES, type ScoreRunOptions, type ScoreRunResult } from './score-run.js';
export { listRunCheckpoints, epochFromDirName, fileDigest, GENERATOR_FILE, type RunCheckpoint } from './run-layout.js';
export {
  openEvalSet,
  evalBatches,
  readEvalItems,
  spreadIndices,
  missingMasksError,
  type EvalSet,
  type EvalItem,
  type EvalBatch,
} from './score-data.js';
export { scoreCheckpoint, scoreImage, checkPredictions, type ImageScore, type CheckpointScores, type ScoreCheckpointOptions } from './score-checkpoint.js';
export { summarizeEpoch, summarizeGroup, summarizeByBin, SCORE_METRICS, METRIC_LABELS, type EpochScores, type GroupSummary, type ScoreMetric } from './score-summary.js';
export { scoreCacheKey, readScoreCache, writeScoreCache, SCORE_CACHE_VERSION, type ScoreCacheIdentity, type CachedScores } from './cache.js';
export { chooseBestEpoch, parseBestRule, BEST_RULES, RULE_DIRECTION, type BestRule, type BestChoice, type EpochMeans } from './best.js';
export { formatScoresCsv, formatImagesCsv, formatScoresMarkdown, formatMeanStd, type SkippedCheckpoint } from './table.js';
export { metricPlotSpec, plotPoints, renderSvg, svgToPng, type PlotPoint } from './plot.js';
export { renderComparisonGrid, maskedInput, gridGeometry, cellOrigin, wrapLabel, type GridColumn, type GridLayout, type GridGeometry } from './grid.js';
export { parseGridEpochs, resolveGridEpochs, gridEpochLabel, type GridEpochToken, type GridEpoch } from './grid-epochs.js';
export { renderReportHtml, escapeHtml, type ReportContent } from './report.js';
export { encodeNonFinite, nonFiniteReplacer } from './score-json.js';

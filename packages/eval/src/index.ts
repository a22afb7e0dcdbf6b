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
export { scoreRows, type RowEntry, type ScoredRow, type ScoreRowsContext, type ScoreRowsResult } from './score-rows.js';
export { rowEntries, type NetContext } from './run-entries.js';
export {
  parseCompareOption,
  parseBaselineOption,
  readRunStart,
  checkpointFile,
  checkRowWords,
  START_ROW,
  RESERVED_ROW_NAMES,
  type CompareNet,
  type RowKind,
  type RunStart,
} from './run-rows.js';
export { summarizeRow, epochRowScores, type RowScores } from './row-scores.js';
export { listRunCheckpoints, epochFromDirName, fileDigest, GENERATOR_FILE, type RunCheckpoint } from './run-layout.js';
export {
  openEvalSet,
  evalBatches,
  readEvalItems,
  readHoleRatios,
  spreadIndices,
  missingMasksError,
  type EvalSet,
  type EvalItem,
  type EvalBatch,
} from './score-data.js';
export { scoreCheckpoint, scoreCheckpoints, scoreImage, checkPredictions, type ImageScore, type CheckpointScores, type ScoreCheckpointOptions, type PredictorToScore } from './score-checkpoint.js';
export { summarizeEpoch, summarizeGroup, summarizeByBin, SCORE_METRICS, METRIC_LABELS, type EpochScores, type GroupSummary, type ScoreMetric } from './score-summary.js';
export { scoreCacheKey, readScoreCache, writeScoreCache, SCORE_CACHE_VERSION, type ScoreCacheIdentity, type CachedScores } from './cache.js';
export { chooseBestEpoch, parseBestRule, BEST_RULES, RULE_DIRECTION, type BestRule, type BestChoice, type EpochMeans } from './best.js';
export { formatScoresCsv, formatImagesCsv, formatScoresMarkdown, formatMeanStd } from './table.js';
export { skippedLabel, type SkippedCheckpoint } from './skipped-checkpoint.js';
export { metricPlotSpec, plotPoints, referenceLines, renderSvg, svgToPng, type PlotPoint } from './plot.js';
export { renderComparisonGrid, maskedInput, gridGeometry, cellOrigin, wrapLabel, type GridColumn, type GridLayout, type GridGeometry } from './grid.js';
export { parseGridEpochs, resolveGridEpochs, resolveGridColumns, gridEpochLabel, type GridEpochToken, type GridEpoch, type GridColumnRef } from './grid-epochs.js';
export { renderReportHtml, escapeHtml, type ReportContent } from './report.js';
export { differencesHtml, summaryHtml, otherRowsHtml, type ReportComparisons } from './report-differences.js';
export { buildGrid, type BuiltGrid, type GridRequest } from './score-grid.js';
export { holeRegion, cropEnlarged, enlargement, parseGridCrop, GRID_CROP_MODES, type GridCropMode, type Box } from './grid-crop.js';

// Paired statistics: every row against a reference row, record by record, with bootstrap intervals.
export { PairedBootstrap, BOOTSTRAP_DEFAULTS, MAX_BOOTSTRAP_RESAMPLES, quantileSorted, type BootstrapOptions, type MeanInterval } from './bootstrap.js';
export { compareRows, METRIC_DIRECTION, type MetricDifference, type GroupDifference, type RowComparison } from './paired-stats.js';
export { runStatistics, referenceRow, type RunStatistics } from './run-statistics.js';
export { bestAgainstReference, scoresExtras, type BestAgainstReference } from './run-records.js';
export { verdictSentence, whereText, differenceText, differenceVerdict, signed, percent, HEADLINE_METRIC, METRIC_WORDS } from './verdict.js';
export { formatDifferencesCsv, formatDifferencesMarkdown, differenceCell, type DifferenceContext } from './table-differences.js';

// Classical fills (OpenCV's INPAINT_TELEA and INPAINT_NS, the border mean), as functions and as predictors.
export {
  classicalInpaint,
  classicalInpaintOn,
  parseClassicalMethod,
  checkInpaintRadius,
  CLASSICAL_METHODS,
  CLASSICAL_METHOD_NAMES,
  DEFAULT_INPAINT_RADIUS,
  MAX_INPAINT_RADIUS,
  type ClassicalMethod,
  type ClassicalInpaintOptions,
} from './classical/inpaint.js';
export { classicalPredictor, classicalDigest, type ClassicalPredictorOptions } from './classical/predictor.js';
export { FillThreads, acquireFillThreads, defaultFillThreads } from './classical/fill-threads.js';
export { encodeNonFinite, nonFiniteReplacer } from './score-json.js';

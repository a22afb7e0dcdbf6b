// @bgfill/dataset: Places365 / image folders → sharded, verified TFRecord bundles, and the reader the trainer streams.
export { FEATURE, FEATURES, MASK_FEATURES, featureSpec, type FeatureKind, type FeatureName, type FeatureSpec } from './features.js';
export { crc32c, maskCrc, unmaskCrc, maskedCrc32c, CRC_MASK_DELTA } from './crc32c.js';
export { encodeExample, decodeExample, EXAMPLE_DESCRIPTOR, type ExampleFeatures, type FeatureValue } from './example.js';
export { encodeRecord, decodeRecord, recordToFeatures, featuresToRecord, type BundleRecord, type ImageFormat } from './record.js';
export {
  frameRecord,
  frameHeader,
  frameFooter,
  formatIndex,
  TfRecordWriter,
  FRAME_OVERHEAD,
  type Compression,
  type IndexEntry,
  type WrittenShard,
} from './tfrecord-writer.js';
export {
  scanTfRecords,
  readTfRecords,
  parseIndex,
  compressionFor,
  TfRecordError,
  type RawRecord,
  type ScanItem,
  type FramingFault,
  type FramingProblem,
} from './tfrecord-reader.js';
export {
  processImage,
  analyseImage,
  readInput,
  planGeometry,
  InputRejected,
  DEFAULT_PROCESS_OPTIONS,
  type ProcessOptions,
  type ProcessedImage,
  type AnalysedImage,
  type Geometry,
} from './process-image.js';
export { imageSignals, laplacianVariance, topOctaveRatio, colourfulness, luminance, REFERENCE_SIDE, type ImageSignals, type RgbPixels } from './image-signals.js';
export { analyseFrame, type ImageAnalysis } from './image-analysis.js';
export { dctHash, differenceHash, contentHash, hammingDistance, greyThumbnail, type HashHex } from './perceptual-hash.js';
export { estimateJpegQuality, readQuantTables, ijgTables, type JpegQualityEstimate, type QuantTable } from './jpeg-quality.js';
export { groupNearDuplicates, DEFAULT_HASH_RADIUS, type HashedItem, type GroupingResult } from './hash-groups.js';
export {
  QUALITY_FLAGS,
  DEFAULT_THRESHOLDS,
  qualityFlags,
  parseRejectList,
  parseThresholds,
  type QualityFlag,
  type QualityThresholds,
} from './quality-policy.js';
export { qualityEntrySchema, type QualityEntry } from './quality-record.js';
export { qualityStats, mergeQualityStats, STAT_BINS, type QualityStats } from './quality-stats.js';
export { auditDataset, formatAuditReport, type AuditOptions, type AuditReport, type AuditGroup } from './audit.js';
export { listPlaces365, placesCategoryName, PLACES365_FILES, type Places365Options } from './sources/places365.js';
export { listFolder, DEFAULT_PATTERN, IMAGE_EXTENSIONS, type FolderOptions } from './sources/folder.js';
export { parseCategoryList } from './sources/categories.js';
export type { SourceItem, SourceListing, CategoryFilter } from './sources/source.js';
export { parseSplitRatios, hashSplit, RATIO_SUM_TOLERANCE, type SplitRatio } from './split.js';
export { planShards, shardsForWorker, recordKey, type ShardPlan, type PlannedShard, type PlannedRecord } from './shard-plan.js';
export {
  readManifest,
  assembleManifest,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  REJECTS_FILE,
  QUALITY_FILE,
  type DuplicatesSummary,
  type DatasetManifest,
  type BuildConfig,
  type ShardEntry,
  type SplitSummary,
  type Reject,
  type RejectCode,
} from './manifest.js';
export { buildDataset, resolveBuildConfig, checkMaskSplits, readRejects, type BuildOptions, type BuildResult } from './build.js';
export { checkBuildFolders, checkInputFolder, checkPlacesImageFolders, bundleEntry, type BuildFolders } from './build-folders.js';
export { inspectBundle, formatInspectReport, formatQualityStats, previewGrid, previewFormatOf, checkPreviewPath, type InspectOptions, type InspectReport, type PreviewFormat } from './inspect.js';
export { readBundle, splitShards, type DecodedExample, type ReadOptions } from './reader.js';
export { decodeMaskPng } from './mask-feature.js';
export { toTfDataset, type TfExample, type TfDatasetOptions } from './tf-dataset.js';

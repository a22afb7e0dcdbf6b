export { type Mask, type Size, MAX_MASK_SIDE, checkSize, createMask, holeRatio, fillRect } from './mask.js';
export type { MaskStrategy } from './strategy.js';
export { parseMaskConfig, formatConfigPath } from './config.js';
export type { MaskConfig, MaskConfigInput, WithPost, MixConfig, MixComponent, UnionConfig, PostStepRecipe } from './config-types.js';
export { formatMaskConfig, parseShortForm, canonicalJson } from './short-form.js';
export {
  createMaskGenerator,
  createProceduralGenerator,
  generateMask,
  checkIndex,
  type MaskGenerator,
} from './generate.js';
export { mixNode, unionNode, type MaskNode } from './mix.js';
export { applyPost, POST_OPS, POST_STEP_SCHEMAS, type PostStep } from './post.js';
export {
  MASK_STRATEGIES,
  STRATEGY_NAMES,
  SHORT_ARGUMENTS,
  proceduralStrategy,
  leafSchema,
  FILE_STRATEGY_SCHEMAS,
  type FileStrategyName,
  type ProceduralConfig,
  type ProceduralStrategyName,
  type StrategyName,
} from './registry.js';
export { maskToPng, maskFromImage, checkThreshold, type MaskFromImageOptions } from './png.js';
export { resizeNearest } from './resize.js';
export {
  erode,
  dilate,
  union,
  intersection,
  invert,
  orInto,
  MAX_MORPHOLOGY_ITERATIONS,
  type MorphKernel,
  type MorphologyOptions,
} from './morphology.js';
export {
  fromFilesSchema,
  loadMaskFiles,
  resolveMaskPaths,
  MASK_IMAGE_EXTENSIONS,
  type FromFilesConfig,
  type MaskFileSet,
  type SkippedFile,
} from './from-files.js';
export {
  HOLE_RATIO_BINS,
  ALL_HOLE_RATIO_BINS,
  HOLE_RATIO_BELOW,
  HOLE_RATIO_ABOVE,
  DEFAULT_BALANCE_ATTEMPTS,
  holeRatioBin,
  holeRatioHistogram,
  summarizeHoleRatios,
  generateBalancedMask,
  type HoleRatioBin,
  type HoleRatioSummary,
  type BalancedMask,
} from './stats.js';
export { personBoxStrategy, personBoxBounds, type PersonBoxConfig } from './strategies/person-box.js';
export { scribbleStrategy, type ScribbleConfig } from './strategies/scribble.js';
export { boxStrategy, type BoxConfig } from './strategies/box.js';
export { irregularStrategy, IRREGULAR_PRESETS, type IrregularConfig } from './strategies/irregular.js';
export { outpaintStrategy, type OutpaintConfig } from './strategies/outpaint.js';
export { silhouetteStrategy, type SilhouetteConfig } from './strategies/silhouette.js';
export { generateMaskFolder, maskFileName, maskFileDigits, MASK_SET_FORMAT, MASK_SET_STATS_FILE, type MaskSetStats, type GenerateFolderOptions, type GenerateFolderResult } from './generate-folder.js';
export { maskFolderStats, formatHistogramTable, type FolderStats } from './folder-stats.js';
export { contactSheet, contactSheetPng, readRgbCover, MAX_SHEET_PIXELS, type RgbImage, type ContactSheetOptions } from './preview.js';
export { describeStrategies, formatStrategyDocs, type StrategyDoc, type OptionDoc } from './strategy-docs.js';
export { parseSizeOption, readStrategyOption, recipeOption, MAX_MASK_COUNT } from './cli-options.js';
export {
  personBankSchema,
  personBankLayout,
  drawPersonBank,
  generatePersonBank,
  PERSON_BANK_DEFAULT_DILATE,
  PERSON_BANK_DEFAULT_SIGMA,
  type PersonBankConfig,
  type PersonBankLayout,
} from './strategies/person-bank.js';
export { components, outlineBitmap, outlineRowsOf, type Component, type OutlineRows } from './bank/components.js';
export { paintOutline } from './bank/paint.js';
export {
  encodeBank,
  decodeBank,
  bankHeaderSchema,
  BANK_MAGIC,
  BANK_VERSION,
  BANK_FILE,
  BANK_EXTENSION,
  type BankHeader,
  type BankOutlineEntry,
  type DecodedBank,
} from './bank/format.js';
export { loadBank, bankFileFor, bankDigest, checkBankPin, type LoadedBank, type BankDigest } from './bank/load.js';
export {
  buildBank,
  bankFromBitmaps,
  sortComponents,
  DEFAULT_BANK_THRESHOLD,
  DEFAULT_BANK_MIN_AREA,
  BANK_SHEET_FILE,
  type BuildBankOptions,
  type BuildBankResult,
} from './bank/build.js';
export {
  linearRamp,
  rampAt,
  formatRamp,
  isRamp,
  numericKind,
  rampBreakpoints,
  parseProgress,
  rampSchema,
  RAMP_UNITS,
  type Ramp,
  type RampUnit,
  type RampValue,
  type Rampable,
  type RampableOptions,
  type NumericKind,
  type TrainingProgress,
} from './ramp.js';
export { resolveConfig, collectRamps } from './resolve.js';
export {
  holeShape,
  summarizeShapes,
  summarizeValues,
  quantile,
  formatShapeTable,
  SHAPE_VARIABLES,
  type HoleShape,
  type MaskMeasure,
  type Distribution,
  type ShapeSummary,
  type ShapeVariable,
} from './shape-stats.js';
export {
  wasserstein1,
  ksStatistic,
  ksPValue,
  compareMeasures,
  formatComparisonTable,
  COMPARED_VARIABLES,
  type MarginalDistance,
} from './compare.js';

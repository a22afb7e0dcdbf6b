// @bgfill/trainer public API. Each area appends its own block.

// — Generator model (src/model) —
export {
  type GeneratorConfig,
  type GateKind,
  DEFAULT_GENERATOR_CONFIG,
  MAX_CNUM,
  resolveGeneratorConfig,
  hasSpatialGate,
  hasChannelGate,
} from './model/config.js';
export {
  type GatedConvSpec,
  type GeneratorArchitecture,
  type ParamSpec,
  type ParamRole,
  type ParamInit,
  REQUIRED_MULTIPLE,
  generatorArchitecture,
  generatorParamSpecs,
} from './model/architecture.js';
export {
  InpaintGenerator,
  type GeneratorOptions,
  type ApplyOptions,
  type GeneratorOutputs,
  type LoadStateDictOptions,
} from './model/generator.js';
export { conv2dTorch, convOutputSize, type ConvGeometry } from './model/conv.js';
export { upsampleNearest2x } from './model/upsample.js';
export { selfAttention, coordinateMap, type SelfAttentionWeights } from './model/self-attention.js';
export { channelGate, type ChannelGateWeights } from './model/channel-gate.js';
export { batchNormInference, batchNormTraining, BATCH_NORM_EPS, BATCH_NORM_MOMENTUM } from './model/batch-norm.js';

// — Weights: PyTorch / safetensors files, checkpoints (src/weights) —
export {
  type WeightTensor,
  type WeightMap,
  type WeightDType,
  type WeightData,
  type WeightLayout,
  DTYPE_BYTES,
  toLayout,
  mapToLayout,
  toFloat32,
  elementCount,
} from './weights/weight-tensor.js';
export { readTorchStateDict, readTorchCheckpoint } from './weights/torch-reader.js';
export { findStateDict, STATE_DICT_KEYS } from './weights/state-dict-unwrap.js';
export { unpickle, PyDict, PyGlobal, PyObject, type PyValue } from './weights/pickle.js';
export { readSafetensors, writeSafetensors, encodeSafetensors, parseSafetensors } from './weights/safetensors.js';
export { matchWeights, describeProblems, type KeyProblems } from './weights/key-mapping.js';
export { inferGeneratorConfig, describeWeights } from './weights/infer-config.js';
export {
  saveGeneratorCheckpoint,
  loadGenerator,
  generatorWeights,
  generatorFromFile,
  storedConfig,
  checkGeneratorFile,
  weightFileIn,
  readWeightFile,
  CHECKPOINT_FORMAT,
  type LoadGeneratorOptions,
  type WeightFile,
  type CheckpointNet,
} from './weights/checkpoint.js';

// — Training (src/train) —
export { train, type TrainOptions, type TrainResult } from './train/train.js';
export {
  parseTrainConfig,
  resolveTrainConfig,
  readConfigFile,
  trainConfigSchema,
  LOSS_NAMES,
  RFRNET_LOSS_NAMES,
  rfrnetTrainSchema,
  LR_SCHEDULES,
  type TrainConfig,
  type TrainConfigInput,
  type LossName,
  type RfrNetLossName,
  type RfrNetTrainConfig,
} from './train/config.js';
export { learningRate } from './train/schedule.js';
export { planFreeze, compileFreezePattern, describeFreezePlan, type FreezePlan } from './train/freeze.js';
export { snapshotTensors, changedTensors, verifyFrozen, type FrozenSnapshot } from './train/freeze-guard.js';
export { Adam, type AdamOptions } from './train/adam.js';
export { SnPatchDiscriminator, DEFAULT_DISCRIMINATOR_CONFIG, type DiscriminatorConfig } from './train/discriminator.js';
export { maskedL1, hingeDiscriminatorLoss, hingeGeneratorLoss, dissimilarityLoss, type SimilarityFn } from './train/losses.js';
export { inpaintSaNetTraining } from './train/inpaintsanet-training.js';
export { trainStep, byParamName, checkFinite, type StepLosses, type StepNets, type StepOptions, type Batch, type TrainableGenerator } from './train/step.js';
export { NonFiniteLossError } from './train/nan-guard.js';
export {
  saveTrainingCheckpoint,
  loadTrainingCheckpoint,
  readTrainState,
  GENERATOR_FILE,
  DISCRIMINATOR_FILE,
  OPTIMIZER_FILE,
  STATE_FILE,
  SAMPLES_FILE,
  type TrainState,
  type CheckpointParts,
} from './train/checkpoint.js';
export { epochDirName, listEpochs } from './train/epoch-dir.js';
export { parseLog, LOG_FILE, type LogEntry } from './train/run-log.js';

// — Predictor for `bgfill eval --run` (src/predictor.ts) —
export { createPredictor, inpaintBatch, type CreatePredictorOptions } from './predictor.js';

// — Backends, custom kernels, gradient overrides (src/backend) —
export {
  type BackendName,
  type BackendRequest,
  type BackendInfo,
  type InitBackendOptions,
  BACKEND_PREFERENCE,
  BACKEND_DESCRIPTIONS,
  initBackend,
  parseBackendRequest,
  registerBgfillKernels,
  BGFILL_KERNELS,
  BGFILL_REPLACED_KERNELS,
  conv2DBackpropFilterKernel,
  spaceBatchKernels,
  filterGradientGeometry,
  defaultWasmThreads,
} from './backend/index.js';

// — Inference: `bgfill inpaint` and its strategies (src/inference) —
export {
  inpaint,
  refineOnce,
  DEFAULT_MAX_ATTENTION_BYTES,
  type InpaintNetwork,
  type InpaintOptions,
  type InpaintResult,
  type RgbImageLike,
} from './inference/inpaint.js';
export { passMasks, MAX_PASSES } from './inference/passes.js';
export {
  planTiles,
  tileWeights,
  axisWeights,
  parseTileGrid,
  autoTileGrid,
  TileBlender,
  MAX_TILES_PER_SIDE,
  AUTO_TILE_SIDE,
  type Tile,
  type TileGrid,
} from './inference/tiling.js';
export { paddingToMultiple, reflectPad, reflectIndex, crop, type Padding, type Planar } from './inference/reflect-pad.js';
export { toNetRange, fromNetRange } from './inference/pixel-range.js';
export { encodeNpy } from './inference/npy.js';
export { readHoleMask, type HoleMaskOptions } from './inference/mask-source.js';
export { writeRgbImage } from './inference/image-file.js';
export { planJobs, type InpaintJob, type JobProblem } from './inference/jobs.js';
export { runInpaintCommand } from './inference/run-inpaint.js';
export type { InpaintCommandOptions, InpaintSummary } from './inference/inpaint-command.js';

// — Inference engines (tfjs or onnxruntime) and ONNX export (src/inference/engine*.ts, src/onnx) —
export { isEngine, type InpaintEngine, type EngineInput, type EngineOutputName, type Inpainter } from './inference/engine.js';
export { tfjsEngine, asEngine } from './inference/tfjs-engine.js';
export { ENGINE_PREFERENCE, AUTO_ENGINES, ENGINE_DESCRIPTIONS, parseEngineRequest, engineCandidates, isGpuEngine, type EngineName, type EngineRequest } from './inference/engine-name.js';
export { selectEngine, openEngine, type SelectEngineOptions, type EngineSelection, type OpenEngineOptions } from './inference/engine-select.js';
export {
  exportGeneratorOnnx,
  generatorOnnxModel,
  generatorOnnxIo,
  ONNX_IR_VERSION,
  ONNX_OPSET,
  ONNX_INPUTS,
  ONNX_OUTPUTS,
  type OnnxExportOptions,
  type OnnxOutputName,
} from './onnx/export-generator.js';
export { encodeOnnxModel, decodeOnnxModel, type OnnxModel, type OnnxGraph, type OnnxNode, type OnnxTensor, type OnnxAttribute, type OnnxValueInfo } from './onnx/onnx-proto.js';
export { OnnxEngine, sessionOptions, type OnnxEngineOptions } from './onnx/onnx-engine.js';
export {
  loadOnnxRuntime,
  defaultOnnxThreads,
  ONNXRUNTIME_MODULE,
  ONNXRUNTIME_VERSION,
  ONNX_DETERMINISTIC,
  type OnnxRuntime,
  type OnnxRuntimeLoad,
} from './onnx/onnx-runtime.js';
export { runExportOnnxCommand, EXPORT_CHECK_TOLERANCE, type ExportOnnxCommandOptions, type ExportOnnxSummary } from './onnx/run-export.js';

// — Model registry: architectures, detection, loading (src/arch) —
export { ARCH_NAMES, type ArchName } from './arch/names.js';
export type { InpaintNet, NetOutputs } from './arch/net.js';
export type { Architecture, ArchLoadOptions, OnnxIo } from './arch/types.js';
export type { ArchTraining, PreparedTraining, TrainingKit, TrainBatch, KitStepOptions } from './arch/training.js';
export {
  ARCHITECTURES,
  DEFAULT_ARCH,
  DETECTION_MIN_OVERLAP,
  architectureNamed,
  parseArchOption,
  fitArchitectures,
  resolveArchitecture,
  loadInpaintNet,
  type ArchFit,
} from './arch/registry.js';
export { keyOverlap, nearestName, type KeyOverlap } from './arch/key-overlap.js';
export { ARCH_OPTION_HELP } from './arch/help.js';

// — RFR-Net (src/rfrnet) —
export { RfrNet, inferRfrNetWidth, MERGE_EPS, type RfrApplyOptions } from './rfrnet/network.js';
export { resolveRfrNetConfig, DEFAULT_RFRNET_CONFIG, type RfrNetConfig } from './rfrnet/config.js';
export { rfrNetLayout, rfrNetParamSpecs, RFRNET_MULTIPLE, type RfrLayout, type RfrConvSpec, type RfrBlockSpec } from './rfrnet/layout.js';
export { partialConv, PARTIAL_CONV_EPS, type PartialConvResult } from './rfrnet/partial-conv.js';
export { knowledgeConsistentAttention, boxSum3, type AttentionState } from './rfrnet/attention.js';
export { rfrNetOnnxModel, exportRfrNetOnnx, RFRNET_ONNX_OUTPUTS } from './rfrnet/onnx-graph.js';
export { Vgg16Features, checkVgg16Weights, vgg16FeatureSpecs, VGG16_CONVS, VGG16_FILE } from './rfrnet/vgg16.js';
export { rfrObjective, weightedTotal, RFRNET_LOSS_WEIGHT, type RfrLossWeights } from './rfrnet/objective.js';
export { rfrTrainStep, type RfrStepNets } from './rfrnet/train-step.js';
export { rfrNetTraining } from './rfrnet/training.js';
export { blockedConv, channelsPerBlock, pairwiseSum, PRODUCTS_PER_BLOCK, type ConvKind } from './model/blocked-conv.js';
export { BatchNormPass, type BatchNormMode } from './model/batch-norm-pass.js';
export { createParamVariables, assignStateDict, type ParamVariables } from './model/param-store.js';
export { SIGNED_UNIT_PIXELS, UNIT_PIXELS, toUnitRange, fromUnitRange, type PixelCodec } from './inference/pixel-range.js';
export { pixelCodecOf, engineAttentionBytes } from './inference/engine.js';
export { largestSquareSide } from './inference/inpaint.js';

// — U²-Net person segmentation: `bgfill segment`, `bgfill inpaint --segment` (src/segment) —
export {
  type U2NetVariant,
  type U2NetArchitecture,
  type U2NetOutputName,
  type RsuSpec,
  type ConvBnReluSpec,
  U2NET_VARIANTS,
  U2NET_INPUT_SIZE,
  U2NET_OUTPUTS,
  u2netArchitecture,
  u2netParamSpecs,
  rsuLayers,
} from './segment/u2net-architecture.js';
export { loadU2NetWeights, u2netWeights, detectU2NetVariant, U2NET_WEIGHTS_SOURCE, type U2NetWeights } from './segment/u2net-weights.js';
export { U2NetModel } from './segment/u2net-model.js';
export { u2netOnnxModel, exportU2NetOnnx, U2NET_ONNX_INPUT } from './segment/u2net-onnx.js';
export { openSegmenter, tfjsSegmenter, onnxSegmenter, type Segmenter, type SegmentInput } from './segment/segmenter.js';
export { skimageResize, type ResizeSource } from './segment/skimage-resize.js';
export { u2netInput, IMAGENET_MEAN, IMAGENET_STD } from './segment/preprocess.js';
export { normPred, mapToU8, pilResizeBilinear } from './segment/postprocess.js';
export { segmentPhotos, PERSON_PEAK, type PersonMap, type PhotoLike } from './segment/segment-photo.js';
export { openSegmentHoles, holeFromMap, type SegmentHoles, type SegmentHoleOptions } from './segment/segment-holes.js';
export { runSegmentCommand, DEFAULT_SEGMENT_BATCH, type SegmentCommandOptions, type SegmentSummary } from './segment/run-segment.js';

import type * as tf from '@tensorflow/tfjs';
import type { ParamSpec } from '../model/architecture.js';
import type { LoadStateDictOptions } from '../model/generator.js';
import type { PixelCodec } from '../inference/pixel-range.js';
import type { WeightFile } from '../weights/checkpoint.js';
import type { WeightMap } from '../weights/weight-tensor.js';
import type { ArchTraining } from './training.js';

/** The architectures bgfill knows, by the name `--arch` takes and checkpoints store. */
export const ARCH_NAMES = ['inpaintsanet', 'rfrnet'] as const;
export type ArchName = (typeof ARCH_NAMES)[number];

/** What every network returns: its output before compositing, and the composite (NHWC, 3 channels, net range). */
export type NetOutputs = {
  /** The network's own output (InpaintSANet: the refine stage, clamped; RFR-Net: the raw output). */
  refined: tf.Tensor4D;
  /** The output inside the hole, the input outside. */
  composite: tf.Tensor4D;
};

/**
 * A network of any architecture, as inference, checkpoints and training see it. Inputs follow bgfill's convention
 * whatever the architecture's own: x NHWC in the architecture's value range (its `pixels` codec), mask NHW1 with
 * 1 = hole; each network converts to what it computes with inside (RFR-Net: 1 = known, three channels).
 */
export interface InpaintNet {
  readonly arch: ArchName;
  /** The architecture's resolved config (JSON-serialisable; stored in bgfill checkpoints). */
  readonly config: object;
  /** Every state_dict entry (PyTorch names and shapes), in PyTorch's state_dict order. */
  readonly specs: readonly ParamSpec[];
  /** Trainable parameters keyed by state_dict name (convolution kernels HWIO). */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** Buffers (batch-norm running statistics and counts) keyed by state_dict name. */
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  /** Input height and width must be multiples of this. */
  readonly requiredMultiple: number;
  /** 8-bit pixels to the network's values and back. */
  readonly pixels: PixelCodec;
  /** Bytes of the largest attention score matrix one run on a `width` × `height` input (a multiple) needs. */
  attentionBytes(width: number, height: number): number;
  apply(x: tf.Tensor4D, mask: tf.Tensor4D, options?: { training?: boolean }): NetOutputs;
  loadStateDict(weights: WeightMap, options?: LoadStateDictOptions): void;
  /** A short description for messages, e.g. "the generator (cnum 32, …)". */
  describe(): string;
  dispose(): void;
}

/** Options of `Architecture.fromFile` (and the registry's `loadInpaintNet`). */
export interface ArchLoadOptions {
  /** Config fields that override the stored and the inferred ones (each architecture checks its own keys). */
  config?: object;
  /** Default true: unknown, missing or mismatched keys throw one BgfillError naming the file and the keys. */
  strict?: boolean;
  onWarning?: (message: string) => void;
  /** What the loader chose on its own (a name prefix, an assumed setting). */
  onNote?: (message: string) => void;
}

/** How an architecture's ONNX graph is fed (see OnnxEngine). */
export interface OnnxIo {
  requiredMultiple: number;
  pixels: PixelCodec;
  /** The graph also takes `guidance` [N, 1, H, W] (fed ones). */
  guidance: boolean;
  /** Graph output names of the engine outputs. */
  outputs: { refined: string; composite: string };
  attentionBytes(width: number, height: number): number;
}

/**
 * One architecture: how to build it, where its weights live in a file, its input conventions, inference through
 * tfjs and ONNX, and its training. The registry (registry.ts) lists them; `--arch` picks one by `name`, and a file's keys pick one when
 * `--arch` is not given.
 */
export interface Architecture {
  readonly name: ArchName;
  /** One line for help and messages, e.g. "RFR-Net: recurrent feature reasoning, Li et al., CVPR 2020". */
  readonly title: string;
  /** The value range, mask polarity and size multiple the network computes with, in words (docs, --help). */
  readonly conventions: string;
  /** A key every state_dict of the architecture has: it finds the weights under a name prefix. */
  readonly anchorKey: string;
  /** The state_dict keys the architecture expects for the config these weights suggest (detection by key overlap). */
  expectedKeys(weights: WeightMap): ReadonlySet<string>;
  /** A fresh network with seeded initial weights. */
  create(config: object, seed: number): InpaintNet;
  /** A network from a weight file's tensors (already unwrapped from any name prefix) and its metadata. */
  fromFile(file: WeightFile, options: ArchLoadOptions): InpaintNet;
  /** The network as ONNX file bytes, and how to feed the graph. */
  exportOnnx(net: InpaintNet, metadata: Record<string, string>): Promise<Uint8Array>;
  onnxIo(net: InpaintNet): OnnxIo;
  /** How it trains: its losses, optimizers and step (`bgfill train`). */
  readonly training: ArchTraining;
}

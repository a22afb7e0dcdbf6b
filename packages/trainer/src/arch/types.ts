import type { PixelCodec } from '../inference/pixel-range.js';
import type { WeightFile } from '../weights/checkpoint.js';
import type { WeightMap } from '../weights/weight-tensor.js';
import type { ArchName } from './names.js';
import type { InpaintNet } from './net.js';
import type { ArchTraining } from './training.js';

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

import type * as tf from '@tensorflow/tfjs';
import type { ParamSpec } from '../model/architecture.js';
import type { LoadStateDictOptions } from '../model/generator.js';
import type { PixelCodec } from '../inference/pixel-range.js';
import type { WeightMap } from '../weights/weight-tensor.js';
import type { ArchName } from './names.js';

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

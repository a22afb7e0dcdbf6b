import type * as tf from '@tensorflow/tfjs';
import { SIGNED_UNIT_PIXELS, type PixelCodec } from './pixel-range.js';

/**
 * What inference needs from a tfjs network (every architecture's network has it; tests may pass a stand-in).
 * Without `pixels` the network takes −1…1 (InpaintSANet's range); without `attentionBytes`, InpaintSANet's estimate.
 */
export interface InpaintNetwork {
  readonly requiredMultiple: number;
  readonly pixels?: PixelCodec;
  attentionBytes?(width: number, height: number): number;
  apply(x: tf.Tensor4D, mask: tf.Tensor4D, options?: { training?: boolean }): { refined: tf.Tensor4D; composite: tf.Tensor4D };
}

/** The generator output an inference run asks for. */
export type EngineOutputName = 'refined' | 'composite';

/** One network run's input: a same-size batch, NHWC, already padded to the engine's required multiple. */
export interface EngineInput {
  /** N·H·W·3 values in −1…1, NHWC; hole pixels are ignored. */
  image: Float32Array;
  /** N·H·W values, 1 = hole, 0 = known. */
  mask: Float32Array;
  n: number;
  height: number;
  width: number;
}

/**
 * Something that runs the generator's forward pass in inference mode: TensorFlow.js (`tfjsEngine`) or
 * onnxruntime (`OnnxEngine`). `inpaint`, `refineOnce`, `inpaintBatch` and `createPredictor` take either an engine
 * or a tfjs network (wrapped by `asEngine`).
 * @example
 * const refined = await engine.run({ image, mask, n: 1, height: 64, width: 64 }, 'refined'); // NHWC, N·64·64·3 values
 */
export interface InpaintEngine {
  /** Input height and width must be multiples of this. */
  readonly requiredMultiple: number;
  /** 8-bit pixels to the network's values and back (default: −1…1, InpaintSANet's). */
  readonly pixels?: PixelCodec;
  /** Bytes of the attention score matrix of one image of that (padded) size (default: InpaintSANet's, at 1/4). */
  attentionBytes?(width: number, height: number): number;
  /** One line for logs, e.g. "onnxruntime 1.30.0 (CPU, 2 threads)". */
  readonly description: string;
  /** Run the network; returns the requested output, NHWC with 3 channels, in −1…1. */
  run(input: EngineInput, output: EngineOutputName): Promise<Float32Array>;
  /** Free what the engine owns (an onnxruntime session; nothing for a wrapped tfjs network). */
  dispose(): Promise<void>;
}

/** Anything inference accepts: an engine, or a tfjs generator (or stand-in) that `asEngine` wraps. */
export type Inpainter = InpaintEngine | InpaintNetwork;

/**
 * Whether a value is an engine (has `run`) rather than a tfjs network (has `apply`).
 * @example isEngine(generator) // → false
 */
export function isEngine(net: Inpainter): net is InpaintEngine {
  return typeof (net as Partial<InpaintEngine>).run === 'function';
}

/**
 * The pixel codec of an engine or network (InpaintSANet's −1…1 when it names none).
 * @example pixelCodecOf(engine).toNet(image.data)
 */
export function pixelCodecOf(net: Pick<InpaintEngine, 'pixels'>): PixelCodec {
  return net.pixels ?? SIGNED_UNIT_PIXELS;
}

/**
 * Bytes of one run's attention score matrix on a `width` × `height` input (already a multiple): the engine's own
 * estimate, else InpaintSANet's (attention at 1/4 resolution, (H·W/16)² float32 scores).
 * @example engineAttentionBytes(engine, 512, 512) // → 2 ** 30 for InpaintSANet
 */
export function engineAttentionBytes(net: Pick<InpaintEngine, 'attentionBytes'>, width: number, height: number): number {
  return net.attentionBytes ? net.attentionBytes(width, height) : ((width * height) / 16) ** 2 * 4;
}

/**
 * Check an engine input's sizes against each other and the required multiple. Callers pad and validate user input
 * first, so a mismatch here is a programming error: it throws a plain Error, not a BgfillError.
 * @example checkEngineInput({ image, mask, n: 1, height: 64, width: 64 }, 4) // passes; height 30 throws
 */
export function checkEngineInput(input: EngineInput, multiple: number): void {
  const { image, mask, n, height, width } = input;
  const ok = [n, height, width].every((v) => Number.isInteger(v) && v > 0) && height % multiple === 0 && width % multiple === 0;
  if (!ok || image.length !== n * height * width * 3 || mask.length !== n * height * width) {
    throw new Error(
      `internal: engine input ${n}×${height}×${width} (multiple of ${multiple}) with ${image.length} image and ${mask.length} mask values`,
    );
  }
}

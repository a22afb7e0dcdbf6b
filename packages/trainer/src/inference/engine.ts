import type { InpaintGenerator } from '../model/generator.js';

/** What inference needs from a tfjs generator (InpaintGenerator has it; tests may pass a stand-in network). */
export type InpaintNetwork = Pick<InpaintGenerator, 'apply' | 'requiredMultiple'>;

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

import { BgfillError } from '@bgfill/core';
import type { GeneratorConfig } from '../model/config.js';
import type { InpaintGenerator } from '../model/generator.js';
import type { OnnxIo } from '../arch/types.js';
import { checkEngineInput, type EngineInput, type EngineOutputName, type InpaintEngine } from '../inference/engine.js';
import type { PixelCodec } from '../inference/pixel-range.js';
import { ONNX_INPUTS, exportGeneratorOnnx, generatorOnnxIo } from './export-generator.js';
import { defaultOnnxThreads, loadOnnxRuntime, ONNXRUNTIME_MODULE, type OnnxRuntime, type OrtSession, type OrtSessionOptions } from './onnx-runtime.js';

export interface OnnxEngineOptions {
  /** Intra-op threads (default: defaultOnnxThreads(), every core Node may use). */
  threads?: number;
  /** onnxruntime's execution provider: `cpu` (default) or `webgpu`. */
  provider?: OnnxProvider;
  /** A runtime loaded already (default: loadOnnxRuntime(module)). */
  runtime?: OnnxRuntime;
  /** The module to load when no runtime is given (default 'onnxruntime-node'); a path works too. */
  module?: string;
}

/** The onnxruntime execution providers bgfill uses. */
export type OnnxProvider = 'cpu' | 'webgpu';

/**
 * Session options for bgfill's inference: the given execution provider (default CPU), `threads` intra-op threads, one inter-op
 * thread (sequential execution), every graph optimisation, warnings off (they are about unused inputs of folded
 * nodes, not about the user's data).
 * @example sessionOptions(2) // → { executionProviders: ['cpu'], intraOpNumThreads: 2, … }
 */
export function sessionOptions(threads: number, provider: OnnxProvider = 'cpu'): OrtSessionOptions {
  return {
    executionProviders: [provider],
    intraOpNumThreads: threads,
    interOpNumThreads: 1,
    executionMode: 'sequential',
    graphOptimizationLevel: 'all',
    logSeverityLevel: 3,
  };
}

/** NHWC (C channels) → NCHW. */
function toNchw(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let p = 0; p < plane; p++) for (let k = 0; k < c; k++) out[base + k * plane + p] = data[base + p * c + k];
  }
  return out;
}

/** NCHW (C channels) → NHWC. */
function toNhwc(data: Float32Array, n: number, h: number, w: number, c: number): Float32Array {
  const out = new Float32Array(data.length);
  const plane = h * w;
  for (let b = 0; b < n; b++) {
    const base = b * plane * c;
    for (let k = 0; k < c; k++) for (let p = 0; p < plane; p++) out[base + p * c + k] = data[base + k * plane + p];
  }
  return out;
}

/**
 * A network run by onnxruntime from its exported ONNX graph (any architecture: `io` says how its graph is fed).
 * Inputs and outputs are NHWC like the tfjs path; the engine transposes to and from the graph's NCHW. 5-channel
 * generators get a guidance map of ones, as `InpaintGenerator.apply` does when none is given.
 * @example
 * const engine = await OnnxEngine.fromGenerator(generator, { threads: 2 });
 * const out = await inpaint(engine, image, mask);
 * await engine.dispose();
 */
export class OnnxEngine implements InpaintEngine {
  readonly requiredMultiple: number;
  readonly pixels: PixelCodec;
  private released = false;

  private constructor(
    private readonly runtime: OnnxRuntime,
    private readonly session: OrtSession,
    readonly io: OnnxIo,
    readonly threads: number,
    readonly description: string,
  ) {
    this.requiredMultiple = io.requiredMultiple;
    this.pixels = io.pixels;
  }

  /** Bytes of the attention score matrix of one image (see InpaintNet.attentionBytes). */
  attentionBytes(width: number, height: number): number {
    return this.io.attentionBytes(width, height);
  }

  /**
   * A session over ONNX model bytes (from an architecture's export or a file it wrote); `io` says how to feed the
   * graph (an InpaintSANet generator's config stands for its io). Throws a BgfillError when onnxruntime does not
   * load or refuses the model.
   */
  static async fromModel(model: Uint8Array, io: OnnxIo | GeneratorConfig, options: OnnxEngineOptions = {}): Promise<OnnxEngine> {
    const graphIo = 'inChannels' in io ? generatorOnnxIo(io) : io;
    const threads = options.threads ?? defaultOnnxThreads();
    if (!Number.isInteger(threads) || threads < 1) throw new BgfillError(`Expected a positive integer for threads but received ${String(threads)}`, { subject: 'threads' });
    let runtime = options.runtime;
    let version = 'unknown version';
    if (!runtime) {
      const load = await loadOnnxRuntime(options.module ?? ONNXRUNTIME_MODULE);
      if (!load.ok) throw new BgfillError(`onnxruntime is not available: ${load.reason}`, { subject: 'backend' });
      runtime = load.runtime;
      version = load.version;
    } else {
      version = runtime.env?.versions?.node ?? runtime.env?.versions?.common ?? version;
    }
    let session: OrtSession;
    try {
      session = await runtime.InferenceSession.create(model, sessionOptions(threads, options.provider));
    } catch (err) {
      throw new BgfillError(`onnxruntime refused the exported generator: ${err instanceof Error ? err.message : String(err)}`, { subject: 'backend', cause: err });
    }
    const description =
      options.provider === 'webgpu'
        ? `onnxruntime ${version} (WebGPU execution provider)`
        : `onnxruntime ${version} (CPU execution provider, ${threads} thread${threads === 1 ? '' : 's'})`;
    return new OnnxEngine(runtime, session, graphIo, threads, description);
  }

  /** Export a tfjs generator to ONNX in memory and open a session on it (the generator can be disposed after). */
  static async fromGenerator(generator: InpaintGenerator, options: OnnxEngineOptions = {}): Promise<OnnxEngine> {
    return OnnxEngine.fromModel(await exportGeneratorOnnx(generator), generator.config, options);
  }

  async run(input: EngineInput, output: EngineOutputName): Promise<Float32Array> {
    if (this.released) throw new Error('OnnxEngine: used after dispose()');
    checkEngineInput(input, this.requiredMultiple);
    const { n, height: h, width: w } = input;
    const { Tensor } = this.runtime;
    const feeds: Record<string, InstanceType<OnnxRuntime['Tensor']>> = {
      [ONNX_INPUTS.image]: new Tensor('float32', toNchw(input.image, n, h, w, 3), [n, 3, h, w]),
      // [N, H, W, 1] and [N, 1, H, W] have the same memory order.
      [ONNX_INPUTS.mask]: new Tensor('float32', Float32Array.from(input.mask), [n, 1, h, w]),
    };
    if (this.io.guidance) feeds[ONNX_INPUTS.guidance] = new Tensor('float32', new Float32Array(n * h * w).fill(1), [n, 1, h, w]);
    const name = this.io.outputs[output];
    const result = await this.session.run(feeds, [name]);
    const tensor = result[name];
    if (!tensor || !(tensor.data instanceof Float32Array) || tensor.dims.join() !== [n, 3, h, w].join()) {
      throw new Error(`internal: onnxruntime returned ${tensor ? `${tensor.type} [${tensor.dims.join(', ')}]` : 'nothing'} for ${output}`);
    }
    return toNhwc(tensor.data, n, h, w, 3);
  }

  async dispose(): Promise<void> {
    if (this.released) return;
    this.released = true;
    await this.session.release();
  }
}

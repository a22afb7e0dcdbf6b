import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import type { EngineSelection } from '../inference/engine-select.js';
import { sessionOptions, type OnnxProvider } from '../onnx/onnx-engine.js';
import type { OnnxRuntime, OrtSession } from '../onnx/onnx-runtime.js';
import { U2NET_OUTPUTS, type U2NetOutputName, type U2NetVariant } from './u2net-architecture.js';
import { U2NetModel } from './u2net-model.js';
import { exportU2NetOnnx, U2NET_ONNX_INPUT } from './u2net-onnx.js';
import { loadU2NetWeights, type U2NetWeights } from './u2net-weights.js';

/** A batch for the network: `n` images of `height` × `width`, RGB after the authors' preprocessing, NHWC. */
export interface SegmentInput {
  data: Float32Array;
  n: number;
  height: number;
  width: number;
}

/** U²-Net on one engine (TensorFlow.js or onnxruntime), same interface for both. */
export interface Segmenter {
  readonly variant: U2NetVariant;
  /** What runs it, for logs (e.g. "onnxruntime 1.30.0 (CPU execution provider, 2 threads)"). */
  readonly description: string;
  /** The requested sigmoid maps (default d0 only), each [n, height, width] (row-major per image). */
  run(input: SegmentInput, outputs?: readonly U2NetOutputName[]): Promise<Float32Array[]>;
  dispose(): Promise<void>;
}

function checkInput(input: SegmentInput): void {
  const { data, n, height, width } = input;
  if (![n, height, width].every((v) => Number.isInteger(v) && v >= 1) || data.length !== n * height * width * 3) {
    throw new Error(`internal: U²-Net input of ${data.length} values for [${n}, ${height}, ${width}, 3]`);
  }
}

/**
 * U²-Net on the current TensorFlow.js backend (see U2NetModel).
 * @example const net = tfjsSegmenter(await loadU2NetWeights('u2netp.pth')); const [d0] = await net.run(input);
 */
export function tfjsSegmenter(weights: U2NetWeights): Segmenter {
  const model = U2NetModel.fromWeights(weights);
  return {
    variant: weights.variant,
    description: `TensorFlow.js ${tf.getBackend()}`,
    async run(input, outputs = ['d0']) {
      checkInput(input);
      const x = tf.tensor4d(input.data, [input.n, input.height, input.width, 3]);
      const maps = model.predict(x);
      try {
        return await Promise.all(outputs.map(async (name) => (await maps[U2NET_OUTPUTS.indexOf(name)].data()) as Float32Array));
      } finally {
        tf.dispose([x, ...maps]);
      }
    },
    async dispose() {
      model.dispose();
    },
  };
}

/** NHWC → NCHW for 3 channels. */
function toNchw(input: SegmentInput): Float32Array {
  const { data, n, height, width } = input;
  const plane = height * width;
  const out = new Float32Array(data.length);
  for (let b = 0; b < n; b++) for (let p = 0; p < plane; p++) for (let c = 0; c < 3; c++) out[(b * 3 + c) * plane + p] = data[(b * plane + p) * 3 + c];
  return out;
}

export interface OnnxSegmenterOptions {
  runtime: OnnxRuntime;
  threads: number;
  provider?: OnnxProvider;
  /** Runtime version for the description. */
  version?: string;
}

/**
 * U²-Net exported to ONNX in memory (see u2netOnnxModel) and run by onnxruntime.
 * @example const net = await onnxSegmenter(weights, { runtime, threads: 2 });
 */
export async function onnxSegmenter(weights: U2NetWeights, options: OnnxSegmenterOptions): Promise<Segmenter> {
  let session: OrtSession;
  try {
    session = await options.runtime.InferenceSession.create(exportU2NetOnnx(weights.variant, weights.weights), sessionOptions(options.threads, options.provider));
  } catch (err) {
    throw new BgfillError(`onnxruntime refused the U²-Net graph: ${err instanceof Error ? err.message : String(err)}`, { subject: 'backend', cause: err });
  }
  const where = options.provider === 'webgpu' ? 'WebGPU execution provider' : `CPU execution provider, ${options.threads} thread${options.threads === 1 ? '' : 's'}`;
  return {
    variant: weights.variant,
    description: `onnxruntime${options.version ? ` ${options.version}` : ''} (${where})`,
    async run(input, outputs = ['d0']) {
      checkInput(input);
      const feed = new options.runtime.Tensor('float32', toNchw(input), [input.n, 3, input.height, input.width]);
      const result = await session.run({ [U2NET_ONNX_INPUT]: feed }, outputs);
      return outputs.map((name) => {
        const t = result[name];
        if (!t || !(t.data instanceof Float32Array) || t.dims.join() !== [input.n, 1, input.height, input.width].join()) {
          throw new Error(`internal: onnxruntime returned ${t ? `${t.type} [${t.dims.join(', ')}]` : 'nothing'} for ${name}`);
        }
        return t.data; // [n, 1, h, w] is [n, h, w] in memory
      });
    },
    async dispose() {
      await session.release();
    },
  };
}

/**
 * Load U²-Net weights (the authors' `.pth`, see loadU2NetWeights) onto the engine `selectEngine` chose: onnxruntime
 * (the graph built from the weights, no TensorFlow.js involved) or a TensorFlow.js backend.
 * @example const net = await openSegmenter('u2net_human_seg.pth', await selectEngine('auto'));
 */
export async function openSegmenter(checkpoint: string, selection: EngineSelection): Promise<Segmenter> {
  const weights = await loadU2NetWeights(checkpoint);
  if (selection.name === 'onnx' || selection.name === 'onnx-webgpu') {
    return onnxSegmenter(weights, { runtime: selection.runtime, threads: selection.threads, provider: selection.provider, version: selection.runtime.env?.versions?.node ?? selection.runtime.env?.versions?.common });
  }
  return tfjsSegmenter(weights);
}

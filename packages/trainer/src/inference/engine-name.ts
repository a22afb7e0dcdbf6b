import { invalidParameter } from '@bgfill/core';
import { BACKEND_DESCRIPTIONS, type BackendName } from '../backend/backend-name.js';

/**
 * What runs inference: a TensorFlow.js backend, or onnxruntime with its CPU execution provider (`onnx`) or its
 * WebGPU one (`onnx-webgpu`: Dawn inside onnxruntime, over Vulkan/Metal/D3D12).
 */
export type EngineName = BackendName | 'onnx' | 'onnx-webgpu';

/** What `--backend` accepts on the inference side (`bgfill inpaint`, `createPredictor`). */
export type EngineRequest = EngineName | 'auto';

/**
 * Inference engines in fallback order: an explicit request that does not load falls back to the engines after it.
 * GPUs first — onnxruntime's WebGPU provider (one image at a time, as `bgfill inpaint` runs: 87.6 images/s at 256²
 * on an H200 against 18.4 for tfjs-webgpu), tfjs-webgpu (faster at batch 8: 135 against 94) — then onnxruntime on the
 * CPU (4–10× tfjs-wasm at 256² on 2 cores), tfjs-wasm and the pure-JavaScript backend (bench/RESULTS.md).
 * Training stays on tfjs backends.
 */
export const ENGINE_PREFERENCE: readonly EngineName[] = ['onnx-webgpu', 'webgpu', 'tensorflow', 'onnx', 'wasm', 'cpu'];

/**
 * What `auto` tries, in order: ENGINE_PREFERENCE without `onnx-webgpu`, which must be asked for until its outputs
 * have been checked on a trained checkpoint. The check made so far could not tell: on the test generator it differed
 * from the CPU provider by up to 0.155 at 256², but that network is chaotic in float32 there (PyTorch float32 against
 * float64 differs by up to 2.0 on the same input; tfjs-wasm against the CPU provider too), see bench/RESULTS.md.
 */
export const AUTO_ENGINES: readonly EngineName[] = ENGINE_PREFERENCE.filter((name) => name !== 'onnx-webgpu');

/**
 * Engines that run on a GPU. Only there do batches of images pay: on the CPU engines one image at a time measured
 * faster per image (0.68–0.78× the CPU time of batches of 8, bench/RESULTS.md, eval scoring).
 * @example isGpuEngine('onnx') // → false
 */
export function isGpuEngine(name: EngineName): boolean {
  return name === 'webgpu' || name === 'tensorflow' || name === 'onnx-webgpu';
}

/** One line per engine for `--help` and messages. */
export const ENGINE_DESCRIPTIONS: Readonly<Record<EngineName, string>> = {
  ...BACKEND_DESCRIPTIONS,
  'onnx-webgpu': 'onnxruntime-node, WebGPU execution provider (its own Dawn over Vulkan/Metal/D3D12): inference only',
  onnx: 'onnxruntime-node, CPU execution provider (MLAS with AVX2/FMA): the exported ONNX graph, inference only',
};

/**
 * Check an inference `--backend` value at the edge.
 * @example parseEngineRequest('onnx') // → 'onnx'; parseEngineRequest('gpu') throws a BgfillError
 */
export function parseEngineRequest(value: unknown, name = 'backend'): EngineRequest {
  if (value === 'auto' || (typeof value === 'string' && (ENGINE_PREFERENCE as readonly string[]).includes(value))) return value as EngineRequest;
  throw invalidParameter(name, `one of auto, ${ENGINE_PREFERENCE.join(', ')}`, value);
}

/**
 * The engines to try, in order, for a request.
 * @example engineCandidates('onnx') // → ['onnx', 'wasm', 'cpu']
 */
export function engineCandidates(request: EngineRequest): EngineName[] {
  if (request === 'auto') return [...AUTO_ENGINES];
  return ENGINE_PREFERENCE.slice(ENGINE_PREFERENCE.indexOf(request));
}

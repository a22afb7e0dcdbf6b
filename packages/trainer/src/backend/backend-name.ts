import { invalidParameter } from '@bgfill/core';

/** The TensorFlow.js backends bgfill can run on. */
export type BackendName = 'webgpu' | 'tensorflow' | 'wasm' | 'cpu';

/** What `--backend` accepts: a backend, or `auto` for the best one that initialises. */
export type BackendRequest = BackendName | 'auto';

/**
 * Backends from fastest to slowest, the order `auto` tries them in. An explicit request that fails falls back to
 * the backends after it in this list.
 */
export const BACKEND_PREFERENCE: readonly BackendName[] = ['webgpu', 'tensorflow', 'wasm', 'cpu'];

/** One line per backend for `--help` and log messages. */
export const BACKEND_DESCRIPTIONS: Readonly<Record<BackendName, string>> = {
  webgpu: 'WebGPU through Dawn (the `webgpu` package): a GPU via Vulkan, Metal or D3D12',
  tensorflow: 'native TensorFlow through @tensorflow/tfjs-node-gpu or @tensorflow/tfjs-node, when installed and loadable',
  wasm: 'WebAssembly with XNNPACK and SIMD, multi-threaded: the CPU default',
  cpu: 'the pure-JavaScript reference backend (slow; always available)',
};

/**
 * Check a `--backend` value at the edge.
 * @example parseBackendRequest('wasm') // → 'wasm'; parseBackendRequest('gpu') throws a BgfillError
 */
export function parseBackendRequest(value: unknown, name = 'backend'): BackendRequest {
  if (value === 'auto' || (typeof value === 'string' && (BACKEND_PREFERENCE as readonly string[]).includes(value))) {
    return value as BackendRequest;
  }
  throw invalidParameter(name, `one of auto, ${BACKEND_PREFERENCE.join(', ')}`, value);
}

/**
 * The backends to try, in order, for a request.
 * @example candidatesFor('tensorflow') // → ['tensorflow', 'wasm', 'cpu']
 */
export function candidatesFor(request: BackendRequest): BackendName[] {
  if (request === 'auto') return [...BACKEND_PREFERENCE];
  return BACKEND_PREFERENCE.slice(BACKEND_PREFERENCE.indexOf(request));
}

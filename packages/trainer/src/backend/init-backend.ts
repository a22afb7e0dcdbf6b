import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { candidatesFor, parseBackendRequest, type BackendName, type BackendRequest } from './backend-name.js';
import type { LoadResult } from './load-result.js';
import { registerBgfillKernels } from './register-kernels.js';
import { WEBGPU_KERNELS_ENV, resolveWebGpuKernels } from './webgpu-fused/kernel-choice.js';
import { loadTensorflow } from './tensorflow-loader.js';
import { defaultWasmThreads } from './wasm-threads.js';
import { loadWasm } from './wasm-loader.js';
import { loadWebGpu } from './webgpu-loader.js';

export interface InitBackendOptions {
  /** Receives one line per backend that was tried and skipped (default: none). */
  log?: (line: string) => void;
  /** Threads for the wasm backend (default: BGFILL_WASM_THREADS, else the cores Node may use, at most 8). */
  threads?: number;
  /** Throw instead of falling back when an explicitly requested backend does not initialise (default false). */
  strict?: boolean;
  /**
   * Use a software WebGPU adapter (llvmpipe, SwiftShader), slower than wasm (default: only when webgpu is asked for
   * by name, not under `auto`).
   */
  allowSoftwareGpu?: boolean;
}

export interface BackendInfo {
  name: BackendName;
  /** One line: what runs (device, threads) and, when others were tried first, why they were skipped. */
  reason: string;
  /** What runs (device, threads), without the skipped backends: for a log that already printed each skip. */
  detail: string;
  /**
   * Same inputs give bit-identical outputs on this backend (run to run, whatever the thread count): true for
   * wasm and cpu (tested); false for webgpu (unverified); for native TensorFlow only with TF_DETERMINISTIC_OPS=1.
   */
  deterministic: boolean;
}

const loaders: Record<BackendName, (options: InitBackendOptions) => Promise<LoadResult>> = {
  webgpu: (options) => loadWebGpu({ allowSoftware: options.allowSoftwareGpu === true }),
  tensorflow: () => loadTensorflow(),
  wasm: (options) => loadWasm(options.threads ?? defaultWasmThreads()),
  cpu: async () => ((await tf.setBackend('cpu')) ? { ok: true, detail: 'pure JavaScript' } : { ok: false, reason: 'the cpu backend did not initialise' }),
};

/** Successful loads, so a second initBackend in the same process switches back without reloading. */
const ready = new Map<BackendName, string>();

function isDeterministic(name: BackendName): boolean {
  if (name === 'wasm' || name === 'cpu') return true;
  if (name === 'tensorflow') return process.env.TF_DETERMINISTIC_OPS === '1';
  return false;
}

/**
 * Select and initialise a TensorFlow.js backend, register bgfill's kernels and gradient overrides, and say why.
 * `auto` tries webgpu, tensorflow, wasm, cpu in that order and keeps the first that initialises; an explicit
 * name that does not initialise falls back to the ones after it (or throws with `strict`). Each skipped backend
 * is reported through `log` in one line. Console chatter from tfjs itself is silenced (production mode).
 * @example
 * const { name, reason } = await initBackend('auto', { log: console.error });
 * console.error(`backend: ${name} (${reason})`); // backend: wasm (XNNPACK, SIMD, 2 threads; skipped webgpu: no WebGPU adapter …)
 * // with a log that printed each skip already: `backend: ${name} (${detail})` → backend: wasm (XNNPACK, SIMD, 2 threads)
 */
export async function initBackend(requested: BackendRequest, options: InitBackendOptions = {}): Promise<BackendInfo> {
  const request = parseBackendRequest(requested);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new BgfillError(`Expected a positive integer for threads but received ${String(options.threads)}`, { subject: 'threads' });
  }
  tf.enableProdMode();
  registerBgfillKernels();
  const log = options.log ?? (() => {});
  const skipped: string[] = [];
  const loadOptions: InitBackendOptions = { ...options, allowSoftwareGpu: options.allowSoftwareGpu ?? request === 'webgpu' };
  for (const name of candidatesFor(request)) {
    const cached = ready.get(name);
    const result: LoadResult = cached !== undefined && (await tf.setBackend(name)) ? { ok: true, detail: cached } : await loaders[name](loadOptions);
    if (result.ok) {
      ready.set(name, result.detail);
      registerBgfillKernels(); // again: the backend's own kernels are registered now, so replacements apply
      if (name === 'webgpu' && process.env[WEBGPU_KERNELS_ENV]) (await import('./webgpu-fused/install.js')).useWebGpuKernels(resolveWebGpuKernels(undefined));
      await tf.ready();
      const reason = skipped.length === 0 ? result.detail : `${result.detail}; skipped ${skipped.join('; ')}`;
      return { name, reason, detail: result.detail, deterministic: isDeterministic(name) };
    }
    log(`backend ${name} skipped: ${result.reason}`);
    skipped.push(`${name} (${result.reason})`);
    if (options.strict && request !== 'auto') {
      throw new BgfillError(`--backend ${name} is not available here: ${result.reason}`, { subject: 'backend' });
    }
  }
  throw new BgfillError(`no TensorFlow.js backend initialised: ${skipped.join('; ')}`, { subject: 'backend' });
}

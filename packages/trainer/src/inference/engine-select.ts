import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { initBackend, type BackendInfo } from '../backend/init-backend.js';
import type { BackendName } from '../backend/backend-name.js';
import { architectureNamed, loadInpaintNet } from '../arch/registry.js';
import type { ArchLoadOptions } from '../arch/types.js';
import { OnnxEngine, type OnnxProvider } from '../onnx/onnx-engine.js';
import { probeOnnxProvider } from '../onnx/provider-probe.js';
import { probeWebGpuAdapter, softwareAdapterReason } from '../backend/webgpu-loader.js';
import { defaultOnnxThreads, loadOnnxRuntime, ONNX_DETERMINISTIC, ONNXRUNTIME_MODULE, type OnnxRuntime } from '../onnx/onnx-runtime.js';
import type { InpaintEngine } from './engine.js';
import { engineCandidates, parseEngineRequest, type EngineRequest } from './engine-name.js';
import { tfjsEngine } from './tfjs-engine.js';

export interface SelectEngineOptions {
  /** Receives one line per engine that was tried and skipped (default: none). */
  log?: (line: string) => void;
  /** Threads: onnxruntime's intra-op threads, or the wasm backend's (default: every core Node may use). */
  threads?: number;
  /** Throw instead of falling back when an explicitly requested engine does not load (default false). */
  strict?: boolean;
  /** The onnxruntime module to import (default 'onnxruntime-node'; a path works). */
  onnxModule?: string;
}

/** The engine a request resolved to. */
export type EngineSelection = (
  | { name: 'onnx' | 'onnx-webgpu'; runtime: OnnxRuntime; threads: number; provider: OnnxProvider }
  | { name: BackendName; backend: BackendInfo }
) & {
  /** What runs and, when others were tried first, why they were skipped (one line). */
  reason: string;
  /** What runs, without the skipped engines: for a log that already printed each skip. */
  detail: string;
  deterministic: boolean;
};

/** A skipped tfjs backend's reason, from initBackend's log line ("backend webgpu skipped: …") or its error. */
function skipReason(name: string, lines: readonly string[], err: unknown): string {
  const prefix = `backend ${name} skipped: `;
  const line = [...lines].reverse().find((l) => l.startsWith(prefix));
  if (line) return line.slice(prefix.length);
  return err instanceof Error ? err.message : String(err);
}

/**
 * Pick and initialise the inference engine, as initBackend does for tfjs backends: `auto` tries webgpu,
 * tensorflow, onnx, wasm, cpu in that order and keeps the first that loads; an explicit name that does not load
 * falls back to the engines after it (or throws with `strict`). Each skipped engine is reported through `log`, and
 * the result's `reason` says what runs and what was skipped.
 * @example
 * const sel = await selectEngine('auto', { log: console.error });
 * console.error(`backend: ${sel.name} (${sel.reason})`); // backend: onnx (onnxruntime 1.30.0, CPU, 2 threads; skipped webgpu (…); tensorflow (…))
 * // with a log that printed each skip already: `backend: ${sel.name} (${sel.detail})`
 */
export async function selectEngine(requested: EngineRequest, options: SelectEngineOptions = {}): Promise<EngineSelection> {
  const request = parseEngineRequest(requested);
  if (options.threads !== undefined && (!Number.isInteger(options.threads) || options.threads < 1)) {
    throw new BgfillError(`Expected a positive integer for threads but received ${String(options.threads)}`, { subject: 'threads' });
  }
  const log = options.log ?? (() => {});
  const skipped: string[] = [];
  const described = (detail: string) => ({ detail, reason: skipped.length === 0 ? detail : `${detail}; skipped ${skipped.join('; ')}` });
  for (const name of engineCandidates(request)) {
    let reason: string;
    if (name === 'onnx' || name === 'onnx-webgpu') {
      const load = await loadOnnxRuntime(options.onnxModule ?? ONNXRUNTIME_MODULE);
      const threads = options.threads ?? defaultOnnxThreads();
      if (!load.ok) reason = load.reason;
      else if (name === 'onnx') {
        return {
          name,
          ...described(`onnxruntime ${load.version}, CPU execution provider, ${threads} thread${threads === 1 ? '' : 's'}`),
          deterministic: ONNX_DETERMINISTIC,
          runtime: load.runtime,
          threads,
          provider: 'cpu',
        };
      } else {
        // Ask Dawn (the `webgpu` package, silent) for an adapter first: onnxruntime's own Dawn prints native
        // warnings on machines without a GPU driver, which every CPU user of `auto` would otherwise see.
        const adapter = await probeWebGpuAdapter();
        const probe = !adapter.ok
          ? adapter
          : adapter.software && request !== 'onnx-webgpu'
            ? { ok: false as const, reason: softwareAdapterReason(adapter.name) }
            : await probeOnnxProvider(load.runtime, 'webgpu');
        if (probe.ok) {
          return {
            name,
            ...described(`onnxruntime ${load.version}, WebGPU execution provider${adapter.ok && adapter.name ? ` on ${adapter.name}` : ''}`),
            deterministic: false,
            runtime: load.runtime,
            threads,
            provider: 'webgpu',
          };
        }
        reason = probe.reason;
      }
      log(`backend ${name} skipped: ${reason}`);
    } else {
      const lines: string[] = [];
      try {
        const info = await initBackend(name, {
          strict: true,
          log: (l) => lines.push(l),
          allowSoftwareGpu: request === 'webgpu',
          ...(options.threads !== undefined ? { threads: options.threads } : {}),
        });
        return { name, ...described(info.detail), deterministic: info.deterministic, backend: info };
      } catch (err) {
        if (!(err instanceof BgfillError)) throw err;
        reason = skipReason(name, lines, err);
        log(`backend ${name} skipped: ${reason}`);
      }
    }
    skipped.push(`${name} (${reason})`);
    if (options.strict && request !== 'auto') {
      throw new BgfillError(`--backend ${name} is not available here: ${reason}`, { subject: 'backend' });
    }
  }
  throw new BgfillError(`no inference engine loaded: ${skipped.join('; ')}`, { subject: 'backend' });
}

/** Options of `openEngine`: how to load the checkpoint, and which architecture it holds (default: detected). */
export type OpenEngineOptions = ArchLoadOptions & {
  /** The architecture's registry name (`--arch`); default: a bgfill checkpoint's stored one, else the keys'. */
  arch?: string;
};

/**
 * Load a checkpoint of any architecture (bgfill checkpoint, PyTorch .pth or safetensors; see loadInpaintNet) into
 * the selected engine. For onnx, the weights are read through a tfjs network (on the cpu backend when tfjs has none
 * yet), exported to ONNX in memory by its architecture and handed to onnxruntime; the tfjs copy is freed. The
 * engine's dispose() frees everything.
 * @example
 * const engine = await openEngine('g.safetensors', await selectEngine('onnx'));
 * const out = await inpaint(engine, image, mask); await engine.dispose();
 */
export async function openEngine(checkpoint: string, selection: EngineSelection, options: OpenEngineOptions = {}): Promise<InpaintEngine> {
  if (selection.name !== 'onnx' && selection.name !== 'onnx-webgpu') {
    const net = await loadInpaintNet(checkpoint, options);
    const engine = tfjsEngine(net);
    return {
      requiredMultiple: engine.requiredMultiple,
      pixels: net.pixels,
      attentionBytes: (width, height) => net.attentionBytes(width, height),
      description: `TensorFlow.js ${selection.name}`,
      run: (input, output) => engine.run(input, output),
      async dispose() {
        net.dispose();
      },
    };
  }
  if (!tf.engine().backendName) {
    // The weights pass through tfjs variables; without a chosen backend, take the always-present cpu one quietly.
    tf.enableProdMode();
    await tf.setBackend('cpu');
  }
  const net = await loadInpaintNet(checkpoint, options);
  try {
    const arch = architectureNamed(net.arch);
    const model = await arch.exportOnnx(net, {});
    return await OnnxEngine.fromModel(model, arch.onnxIo(net), { runtime: selection.runtime, threads: selection.threads, provider: selection.provider });
  } finally {
    net.dispose();
  }
}

import os from 'node:os';
import { firstLine } from '../backend/load-result.js';

/**
 * onnxruntime-node, loaded on demand.
 *
 * Why a second runtime: on a 2-core x86-64 the generator at 256² runs at 0.15–0.35 images/s on tfjs-wasm, whose
 * XNNPACK convolutions sit at wasm-SIMD's ceiling (no FMA); the same network through onnxruntime's CPU execution
 * provider (MLAS, AVX2/FMA kernels) ran at 1.43 (batch 1) to 1.57 (batch 8) images/s with 2 threads, 4–10× wasm
 * in the same process (bench/RESULTS.md, "trainer: onnxruntime inference"). The package is an optional dependency,
 * pinned, with its install script skipped (it only downloads CUDA extras; the npm tarball bundles the CPU
 * binaries for linux-x64, darwin and win32).
 */
export const ONNXRUNTIME_MODULE = 'onnxruntime-node';
/** The version bgfill pins and tests. */
export const ONNXRUNTIME_VERSION = '1.30.0';

/**
 * Same inputs give bit-identical outputs on onnxruntime's CPU execution provider, run to run and for 1 or 2
 * intra-op threads: MLAS splits convolutions and matrix products by output blocks, never along a reduction
 * (checked at cnum 4 and cnum 32 / 256², and by test/onnx-engine.test.ts). Across machines with different
 * instruction sets (AVX2 vs AVX-512 kernels) the last bits may differ.
 */
export const ONNX_DETERMINISTIC = true;

/** The part of onnxruntime's Tensor that bgfill uses. */
export interface OrtTensor {
  readonly data: unknown;
  readonly dims: readonly number[];
  readonly type: string;
}

/** Session options bgfill sets (a subset of onnxruntime's InferenceSession.SessionOptions). */
export interface OrtSessionOptions {
  executionProviders?: string[];
  intraOpNumThreads?: number;
  interOpNumThreads?: number;
  executionMode?: 'sequential' | 'parallel';
  graphOptimizationLevel?: 'disabled' | 'basic' | 'extended' | 'layout' | 'all';
  logSeverityLevel?: 0 | 1 | 2 | 3 | 4;
}

/** The part of onnxruntime's InferenceSession that bgfill uses. */
export interface OrtSession {
  readonly inputNames: readonly string[];
  readonly outputNames: readonly string[];
  run(feeds: Record<string, OrtTensor>, fetches?: readonly string[]): Promise<Record<string, OrtTensor>>;
  release(): Promise<void>;
}

/** The part of the onnxruntime-node module that bgfill uses. */
export interface OnnxRuntime {
  InferenceSession: { create(model: Uint8Array, options?: OrtSessionOptions): Promise<OrtSession> };
  Tensor: new (type: 'float32', data: Float32Array, dims: readonly number[]) => OrtTensor;
  env?: { versions?: { node?: string; common?: string } };
}

/** A loaded runtime, or why it did not load (one line, for `--backend` messages). */
export type OnnxRuntimeLoad = { ok: true; runtime: OnnxRuntime; version: string } | { ok: false; reason: string };

function looksLikeRuntime(m: unknown): m is OnnxRuntime {
  const r = m as Partial<OnnxRuntime> | null;
  return typeof r?.InferenceSession?.create === 'function' && typeof r?.Tensor === 'function';
}

function whyNot(specifier: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  const line = firstLine(err);
  if ((code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') && line.includes(specifier)) {
    return specifier === ONNXRUNTIME_MODULE
      ? `${specifier} is not installed (it is an optional dependency: pnpm add onnxruntime-node@${ONNXRUNTIME_VERSION})`
      : `${specifier} was not found`;
  }
  return `${specifier} does not load: ${line}`;
}

const loads = new Map<string, Promise<OnnxRuntimeLoad>>();

/**
 * onnxruntime's switch for its telemetry. Since 1.29 its Linux and macOS builds start Microsoft's 1DS telemetry client
 * when the first session environment is created: it stores a device id under ~/.cache/Microsoft, tries to upload usage
 * events, and leaves an empty `/tmp/mat-debug-<pid>.log` behind on every run (seen with 1.30.0; the variable is read
 * by the native library, see onnxruntime's docs/Privacy.md and pull requests #27379, #29843). A data tool should not
 * phone home or litter /tmp, so bgfill sets it to 1 before onnxruntime loads, unless the user has set it.
 */
export const ORT_TELEMETRY_SWITCH = 'ORT_DISABLE_TELEMETRY';

/**
 * Import onnxruntime-node (or `specifier`, a module name or path) once per process, with its telemetry off (see
 * ORT_TELEMETRY_SWITCH). Never throws: a missing
 * package, a native binary that does not load on this platform, or a module that is not onnxruntime comes back as
 * `{ ok: false, reason }`.
 * @example
 * const r = await loadOnnxRuntime(); if (r.ok) console.log(`onnxruntime ${r.version}`); else console.error(r.reason);
 */
export function loadOnnxRuntime(specifier: string = ONNXRUNTIME_MODULE): Promise<OnnxRuntimeLoad> {
  let load = loads.get(specifier);
  if (!load) {
    load = (async (): Promise<OnnxRuntimeLoad> => {
      let m: unknown;
      process.env[ORT_TELEMETRY_SWITCH] ??= '1';
      try {
        m = await import(specifier);
      } catch (err) {
        return { ok: false, reason: whyNot(specifier, err) };
      }
      const runtime = (m as { default?: unknown }).default ?? m;
      if (!looksLikeRuntime(runtime)) return { ok: false, reason: `${specifier} loaded but is not onnxruntime (no InferenceSession.create)` };
      return { ok: true, runtime, version: runtime.env?.versions?.node ?? runtime.env?.versions?.common ?? 'unknown version' };
    })();
    loads.set(specifier, load);
  }
  return load;
}

/**
 * onnxruntime's intra-op threads when none are asked for: BGFILL_ONNX_THREADS, else every core Node may use
 * (`os.availableParallelism()`), as for the wasm backend.
 * @example defaultOnnxThreads({ BGFILL_ONNX_THREADS: '1' }) // → 1
 */
export function defaultOnnxThreads(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env.BGFILL_ONNX_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (Number.isInteger(n) && n >= 1) return n;
  }
  return Math.max(1, os.availableParallelism());
}

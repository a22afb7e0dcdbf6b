import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, renameSync, writeFileSync, existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { dirname, join } from 'node:path';
import * as tf from '@tensorflow/tfjs';

/**
 * Multi-threaded WebAssembly under Node.
 *
 * tfjs-backend-wasm 4.22 ships a threaded SIMD build (XNNPACK on a pthreadpool of Web Workers) but refuses it
 * under Node (`WASM_HAS_MULTITHREAD_SUPPORT` is hard-wired to false there, tfjs issue #3830) because its
 * Emscripten loader hands the pthread workers `blob:` URLs, which Node's `worker_threads` cannot load. Two more
 * obstacles: the main script it posts to the workers is a Rollup chunk that expects the bundle's `require$$N`
 * variables in scope, and the C side caps the pool at `navigator.hardwareConcurrency / 2` (it assumes two
 * hyper-threads per core), which is 1 on a 2-core machine.
 *
 * While the backend initialises, this module:
 * - records the source text of the two Blobs the loader builds (the worker script and the main script), writes
 *   them to files (content-addressed, under the OS temp folder) and makes `URL.createObjectURL` return those
 *   paths; the worker script is edited to import the main script from its file, and the main script gets the
 *   `require$$N` bindings read from the bundle's header;
 * - makes `os.cpus()` report twice the wanted thread count, so the C side's halving yields that count;
 * then restores everything. The workers are unref'd so they do not keep the process alive.
 *
 * Measured on a 2-core x86-64 (see bench/RESULTS.md): a 3×3 64→64 convolution at 128² went from about 70 ms to
 * about 45 ms with 2 threads. Results are bit-identical to one thread (XNNPACK splits work by output tiles,
 * never along the reduction), which the backend tests check across processes.
 */

/** The worker script's branch that loads the main script from a URL string or a Blob. */
const WORKER_LOAD = 'if(typeof e.data.urlOrBlob=="string"){importScripts(e.data.urlOrBlob)}';
const MAIN_PREFIX = 'var WasmBackendModuleThreadedSimd';
/** The Emscripten thread pool tfjs-backend-wasm pre-creates (its PTHREAD_POOL_SIZE) and the C side's cap. */
export const MAX_WASM_THREADS = 8;

interface PackageFiles {
  /** `var require$$N = require('x');` lines of the Node bundle, prepended to the main script. */
  requireHeader: string;
}

let cachedFiles: PackageFiles | string | undefined;

/** Read what the shim needs from the installed package; a string is the reason it cannot work. */
function packageFiles(): PackageFiles | string {
  if (cachedFiles !== undefined) return cachedFiles;
  try {
    const require = createRequire(import.meta.url);
    const bundlePath = require.resolve('@tensorflow/tfjs-backend-wasm');
    const root = join(dirname(bundlePath), '..');
    const worker = readFileSync(join(root, 'wasm-out', 'tfjs-backend-wasm-threaded-simd.worker.js'), 'utf8');
    if (!worker.includes(WORKER_LOAD)) {
      cachedFiles = 'the threaded worker script of @tensorflow/tfjs-backend-wasm has an unexpected layout';
      return cachedFiles;
    }
    const bundle = readFileSync(bundlePath, 'utf8');
    const lines = bundle.match(/^var require\$\$\d+ = require\('[^']+'\);$/gm) ?? [];
    if (lines.length === 0) {
      cachedFiles = 'the Node bundle of @tensorflow/tfjs-backend-wasm has an unexpected layout';
      return cachedFiles;
    }
    cachedFiles = { requireHeader: `${lines.join(' ')} var commonjsGlobal = globalThis;\n` };
  } catch (err) {
    cachedFiles = `cannot read @tensorflow/tfjs-backend-wasm: ${err instanceof Error ? err.message.split('\n')[0] : String(err)}`;
  }
  return cachedFiles;
}

/** Write `text` under a content-addressed name in the temp folder (atomic: temp name, then rename); returns the path. */
function writeScript(name: string, text: string): string {
  const hash = createHash('sha256').update(text).digest('hex').slice(0, 16);
  const dir = join(os.tmpdir(), 'bgfill-wasm-threads');
  const path = join(dir, `${hash}-${name}`);
  if (existsSync(path)) return path;
  mkdirSync(dir, { recursive: true });
  const tmp = `${path}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, path);
  return path;
}

/**
 * Patch the environment so that the next `tf.setBackend('wasm')` loads the threaded build with `threads`
 * threads. Returns a function that undoes the patches (call it once the backend is ready), or a string: the
 * reason threads cannot be enabled (nothing was patched).
 * @example
 * const undo = prepareWasmThreads(2);
 * if (typeof undo === 'string') log(`wasm: single-threaded (${undo})`); else try { await tf.setBackend('wasm') } finally { undo() }
 */
export function prepareWasmThreads(threads: number): (() => void) | string {
  if (typeof SharedArrayBuffer === 'undefined') return 'SharedArrayBuffer is unavailable';
  const files = packageFiles();
  if (typeof files === 'string') return files;
  const header = files.requireHeader;
  const OriginalBlob = globalThis.Blob;
  const originalCreate = URL.createObjectURL;
  const originalCpus = os.cpus;
  const paths = new WeakMap<Blob, string>();
  let mainPath: string | undefined;

  class RecordingBlob extends OriginalBlob {
    constructor(parts?: BlobPart[], options?: BlobPropertyBag) {
      super(parts, options);
      if (!parts || !parts.every((p): p is string => typeof p === 'string')) return;
      const text = parts.join('');
      if (text.startsWith(MAIN_PREFIX)) {
        mainPath = writeScript('main.js', header + text);
        paths.set(this, mainPath);
      } else if (text.includes(WORKER_LOAD) && mainPath !== undefined) {
        const edited = text.replace(WORKER_LOAD, `if(true){importScripts(${JSON.stringify(mainPath)})}`);
        paths.set(this, writeScript('worker.js', edited));
      }
    }
  }

  const cpus = originalCpus();
  globalThis.Blob = RecordingBlob;
  URL.createObjectURL = (obj: Blob | MediaSource) => (obj instanceof OriginalBlob ? paths.get(obj) : undefined) ?? originalCreate(obj as Blob);
  os.cpus = () => Array.from({ length: 2 * threads }, (_, i) => cpus[i % Math.max(1, cpus.length)]);
  tf.env().set('WASM_HAS_MULTITHREAD_SUPPORT', true);
  return () => {
    globalThis.Blob = OriginalBlob;
    URL.createObjectURL = originalCreate;
    os.cpus = originalCpus;
  };
}

interface EmscriptenWorker {
  unref?: () => void;
}
interface PThreadRegistry {
  unusedWorkers?: EmscriptenWorker[];
  runningWorkers?: EmscriptenWorker[];
}

/**
 * Let the process exit while the wasm thread pool is alive (its workers are idle between kernels).
 * @example await tf.setBackend('wasm'); unrefWasmWorkers(tf.backend());
 */
export function unrefWasmWorkers(backend: tf.KernelBackend): void {
  const registry = (backend as unknown as { wasm?: { PThread?: PThreadRegistry } }).wasm?.PThread;
  if (!registry) return;
  for (const worker of [...(registry.unusedWorkers ?? []), ...(registry.runningWorkers ?? [])]) worker.unref?.();
}

/**
 * The default wasm thread count: `BGFILL_WASM_THREADS` when set, else the cores Node may use, at most 8.
 * @example defaultWasmThreads() // → 2 on a 2-core machine
 */
export function defaultWasmThreads(env: NodeJS.ProcessEnv = process.env): number {
  const fromEnv = env.BGFILL_WASM_THREADS;
  if (fromEnv !== undefined && fromEnv !== '') {
    const n = Number(fromEnv);
    if (Number.isInteger(n) && n >= 1) return Math.min(n, MAX_WASM_THREADS);
  }
  return Math.max(1, Math.min(os.availableParallelism(), MAX_WASM_THREADS));
}

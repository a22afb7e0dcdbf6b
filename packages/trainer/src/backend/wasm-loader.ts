import * as tf from '@tensorflow/tfjs';
import { firstLine, type LoadResult } from './load-result.js';
import { prepareWasmThreads, unrefWasmWorkers } from './wasm-threads.js';

/**
 * Bring up tfjs-backend-wasm (XNNPACK) with `threads` threads. The thread count is fixed when the backend first
 * initialises in a process; later calls reuse it. When threads cannot be enabled the backend runs
 * single-threaded and the detail says why.
 * @example const r = await loadWasm(2); // { ok: true, detail: 'XNNPACK, SIMD, 2 threads' }
 */
export async function loadWasm(threads: number): Promise<LoadResult> {
  let wasm: typeof import('@tensorflow/tfjs-backend-wasm');
  try {
    wasm = await import('@tensorflow/tfjs-backend-wasm');
  } catch (err) {
    return { ok: false, reason: `@tensorflow/tfjs-backend-wasm does not load: ${firstLine(err)}` };
  }
  const firstInit = tf.findBackend('wasm') === null;
  let note = '';
  let undo: (() => void) | undefined;
  if (firstInit) {
    if (threads > 1) {
      const prepared = prepareWasmThreads(threads);
      if (typeof prepared === 'string') note = ` (threads unavailable: ${prepared})`;
      else undo = prepared;
    }
    wasm.setThreadsCount(undo ? threads : 1);
  }
  let ok: boolean;
  try {
    ok = await tf.setBackend('wasm');
  } catch (err) {
    return { ok: false, reason: `the wasm backend failed: ${firstLine(err)}` };
  } finally {
    undo?.();
  }
  if (!ok) return { ok: false, reason: 'the wasm backend did not initialise (the .wasm binary could not be loaded)' };
  unrefWasmWorkers(tf.backend());
  const simd = (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) === true;
  const actual = wasm.getThreadsCount();
  return { ok: true, detail: `XNNPACK, ${simd ? 'SIMD' : 'no SIMD'}, ${actual} thread${actual === 1 ? '' : 's'}${note}` };
}

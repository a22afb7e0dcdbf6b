import * as tf from '@tensorflow/tfjs';
import { setDispatchListener } from './gpu-program.js';

/**
 * Counting the GPU work tfjs-backend-webgpu records: every compute dispatch of tfjs's own programs goes through the
 * backend's `recordAndSubmit(program, …)` (one `dispatchWorkgroups` each), and every one of bgfill's fused programs
 * through gpu-program.ts's `runProgram`; wrapping the first on the backend instance and listening to the second counts
 * dispatches exactly, by program and by the tfjs kernel that issued them.
 *
 * A `dry` count also sets each dispatch's workgroup counts to 0 (a valid WebGPU dispatch that runs nothing): the host
 * side — tfjs's engine, shader keys, uniforms, bind groups, command encoding — runs as it would, so the count at a
 * size too large to execute on a software adapter (256², batch 8 on lavapipe) is the real one, while the values are
 * garbage. Used by bench/train-step-dispatches.ts and the tests; not part of training.
 *
 * (The trainer's backend-independent kernel counter lives in ../dispatch-count.ts once that lands; this one is
 * webgpu-only and counts GPU dispatches rather than tfjs kernel calls, which differ: Reshape and Identity dispatch
 * nothing, and one bgfill kernel may dispatch several programs.)
 */

/** Dispatches recorded between `start` and `stop`. */
export interface DispatchCount {
  total: number;
  /** By WGSL program class (tfjs's `BinaryOpProgram`, bgfill's `FusedGatedConvProgram`, …). */
  byProgram: Map<string, number>;
  /** By the outermost tfjs kernel running when the dispatch was recorded ("(none)" outside kernels). */
  byKernel: Map<string, number>;
}

interface RecordingBackend {
  recordAndSubmit(program: { constructor: { name: string }; dispatch: [number, number, number] }, ...rest: unknown[]): unknown;
}

interface KernelEngine {
  runKernelFunc(params: { kernelName?: string }): unknown;
}

/**
 * Start counting dispatches on the current (webgpu) backend; the returned function stops and returns the count.
 * Throws on another backend. One counter at a time.
 * @example
 * const stop = countDispatches();
 * await trainStep(nets, batch, options);
 * const { total, byKernel } = stop();
 */
export function countDispatches(options: { dry?: boolean } = {}): () => DispatchCount {
  if (tf.getBackend() !== 'webgpu') throw new Error(`countDispatches: the backend is ${tf.getBackend()}, not webgpu`);
  const backend = tf.backend() as unknown as RecordingBackend;
  const engine = tf.engine() as unknown as KernelEngine;
  const own = Object.prototype.hasOwnProperty;
  if (own.call(backend, 'recordAndSubmit')) throw new Error('countDispatches: a count is already running');
  const count: DispatchCount = { total: 0, byProgram: new Map(), byKernel: new Map() };
  const kernels: string[] = [];
  const record = backend.recordAndSubmit;
  const runKernelFunc = engine.runKernelFunc;
  const add = (name: string) => {
    count.total++;
    count.byProgram.set(name, (count.byProgram.get(name) ?? 0) + 1);
    const kernel = kernels[0] ?? '(none)';
    count.byKernel.set(kernel, (count.byKernel.get(kernel) ?? 0) + 1);
  };
  backend.recordAndSubmit = function (program, ...rest) {
    add(program.constructor.name);
    if (options.dry) program.dispatch = [0, 0, 0];
    return record.call(this, program, ...rest);
  };
  setDispatchListener((name) => {
    add(name);
    return options.dry === true;
  });
  engine.runKernelFunc = function (params) {
    kernels.push(params.kernelName ?? 'customGrad');
    try {
      return runKernelFunc.call(this, params);
    } finally {
      kernels.pop();
    }
  };
  return () => {
    delete (backend as Partial<RecordingBackend>).recordAndSubmit;
    delete (engine as Partial<KernelEngine>).runKernelFunc;
    setDispatchListener(undefined);
    return count;
  };
}

import * as tf from '@tensorflow/tfjs';

/**
 * What ran while a function ran: tfjs kernel invocations through the engine (every backend) and, on tfjs-webgpu,
 * GPU program dispatches (one tfjs kernel may dispatch several programs, or none: Reshape only relabels a buffer).
 */
export interface DispatchCount {
  /** Kernels the engine ran (`engine.runKernel`), including Reshape/Identity that move no data. */
  kernels: number;
  /** Kernel invocations by kernel name. */
  byKernel: Map<string, number>;
  /**
   * GPU programs dispatched (tfjs-webgpu's `runWebGPUProgram`, plus what other code reports with noteGpuDispatches);
   * undefined on backends without GPU programs.
   */
  programs: number | undefined;
}

interface Tally {
  kernels: number;
  programs: number;
  byKernel: Map<string, number>;
}

/** Tallies being filled now (countDispatches calls may nest: each sees everything that ran inside it). */
const active = new Set<Tally>();
/** Methods wrapped already, per object (the engine, each webgpu backend instance). */
const hooked = new WeakMap<object, Set<string>>();

/** Wrap `target[method]` once so that every call first runs `before(...args)` while something is counted. */
function hook<A extends unknown[]>(target: object, method: string, before: (...args: A) => void): void {
  const done = hooked.get(target) ?? new Set<string>();
  const original = (target as Record<string, unknown>)[method];
  if (done.has(method) || typeof original !== 'function') return;
  hooked.set(target, done.add(method));
  (target as Record<string, unknown>)[method] = function (this: unknown, ...args: A) {
    if (active.size > 0) before(...args);
    return (original as (...a: A) => unknown).apply(this, args);
  };
}

/** Whether the current backend dispatches GPU programs (tfjs-webgpu: it has runWebGPUProgram). */
function gpuBackend(): object | undefined {
  const backend = tf.backend() as unknown as Record<string, unknown>;
  return typeof backend.runWebGPUProgram === 'function' ? backend : undefined;
}

/**
 * Report `count` GPU dispatches made outside tfjs's program runner (a step engine that encodes its own compute
 * passes): they are added to every running countDispatches. Does nothing when nothing is being counted.
 * @example for (const pass of passes) { encoder.dispatchWorkgroups(...pass.grid); noteGpuDispatches(1); }
 */
export function noteGpuDispatches(count: number): void {
  for (const t of active) t.programs += count;
}

/** A running count (see startDispatchCount). */
export interface DispatchCounter {
  /** What was counted so far (a copy; counting goes on). */
  read(): DispatchCount;
  /** Stop counting and return the count. */
  stop(): DispatchCount;
}

/**
 * Count what runs on the current backend from now until `stop()`. The counters are installed on first use (a
 * wrapper around the engine's runKernel and, on webgpu, the backend's runWebGPUProgram) and cost one set lookup per
 * kernel while nothing is counted. Counts are deterministic for a given program and backend, unlike times. Kernels
 * that a kernel runs itself (bgfill's wasm kernels call other kernels directly) are not engine invocations and are
 * not counted; their GPU programs are. Counters may overlap: each sees everything that runs while it is open.
 * @example
 * const counter = startDispatchCount();
 * generatorStep();
 * const { kernels, programs } = counter.stop();
 */
export function startDispatchCount(): DispatchCounter {
  hook(tf.engine(), 'runKernel', (kernelName: string) => {
    for (const t of active) {
      t.kernels += 1;
      t.byKernel.set(kernelName, (t.byKernel.get(kernelName) ?? 0) + 1);
    }
  });
  const gpu = gpuBackend();
  if (gpu) hook(gpu, 'runWebGPUProgram', () => noteGpuDispatches(1));
  const tally: Tally = { kernels: 0, programs: 0, byKernel: new Map() };
  active.add(tally);
  const read = (): DispatchCount => ({ kernels: tally.kernels, byKernel: new Map(tally.byKernel), programs: gpu ? tally.programs : undefined });
  return {
    read,
    stop: () => {
      active.delete(tally);
      return read();
    },
  };
}

/**
 * Run `fn` (synchronous or not) and count what it dispatched (see startDispatchCount; anything else that runs on
 * the engine before `fn` settles is counted too).
 * @example
 * const { result, count } = await countDispatches(() => trainStep(nets, batch, options));
 * console.log(`${count.kernels} kernels, ${count.programs ?? '–'} GPU programs`);
 */
export async function countDispatches<T>(fn: () => T | Promise<T>): Promise<{ result: T; count: DispatchCount }> {
  const counter = startDispatchCount();
  try {
    const result = await fn();
    return { result, count: counter.stop() };
  } finally {
    counter.stop();
  }
}

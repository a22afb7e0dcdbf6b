import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import { BgfillError } from '@bgfill/core';
import { fillModule, type MarchingMethod } from './fill-kernel.js';
import type { FillTarget } from './fill-target.js';

/**
 * The fast-marching fills on worker threads, so that a batch's fills run beside the main thread's work (decoding
 * the next records, the metrics of the last ones) and, with more cores, beside each other. Each thread runs the same
 * fills.wasm as `fillKernel()` (fill-thread.mjs), so the bytes are the same whichever thread fills an image.
 */

/**
 * Threads by default: as many as the cores this process may use, at most 4 (the main thread mostly waits on them,
 * decoding records and computing metrics in between).
 */
export function defaultFillThreads(): number {
  return Math.max(1, Math.min(4, availableParallelism()));
}

interface Job {
  target: FillTarget;
  method: MarchingMethod;
  resolve: () => void;
  reject: (error: Error) => void;
}

interface Thread {
  worker: Worker;
  jobs: Map<number, Job>;
}

interface Reply {
  id: number;
  image?: Uint8Array;
  error?: string;
}

/** A pool of fill threads, started on first use; `close` ends them. */
export class FillThreads {
  private readonly threads: Thread[] = [];
  private nextId = 0;

  /** `size` threads at most (default `defaultFillThreads()`). */
  constructor(private readonly size: number = defaultFillThreads()) {
    if (!Number.isInteger(size) || size < 1) throw new BgfillError(`fill threads: a positive integer, not ${size}`);
  }

  /**
   * Fill `target.out` (8-bit RGB, starting as the input, the hole pre-filled) where `target.mask` is set, as
   * `fillKernel().fill` does, on the least busy thread.
   * @example await threads.fill('telea', target, 3);
   */
  fill(method: MarchingMethod, target: FillTarget, radius: number): Promise<void> {
    const thread = this.pick();
    const id = this.nextId++;
    return new Promise<void>((resolve, reject) => {
      if (thread.jobs.size === 0) thread.worker.ref();
      thread.jobs.set(id, { target, method, resolve, reject });
      // Copies, handed over to the thread (the caller's buffers stay where they are).
      const image = Uint8Array.from(target.out);
      const mask = Uint8Array.from(target.mask.data);
      thread.worker.postMessage({ id, method, image, mask, width: target.width, height: target.height, radius }, [image.buffer, mask.buffer]);
    });
  }

  /** End the threads; fills still running are rejected, saying so. */
  async close(): Promise<void> {
    const threads = this.threads.splice(0);
    // Rejected before the threads end: their exit would otherwise reject them first, as an unexplained exit.
    for (const t of threads) this.failAll(t, new BgfillError('the fill threads were closed before the fill finished'));
    await Promise.all(threads.map((t) => t.worker.terminate()));
  }

  private pick(): Thread {
    const idle = this.threads.find((t) => t.jobs.size === 0);
    if (idle) return idle;
    if (this.threads.length < this.size) return this.start();
    return this.threads.reduce((a, b) => (b.jobs.size < a.jobs.size ? b : a));
  }

  private start(): Thread {
    // No execArgv: the thread is plain JavaScript and needs none of this process's loaders (tsx's costs ~0.5 s).
    const worker = new Worker(new URL('./fill-thread.mjs', import.meta.url), { workerData: { module: fillModule() }, execArgv: [] });
    const thread: Thread = { worker, jobs: new Map() };
    worker.on('message', (reply: Reply) => this.settle(thread, reply));
    worker.on('error', (error) => this.fail(thread, new BgfillError(`a fill thread failed: ${error.message}`, { cause: error })));
    worker.on('exit', (code) => this.fail(thread, new BgfillError(`a fill thread exited (code ${code}) before its fills finished`)));
    worker.unref();
    this.threads.push(thread);
    return thread;
  }

  private settle(thread: Thread, reply: Reply): void {
    const job = thread.jobs.get(reply.id);
    if (!job) return;
    thread.jobs.delete(reply.id);
    if (thread.jobs.size === 0) thread.worker.unref();
    const { target, method } = job;
    if (reply.image) {
      target.out.set(reply.image);
      job.resolve();
    } else {
      job.reject(new BgfillError(`the ${method} fill of a ${target.width}×${target.height} image failed in WebAssembly (memory is at most 4 GiB): ${reply.error}`));
    }
  }

  /** A thread that failed or exited: its jobs are rejected and it is not used again. */
  private fail(thread: Thread, error: Error): void {
    const at = this.threads.indexOf(thread);
    if (at >= 0) this.threads.splice(at, 1);
    this.failAll(thread, error);
  }

  private failAll(thread: Thread, error: Error): void {
    for (const job of thread.jobs.values()) job.reject(error);
    thread.jobs.clear();
  }
}

let shared: FillThreads | undefined;
let holders = 0;

/**
 * The process's shared pool of fill threads, held until `release` is called; the last release closes it (so the
 * classical rows of one evaluation share one pool, and no thread outlives them).
 * @example const { threads, release } = acquireFillThreads(); try { await threads.fill(…); } finally { release(); }
 */
export function acquireFillThreads(): { threads: FillThreads; release: () => void } {
  const threads = (shared ??= new FillThreads());
  holders++;
  let released = false;
  return {
    threads,
    release: () => {
      if (released) return;
      released = true;
      if (--holders === 0 && shared === threads) {
        shared = undefined;
        void threads.close();
      }
    },
  };
}

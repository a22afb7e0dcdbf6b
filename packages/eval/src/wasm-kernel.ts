import { readFileSync } from 'node:fs';
import { BgfillError } from '@bgfill/core';

/**
 * This package's WebAssembly kernels (AssemblyScript in packages/eval/assembly, built by `pnpm --filter @bgfill/eval
 * run build:wasm` and committed): the classical fills (src/classical/fills.wasm) and SSIM's filtering
 * (src/metrics/ssim.wasm). Each is built with the stub runtime: a bump heap that the caller resets before each piece
 * of work and allocates the work's buffers from.
 */

/** What every kernel exports. */
export interface KernelExports {
  memory: WebAssembly.Memory;
  /** Forget every allocation. */
  reset(): void;
  /** `bytes` bytes of fresh memory (16-byte aligned); returns the address. */
  allocate(bytes: number): number;
}

/** An instance keeps its memory at its largest; past this size, it is let go after the work and made afresh. */
const KEEP_MEMORY_BYTES = 64 * 2 ** 20;

/** A compiled kernel and, between pieces of work, one instance of it. */
export class WasmKernel<E extends KernelExports> {
  private instance: E | undefined;

  /** `name` says which kernel in its errors, e.g. `fill`. */
  constructor(
    private readonly module: WebAssembly.Module,
    private readonly name: string,
  ) {}

  /**
   * Run `work` on the instance after resetting its heap. A trap (out of memory, or a failed check in a bounds-checked
   * build) becomes a BgfillError saying `what` failed, and the instance is dropped, as is one whose memory grew past
   * 64 MiB (so that one large image does not keep its memory).
   * @example kernel.run('the Telea fill of a 256×256 image', (fills) => fills.telea(…))
   */
  run<T>(what: string, work: (exports: E) => T): T {
    const exports = (this.instance ??= this.instantiate());
    let result: T;
    try {
      exports.reset();
      result = work(exports);
    } catch (error) {
      this.instance = undefined;
      if (error instanceof WebAssembly.RuntimeError) {
        // The stub runtime traps (`unreachable`) when memory cannot grow; `abort` is a failed check.
        const why = error.message === abortMessage(this.name) ? 'a check in the kernel failed' : 'memory is at most 4 GiB';
        throw new BgfillError(`${what} failed in WebAssembly (${why}): ${error.message}`, { cause: error });
      }
      throw error;
    }
    if (exports.memory.buffer.byteLength > KEEP_MEMORY_BYTES) this.instance = undefined;
    return result;
  }

  private instantiate(): E {
    const message = abortMessage(this.name);
    const env = {
      abort(): never {
        throw new WebAssembly.RuntimeError(message);
      },
    };
    return new WebAssembly.Instance(this.module, { env }).exports as unknown as E;
  }
}

function abortMessage(name: string): string {
  return `the ${name} kernel aborted`;
}

/** Compile a kernel shipped beside a module (`new URL('./fills.wasm', import.meta.url)`). */
export function compileKernel(file: URL): WebAssembly.Module {
  return new WebAssembly.Module(readFileSync(file));
}

/** Copy `data`'s bytes into fresh memory of the kernel; returns their address. */
export function copyIn(exports: KernelExports, data: Uint8Array | Float32Array | Float64Array): number {
  const at = exports.allocate(data.byteLength);
  new Uint8Array(exports.memory.buffer, at, data.byteLength).set(new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
  return at;
}

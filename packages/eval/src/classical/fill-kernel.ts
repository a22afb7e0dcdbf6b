import { readFileSync } from 'node:fs';
import { BgfillError } from '@bgfill/core';
import type { FillTarget } from './fill-target.js';

/**
 * The fast-marching fills (Telea, Navier–Stokes) run in WebAssembly: fills.wasm, built from packages/eval/assembly
 * (AssemblyScript) by `pnpm --filter @bgfill/eval run build:wasm`. OpenCV computes these fills in float32, which
 * WebAssembly has natively; JavaScript has only doubles, and each float32 rounding (`Math.fround`) costs V8 a
 * conversion there and back on the value's dependency chain, so the same fills written in TypeScript took 2.5–3×
 * as long (bench/RESULTS.md).
 */

/** The fast-marching fills the kernel has. */
export type MarchingMethod = 'telea' | 'ns';

/** What fills.wasm exports (assembly/index.ts). */
interface FillExports {
  memory: WebAssembly.Memory;
  reset(): void;
  allocate(bytes: number): number;
  telea(image: number, mask: number, width: number, height: number, radius: number): void;
  navierStokes(image: number, mask: number, width: number, height: number, radius: number): void;
}

/** An instance keeps its memory at its largest; past this size, it is let go after the fill and made afresh. */
const KEEP_MEMORY_BYTES = 64 * 2 ** 20;

/** A compiled fill module and, between fills, one instance of it. */
export class FillKernel {
  private instance: FillExports | undefined;

  constructor(private readonly module: WebAssembly.Module) {}

  /**
   * Fill `target.out` (8-bit RGB, starting as the input) where `target.mask` is set, with Telea's or the
   * Navier–Stokes-based fill at `radius`, in place.
   */
  fill(method: MarchingMethod, target: FillTarget, radius: number): void {
    const { out, mask, width, height } = target;
    const fills = (this.instance ??= instantiate(this.module));
    try {
      fills.reset();
      const image = fills.allocate(out.length);
      const hole = fills.allocate(mask.data.length);
      new Uint8Array(fills.memory.buffer, image, out.length).set(out);
      new Uint8Array(fills.memory.buffer, hole, mask.data.length).set(mask.data);
      if (method === 'telea') fills.telea(image, hole, width, height, radius);
      else fills.navierStokes(image, hole, width, height, radius);
      out.set(new Uint8Array(fills.memory.buffer, image, out.length));
    } catch (error) {
      this.instance = undefined;
      if (error instanceof WebAssembly.RuntimeError) {
        throw new BgfillError(`the ${method} fill of a ${width}×${height} image failed in WebAssembly (memory is at most 4 GiB): ${error.message}`, { cause: error });
      }
      throw error;
    }
    if (fills.memory.buffer.byteLength > KEEP_MEMORY_BYTES) this.instance = undefined;
  }
}

function instantiate(module: WebAssembly.Module): FillExports {
  const env = {
    abort(): never {
      throw new WebAssembly.RuntimeError('the fill kernel aborted');
    },
  };
  return new WebAssembly.Instance(module, { env }).exports as unknown as FillExports;
}

let shipped: FillKernel | undefined;

/** The kernel built into the package (fills.wasm, loaded on first use). */
export function fillKernel(): FillKernel {
  return (shipped ??= new FillKernel(new WebAssembly.Module(readFileSync(new URL('./fills.wasm', import.meta.url)))));
}

import { compileKernel, copyIn, WasmKernel, type KernelExports } from '../wasm-kernel.js';
import type { FillTarget } from './fill-target.js';

/**
 * The fast-marching fills (Telea, Navier–Stokes) run in WebAssembly: fills.wasm, built from
 * packages/eval/assembly/fills (AssemblyScript) by `pnpm --filter @bgfill/eval run build:wasm`. OpenCV computes
 * these fills in float32, which WebAssembly has natively; JavaScript has only doubles, and each float32 rounding
 * (`Math.fround`) costs V8 a conversion there and back on the value's dependency chain, so the same fills written in
 * TypeScript took 2.5–3× as long (bench/RESULTS.md).
 */

/** The fast-marching fills the kernel has. */
export type MarchingMethod = 'telea' | 'ns';

/** What fills.wasm exports (assembly/fills/index.ts). */
interface FillExports extends KernelExports {
  telea(image: number, mask: number, width: number, height: number, radius: number): void;
  navierStokes(image: number, mask: number, width: number, height: number, radius: number): void;
}

/** A compiled fill module and, between fills, one instance of it. */
export class FillKernel {
  private readonly kernel: WasmKernel<FillExports>;

  constructor(module: WebAssembly.Module) {
    this.kernel = new WasmKernel<FillExports>(module, 'fill');
  }

  /**
   * Fill `target.out` (8-bit RGB, starting as the input) where `target.mask` is set, with Telea's or the
   * Navier–Stokes-based fill at `radius`, in place.
   */
  fill(method: MarchingMethod, target: FillTarget, radius: number): void {
    const { out, mask, width, height } = target;
    this.kernel.run(`the ${method} fill of a ${width}×${height} image`, (fills) => {
      const image = copyIn(fills, out);
      const hole = copyIn(fills, mask.data);
      if (method === 'telea') fills.telea(image, hole, width, height, radius);
      else fills.navierStokes(image, hole, width, height, radius);
      out.set(new Uint8Array(fills.memory.buffer, image, out.length));
    });
  }
}

let compiled: WebAssembly.Module | undefined;
let shipped: FillKernel | undefined;

/** The fill module built into the package (fills.wasm, compiled on first use; fill threads get it too). */
export function fillModule(): WebAssembly.Module {
  return (compiled ??= compileKernel(new URL('./fills.wasm', import.meta.url)));
}

/** The kernel built into the package, on this thread. */
export function fillKernel(): FillKernel {
  return (shipped ??= new FillKernel(fillModule()));
}

/**
 * @bgfill/eval's classical fills as a WebAssembly module: OpenCV's float32 arithmetic runs natively here, where V8
 * pays a conversion there and back for every `Math.fround` (bench/RESULTS.md). Built by `pnpm run build:wasm` in
 * packages/eval into src/classical/fills.wasm; src/classical/fill-kernel.ts loads it.
 *
 * Memory is a bump heap (the stub runtime): before each fill the caller resets it, allocates the image and the
 * mask, fills, and reads the image back.
 */
import { navierStokesFill } from './navier-stokes';
import { Pixels } from './pixels';
import { teleaFill } from './telea';

/** Forget every allocation: the heap starts again after the module's static data. */
export function reset(): void {
  __reset();
}

/** Allocate `bytes` bytes (16-byte aligned) and return their address. */
export function allocate(bytes: i32): usize {
  return heap.alloc(<usize>bytes);
}

/** Telea's fill of the `width` × `height` RGB image at `image` where the mask at `mask` is non-zero, in place. */
export function telea(image: usize, mask: usize, width: i32, height: i32, radius: i32): void {
  teleaFill(new Pixels(image, width * height * 3), mask, width, height, radius);
}

/** The Navier–Stokes-based fill, likewise. */
export function navierStokes(image: usize, mask: usize, width: i32, height: i32, radius: i32): void {
  navierStokesFill(new Pixels(image, width * height * 3), mask, width, height, radius);
}

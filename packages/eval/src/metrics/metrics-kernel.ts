import { compileKernel, copyIn, WasmKernel, type KernelExports } from '../wasm-kernel.js';
import type { DifferenceSums } from './differences.js';
import type { MetricImage } from './image.js';
import type { ResolvedSsimOptions } from './options.js';
import { SsimPass } from './ssim-pass.js';

/**
 * The metrics' inner loops in WebAssembly: metrics.wasm, built from packages/eval/assembly/metrics (AssemblyScript)
 * by `pnpm --filter @bgfill/eval run build:wasm`: the difference sums behind L1 and PSNR, and SSIM's filtering
 * (ssim-pass.ts), float64 throughout, two pixels at a time where the order of operations allows it. Each gives the
 * bits of the TypeScript loops it replaced, in about 0.4× their time (bench/RESULTS.md).
 */

/** What metrics.wasm exports (assembly/metrics/index.ts). */
export interface MetricsExports extends KernelExports {
  prepare(width: number, height: number, pad: number): void;
  weight(k: number, value: number): void;
  plane(length: number): number;
  channel(kind: number, at: number, length: number, channels: number, c: number, dst: number): void;
  downsample(src: number, width: number, height: number, dst: number): void;
  sums(x: number, y: number, width: number, height: number, c1: number, c2: number, term: number, shortcut: number, integers: number): number;
  contrastSum(): number;
  differenceSums(kind: number, x: number, y: number, length: number, channels: number, mask: number): void;
  difference(which: number): number;
}

/** An image copied into the kernel's memory: its value type (bytes per value), address, value count and channels. */
export interface CopiedImage {
  kind: 1 | 4 | 8;
  at: number;
  length: number;
  channels: number;
}

/** Copy an image's values into the kernel's memory. */
export function copyImage(k: MetricsExports, image: MetricImage): CopiedImage {
  const { data } = image;
  return { kind: data.BYTES_PER_ELEMENT as 1 | 4 | 8, at: copyIn(k, data), length: data.length, channels: image.channels };
}

/** Options of one SSIM pass. */
export interface SsimPassOptions {
  /** Count the pixels whose window sees no difference as 1 without filtering them (default true; false to check that shortcut). */
  shortcut?: boolean;
}

/** A compiled metrics module and, between uses, one instance of it. */
export class MetricsKernel {
  private readonly kernel: WasmKernel<MetricsExports>;

  constructor(module: WebAssembly.Module) {
    this.kernel = new WasmKernel<MetricsExports>(module, 'metrics');
  }

  /**
   * Run `work` with an SSIM pass over `pred` and `target` (checked by the caller: same size and channels, at least
   * pad + 1 a side): their planes and sums live until it returns. Synchronous, so passes never overlap.
   * @example metricsKernel().ssimPass(pred, target, o, window, (pass) => pass.sums(...pass.channel(0), 'ssim'))
   */
  ssimPass<T>(pred: MetricImage, target: MetricImage, options: ResolvedSsimOptions, window: Float64Array, work: (pass: SsimPass) => T, { shortcut = true }: SsimPassOptions = {}): T {
    return this.kernel.run(`SSIM of a ${pred.width}×${pred.height} pair`, (k) => work(new SsimPass(k, copyImage(k, pred), copyImage(k, target), pred.width, pred.height, options, window, shortcut)));
  }

  /**
   * Σ|pred − target| and Σ(pred − target)² over every value and over the values of the pixels where `mask` is
   * non-zero (checked by the caller: same size and channels, a mask of the images' size), each added in reading order.
   */
  differenceSums(pred: MetricImage, target: MetricImage, mask?: Uint8Array): { all: DifferenceSums; hole: DifferenceSums } {
    return this.kernel.run(`the differences of a ${pred.width}×${pred.height} pair`, (k) => {
      const x = copyImage(k, pred);
      const y = copyImage(k, target);
      k.differenceSums(x.kind, x.at, y.at, x.length, x.channels, mask === undefined ? 0 : copyIn(k, mask));
      return {
        all: { abs: k.difference(0), squared: k.difference(1), count: x.length },
        hole: { abs: k.difference(2), squared: k.difference(3), count: k.difference(4) },
      };
    });
  }
}

let shipped: MetricsKernel | undefined;

/** The kernel built into the package (metrics.wasm, loaded on first use). */
export function metricsKernel(): MetricsKernel {
  return (shipped ??= new MetricsKernel(compileKernel(new URL('./metrics.wasm', import.meta.url))));
}

import { compileKernel, copyIn, WasmKernel } from '../wasm-kernel.js';
import type { MetricImage } from './image.js';
import type { ResolvedSsimOptions } from './options.js';
import { copyImage, type MetricsExports } from './kernel-memory.js';
import { SsimPass } from './ssim-pass.js';

/**
 * The metrics' inner loops in WebAssembly: metrics.wasm, built from packages/eval/assembly/metrics (AssemblyScript)
 * by `pnpm --filter @bgfill/eval run build:wasm`: the difference sums behind L1 and PSNR, and SSIM's filtering
 * (ssim-pass.ts), float64 throughout, two pixels at a time where the order of operations allows it. Each gives the
 * bits of the TypeScript loops it replaced, in about 0.4× their time (bench/RESULTS.md).
 */

/** Sums of absolute and squared differences over the pixels considered, all channels. */
export interface DifferenceSums {
  abs: number;
  squared: number;
  /** Values summed: pixels × channels. 0 when a mask has no hole pixel. */
  count: number;
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

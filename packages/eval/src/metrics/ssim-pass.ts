import type { CopiedImage, MetricsExports } from './kernel-memory.js';
import type { ResolvedSsimOptions } from './options.js';

/**
 * SSIM's sums in the metrics kernel (metrics-kernel.ts, assembly/metrics/sums.ts). For one channel pair they are
 * torchmetrics 1.9.0's sums (`functional/image/ssim.py`, `_ssim_update`): both planes reflect-padded by `pad`; local means of x, y, x², y², xy
 * taken with the normalised Gaussian window (a valid correlation over the padded planes, so one value per original
 * pixel); SSIM = (2μxμy + c1)(2σxy + c2) / ((μx² + μy² + c1)(σx² + σy² + c2)) summed over every pixel; and the
 * contrast-sensitivity term (2σxy + c2) / (σx² + σy² + c2) summed over the pixels at least `pad` from each border
 * (torchmetrics crops the contrast map, not the SSIM map, before averaging).
 *
 * - Only σx² + σy² enters the formula, so E[x²] and E[y²] are filtered together as E[x² + y²] (four filtered maps
 *   instead of five); the sum is clamped at 0 where torchmetrics clamps each variance — the two differ only where a
 *   variance is rounding noise (|σ²| ~ 1e-12), far below any tolerance.
 * - Filtering is separable (the 2-D window is an outer product) and everything is float64, two pixels at a time in
 *   f64x2 lanes: each lane does the float64 operations of the scalar sum in its order, so the sums have the bits of
 *   the TypeScript filtering this replaced, at about 0.4× its time (bench/RESULTS.md).
 * - Where x equals y over a pixel's whole window (outside an inpainted hole, more than `pad` from it), x's moments
 *   are y's and both terms are exactly 1, so such pixels are not filtered at all but counted as 1 (`shortcut`).
 *   Filtering them would give 1 too, up to the rounding of E[x² + y²] − 2μ², which a flat area can leave at −1e-13
 *   or so: the sums agree to a few units in their last place. For the demo's 256² records with person-box +
 *   scribble holes (a quarter of the image) this filters a third of the pixels at the first scale.
 */

/** What `channelSums` adds up: `ssim`, the SSIM map over every pixel; `cs`, the contrast map over the interior; or both from one pass. */
export type SsimTerm = 'ssim' | 'cs' | 'both';

/** A sum over one channel and how many pixels went into it; the mean is sum / count. */
export interface SsimSum {
  sum: number;
  count: number;
}

/** The sums of one pass: the SSIM map's over every pixel, the contrast map's over the interior (count 0 for a term not asked for). */
export interface SsimAndCsSums {
  ssim: SsimSum;
  cs: SsimSum;
}

/** A float64 plane in the kernel's memory: one channel of an image at one scale. */
export interface KernelPlane {
  /** The plane's address (an AssemblyScript StaticArray<f64>). */
  at: number;
  width: number;
  height: number;
  /** 0 for the prediction's planes, 1 for the target's. */
  side: 0 | 1;
  /** 0 at full size, then one more per halving. */
  level: number;
}

const TERMS: Record<SsimTerm, number> = { ssim: 0, cs: 1, both: 2 };

/**
 * One SSIM computation on an image pair, inside `ssimPass`: each channel of both images as float64 planes
 * (`channel`), halved for the coarser scales (`halve`), and their sums (`sums`). The planes of one channel and scale
 * share memory with those of every other channel at that scale: a plane is valid until the next `channel` call, so
 * callers go through all the scales of one channel before the next.
 */
export class SsimPass {
  private readonly width: number;
  private readonly height: number;
  private readonly pred: CopiedImage;
  private readonly target: CopiedImage;
  /** Per side, the plane of each level (made on first use). */
  private readonly levels: [number[], number[]] = [[], []];
  private readonly integers: boolean;

  constructor(
    private readonly k: MetricsExports,
    /** The images, copied into the kernel's memory; pred's width and height. */
    pred: CopiedImage,
    target: CopiedImage,
    width: number,
    height: number,
    private readonly options: ResolvedSsimOptions,
    window: Float64Array,
    /** Skip the pixels whose window sees no difference (see above); off only to check that shortcut. */
    private readonly shortcut: boolean,
  ) {
    this.width = width;
    this.height = height;
    k.prepare(width, height, options.pad);
    window.forEach((w, i) => k.weight(i, w));
    this.pred = pred;
    this.target = target;
    // 8-bit planes and their halvings hold no values small enough for their squares to underflow.
    this.integers = pred.kind === 1 && target.kind === 1;
  }

  /** Channel `c` of the prediction and of the target, at full size. */
  channel(c: number): [KernelPlane, KernelPlane] {
    return [this.load(0, this.pred, c), this.load(1, this.target, c)];
  }

  /** A plane halved by 2×2 averaging, an odd last row or column dropped (PyTorch's `avg_pool2d(x, (2, 2))`, MS-SSIM's step between scales). */
  halve(plane: KernelPlane): KernelPlane {
    const half = this.planeAt(plane.side, plane.level + 1, Math.floor(plane.width / 2), Math.floor(plane.height / 2));
    this.k.downsample(plane.at, plane.width, plane.height, half.at);
    return half;
  }

  /** The sums of one channel pair (same size and scale), `term` saying which. */
  sums(x: KernelPlane, y: KernelPlane, term: SsimTerm): SsimAndCsSums {
    const { width: W, height: H } = x;
    const { pad: p, c1, c2 } = this.options;
    const ssim = this.k.sums(x.at, y.at, W, H, c1, c2, TERMS[term], this.shortcut ? 1 : 0, this.integers ? 1 : 0);
    return {
      ssim: term === 'cs' ? { sum: 0, count: 0 } : { sum: ssim, count: W * H },
      cs: term === 'ssim' ? { sum: 0, count: 0 } : { sum: this.k.contrastSum(), count: (W - 2 * p) * (H - 2 * p) },
    };
  }

  /** A plane's values, copied out (for tests and diagnostics). */
  values(plane: KernelPlane): Float64Array {
    return new Float64Array(this.k.memory.buffer, plane.at, plane.width * plane.height).slice();
  }

  private load(side: 0 | 1, image: CopiedImage, c: number): KernelPlane {
    const plane = this.planeAt(side, 0, this.width, this.height);
    this.k.channel(image.kind, image.at, image.length, image.channels, c, plane.at);
    return plane;
  }

  private planeAt(side: 0 | 1, level: number, width: number, height: number): KernelPlane {
    const planes = this.levels[side];
    planes[level] ??= this.k.plane(width * height);
    return { at: planes[level], width, height, side, level };
  }
}



import { invalidParameter, rngFor, type Seed } from '@bgfill/core';

/** Defaults of the paired bootstrap: 2,000 resamples, a 95 % interval, seed 0. */
export const BOOTSTRAP_DEFAULTS = { resamples: 2000, level: 0.95, seed: 0 } as const;
/** Most resamples accepted (memory grows with resamples × records). */
export const MAX_BOOTSTRAP_RESAMPLES = 100_000;

export interface BootstrapOptions {
  /** Resamples drawn (default 2,000). */
  resamples?: number;
  /** Coverage of the interval, in (0, 1) (default 0.95). */
  level?: number;
  /** Seeds the resamples (default 0): the same seed and values give the same interval. */
  seed?: Seed;
}

/** A mean with its bootstrap interval. */
export interface MeanInterval {
  /** Values the mean is over. */
  n: number;
  mean: number;
  /** The interval's ends (NaN when n is 0). */
  lo: number;
  hi: number;
}

/**
 * The `p` quantile of ascending values, interpolating linearly between order statistics (Hyndman & Fan's type 7,
 * the default of R and NumPy).
 * @example quantileSorted(Float64Array.of(1, 2, 3, 4), 0.5) // 2.5
 */
export function quantileSorted(sorted: ArrayLike<number>, p: number): number {
  const h = (sorted.length - 1) * p;
  const below = Math.floor(h);
  const above = Math.min(sorted.length - 1, below + 1);
  return sorted[below] + (h - below) * (sorted[above] - sorted[below]);
}

/**
 * Percentile bootstrap intervals of a mean (Efron & Tibshirani 1993, ch. 13): `resamples` times, draw n values with
 * replacement and take their mean; the interval runs between the (1 − level)/2 and (1 + level)/2 quantiles of those
 * means. For paired data, give it the per-record differences: resampling records keeps each pair together.
 * The draws for n values are a pure function of (seed, n), made once and reused for every metric and row with n
 * values, so that a whole report is deterministic and its intervals share their resamples.
 * @example
 * const boot = new PairedBootstrap({ seed: 1 });
 * boot.interval([0.01, -0.02, 0.03]) // { n: 3, mean: 0.00667, lo: …, hi: … }
 */
export class PairedBootstrap {
  readonly resamples: number;
  readonly level: number;
  readonly seed: Seed;
  private readonly plans = new Map<number, Uint32Array>();

  constructor(options: BootstrapOptions = {}) {
    this.resamples = options.resamples ?? BOOTSTRAP_DEFAULTS.resamples;
    this.level = options.level ?? BOOTSTRAP_DEFAULTS.level;
    this.seed = options.seed ?? BOOTSTRAP_DEFAULTS.seed;
    if (!Number.isSafeInteger(this.resamples) || this.resamples < 1 || this.resamples > MAX_BOOTSTRAP_RESAMPLES) {
      throw invalidParameter('bootstrap resamples', `an integer from 1 to ${MAX_BOOTSTRAP_RESAMPLES}`, this.resamples);
    }
    if (!(this.level > 0 && this.level < 1)) throw invalidParameter('bootstrap level', 'a number between 0 and 1', this.level);
  }

  /** The resample draws for n values: `resamples` rows of n indices in [0, n). */
  private plan(n: number): Uint32Array {
    let plan = this.plans.get(n);
    if (!plan) {
      const rng = rngFor(this.seed, 'paired-bootstrap', n);
      plan = new Uint32Array(this.resamples * n);
      for (let i = 0; i < plan.length; i++) plan[i] = Math.floor(rng.random() * n);
      this.plans.set(n, plan);
    }
    return plan;
  }

  /**
   * The mean of `values` and its interval. Non-finite values are the caller's to leave out.
   * @example new PairedBootstrap().interval([1, 2, 3]).mean // 2
   */
  interval(values: ArrayLike<number>): MeanInterval {
    const n = values.length;
    if (n === 0) return { n, mean: NaN, lo: NaN, hi: NaN };
    let sum = 0;
    for (let i = 0; i < n; i++) sum += values[i];
    const mean = sum / n;
    const plan = this.plan(n);
    const means = new Float64Array(this.resamples);
    for (let b = 0, k = 0; b < this.resamples; b++) {
      let s = 0;
      for (const end = k + n; k < end; k++) s += values[plan[k]];
      means[b] = s / n;
    }
    means.sort();
    const alpha = (1 - this.level) / 2;
    return { n, mean, lo: quantileSorted(means, alpha), hi: quantileSorted(means, 1 - alpha) };
  }
}

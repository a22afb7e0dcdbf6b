import { BgfillError, invalidParameter } from '@bgfill/core';

/**
 * SSIM settings. Defaults are torchmetrics' (`structural_similarity_index_measure`): Gaussian window 11, sigma 1.5,
 * k1 0.01, k2 0.03, and data range 255 for 8-bit images.
 */
export interface SsimOptions {
  /** Width of the value scale: 255 for 8-bit images, 1 for 0…1, 2 for −1…1. Default 255 (buffers). */
  dataRange?: number;
  /** Side of the Gaussian window, odd, ≥ 3. Default 11. */
  windowSize?: number;
  /** Standard deviation of the Gaussian window in pixels. Default 1.5. */
  sigma?: number;
  /** Luminance stabiliser: c1 = (k1 · dataRange)². Default 0.01. */
  k1?: number;
  /** Contrast stabiliser: c2 = (k2 · dataRange)². Default 0.03. */
  k2?: number;
}

/**
 * How per-scale values are treated before weighting (torchmetrics' `normalize`): `relu` clamps negatives to 0
 * (torchmetrics' default for MS-SSIM, and stable as a loss), `simple` maps v to (v + 1) / 2, `none` uses raw values
 * (a negative value raised to a fractional weight gives NaN, as in torchmetrics).
 */
export const MSSSIM_NORMALIZE = ['relu', 'simple', 'none'] as const;
export type MsssimNormalize = (typeof MSSSIM_NORMALIZE)[number];

/** MS-SSIM settings: SSIM's, plus how many scales and their weights. */
export interface MsssimOptions extends SsimOptions {
  /**
   * Exponent of each scale, finest first; their count is the number of scales. Default: the five weights of
   * Wang, Simoncelli & Bovik (2003), `STANDARD_MSSSIM_WEIGHTS`.
   */
  weights?: readonly number[];
  /**
   * Shorthand for fewer scales (1–5): the first `scales` standard weights divided by their sum (`scales: 5` is the
   * standard set unchanged; its weights sum to 1.0001, as published). Ignored when `weights` is given. Small training crops (64²) need `scales: 3` or a smaller window; see `msssimMinimumSide`.
   */
  scales?: number;
  /** Default `relu`, as torchmetrics. */
  normalize?: MsssimNormalize;
}

/** The SSIM window side when none is given: 11, as torchmetrics and the MS-SSIM paper. */
export const DEFAULT_SSIM_WINDOW = 11;

/** The five MS-SSIM exponents (β1…β5 = γ1…γ5) of Wang, Simoncelli & Bovik, "Multi-scale structural similarity for image quality assessment" (2003), also torchmetrics' `betas` default. */
export const STANDARD_MSSSIM_WEIGHTS: readonly number[] = Object.freeze([0.0448, 0.2856, 0.3001, 0.2363, 0.1333]);

/** SSIM settings with every default filled in and checked. */
export interface ResolvedSsimOptions {
  dataRange: number;
  windowSize: number;
  sigma: number;
  k1: number;
  k2: number;
  /** (windowSize − 1) / 2: the reflect padding, and the border cropped from the contrast map. */
  pad: number;
  c1: number;
  c2: number;
}

/** MS-SSIM settings with every default filled in and checked. */
export interface ResolvedMsssimOptions extends ResolvedSsimOptions {
  weights: readonly number[];
  normalize: MsssimNormalize;
}

function positiveFinite(value: unknown, name: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value) || value <= 0) {
    throw invalidParameter(name, 'positive finite number', value);
  }
  return value;
}

/**
 * Fill defaults and validate SSIM options; throws a BgfillError naming the bad option.
 * @example resolveSsimOptions({ dataRange: 2 }).c1 // (0.01 · 2)² = 0.0004
 */
export function resolveSsimOptions(options: SsimOptions = {}, defaultDataRange = 255): ResolvedSsimOptions {
  const dataRange = positiveFinite(options.dataRange ?? defaultDataRange, 'dataRange');
  const windowSize = options.windowSize ?? DEFAULT_SSIM_WINDOW;
  if (!Number.isInteger(windowSize) || windowSize < 3 || windowSize % 2 === 0 || windowSize > 255) {
    throw invalidParameter('windowSize', 'odd integer between 3 and 255', windowSize);
  }
  const sigma = positiveFinite(options.sigma ?? 1.5, 'sigma');
  const k1 = positiveFinite(options.k1 ?? 0.01, 'k1');
  const k2 = positiveFinite(options.k2 ?? 0.03, 'k2');
  return {
    dataRange,
    windowSize,
    sigma,
    k1,
    k2,
    pad: (windowSize - 1) / 2,
    c1: (k1 * dataRange) ** 2,
    c2: (k2 * dataRange) ** 2,
  };
}

/**
 * Fill defaults and validate MS-SSIM options (see `MsssimOptions`).
 * @example resolveMsssimOptions({ scales: 3 }).weights // [0.0448, 0.2856, 0.3001] / 0.6305
 */
export function resolveMsssimOptions(options: MsssimOptions = {}, defaultDataRange = 255): ResolvedMsssimOptions {
  const base = resolveSsimOptions(options, defaultDataRange);
  let weights: readonly number[];
  if (options.weights !== undefined) {
    const w = options.weights;
    if (!Array.isArray(w) || w.length === 0 || w.length > 8) {
      throw invalidParameter('weights', 'array of 1 to 8 numbers', w);
    }
    w.forEach((v, i) => {
      if (typeof v !== 'number' || !Number.isFinite(v) || v < 0) {
        throw invalidParameter(`weights[${i}]`, 'finite number ≥ 0', v);
      }
    });
    weights = Object.freeze([...w]);
  } else if (options.scales !== undefined) {
    const n = options.scales;
    if (!Number.isInteger(n) || n < 1 || n > STANDARD_MSSSIM_WEIGHTS.length) {
      throw invalidParameter('scales', `integer between 1 and ${STANDARD_MSSSIM_WEIGHTS.length}`, n);
    }
    if (n === STANDARD_MSSSIM_WEIGHTS.length) {
      weights = STANDARD_MSSSIM_WEIGHTS;
    } else {
      const first = STANDARD_MSSSIM_WEIGHTS.slice(0, n);
      const sum = first.reduce((a, b) => a + b, 0);
      weights = Object.freeze(first.map((v) => v / sum));
    }
  } else {
    weights = STANDARD_MSSSIM_WEIGHTS;
  }
  const normalize = options.normalize ?? 'relu';
  if (!MSSSIM_NORMALIZE.includes(normalize)) {
    throw invalidParameter('normalize', `one of ${MSSSIM_NORMALIZE.join(', ')}`, normalize);
  }
  return { ...base, weights, normalize };
}

/** Smallest side SSIM accepts with this window: reflect padding by `pad` needs at least pad + 1 pixels. */
export function ssimMinimumSide(windowSize: number): number {
  return (windowSize - 1) / 2 + 1;
}

/**
 * Smallest image side for which MS-SSIM with `scales` scales and this window is defined: every scale but the last
 * needs more than 2·pad pixels (its contrast map is averaged after cropping `pad` from each border), the last needs
 * pad + 1 (reflect padding), and each 2×2 average-pooling halves the side, rounding down. For 5 scales and window
 * 11 that is 96. (torchmetrics' own check is stricter and asks for more than (window − 1)·(scales − 1)² = 160.)
 * @example msssimMinimumSide(5, 11) // 96;  msssimMinimumSide(3, 11) // 24;  msssimMinimumSide(3, 7) // 16
 */
export function msssimMinimumSide(scales: number, windowSize: number): number {
  const pad = (windowSize - 1) / 2;
  const last = (pad + 1) * 2 ** (scales - 1);
  const inner = scales >= 2 ? (2 * pad + 1) * 2 ** (scales - 2) : 0;
  return Math.max(last, inner);
}

/**
 * How many MS-SSIM scales an image whose smaller side is `side` pixels allows with this window: the largest n ≤ `max`
 * with `msssimMinimumSide(n, windowSize) <= side`, or 0 when not even one scale fits (the image is too small for
 * SSIM with that window). The rule behind every "as many scales as fit" choice (`bgfill eval pair`, size hints).
 * @example msssimScalesThatFit(64, 11) // 3;  msssimScalesThatFit(256, 11) // 5;  msssimScalesThatFit(4, 11) // 0
 */
export function msssimScalesThatFit(side: number, windowSize: number, max: number = STANDARD_MSSSIM_WEIGHTS.length): number {
  let fits = 0;
  while (fits < max && msssimMinimumSide(fits + 1, windowSize) <= side) fits++;
  return fits;
}

/** Throw a BgfillError when an image is too small for SSIM with these options. */
export function checkSsimSize(width: number, height: number, options: ResolvedSsimOptions): void {
  const min = ssimMinimumSide(options.windowSize);
  if (width < min || height < min) {
    throw new BgfillError(
      `SSIM with a ${options.windowSize}-pixel window needs images of at least ${min}×${min} pixels; got ` +
        `${width}×${height}. Use a smaller windowSize.`,
      { subject: 'windowSize' },
    );
  }
}

/** Throw a BgfillError naming the minimum size (and what would fit) when an image is too small for MS-SSIM. */
export function checkMsssimSize(width: number, height: number, options: ResolvedMsssimOptions): void {
  const scales = options.weights.length;
  const min = msssimMinimumSide(scales, options.windowSize);
  if (width >= min && height >= min) return;
  const fits = msssimScalesThatFit(Math.min(width, height), options.windowSize, 8);
  const hint =
    fits > 0
      ? ` Use ${fits} scale${fits === 1 ? '' : 's'} (e.g. { scales: ${Math.min(fits, STANDARD_MSSSIM_WEIGHTS.length)} }) or a smaller windowSize.`
      : ' Use a smaller windowSize.';
  throw new BgfillError(
    `MS-SSIM with ${scales} scale${scales === 1 ? '' : 's'} and a ${options.windowSize}-pixel window needs images of ` +
      `at least ${min}×${min} pixels; got ${width}×${height}.${hint}`,
    { subject: 'scales' },
  );
}

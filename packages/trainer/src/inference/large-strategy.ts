import { BgfillError, invalidParameter } from '@bgfill/core';
import type { Mask } from '@bgfill/masks';
import { ESRGAN_SCALES, ESRGAN_SIZES } from '../upscale/esrgan-models.js';
import { AUTO_TILE_SIDE } from './tiling.js';

/**
 * How `bgfill inpaint` fills a photo too large for one network run (above about 512×512):
 * - `tiles`: overlapping tiles at full resolution, feathered together (tiling.ts); each tile sees only its part
 *   of the scene.
 * - `scale`: the whole photo shrunk by an integer factor to the working side, filled in one run (the net sees the
 *   whole scene), the fill enlarged by an upscaler (ESRGAN or bicubic) and put into the full-resolution photo
 *   inside the hole only, feathered at the hole's edge (large-photo.ts).
 * - `auto`: `scale` when the hole is large relative to the photo, `tiles` otherwise (chooseLargeStrategy).
 */
export const LARGE_STRATEGIES = ['auto', 'scale', 'tiles'] as const;
export type LargeStrategy = (typeof LARGE_STRATEGIES)[number];

/** What `--upscaler` accepts: bicubic interpolation or an ESRGAN size. */
export const UPSCALER_NAMES = ['bicubic', ...ESRGAN_SIZES.map((s) => `esrgan-${s}` as const)] as const;
export type UpscalerName = (typeof UPSCALER_NAMES)[number];

export const DEFAULT_LARGE_STRATEGY: LargeStrategy = 'auto';
/**
 * Default `--upscaler`: medium. A fill is invented, not restored, so what counts is sharp detail rather than
 * fidelity: medium draws sharper detail than bicubic (mean-gradient sharpness 0.63 against 0.57 of the photo's, ×4)
 * at 1/9 of thick's CPU time; thick, the only size above bicubic on PSNR/SSIM (+0.62 dB), is 77 CPU s per output
 * megapixel on 2 wasm cores (bench/RESULTS.md, super-resolution). `bgfill upscale` restores, so it defaults to thick.
 */
export const DEFAULT_UPSCALER: UpscalerName = 'esrgan-medium';

/**
 * `auto` picks `scale` when the hole's bounding box spans at least this share of the photo's width or height.
 * A person who spans a quarter of a 1–2 megapixel photo is 300 px or more tall: more than half of a 512-px tile,
 * so a tile would hold mostly hole and little of the scene around it; a smaller hole keeps its full resolution
 * in tiles, where shrinking and re-enlarging would only blur it (bench/RESULTS.md, large photos).
 */
export const AUTO_SCALE_EXTENT = 0.25;

/** The longest side of the shrunken copy `scale` fills (default): the largest one network run takes. */
export const DEFAULT_LARGE_SIDE = AUTO_TILE_SIDE;

/**
 * Check `--large` at the edge.
 * @example parseLargeStrategy('scale') // → 'scale'
 */
export function parseLargeStrategy(value: unknown, name = '--large'): LargeStrategy {
  if (typeof value === 'string' && (LARGE_STRATEGIES as readonly string[]).includes(value)) return value as LargeStrategy;
  throw invalidParameter(name, `one of ${LARGE_STRATEGIES.join(', ')}`, value);
}

/**
 * Check `--upscaler` at the edge.
 * @example parseUpscalerName('esrgan-slim') // → 'esrgan-slim'
 */
export function parseUpscalerName(value: unknown, name = '--upscaler'): UpscalerName {
  if (typeof value === 'string' && (UPSCALER_NAMES as readonly string[]).includes(value)) return value as UpscalerName;
  throw invalidParameter(name, `one of ${UPSCALER_NAMES.join(', ')}`, value);
}

/** The `--large` settings of `bgfill inpaint`, checked. */
export interface LargeSettings {
  strategy: LargeStrategy;
  upscaler: UpscalerName;
  /** Longest side of the shrunken copy (default DEFAULT_LARGE_SIDE). */
  side: number;
}

/**
 * Check `--large` and `--upscaler` against each other and against the options that fix the strategy already:
 * `--tiles` is tiling, and `--save-raw` (the network's output over the whole frame) exists only for tiles (`auto`
 * becomes `tiles` with it).
 * @example parseLargeSettings({ large: 'scale', upscaler: 'bicubic' }) // → { strategy: 'scale', upscaler: 'bicubic', side: 512 }
 */
export function parseLargeSettings(options: { large?: string; upscaler?: string; tiles?: string; saveRaw?: string }): LargeSettings {
  const strategy = parseLargeStrategy(options.large ?? DEFAULT_LARGE_STRATEGY);
  const upscaler = parseUpscalerName(options.upscaler ?? DEFAULT_UPSCALER);
  if (strategy === 'scale' && options.tiles !== undefined) throw new BgfillError('--large scale and --tiles exclude each other (--tiles is --large tiles with a chosen grid)', { subject: '--large' });
  if (strategy === 'scale' && options.saveRaw !== undefined) throw new BgfillError('--save-raw needs the network output over the whole frame: use it with --large tiles, not scale', { subject: '--large' });
  if (options.upscaler !== undefined && (strategy === 'tiles' || options.tiles !== undefined)) {
    throw new BgfillError('--upscaler only applies to --large scale or auto (tiles fill at full resolution)', { subject: '--upscaler' });
  }
  // The raw output is the network's output over the whole frame, which only tiling has: auto then tiles.
  return { strategy: strategy === 'auto' && options.saveRaw !== undefined ? 'tiles' : strategy, upscaler, side: DEFAULT_LARGE_SIDE };
}

/** The bounding box of a mask's hole pixels, or null when it has none. */
export function holeBounds(mask: Mask): { x: number; y: number; width: number; height: number } | null {
  let x0 = mask.width;
  let y0 = mask.height;
  let x1 = -1;
  let y1 = -1;
  for (let y = 0; y < mask.height; y++) {
    const row = y * mask.width;
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[row + x] === 0) continue;
      if (x < x0) x0 = x;
      if (x > x1) x1 = x;
      if (y < y0) y0 = y;
      y1 = y;
    }
  }
  return x1 < 0 ? null : { x: x0, y: y0, width: x1 - x0 + 1, height: y1 - y0 + 1 };
}

export interface LargeDecision {
  strategy: 'scale' | 'tiles';
  /** Why, in one clause for the log. */
  reason: string;
}

/**
 * Resolve `auto` for one photo and its hole: `scale` when the hole's bounding box spans at least AUTO_SCALE_EXTENT
 * of the photo's width or height, else `tiles`. An explicit strategy is kept (the reason then only says the extent).
 * @example chooseLargeStrategy('auto', mask) // → { strategy: 'scale', reason: 'the hole spans 60 % of the photo's height (auto: scale from 25 %)' }
 */
export function chooseLargeStrategy(requested: LargeStrategy, mask: Mask): LargeDecision {
  const box = holeBounds(mask);
  const wide = box ? box.width / mask.width : 0;
  const tall = box ? box.height / mask.height : 0;
  const extent = Math.max(wide, tall);
  const spans = box ? `the hole spans ${(100 * extent).toFixed(0)} % of the photo's ${tall >= wide ? 'height' : 'width'}` : 'the mask has no hole';
  if (requested !== 'auto') return { strategy: requested, reason: spans };
  const threshold = `${(100 * AUTO_SCALE_EXTENT).toFixed(0)} %`;
  return extent >= AUTO_SCALE_EXTENT
    ? { strategy: 'scale', reason: `${spans} (auto: scale from ${threshold}, so the net sees the whole scene)` }
    : { strategy: 'tiles', reason: `${spans} (auto: tiles below ${threshold}, keeping full resolution around a small hole)` };
}

export interface ScalePlan {
  /** The integer shrink (and enlargement) factor. */
  factor: number;
  /** The photo's size padded (by reflection, right and bottom) to multiples of `factor`. */
  paddedWidth: number;
  paddedHeight: number;
  /** The shrunken copy's size: padded size / factor. */
  lowWidth: number;
  lowHeight: number;
}

/**
 * The shrink factor for `scale`: the smallest of `factors` (ESRGAN's 2, 3, 4, 8; bicubic takes any integer from 2)
 * whose shrunken copy fits `side` × `side`; the largest when none does (the copy is then filled in tiles itself).
 * @example planScale(1600, 1200, 512, [2, 3, 4, 8]) // → factor 4, copy 400×300
 */
export function planScale(width: number, height: number, side: number, factors: readonly number[]): ScalePlan {
  const fits = (f: number) => Math.ceil(width / f) <= side && Math.ceil(height / f) <= side;
  const factor = factors.find(fits) ?? factors[factors.length - 1];
  const lowWidth = Math.ceil(width / factor);
  const lowHeight = Math.ceil(height / factor);
  return { factor, paddedWidth: lowWidth * factor, paddedHeight: lowHeight * factor, lowWidth, lowHeight };
}

/**
 * The factors an upscaler offers: ESRGAN's published scales, or every integer from 2 to 64 for bicubic.
 * @example upscalerFactors('bicubic').slice(0, 3) // → [2, 3, 4]
 */
export function upscalerFactors(name: UpscalerName): readonly number[] {
  return name === 'bicubic' ? Array.from({ length: 63 }, (_, i) => i + 2) : ESRGAN_SCALES;
}

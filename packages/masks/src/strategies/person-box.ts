/**
 * `person-box`: one centred rectangular hole whose size follows the folded-normal law of the original
 * person-removal recipe (a box standing in for the removed person's bounding box).
 */
import { z } from 'zod';
import { createMask, fillRect, type Mask, type Size } from '../mask.js';
import type { Rng } from '@bgfill/core';
import type { MaskStrategy } from '../strategy.js';
import { rangeSchema, type Range } from './range.js';

/** Options that only `mode: 'general'` reads, with the values it uses when they are left out. */
export const PERSON_BOX_GENERAL_DEFAULTS = {
  sigma: 1 / 3,
  jitter: 0,
  minHoleRatio: 0,
  maxHoleRatio: 1,
  maxTries: 100,
} as const;

const GENERAL_ONLY = [
  'sigma',
  'sigmaHeight',
  'sigmaWidth',
  'jitter',
  'aspect',
  'minHoleRatio',
  'maxHoleRatio',
  'maxTries',
] as const;

const sigmaField = z.number().min(0).max(100);

export const personBoxSchema = z
  .strictObject({
    strategy: z.literal('person-box'),
    mode: z
      .enum(['compatible', 'general'])
      .default('compatible')
      .describe(
        "'compatible' (default) reproduces the original recipe bit for bit; 'general' adds the options below",
      ),
    sigma: sigmaField
      .optional()
      .describe('general: scale of |N(0,1)| as a fraction of the half side, for both margins (default 1/3)'),
    sigmaHeight: sigmaField.optional().describe('general: sigma for the top/bottom margin (default: sigma)'),
    sigmaWidth: sigmaField.optional().describe('general: sigma for the half width (default: sigma)'),
    jitter: z
      .number()
      .min(0)
      .max(1)
      .optional()
      .describe('general: centre moved by up to ± jitter × side on each axis, uniform; the box is clipped (default 0)'),
    aspect: rangeSchema({ lo: 0 })
      .optional()
      .describe('general: allowed [min, max] of hole height / hole width (default: any)'),
    minHoleRatio: z.number().min(0).max(1).optional().describe('general: smallest hole fraction accepted (default 0)'),
    maxHoleRatio: z.number().min(0).max(1).optional().describe('general: largest hole fraction accepted (default 1)'),
    maxTries: z
      .number()
      .int()
      .min(1)
      .max(100_000)
      .optional()
      .describe('general: draws before giving up on the constraints and keeping the nearest try (default 100)'),
  })
  .superRefine((config, ctx) => {
    if (config.mode === 'compatible') {
      for (const key of GENERAL_ONLY) {
        if (config[key] !== undefined) {
          ctx.addIssue({ code: 'custom', path: [key], message: `${key} applies only to mode 'general'` });
        }
      }
    }
    const lo = config.minHoleRatio ?? PERSON_BOX_GENERAL_DEFAULTS.minHoleRatio;
    const hi = config.maxHoleRatio ?? PERSON_BOX_GENERAL_DEFAULTS.maxHoleRatio;
    if (lo > hi) ctx.addIssue({ code: 'custom', path: ['minHoleRatio'], message: 'minHoleRatio exceeds maxHoleRatio' });
  });

export type PersonBoxConfig = z.output<typeof personBoxSchema>;

/** Inclusive pixel bounds of a box hole; empty when top > bottom or left > right. */
export interface BoxBounds {
  readonly top: number;
  readonly bottom: number;
  readonly left: number;
  readonly right: number;
}

/**
 * The recipe's margin law: `trunc(min(|z| · sigma · half, half))`. With sigma = 1/3 and half = 128 this is
 * `int(clip(|z| / 3 × 128, 0, 128))`.
 * @example foldedNormalMargin(1.5, 1 / 3, 128) // 64
 */
export function foldedNormalMargin(z: number, sigma: number, half: number): number {
  return Math.trunc(Math.min(Math.abs(z) * sigma * half, half));
}

/**
 * Number of pixels in inclusive bounds (0 when empty).
 * @example boundsArea({ top: 10, bottom: 19, left: 0, right: 4 }) // 50
 */
export function boundsArea(b: BoxBounds): number {
  return b.top > b.bottom || b.left > b.right ? 0 : (b.bottom - b.top + 1) * (b.right - b.left + 1);
}

/**
 * The hole of the original recipe: z0, z1 ~ N(0,1) drawn in that order from `rng`; H = int(clip(|z0|/3·h/2, 0, h/2)),
 * W = int(clip(|z1|/3·w/2, 0, w/2)); rows H … h−H−1 and columns ⌊w/2⌋−W … ⌊w/2⌋+W−1, inclusive.
 * H = h/2 gives no rows and W = 0 no columns (an empty hole).
 */
function compatibleBounds(size: Size, rng: Rng): BoxBounds {
  const z0 = rng.normal();
  const z1 = rng.normal();
  const H = Math.trunc(Math.min((Math.abs(z0) / 3) * (size.height / 2), size.height / 2));
  const W = Math.trunc(Math.min((Math.abs(z1) / 3) * (size.width / 2), size.width / 2));
  const cx = Math.floor(size.width / 2);
  return { top: H, bottom: size.height - H - 1, left: cx - W, right: cx + W - 1 };
}

interface GeneralParams {
  sigmaHeight: number;
  sigmaWidth: number;
  jitter: number;
  aspect: Range | undefined;
  minHoleRatio: number;
  maxHoleRatio: number;
  maxTries: number;
}

function generalParams(config: PersonBoxConfig): GeneralParams {
  const d = PERSON_BOX_GENERAL_DEFAULTS;
  const sigma = config.sigma ?? d.sigma;
  return {
    sigmaHeight: config.sigmaHeight ?? sigma,
    sigmaWidth: config.sigmaWidth ?? sigma,
    jitter: config.jitter ?? d.jitter,
    aspect: config.aspect,
    minHoleRatio: config.minHoleRatio ?? d.minHoleRatio,
    maxHoleRatio: config.maxHoleRatio ?? d.maxHoleRatio,
    maxTries: config.maxTries ?? d.maxTries,
  };
}

/** One general-mode draw: the same law with its own sigmas, then a jittered centre, clipped to the image. */
function generalTry(size: Size, p: GeneralParams, rng: Rng): BoxBounds {
  const { width, height } = size;
  const H = foldedNormalMargin(rng.normal(), p.sigmaHeight, height / 2);
  const W = foldedNormalMargin(rng.normal(), p.sigmaWidth, width / 2);
  let dy = 0;
  let dx = 0;
  if (p.jitter > 0) {
    dy = Math.round(rng.uniform(-p.jitter, p.jitter) * height);
    dx = Math.round(rng.uniform(-p.jitter, p.jitter) * width);
  }
  const cx = Math.floor(width / 2) + dx;
  return {
    top: Math.max(0, H + dy),
    bottom: Math.min(height - 1, height - H - 1 + dy),
    left: Math.max(0, cx - W),
    right: Math.min(width - 1, cx + W - 1),
  };
}

/** How far a try is from meeting the constraints (0 = valid): hole-ratio distance plus log-aspect distance. */
function violation(size: Size, b: BoxBounds, p: GeneralParams): number {
  const ratio = boundsArea(b) / (size.width * size.height);
  let v = Math.max(0, p.minHoleRatio - ratio, ratio - p.maxHoleRatio);
  if (p.aspect) {
    if (boundsArea(b) === 0) return v + 1e6;
    const aspect = (b.bottom - b.top + 1) / (b.right - b.left + 1);
    const [lo, hi] = p.aspect;
    if (aspect < lo) v += Math.log(lo / aspect);
    else if (aspect > hi) v += Math.log(aspect / hi);
  }
  return v;
}

/**
 * The hole's inclusive bounds for (size, config, rng), without drawing it.
 *
 * `compatible`: the original recipe, drawing z0 then z1 straight from `rng`. `general`: try k draws from
 * `rng.derive('try', k)` (k = 0, 1, …) until the hole ratio and aspect constraints hold; if none of `maxTries`
 * tries does, the try nearest to valid is kept (smallest violation, earliest on ties), so generation never fails.
 * @example personBoxBounds({ width: 256, height: 256 }, { strategy: 'person-box', mode: 'compatible' }, rngFor(1, 0))
 */
export function personBoxBounds(size: Size, config: PersonBoxConfig, rng: Rng): BoxBounds {
  if (config.mode === 'compatible') return compatibleBounds(size, rng);
  const p = generalParams(config);
  let best: BoxBounds | undefined;
  let bestViolation = Infinity;
  for (let k = 0; k < p.maxTries; k++) {
    const b = generalTry(size, p, rng.derive('try', k));
    const v = violation(size, b, p);
    if (v === 0) return b;
    if (v < bestViolation) {
      best = b;
      bestViolation = v;
    }
  }
  return best as BoxBounds;
}

/**
 * Draw inclusive bounds into a fresh mask.
 * @example boundsMask({ width: 8, height: 8 }, { top: 2, bottom: 5, left: 3, right: 4 }) // 8 hole pixels
 */
export function boundsMask(size: Size, b: BoxBounds): Mask {
  const mask = createMask(size);
  fillRect(mask, b.left, b.top, b.right + 1, b.bottom + 1);
  return mask;
}

export const personBoxStrategy: MaskStrategy<PersonBoxConfig> = {
  name: 'person-box',
  description:
    'A centred rectangle standing in for a removed person. Default mode reproduces the original recipe: ' +
    'z0, z1 ~ N(0,1); top/bottom margin H = int(min(|z0|/3, 1) × h/2), half width W = int(min(|z1|/3, 1) × w/2) ' +
    '(so height h−2H, width 2W). Mode "general" adds per-axis sigmas, centre jitter, aspect and hole-ratio limits.',
  schema: personBoxSchema,
  generate(size, config, rng) {
    return boundsMask(size, personBoxBounds(size, config, rng));
  },
};

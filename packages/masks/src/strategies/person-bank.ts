/**
 * `person-bank`: real person outlines from a bank (`bgfill masks bank build`), sized and placed by person-box's
 * centred folded-normal law, optionally mirrored, then dilated as OpenCV would (`cv2.dilate`, 3×3 kernel, n times).
 */
import { z } from 'zod';
import type { Rng } from '@bgfill/core';
import type { OutlineRows } from '../bank/components.js';
import { paintOutline } from '../bank/paint.js';
import { paintDilatedSquare } from '../bank/paint-dilated.js';
import { createMask, type Mask, type Size } from '../mask.js';
import { dilate, MAX_MORPHOLOGY_ITERATIONS } from '../morphology.js';
import { foldedNormalMargin } from './person-box.js';
import { rangeSchema, type Range } from './range.js';

/** Height law used when neither `sigma` nor `height` is given: person-box's |N(0,1)| / 3. */
export const PERSON_BANK_DEFAULT_SIGMA = 1 / 3;
/** The dilation of the person-removal study (`--dilate 10`). */
export const PERSON_BANK_DEFAULT_DILATE = 10;

export const personBankSchema = z
  .strictObject({
    strategy: z.literal('person-bank'),
    bank: z
      .string()
      .min(1)
      .describe('the bank: a .bgbank file from `bgfill masks bank build`, or the folder holding its bank.bgbank'),
    sha256: z
      .string()
      .regex(/^[0-9a-f]{64}$/, 'a SHA-256 in 64 lower-case hex digits')
      .optional()
      .describe('pin: the SHA-256 the bank file must have (a changed bank is refused); default: any'),
    sigma: z
      .number()
      .min(0)
      .max(100)
      .optional()
      .describe('height law: outline height h − 2H with H = int(min(|z|·sigma, 1)·h/2), z ~ N(0,1), as person-box (default 1/3)'),
    height: rangeSchema({ lo: 0, hi: 1 })
      .optional()
      .describe('instead of the law: outline height uniform in [min, max] × image height (default: the law)'),
    flip: z.number().min(0).max(1).default(0.5).describe('probability of mirroring the outline left–right (default 0.5)'),
    jitter: z
      .number()
      .min(0)
      .max(1)
      .default(0)
      .describe('centre moved by up to ± jitter × side on each axis, uniform, as person-box general (default 0)'),
    dilate: z
      .number()
      .int()
      .min(0)
      .max(MAX_MORPHOLOGY_ITERATIONS)
      .default(PERSON_BANK_DEFAULT_DILATE)
      .describe('cv2.dilate iterations after placing: the hole grows by this many pixels (default 10, as the study)'),
    kernel: z.enum(['cross', 'square']).default('square').describe("3×3 kernel of the dilation (default 'square', OpenCV's MORPH_RECT)"),
  })
  .superRefine((config, ctx) => {
    if (config.sigma !== undefined && config.height !== undefined) {
      ctx.addIssue({ code: 'custom', path: ['height'], message: 'give either sigma (the law) or height (a range), not both' });
    }
  });

export type PersonBankConfig = z.output<typeof personBankSchema>;

/** Where one outline goes: which, its scaled box (top-left may lie outside the image), mirrored or not. */
export interface PersonBankLayout {
  readonly outline: number;
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
  readonly flip: boolean;
}

/**
 * The layout of one mask, drawing from `rng` in this order: z ~ N(0,1) (the law; a uniform draw instead when `height`
 * is set), the outline (uniform), the flip, then the jitter (only when > 0). Height h′ = h − 2H with
 * H = int(min(|z|·sigma, 1)·h/2), or round(u·h) for u uniform in `height`; width = max(1, round(w₀·h′/h₀)) keeps the
 * outline's aspect; top = ⌊(h − h′)/2⌋ (= H), left = ⌊w/2⌋ − ⌊w′/2⌋ (person-box's centre), both moved by
 * round(uniform(−jitter, jitter) × side).
 * @example personBankLayout({ width: 256, height: 256 }, config, bank.outlines, rngFor(1, 'mask', 0))
 */
export function personBankLayout(size: Size, config: PersonBankConfig, outlines: ReadonlyArray<OutlineRows>, rng: Rng): PersonBankLayout {
  const { width: w, height: h } = size;
  const range: Range | undefined = config.height;
  const height = range
    ? Math.round(rng.uniform(range[0], range[1]) * h)
    : h - 2 * foldedNormalMargin(rng.normal(), config.sigma ?? PERSON_BANK_DEFAULT_SIGMA, h / 2);
  const outline = rng.int(0, outlines.length - 1);
  const flip = rng.chance(config.flip);
  const o = outlines[outline];
  const width = height > 0 ? Math.max(1, Math.round((o.width * height) / o.height)) : 0;
  let top = Math.floor((h - height) / 2);
  let left = Math.floor(w / 2) - Math.floor(width / 2);
  if (config.jitter > 0) {
    top += Math.round(rng.uniform(-config.jitter, config.jitter) * h);
    left += Math.round(rng.uniform(-config.jitter, config.jitter) * w);
  }
  return { outline, left, top, width, height, flip };
}

/**
 * Draw a layout into a fresh mask and dilate it, with the result of `cv2.dilate` on the whole mask. The square kernel
 * (the default) is dilated on bit rows from the outline's runs (see bank/paint-dilated.ts); the cross kernel paints
 * and dilates only the outline's box grown by the dilation radius and clipped to the image, since nothing outside it
 * can change.
 * @example drawPersonBank(size, layout, bank.outlines, 10, 'square')
 */
export function drawPersonBank(
  size: Size,
  layout: PersonBankLayout,
  outlines: ReadonlyArray<OutlineRows>,
  iterations: number,
  kernel: 'cross' | 'square',
): Mask {
  const out = createMask(size);
  const { width: w, height: h } = size;
  if (layout.width <= 0 || layout.height <= 0) return out;
  const outline = outlines[layout.outline];
  if (kernel === 'square') {
    paintDilatedSquare(out, outline, layout, iterations);
    return out;
  }
  const r = iterations;
  const x0 = Math.max(0, layout.left - r);
  const x1 = Math.min(w, layout.left + layout.width + r);
  const y0 = Math.max(0, layout.top - r);
  const y1 = Math.min(h, layout.top + layout.height + r);
  if (x0 >= x1 || y0 >= y1) return out;
  const rw = x1 - x0;
  const rh = y1 - y0;
  // Rows rounded up to a multiple of 4 pixels, so the dilation runs four pixels per 32-bit lane.
  const stride = (rw + 3) & ~3;
  const region = new Uint8Array(stride * rh);
  paintOutline(region, stride, rw, rh, outline, layout.left - x0, layout.top - y0, layout.width, layout.height, layout.flip);
  const grown = dilate({ width: stride, height: rh, data: region }, { iterations: r, kernel }).data;
  for (let y = 0; y < rh; y++) out.data.set(grown.subarray(y * stride, y * stride + rw), (y0 + y) * w + x0);
  return out;
}

/**
 * One person-bank mask: `personBankLayout` then `drawPersonBank`.
 * @example generatePersonBank({ width: 256, height: 256 }, config, bank.outlines, rngFor(1, 'mask', 7))
 */
export function generatePersonBank(size: Size, config: PersonBankConfig, outlines: ReadonlyArray<OutlineRows>, rng: Rng): Mask {
  return drawPersonBank(size, personBankLayout(size, config, outlines, rng), outlines, config.dilate, config.kernel);
}

export const PERSON_BANK_DESCRIPTION =
  'Real person outlines from a bank built from segmentation maps (`bgfill masks bank build`): an outline drawn ' +
  "uniformly, its height from person-box's law (h − 2H, H = int(min(|z|/3, 1)·h/2)) or a range, its aspect kept, " +
  'mirrored with probability 0.5, centred like person-box (optional jitter), then dilated by cv2.dilate semantics ' +
  '(10 iterations by default, as the person-removal study).';

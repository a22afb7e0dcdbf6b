/**
 * `outpaint`: holes along the borders, so the known region is one inner rectangle (extending a photo outwards).
 * Default margins follow LaMa's OutpaintingMaskGenerator (4–25 % of the side, saicinpainting/training/data/masks.py).
 */
import { z } from 'zod';
import { createMask, fillRect, type Size } from '../mask.js';
import type { MaskStrategy } from '../strategy.js';
import type { Rng } from '@bgfill/core';
import { rangeSchema, uniformIn } from './range.js';

export const OUTPAINT_SIDES = ['top', 'right', 'bottom', 'left'] as const;
export type OutpaintSide = (typeof OUTPAINT_SIDES)[number];

export const outpaintSchema = z.strictObject({
  strategy: z.literal('outpaint'),
  sides: z
    .array(z.enum(OUTPAINT_SIDES))
    .min(1)
    .refine((s) => new Set(s).size === s.length, { message: 'sides must not repeat' })
    .default([...OUTPAINT_SIDES])
    .describe('borders that may get a hole, any non-empty subset of top, right, bottom, left (default all four)'),
  margin: rangeSchema({ lo: 0, hi: 0.49 })
    .default([0.04, 0.25])
    .describe('[min, max] hole depth of a side as a fraction of the image extent across it, uniform (default [0.04, 0.25])'),
  probability: z
    .number()
    .min(0)
    .max(1)
    .default(1)
    .describe('chance that each listed side gets a hole; when none does, one listed side is picked (default 1; LaMa uses 0.5)'),
});

export type OutpaintConfig = z.output<typeof outpaintSchema>;

/** Hole depth in pixels along each border (0 = no hole there). */
export type OutpaintMargins = Record<OutpaintSide, number>;

function depth(rng: Rng, config: OutpaintConfig, extent: number): number {
  return Math.max(1, Math.round(uniformIn(rng, config.margin) * extent));
}

/**
 * The hole depth of every border for one mask. Side s draws from `rng.derive('side', s)`: first whether it gets a
 * hole (probability), then its depth round(U(margin) × extent), at least 1 px. When no listed side was chosen, one is
 * picked uniformly with `rng.derive('fallback')`. Opposite depths are trimmed so that at least one row and one column
 * stay known (only matters for images a few pixels wide).
 * @example outpaintMargins({ width: 256, height: 256 }, outpaintSchema.parse({ strategy: 'outpaint' }), rngFor(1, 0))
 */
export function outpaintMargins(size: Size, config: OutpaintConfig, rng: Rng): OutpaintMargins {
  const m: OutpaintMargins = { top: 0, right: 0, bottom: 0, left: 0 };
  const extent = (s: OutpaintSide) => (s === 'top' || s === 'bottom' ? size.height : size.width);
  let any = false;
  for (const s of config.sides) {
    const r = rng.derive('side', s);
    if (config.probability >= 1 || r.chance(config.probability)) {
      m[s] = depth(r, config, extent(s));
      any = true;
    }
  }
  if (!any) {
    const r = rng.derive('fallback');
    const s = config.sides[r.int(0, config.sides.length - 1)];
    m[s] = depth(r, config, extent(s));
  }
  m.top = Math.min(m.top, size.height - 1);
  m.bottom = Math.min(m.bottom, size.height - 1 - m.top);
  m.left = Math.min(m.left, size.width - 1);
  m.right = Math.min(m.right, size.width - 1 - m.left);
  return m;
}

export const outpaintStrategy: MaskStrategy<OutpaintConfig> = {
  name: 'outpaint',
  description:
    'Holes along the image borders (outpainting): each listed side gets a band 4–25 % deep, so the known ' +
    'region is one inner rectangle.',
  schema: outpaintSchema,
  generate(size, config, rng) {
    const m = outpaintMargins(size, config, rng);
    const mask = createMask(size);
    const { width: w, height: h } = size;
    fillRect(mask, 0, 0, w, m.top);
    fillRect(mask, 0, h - m.bottom, w, h);
    fillRect(mask, 0, m.top, m.left, h - m.bottom);
    fillRect(mask, w - m.right, m.top, w, h - m.bottom);
    return mask;
  },
};

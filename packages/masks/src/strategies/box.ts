/**
 * `box`: a few random axis-aligned rectangles (the classic "random box" inpainting masks; LaMa's box generator
 * draws 1–3 or 1–5 of them).
 */
import { z } from 'zod';
import { createMask, fillRect, type Size } from '../mask.js';
import type { Rng } from '@bgfill/core';
import type { MaskStrategy } from '../strategy.js';
import { intIn, rangeSchema, shorterSide, uniformIn } from './range.js';

/** A rectangle in pixels: columns left … left+width−1, rows top … top+height−1. */
export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

export const boxSchema = z
  .strictObject({
    strategy: z.literal('box'),
    count: rangeSchema({ lo: 0, hi: 1000, int: true })
      .default([1, 3])
      .describe('[min, max] number of rectangles, uniform integer (default [1, 3])'),
    width: rangeSchema({ lo: 0, hi: 1 })
      .default([0.1, 0.4])
      .describe('[min, max] rectangle width as a fraction of the image width (default [0.1, 0.4])'),
    height: rangeSchema({ lo: 0, hi: 1 })
      .default([0.1, 0.4])
      .describe('[min, max] rectangle height as a fraction of the image height (default [0.1, 0.4])'),
    margin: z
      .number()
      .min(0)
      .max(0.49)
      .default(0)
      .describe('keep-out band along every border, as a fraction of the shorter side (default 0)'),
  })
  .superRefine((c, ctx) => {
    if (!(c.margin <= 0.49)) return; // already reported on margin
    for (const key of ['width', 'height'] as const) {
      if (c[key][0] + 2 * c.margin > 1) {
        ctx.addIssue({ code: 'custom', path: [key], message: `the smallest ${key} does not fit inside the margins` });
      }
    }
  });

export type BoxConfig = z.output<typeof boxSchema>;

/**
 * Size along one axis: round(U(range) × extent), kept within [1, room] (room = extent minus both margins).
 */
function sideLength(rng: Rng, range: readonly [number, number], extent: number, room: number): number {
  return Math.min(room, Math.max(1, Math.round(uniformIn(rng, range) * extent)));
}

/**
 * The rectangles of one mask: the count from `rng`, rectangle k from `rng.derive('box', k)`; each lies inside the
 * margins (margin px = round(margin × shorter side)). An image with no room inside its margins gets none.
 * @example boxRects({ width: 256, height: 256 }, boxSchema.parse({ strategy: 'box' }), rngFor(1, 0))
 */
export function boxRects(size: Size, config: BoxConfig, rng: Rng): Rect[] {
  const count = intIn(rng, config.count);
  const m = Math.round(config.margin * shorterSide(size));
  const roomW = size.width - 2 * m;
  const roomH = size.height - 2 * m;
  const rects: Rect[] = [];
  if (roomW < 1 || roomH < 1) return rects;
  for (let k = 0; k < count; k++) {
    const r = rng.derive('box', k);
    const width = sideLength(r, config.width, size.width, roomW);
    const height = sideLength(r, config.height, size.height, roomH);
    rects.push({ left: r.int(m, m + roomW - width), top: r.int(m, m + roomH - height), width, height });
  }
  return rects;
}

export const boxStrategy: MaskStrategy<BoxConfig> = {
  name: 'box',
  description:
    'Random axis-aligned rectangles: 1–3 boxes, each 10–40 % of the image width and height, placed uniformly ' +
    'inside an optional margin.',
  schema: boxSchema,
  generate(size, config, rng) {
    const mask = createMask(size);
    for (const b of boxRects(size, config, rng)) fillRect(mask, b.left, b.top, b.left + b.width, b.top + b.height);
    return mask;
  },
};

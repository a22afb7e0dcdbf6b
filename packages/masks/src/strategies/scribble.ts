/**
 * `scribble`: free-form brush strokes in the manner of DeepFill v2 (Yu et al., "Free-Form Image Inpainting with
 * Gated Convolution", ICCV 2019): each stroke is a zig-zag random walk drawn with a round brush.
 */
import { z } from 'zod';
import { fillCapsule, fillDisk, type Point } from '../draw.js';
import { createMask, type Mask, type Size } from '../mask.js';
import type { Rng } from '@bgfill/core';
import type { MaskStrategy } from '../strategy.js';
import { intIn, rangeSchema, shorterSide, uniformIn } from './range.js';

/** One brush stroke: a polyline and its brush width, in pixels. */
export interface Stroke {
  readonly points: ReadonlyArray<Point>;
  readonly width: number;
}

export const scribbleSchema = z.strictObject({
  strategy: z.literal('scribble'),
  count: rangeSchema({ lo: 0, hi: 1000, int: true })
    .default([1, 3])
    .describe('[min, max] number of strokes, uniform integer (default [1, 3]; 0 gives an empty mask)'),
  vertices: rangeSchema({ lo: 1, hi: 1000, int: true })
    .default([4, 12])
    .describe('[min, max] steps of each stroke random walk, uniform integer (default [4, 12], as DeepFill v2)'),
  length: rangeSchema({ lo: 0, hi: 4 })
    .default([0.04, 0.25])
    .describe('[min, max] step length as a fraction of the shorter side, uniform (default [0.04, 0.25]: 10–64 px at 256)'),
  width: rangeSchema({ lo: 0, hi: 4 })
    .default([0.03125, 0.09375])
    .describe('[min, max] brush width as a fraction of the shorter side, uniform per stroke (default 8–24 px at 256)'),
  meanAngle: z
    .number()
    .min(-2 * Math.PI)
    .max(2 * Math.PI)
    .default((2 * Math.PI) / 5)
    .describe('mean turn of each step in radians; steps alternate between +angle and −angle (default 2π/5, DeepFill v2)'),
  angleRange: z
    .number()
    .min(0)
    .max(2 * Math.PI)
    .default((2 * Math.PI) / 15)
    .describe('each stroke draws its angle band as meanAngle ± U(0, angleRange) (default 2π/15, DeepFill v2)'),
  randomHeading: z
    .boolean()
    .default(true)
    .describe('turn each stroke by a uniform heading (default true); false keeps DeepFill v2 strokes drifting towards +x'),
});

export type ScribbleConfig = z.output<typeof scribbleSchema>;

const TWO_PI = 2 * Math.PI;

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * Stroke k of a scribble mask, drawn from `rng` (the stroke's own source). DeepFill v2's walk: the stroke's angle
 * band is [mean − U(0, range), mean + U(0, range)]; step i takes an angle a from the band, heading −a on even steps
 * and +a on odd ones (so the walk zig-zags), and a length from `length`; vertices are clamped to the image.
 * @example scribbleStroke({ width: 256, height: 256 }, scribbleSchema.parse({ strategy: 'scribble' }), rngFor(1, 0).derive('stroke', 0))
 */
export function scribbleStroke(size: Size, config: ScribbleConfig, rng: Rng): Stroke {
  const side = shorterSide(size);
  const steps = intIn(rng, config.vertices);
  const aMin = config.meanAngle - rng.uniform(0, config.angleRange);
  const aMax = config.meanAngle + rng.uniform(0, config.angleRange);
  const heading = config.randomHeading ? rng.uniform(0, TWO_PI) : 0;
  const width = uniformIn(rng, config.width) * side;
  let x = rng.uniform(0, size.width);
  let y = rng.uniform(0, size.height);
  const points: Point[] = [[x, y]];
  for (let i = 0; i < steps; i++) {
    const a = aMin === aMax ? aMin : rng.uniform(aMin, aMax);
    const angle = heading + (i % 2 === 0 ? TWO_PI - a : a);
    const len = uniformIn(rng, config.length) * side;
    x = clamp(x + len * Math.cos(angle), 0, size.width);
    y = clamp(y + len * Math.sin(angle), 0, size.height);
    points.push([x, y]);
  }
  return { points, width };
}

/**
 * The strokes of one scribble mask: the count from `rng`, stroke k from `rng.derive('stroke', k)`, so raising the
 * count adds strokes without moving the others.
 * @example scribbleStrokes({ width: 256, height: 256 }, scribbleSchema.parse({ strategy: 'scribble' }), rngFor(1, 0))
 */
export function scribbleStrokes(size: Size, config: ScribbleConfig, rng: Rng): Stroke[] {
  const count = intIn(rng, config.count);
  const strokes: Stroke[] = [];
  for (let k = 0; k < count; k++) strokes.push(scribbleStroke(size, config, rng.derive('stroke', k)));
  return strokes;
}

/**
 * Draw strokes with a round brush: a capsule of radius width/2 per segment (round joins and caps).
 * @example drawStrokes(mask, [{ points: [[10, 10], [80, 40]], width: 12 }])
 */
export function drawStrokes(mask: Mask, strokes: ReadonlyArray<Stroke>): void {
  for (const { points, width } of strokes) {
    const r = width / 2;
    if (points.length === 1) fillDisk(mask, points[0][0], points[0][1], r);
    for (let k = 1; k < points.length; k++) {
      fillCapsule(mask, points[k - 1][0], points[k - 1][1], points[k][0], points[k][1], r);
    }
  }
}

export const scribbleStrategy: MaskStrategy<ScribbleConfig> = {
  name: 'scribble',
  description:
    'Free-form brush strokes (DeepFill v2 style): 1–3 zig-zag random walks of 4–12 steps, 10–64 px each, ' +
    'drawn with a round brush 8–24 px wide (sizes at 256 px; all lengths scale with the shorter side).',
  schema: scribbleSchema,
  generate(size, config, rng) {
    const mask = createMask(size);
    drawStrokes(mask, scribbleStrokes(size, config, rng));
    return mask;
  },
};

/**
 * `[min, max]` range options shared by the procedural strategies: a zod schema for them, and draws from an Rng.
 */
import { z } from 'zod';
import type { Rng } from '@bgfill/core';

/** An inclusive range `[min, max]` with min ≤ max. */
export type Range = readonly [number, number];

/**
 * Schema of a `[min, max]` tuple whose ends lie in [lo, hi] (integers when `int`), rejecting min > max.
 * Errors carry the option's path, so a bad `count` reads `count: …`.
 * @example rangeSchema({ lo: 0, hi: 100, int: true }).default([1, 3]).describe('strokes per mask')
 */
export function rangeSchema(opts: { lo?: number; hi?: number; int?: boolean } = {}) {
  let end = opts.int ? z.number().int() : z.number();
  if (opts.lo !== undefined) end = end.min(opts.lo);
  if (opts.hi !== undefined) end = end.max(opts.hi);
  return z
    .tuple([end, end])
    .refine(([a, b]) => a <= b, { message: 'range must be [min, max] with min ≤ max' })
    .readonly();
}

/**
 * Uniform real in [min, max) (exactly min, drawing nothing, when the range is a single value).
 * @example uniformIn(rngFor(1), [0.1, 0.4]) // e.g. 0.27
 */
export function uniformIn(rng: Rng, range: Range): number {
  return range[0] === range[1] ? range[0] : rng.uniform(range[0], range[1]);
}

/**
 * Uniform integer in [min, max], both inclusive (the range's ends must be integers).
 * @example intIn(rngFor(1), [1, 3]) // 1, 2 or 3
 */
export function intIn(rng: Rng, range: Range): number {
  return range[0] === range[1] ? range[0] : rng.int(range[0], range[1]);
}

/**
 * The shorter side of an image: the unit of the fraction-valued length options.
 * @example shorterSide({ width: 320, height: 180 }) // 180
 */
export function shorterSide(size: { width: number; height: number }): number {
  return Math.min(size.width, size.height);
}

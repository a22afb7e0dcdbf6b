import { z } from 'zod';
import type { Mask } from './mask.js';
import { dilate, erode, invert, MAX_MORPHOLOGY_ITERATIONS } from './morphology.js';

const kernelField = z.enum(['cross', 'square']).default('square').describe("3×3 structuring element (default 'square')");
const iterationsField = z
  .number()
  .int()
  .min(0)
  .max(MAX_MORPHOLOGY_ITERATIONS)
  .default(1)
  .describe('times the 3×3 kernel is applied: the hole grows or shrinks by this many pixels (default 1)');

/**
 * One post-processing step applied to a generated mask, in order: grow the hole (`dilate`), shrink it (`erode`), or
 * swap hole and known pixels (`invert`). Any config node may carry `post: [...]`.
 */
export const POST_STEP_SCHEMAS = {
  dilate: z.strictObject({ op: z.literal('dilate'), iterations: iterationsField, kernel: kernelField }),
  erode: z.strictObject({ op: z.literal('erode'), iterations: iterationsField, kernel: kernelField }),
  invert: z.strictObject({ op: z.literal('invert') }),
} as const;

export const postStepSchema = z.discriminatedUnion('op', [POST_STEP_SCHEMAS.dilate, POST_STEP_SCHEMAS.erode, POST_STEP_SCHEMAS.invert]);

export const postSchema = z.array(postStepSchema).max(64);

/** The list of steps, before each step is checked (with ramps) on its own. */
export const postListSchema = z.array(z.unknown()).max(64);

export type PostStep = z.output<typeof postStepSchema>;

/** The post-processing operation names, for help text and error messages. */
export const POST_OPS = ['dilate', 'erode', 'invert'] as const;

/**
 * Apply post-processing steps in order (returns the input itself when there are none).
 * @example applyPost(mask, [{ op: 'dilate', iterations: 3, kernel: 'cross' }])
 */
export function applyPost(mask: Mask, steps: ReadonlyArray<PostStep> | undefined): Mask {
  if (!steps) return mask;
  let out = mask;
  for (const step of steps) {
    if (step.op === 'invert') out = invert(out);
    else if (step.op === 'dilate') out = dilate(out, step);
    else out = erode(out, step);
  }
  return out;
}

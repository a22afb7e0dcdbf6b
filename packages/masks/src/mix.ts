import { z } from 'zod';
import type { Rng } from '@bgfill/core';
import type { Mask, Size } from './mask.js';
import { orInto } from './morphology.js';
import { isRamp, type Ramp } from './ramp.js';

export type { MixConfig, MixComponent, UnionConfig } from './config-types.js';

/** Shape of a `mix` node; the nested configs are validated recursively by `parseMaskConfig`. */
export const mixShallowSchema = z.strictObject({
  strategy: z.literal('mix'),
  components: z
    .array(
      z.strictObject({
        weight: z
          .union([z.number(), z.custom<Ramp>(isRamp)])
          .default(1)
          .describe('relative weight, > 0 (default 1); may ramp'),
        config: z.unknown().describe('a mask config'),
      }),
    )
    .min(1)
    .max(1000)
    .describe('the alternatives, each `{ weight, config }`'),
});

/** A component's weight, checked on its own (with ramps) once the mix's shape is known. */
export const mixWeightSchema = z.strictObject({ weight: z.number().positive().max(1e9) });

/** Shape of a `union` node; the nested configs are validated recursively by `parseMaskConfig`. */
export const unionShallowSchema = z.strictObject({
  strategy: z.literal('union'),
  parts: z.array(z.unknown()).min(1).max(1000).describe('mask configs whose holes are OR-ed'),
});

/** A compiled config node: a pure function of (size, rng, index), returning a fresh mask the caller owns. */
export type MaskNode = (size: Size, rng: Rng, index: number | string) => Mask;

/**
 * Weighted choice: the component is picked by `rng.derive('choice')`, and component k draws from
 * `rng.derive('component', k)`, so the choice and the component's own randomness never share a stream.
 * @example mixNode([1, 3], [a, b]) // b three times as often as a
 */
export function mixNode(weights: ReadonlyArray<number>, nodes: ReadonlyArray<MaskNode>): MaskNode {
  const cumulative: number[] = [];
  let total = 0;
  for (const w of weights) cumulative.push((total += w));
  return (size, rng, index) => {
    const u = rng.derive('choice').random() * total;
    let k = 0;
    while (k < cumulative.length - 1 && u >= cumulative[k]) k++;
    return nodes[k](size, rng.derive('component', k), index);
  };
}

/**
 * All parts drawn and OR-ed; part k draws from `rng.derive('part', k)`, so adding a part never changes the others.
 * @example unionNode([personBox, scribbles])
 */
export function unionNode(nodes: ReadonlyArray<MaskNode>): MaskNode {
  return (size, rng, index) => {
    // Nodes return fresh masks their caller owns, so the first part's mask can collect the others.
    const out = nodes[0](size, rng.derive('part', 0), index);
    for (let k = 1; k < nodes.length; k++) orInto(out, nodes[k](size, rng.derive('part', k), index));
    return out;
  };
}

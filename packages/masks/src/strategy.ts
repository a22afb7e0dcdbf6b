import type { z } from 'zod';
import type { Mask, Size } from './mask.js';
import type { Rng } from '@bgfill/core';

/**
 * A named, documented, seeded mask generator. `schema` validates a JSON config (filling defaults);
 * `generate` must draw all its randomness from `rng`, so the mask is a pure function of (config, size, rng seed).
 */
export interface MaskStrategy<C extends { strategy: string }> {
  readonly name: C['strategy'];
  /** One paragraph for `--help` and the README. */
  readonly description: string;
  readonly schema: z.ZodType<C>;
  generate(size: Size, config: C, rng: Rng): Mask;
}

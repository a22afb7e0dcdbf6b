/**
 * The types of a mask recipe, in a module of their own so that the modules reading, writing and compiling recipes
 * (config.ts, short-form.ts, mix.ts, generate.ts) all import them from here and never from each other.
 */
import type { FromFilesConfig } from './from-files.js';
import type { PostStep } from './post.js';
import type { Ramp, RampableOptions } from './ramp.js';
import type { ProceduralConfig } from './registry.js';
import type { PersonBankConfig } from './strategies/person-bank.js';

/** A post-processing step in a recipe: its iterations may ramp. */
export type PostStepRecipe = RampableOptions<PostStep>;

/** Any config node may end with post-processing steps (dilate / erode / invert), applied in order. */
export type WithPost<C> = C & { post?: PostStepRecipe[] };

/** `mix`: each mask comes from one component, chosen with probability weight / Σ weights. */
export interface MixConfig {
  strategy: 'mix';
  components: MixComponent[];
  post?: PostStep[];
}

export interface MixComponent {
  /** Relative weight, > 0 (default 1); may ramp. */
  weight: number | Ramp;
  config: MaskConfig;
}

/** `union`: every part is drawn and the holes are OR-ed. */
export interface UnionConfig {
  strategy: 'union';
  parts: MaskConfig[];
  post?: PostStep[];
}

/**
 * A mask recipe: one of the procedural strategies, masks read from files, outlines from a person bank, a weighted
 * `mix` of recipes, or a `union` of recipes whose holes are OR-ed; each optionally post-processed. Discriminated on
 * `strategy`. Numeric options (and mix weights, post-processing iterations) may be ramps over training progress,
 * except those of `from-files`.
 */
export type MaskConfig =
  | WithPost<RampableOptions<ProceduralConfig>>
  | WithPost<FromFilesConfig>
  | WithPost<RampableOptions<PersonBankConfig>>
  | MixConfig
  | UnionConfig;

/**
 * A config as written by hand (JSON, an object literal): options may be left out, to be filled by `parseMaskConfig`.
 * @example const input: MaskConfigInput = { strategy: 'scribble', count: [0, 3] };
 */
export interface MaskConfigInput {
  strategy: string;
  [option: string]: unknown;
}

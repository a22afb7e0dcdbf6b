import { boxStrategy, type BoxConfig } from './strategies/box.js';
import { irregularStrategy, type IrregularConfig } from './strategies/irregular.js';
import { outpaintStrategy, type OutpaintConfig } from './strategies/outpaint.js';
import { personBoxStrategy, type PersonBoxConfig } from './strategies/person-box.js';
import { scribbleStrategy, type ScribbleConfig } from './strategies/scribble.js';
import { silhouetteStrategy, type SilhouetteConfig } from './strategies/silhouette.js';
import type { z } from 'zod';
import { fromFilesSchema } from './from-files.js';
import { personBankSchema } from './strategies/person-bank.js';
import type { MaskStrategy } from './strategy.js';

/** Configs of the procedural (seeded, file-free) strategies. */
export type ProceduralConfig =
  | PersonBoxConfig
  | ScribbleConfig
  | BoxConfig
  | IrregularConfig
  | OutpaintConfig
  | SilhouetteConfig;

/** The procedural strategies by name, for lookup, help text and docs. */
export const MASK_STRATEGIES = {
  'person-box': personBoxStrategy,
  scribble: scribbleStrategy,
  box: boxStrategy,
  irregular: irregularStrategy,
  outpaint: outpaintStrategy,
  silhouette: silhouetteStrategy,
} as const satisfies { [K in ProceduralConfig['strategy']]: MaskStrategy<Extract<ProceduralConfig, { strategy: K }>> };

export type ProceduralStrategyName = keyof typeof MASK_STRATEGIES;

/** Strategies that read files before drawing (so only the async `createMaskGenerator` compiles them). */
export const FILE_STRATEGY_SCHEMAS = {
  'from-files': fromFilesSchema,
  'person-bank': personBankSchema,
} as const;

export type FileStrategyName = keyof typeof FILE_STRATEGY_SCHEMAS;

/** Every `strategy` value a config may name: the procedural ones, then the combinators and the file-backed ones. */
export const STRATEGY_NAMES = [
  ...(Object.keys(MASK_STRATEGIES) as ProceduralStrategyName[]),
  'mix',
  'union',
  ...(Object.keys(FILE_STRATEGY_SCHEMAS) as FileStrategyName[]),
] as const;

export type StrategyName = ProceduralStrategyName | 'mix' | 'union' | FileStrategyName;

/**
 * A procedural strategy by name, or undefined.
 * @example proceduralStrategy('scribble')?.description
 */
export function proceduralStrategy(name: string): MaskStrategy<ProceduralConfig> | undefined {
  return Object.hasOwn(MASK_STRATEGIES, name)
    ? (MASK_STRATEGIES[name as ProceduralStrategyName] as unknown as MaskStrategy<ProceduralConfig>)
    : undefined;
}

/**
 * The options schema of a strategy that draws masks itself (procedural or file-backed), or undefined for the
 * combinators and unknown names.
 * @example leafSchema('person-bank')
 */
export function leafSchema(name: string): z.ZodType | undefined {
  if (Object.hasOwn(FILE_STRATEGY_SCHEMAS, name)) return FILE_STRATEGY_SCHEMAS[name as FileStrategyName];
  return proceduralStrategy(name)?.schema;
}

/** The option a short form's `name:arg` sets, per strategy (`scribble:0-3` sets `count` to [0, 3]). */
export const SHORT_ARGUMENTS: Readonly<Record<string, { option: string; range?: boolean }>> = {
  'person-box': { option: 'mode' },
  scribble: { option: 'count', range: true },
  box: { option: 'count', range: true },
  irregular: { option: 'preset' },
  outpaint: { option: 'margin', range: true },
  silhouette: { option: 'pose' },
  'from-files': { option: 'paths' },
  'person-bank': { option: 'bank' },
  dilate: { option: 'iterations' },
  erode: { option: 'iterations' },
};

import { invalidParameter } from '@bgfill/core';

/**
 * RFR-Net's shape. The authors' network (Li et al., CVPR 2020; github.com/jingyuanli001/RFR-Inpainting,
 * modules/RFRNet.py) has width 64 and 6 recurrences; a smaller width scales every layer with it (the tests' small
 * fixtures use 8).
 */
export interface RfrNetConfig {
  /**
   * Base width: the partial convolutions' channels. The feature-reasoning module's encoder widens it to 2, 4 and 8
   * times, the tail halves it; a multiple of 8 (the tail's bottleneck is width/8 wide).
   */
  width: number;
  /** How many times the feature-reasoning module runs, with shared weights (6 in the paper and the authors' code). */
  iterations: number;
}

export const DEFAULT_RFRNET_CONFIG: RfrNetConfig = Object.freeze({ width: 64, iterations: 6 }) as RfrNetConfig;

/** Largest accepted width (8× the authors'). */
export const MAX_RFRNET_WIDTH = 512;
/** Largest accepted number of recurrences. */
export const MAX_RFRNET_ITERATIONS = 32;

const KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_RFRNET_CONFIG));

/**
 * Fill defaults into a partial config and check every field; a bad or unknown field throws a BgfillError naming it.
 * @example resolveRfrNetConfig({ width: 8 }) // → { width: 8, iterations: 6 }
 */
export function resolveRfrNetConfig(partial: Partial<RfrNetConfig> = {}): RfrNetConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) throw invalidParameter('RFR-Net config', 'an object', partial);
  for (const key of Object.keys(partial)) {
    if (!KEYS.has(key)) throw invalidParameter(`RFR-Net config key ${JSON.stringify(key)}`, `one of ${[...KEYS].join(', ')}`, key);
  }
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<RfrNetConfig>;
  const { width, iterations } = { ...DEFAULT_RFRNET_CONFIG, ...defined };
  if (typeof width !== 'number' || !Number.isInteger(width) || width < 8 || width > MAX_RFRNET_WIDTH || width % 8 !== 0) {
    throw invalidParameter('width', `a multiple of 8 from 8 to ${MAX_RFRNET_WIDTH}`, width);
  }
  if (typeof iterations !== 'number' || !Number.isInteger(iterations) || iterations < 1 || iterations > MAX_RFRNET_ITERATIONS) {
    throw invalidParameter('iterations', `an integer from 1 to ${MAX_RFRNET_ITERATIONS}`, iterations);
  }
  return { width, iterations };
}

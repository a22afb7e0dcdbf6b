import { invalidParameter } from '@bgfill/core';

/** Which gate multiplies a gated convolution's feature branch. */
export type GateKind = 'spatial' | 'gct' | 'spatial*gct';

/**
 * The generator's shape and the study's variants. Every variant switch is off by default, which gives the
 * InpaintSANet layout (widths from `cnum`, a per-pixel sigmoid gate, plain dot-product attention).
 */
export interface GeneratorConfig {
  /** Base width: stage widths are cnum/2, cnum, 2·cnum and 4·cnum. Even, so that cnum/2 and 4·cnum/8 are whole. */
  cnum: number;
  /** 4: masked RGB + mask; 5: masked RGB + mask + a guidance map. */
  inChannels: 4 | 5;
  /**
   * 'spatial': LeakyReLU(conv_f(x)) · sigmoid(conv_g(x)) (gated convolution, Yu et al. 2019);
   * 'gct': the per-pixel gate replaced by a Gated Channel Transformation gate (Yang et al. 2020) on the feature;
   * 'spatial*gct': both gates multiply the feature.
   */
  gate: GateKind;
  /** Divide the attention energy qᵀk by √d (d = query/key width), as in scaled dot-product attention. */
  scaledAttention: boolean;
  /** Add a learned bias of the pixel's (y, x) coordinates (a 1×1 convolution of them) to the attention keys. */
  coordAttention: boolean;
}

export const DEFAULT_GENERATOR_CONFIG: GeneratorConfig = Object.freeze({
  cnum: 32,
  inChannels: 4,
  gate: 'spatial',
  scaledAttention: false,
  coordAttention: false,
}) as GeneratorConfig;

/** Largest accepted `cnum` (the paper's model uses 32 or 48; 512 is far past any useful width). */
export const MAX_CNUM = 512;

const GATES: readonly GateKind[] = ['spatial', 'gct', 'spatial*gct'];
const KEYS: ReadonlySet<string> = new Set(Object.keys(DEFAULT_GENERATOR_CONFIG));

/**
 * Fill defaults into a partial config and check every field; a bad or unknown field throws a BgfillError naming it.
 * @example
 * resolveGeneratorConfig({ cnum: 8 }) // → { cnum: 8, inChannels: 4, gate: 'spatial', scaledAttention: false, coordAttention: false }
 */
export function resolveGeneratorConfig(partial: Partial<GeneratorConfig> = {}): GeneratorConfig {
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial)) {
    throw invalidParameter('generator config', 'an object', partial);
  }
  for (const key of Object.keys(partial)) {
    if (!KEYS.has(key)) throw invalidParameter(`generator config key ${JSON.stringify(key)}`, `one of ${[...KEYS].join(', ')}`, key);
  }
  const defined = Object.fromEntries(Object.entries(partial).filter(([, v]) => v !== undefined)) as Partial<GeneratorConfig>;
  const config: GeneratorConfig = { ...DEFAULT_GENERATOR_CONFIG, ...defined };
  const { cnum, inChannels, gate, scaledAttention, coordAttention } = config;
  if (typeof cnum !== 'number' || !Number.isInteger(cnum) || cnum < 2 || cnum > MAX_CNUM || cnum % 2 !== 0) {
    throw invalidParameter('cnum', `an even integer from 2 to ${MAX_CNUM}`, cnum);
  }
  if (inChannels !== 4 && inChannels !== 5) throw invalidParameter('inChannels', '4 or 5', inChannels);
  if (!GATES.includes(gate)) throw invalidParameter('gate', `one of ${GATES.map((g) => `'${g}'`).join(', ')}`, gate);
  if (typeof scaledAttention !== 'boolean') throw invalidParameter('scaledAttention', 'a boolean', scaledAttention);
  if (typeof coordAttention !== 'boolean') throw invalidParameter('coordAttention', 'a boolean', coordAttention);
  return { cnum, inChannels, gate, scaledAttention, coordAttention };
}

/**
 * Whether the config's gated convolutions have the per-pixel (mask_conv2d) gate.
 * @example
 * hasSpatialGate(resolveGeneratorConfig({ gate: 'spatial*gct' })) // → true
 */
export function hasSpatialGate(config: GeneratorConfig): boolean {
  return config.gate === 'spatial' || config.gate === 'spatial*gct';
}

/**
 * Whether the config's gated convolutions have the channel (GCT) gate.
 * @example
 * hasChannelGate(resolveGeneratorConfig()) // → false
 */
export function hasChannelGate(config: GeneratorConfig): boolean {
  return config.gate === 'gct' || config.gate === 'spatial*gct';
}

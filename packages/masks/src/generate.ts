import { parseMaskConfig } from './config.js';
import type { MaskConfig, MaskConfigInput } from './config-types.js';
import { BgfillError, invalidParameter, rngFor, type Rng, type Seed } from '@bgfill/core';
import { loadMaskFiles, type FromFilesConfig, type MaskFileSet, type SkippedFile } from './from-files.js';
import { checkSize, type Mask, type Size } from './mask.js';
import { mixNode, unionNode, type MaskNode } from './mix.js';
import { applyPost } from './post.js';
import { proceduralStrategy } from './registry.js';
import { formatMaskConfig } from './short-form.js';

/** A compiled mask recipe. Mask `index` is a pure function of (config, size, seed, index). */
export interface MaskGenerator {
  readonly config: MaskConfig;
  /** `formatMaskConfig(config)`: short and stable, e.g. `person-box+scribble:0-3`. */
  readonly label: string;
  /**
   * Mask number `index` (or the mask for a record key) drawn from `rngFor(seed, 'mask', index)`: the same arguments
   * give identical bytes in any order, process or worker.
   */
  generate(size: Size, seed: Seed, index: number | string): Mask;
  /** The same recipe drawing from an explicit source (used for resampling, e.g. balanced sets). */
  generateWith(size: Size, rng: Rng, index: number | string): Mask;
  /** Files a `from-files` node could not use, with the reason. */
  readonly skipped: ReadonlyArray<SkippedFile>;
}

/**
 * Check a mask index: a non-negative safe integer or a string key (throws a BgfillError otherwise).
 * @example checkIndex(7); checkIndex('img/0001');
 */
export function checkIndex(index: number | string): number | string {
  if (typeof index === 'string') return index;
  if (!Number.isSafeInteger(index) || index < 0) throw invalidParameter('index', 'non-negative integer or string key', index);
  return index;
}

function compile(config: MaskConfig, files: ReadonlyMap<FromFilesConfig, MaskFileSet> | undefined): MaskNode {
  let node: MaskNode;
  if (config.strategy === 'mix') {
    node = mixNode(
      config.components.map((c) => c.weight),
      config.components.map((c) => compile(c.config, files)),
    );
  } else if (config.strategy === 'union') {
    node = unionNode(config.parts.map((p) => compile(p, files)));
  } else if (config.strategy === 'from-files') {
    const set = files?.get(config);
    if (!set) {
      throw new BgfillError(
        'from-files masks must be loaded first: use `await createMaskGenerator(config)` rather than generateMask',
        { subject: 'from-files' },
      );
    }
    node = (size, rng, index) => set.mask(size, rng, index);
  } else {
    const strategy = proceduralStrategy(config.strategy);
    if (!strategy) throw invalidParameter('strategy', 'a known mask strategy', config.strategy);
    const { post: _post, ...bare } = config;
    node = (size, rng) => strategy.generate(size, bare, rng);
  }
  const post = config.post;
  if (!post || post.length === 0) return node;
  return (size, rng, index) => applyPost(node(size, rng, index), post);
}

function fromFilesNodes(config: MaskConfig, out: FromFilesConfig[] = []): FromFilesConfig[] {
  if (config.strategy === 'mix') for (const c of config.components) fromFilesNodes(c.config, out);
  else if (config.strategy === 'union') for (const p of config.parts) fromFilesNodes(p, out);
  else if (config.strategy === 'from-files') out.push(config);
  return out;
}

function makeGenerator(config: MaskConfig, root: MaskNode, skipped: ReadonlyArray<SkippedFile>): MaskGenerator {
  const label = formatMaskConfig(config);
  return {
    config,
    label,
    skipped,
    generate(size, seed, index) {
      checkSize(size);
      checkIndex(index);
      return root(size, rngFor(seed, 'mask', index), index);
    },
    generateWith(size, rng, index) {
      checkSize(size);
      checkIndex(index);
      return root(size, rng, index);
    },
  };
}

/**
 * Compile a config (object, JSON or short form), reading the files of any `from-files` node first.
 * @example
 * const gen = await createMaskGenerator('person-box+scribble:0-3');
 * const mask = gen.generate({ width: 256, height: 256 }, 42, 0);
 */
export async function createMaskGenerator(
  config: MaskConfig | MaskConfigInput | string,
  options: { concurrency?: number } = {},
): Promise<MaskGenerator> {
  const parsed = parseMaskConfig(config);
  const files = new Map<FromFilesConfig, MaskFileSet>();
  const skipped: SkippedFile[] = [];
  for (const node of fromFilesNodes(parsed)) {
    const set = await loadMaskFiles(node, options);
    files.set(node, set);
    skipped.push(...set.skipped);
  }
  return makeGenerator(parsed, compile(parsed, files), skipped);
}

/**
 * A procedural generator, synchronously (no `from-files` anywhere in the config, else a BgfillError).
 * @example const gen = createProceduralGenerator('irregular:thick');
 */
export function createProceduralGenerator(config: MaskConfig | MaskConfigInput | string): MaskGenerator {
  const parsed = parseMaskConfig(config);
  return makeGenerator(parsed, compile(parsed, undefined), []);
}

const cache = new Map<string, MaskGenerator>();
const objectCache = new WeakMap<object, MaskGenerator>();

/**
 * Mask `index` of a procedural recipe in one call (configs are compiled once and cached).
 * Throws a BgfillError for `from-files` (use `createMaskGenerator`, which reads the files first).
 * @example const mask = generateMask('person-box', { width: 256, height: 256 }, 'seed', 7);
 */
export function generateMask(config: MaskConfig | MaskConfigInput | string, size: Size, seed: Seed, index: number | string): Mask {
  let gen = typeof config === 'string' ? cache.get(config) : objectCache.get(config);
  if (!gen) {
    gen = createProceduralGenerator(config);
    if (typeof config === 'string') {
      if (cache.size >= 64) cache.delete(cache.keys().next().value as string);
      cache.set(config, gen);
    } else objectCache.set(config, gen);
  }
  return gen.generate(size, seed, index);
}

import { BgfillError, invalidParameter, rngFor, type Rng, type Seed } from '@bgfill/core';
import { bankDigest, checkBankPin, loadBank, type BankDigest, type LoadedBank } from './bank/load.js';
import { parseMaskConfig } from './config.js';
import type { MaskConfig, MaskConfigInput } from './config-types.js';
import { loadMaskFiles, type FromFilesConfig, type MaskFileSet, type SkippedFile } from './from-files.js';
import { checkSize, type Mask, type Size } from './mask.js';
import { mixNode, unionNode, type MaskNode } from './mix.js';
import { applyPost } from './post.js';
import { rampAt, type TrainingProgress } from './ramp.js';
import { proceduralStrategy, type ProceduralConfig } from './registry.js';
import { collectRamps, resolveConfig, resolveOptions, resolvePost, resolveWeight } from './resolve.js';
import { formatMaskConfig } from './short-form.js';
import { generatePersonBank, type PersonBankConfig } from './strategies/person-bank.js';

/**
 * A compiled mask recipe. Mask `index` is a pure function of (config, the digests of the banks it reads, size, seed,
 * index, and — when the recipe ramps — training progress).
 */
export interface MaskGenerator {
  readonly config: MaskConfig;
  /** `formatMaskConfig(config)`: short and stable, e.g. `person-box+scribble:0-3` (ramps written as `ramp(…)`). */
  readonly label: string;
  /** True when some option of the recipe ramps with training progress. */
  readonly ramps: boolean;
  /**
   * Mask number `index` (or the mask for a record key) drawn from `rngFor(seed, 'mask', index)`: the same arguments
   * give identical bytes in any order, process or worker. `progress` places a ramping recipe in training (its ramps'
   * end values without it); a recipe without ramps ignores it.
   */
  generate(size: Size, seed: Seed, index: number | string, progress?: TrainingProgress): Mask;
  /** The same recipe drawing from an explicit source (used for resampling, e.g. balanced sets). */
  generateWith(size: Size, rng: Rng, index: number | string, progress?: TrainingProgress): Mask;
  /** The recipe at `progress`: every ramp replaced by its value there. */
  resolve(progress?: TrainingProgress): MaskConfig;
  /** The label of `resolve(progress)`, e.g. `person-bank:bank/(dilate=6)`. */
  labelAt(progress?: TrainingProgress): string;
  /** Files a `from-files` node could not use, with the reason. */
  readonly skipped: ReadonlyArray<SkippedFile>;
  /** The person banks the recipe reads, with their SHA-256 (recorded beside the label wherever masks are kept). */
  readonly banks: ReadonlyArray<BankDigest>;
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

/** What file-backed nodes read before compiling: from-files sets by node, banks by the path the recipe gives. */
interface Resources {
  files: ReadonlyMap<FromFilesConfig, MaskFileSet>;
  banks: ReadonlyMap<string, LoadedBank>;
}

function notLoaded(name: string): BgfillError {
  return new BgfillError(`${name} masks read files first: use \`await createMaskGenerator(config)\` rather than generateMask`, { subject: name });
}

/** The node tree of a recipe at `progress` (ramps resolved leaf by leaf; file-backed nodes from `res`). */
function compile(config: MaskConfig, progress: TrainingProgress | undefined, res: Resources | undefined): MaskNode {
  let node: MaskNode;
  if (config.strategy === 'mix') {
    node = mixNode(
      config.components.map((c) => resolveWeight(c.weight, progress)),
      config.components.map((c) => compile(c.config, progress, res)),
    );
  } else if (config.strategy === 'union') {
    node = unionNode(config.parts.map((p) => compile(p, progress, res)));
  } else if (config.strategy === 'from-files') {
    const set = res?.files.get(config);
    if (!set) throw notLoaded('from-files');
    node = (size, rng, index) => set.mask(size, rng, index);
  } else if (config.strategy === 'person-bank') {
    const bank = res?.banks.get(config.bank);
    if (!bank) throw notLoaded('person-bank');
    const { post: _post, ...bare } = config;
    const options = resolveOptions(bare, progress) as PersonBankConfig;
    node = (size, rng) => generatePersonBank(size, options, bank.outlines, rng);
  } else {
    const strategy = proceduralStrategy(config.strategy);
    if (!strategy) throw invalidParameter('strategy', 'a known mask strategy', config.strategy);
    const { post: _post, ...bare } = config;
    const options = resolveOptions(bare, progress) as ProceduralConfig;
    node = (size, rng) => strategy.generate(size, options, rng);
  }
  const post = resolvePost(config.post, progress);
  if (!post || post.length === 0) return node;
  return (size, rng, index) => applyPost(node(size, rng, index), post);
}

function leaves(config: MaskConfig, out: MaskConfig[] = []): MaskConfig[] {
  if (config.strategy === 'mix') for (const c of config.components) leaves(c.config, out);
  else if (config.strategy === 'union') for (const p of config.parts) leaves(p, out);
  else out.push(config);
  return out;
}

/** Compiled trees kept per progress for a ramping recipe (training asks for one per epoch or per step). */
const MAX_COMPILED = 64;

function makeGenerator(config: MaskConfig, res: Resources | undefined, skipped: ReadonlyArray<SkippedFile>, banks: ReadonlyArray<BankDigest>): MaskGenerator {
  const label = formatMaskConfig(config);
  const ramps = collectRamps(config);
  const fixed = ramps.length === 0 ? compile(config, undefined, res) : undefined;
  const compiled = new Map<string, MaskNode>();
  const rootAt = (progress: TrainingProgress | undefined): MaskNode => {
    if (fixed) return fixed;
    const key = progress === undefined ? 'end' : JSON.stringify(ramps.map((r) => rampAt(r, progress, false)));
    let root = compiled.get(key);
    if (!root) {
      root = compile(config, progress, res);
      if (compiled.size >= MAX_COMPILED) compiled.delete(compiled.keys().next().value as string);
      compiled.set(key, root);
    }
    return root;
  };
  // Fail early on a recipe that cannot compile (e.g. a file-backed node without its files).
  rootAt(undefined);
  return {
    config,
    label,
    ramps: ramps.length > 0,
    skipped,
    banks,
    generate(size, seed, index, progress) {
      checkSize(size);
      checkIndex(index);
      return rootAt(progress)(size, rngFor(seed, 'mask', index), index);
    },
    generateWith(size, rng, index, progress) {
      checkSize(size);
      checkIndex(index);
      return rootAt(progress)(size, rng, index);
    },
    resolve: (progress) => resolveConfig(config, progress),
    labelAt: (progress) => (ramps.length === 0 ? label : formatMaskConfig(resolveConfig(config, progress))),
  };
}

/**
 * Compile a config (object, JSON or short form), reading the files of any `from-files` node and the bank of any
 * `person-bank` node first.
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
  const banks = new Map<string, LoadedBank>();
  const skipped: SkippedFile[] = [];
  for (const node of leaves(parsed)) {
    if (node.strategy === 'from-files') {
      const set = await loadMaskFiles(node, options);
      files.set(node, set);
      skipped.push(...set.skipped);
    } else if (node.strategy === 'person-bank') {
      const bank = banks.get(node.bank) ?? (await loadBank(node.bank));
      banks.set(node.bank, checkBankPin(bank, node.sha256));
    }
  }
  return makeGenerator(parsed, { files, banks }, skipped, [...banks.values()].map(bankDigest));
}

/**
 * A procedural generator, synchronously (no `from-files` or `person-bank` anywhere in the config, else a BgfillError).
 * @example const gen = createProceduralGenerator('irregular:thick');
 */
export function createProceduralGenerator(config: MaskConfig | MaskConfigInput | string): MaskGenerator {
  const parsed = parseMaskConfig(config);
  return makeGenerator(parsed, undefined, [], []);
}

const cache = new Map<string, MaskGenerator>();
const objectCache = new WeakMap<object, MaskGenerator>();

/**
 * Mask `index` of a procedural recipe in one call (configs are compiled once and cached).
 * Throws a BgfillError for `from-files` and `person-bank` (use `createMaskGenerator`, which reads the files first).
 * @example const mask = generateMask('person-box', { width: 256, height: 256 }, 'seed', 7);
 */
export function generateMask(
  config: MaskConfig | MaskConfigInput | string,
  size: Size,
  seed: Seed,
  index: number | string,
  progress?: TrainingProgress,
): Mask {
  let gen = typeof config === 'string' ? cache.get(config) : objectCache.get(config);
  if (!gen) {
    gen = createProceduralGenerator(config);
    if (typeof config === 'string') {
      if (cache.size >= 64) cache.delete(cache.keys().next().value as string);
      cache.set(config, gen);
    } else objectCache.set(config, gen);
  }
  return gen.generate(size, seed, index, progress);
}

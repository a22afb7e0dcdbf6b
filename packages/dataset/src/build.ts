import { createHash } from 'node:crypto';
import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { atomicWriteFile, atomicWriteJson, BgfillError, createProgress, invalidParameter, rngFor, type Seed } from '@bgfill/core';
import {
  assembleManifest,
  buildConfigSchema,
  buildHeaderSchema,
  formatRejects,
  MANIFEST_FILE,
  MANIFEST_VERSION,
  PARTS_DIR,
  partSchema,
  readManifest,
  readPart,
  REJECTS_FILE,
  workerManifestFile,
  workerManifestSchema,
  type BuildConfig,
  type BuildHeader,
  type DatasetManifest,
  type Reject,
  type ShardPart,
} from './manifest.js';
import { checkBuildFolders, checkPlacesImageFolders } from './build-folders.js';
import { sha256File } from './file-digest.js';
import { ARRIVALS_FILE, ARRIVALS_META, finalizeBundle, qualitySidecarName, type FinalizeResult } from './finalize.js';
import { DEFAULT_HASH_RADIUS } from './hash-groups.js';
import { createMaskMaker, type MaskMaker } from './mask-feature.js';
import { flagReason, parseRejectList, parseThresholds, qualityFlags, type QualityFlag, type QualityThresholds } from './quality-policy.js';
import { builtEntrySchema, formatJsonLines, measuredOf, QUALITY_FILE, qualityEntrySchema, type BuiltEntry } from './quality-record.js';
import { mergeQualityStats, qualityStats } from './quality-stats.js';
import { orderedMap } from './ordered-map.js';
import { InputRejected, processImage, readInput, type ProcessOptions } from './process-image.js';
import { encodeRecord } from './record.js';
import { compareStrings, planShards, seededShuffle, shardsForWorker, type PlannedRecord, type PlannedShard, type ShardPlan } from './shard-plan.js';
import { listFolder } from './sources/folder.js';
import { listPlaces365 } from './sources/places365.js';
import type { SourceListing } from './sources/source.js';
import { checkSplitName, parseSplitRatios } from './split.js';
import { formatIndex, TfRecordWriter, FRAME_OVERHEAD } from './tfrecord-writer.js';

/** Options of `buildDataset` (the CLI's `bgfill dataset build` flags). Only `source`, `input` and `out` are required. */
export interface BuildOptions {
  source: 'places365' | 'folder';
  /** Places365: the folder with `data_256/`; folder: the root to glob (or the base of `list` paths). */
  input: string;
  out: string;
  /** Places365: folder holding the list files (default: `input`). */
  lists?: string;
  /** Folder: a list file of paths (one per line, optional integer label). */
  list?: string;
  /** Folder: fast-glob patterns relative to `input`. */
  patterns?: readonly string[];
  /** Folder: `top-folder` (default) or `none`. */
  labels?: 'top-folder' | 'none';
  /** Places365: which file lists (default train,val). Folder: split names in order (default: those of `splitRatios`). */
  splits?: readonly string[];
  /** Hash split ratios, `train=0.9,val=0.1` (folder default: train=1). */
  splitRatios?: string | Record<string, number>;
  includeCategories?: readonly string[];
  excludeCategories?: readonly string[];
  size?: number;
  crop?: 'center' | 'random';
  keepSize?: boolean;
  format?: 'jpeg' | 'png';
  quality?: number;
  minSize?: number;
  /** Enlarge images whose shorter side is under `size` (default: reject them), recording the factor. */
  upscale?: boolean;
  maxPixels?: number;
  flatten?: string;
  failOn?: 'none' | 'truncated' | 'error' | 'warning';
  /** A `@bgfill/masks` strategy (name, JSON or @file) drawing fixed masks for `maskSplits`. */
  masks?: string;
  /** Splits that carry masks (default val,test). */
  maskSplits?: readonly string[];
  /** Records per shard (default 1000); or give `shardMb`. */
  recordsPerShard?: number;
  /** Target shard size in MiB: records per shard are decided from a seeded sample of 64 processed inputs. */
  shardMb?: number;
  gzip?: boolean;
  /** Images processed at once (default 4). Does not change the output. */
  concurrency?: number;
  seed?: Seed;
  /** Build only shards `global % workers === worker` and write a worker manifest for `bgfill dataset merge`. */
  worker?: number;
  workers?: number;
  /** Progress bar (default: on a TTY). */
  progress?: boolean;
  /** Measure quality signals and hashes (default true). Off: no quality.jsonl, no grouping (the previous build path). */
  signals?: boolean;
  /** Flags that reject a record (`blurry,dark,low-information,upscaled`); default none (`--flag-only`). */
  reject?: string | readonly QualityFlag[];
  /** Thresholds over the defaults, `blurry=30,dark=20` or an object. */
  thresholds?: string | Partial<Record<QualityFlag, number>>;
  /** Near-duplicates: `group` (default: each group in one split), `keep-one`, or `off`. */
  dedupe?: 'group' | 'keep-one' | 'off';
  /** Hamming radius of a near-duplicate (default 12 of 64 bits). */
  hashRadius?: number;
}

export interface BuildResult {
  readonly out: string;
  /** The bundle manifest (single builds); null for a worker's share. */
  readonly manifest: DatasetManifest | null;
  /** The worker manifest written instead of dataset.json, when `workers > 1`. */
  readonly workerManifest: string | null;
  /** Shards this run wrote, and shards it kept from an earlier run (digest checked). */
  readonly shardsWritten: number;
  readonly shardsKept: number;
  readonly records: number;
  readonly rejected: number;
  readonly passthrough: number;
  /** Records carrying each quality flag (kept: `--flag-only`), over the shards this run holds. */
  readonly flagged: Readonly<Record<QualityFlag, number>> | null;
}

/** Records per shard when neither option is given. */
export const DEFAULT_RECORDS_PER_SHARD = 1000;
/** Inputs processed to estimate the record size for `--shard-mb`. */
export const SHARD_MB_SAMPLE = 64;

function positiveInt(name: string, value: number, min = 1): number {
  if (!Number.isInteger(value) || value < min) throw invalidParameter(name, `an integer ≥ ${min}`, value);
  return value;
}

/**
 * Fill defaults and check every option, giving the configuration recorded in `dataset.json`.
 * @example resolveBuildConfig({ source: 'folder', input: 'photos', out: 'bundle' }).splitRatios // { train: 1 }
 */
export function resolveBuildConfig(options: BuildOptions): BuildConfig {
  if (options.source !== 'places365' && options.source !== 'folder') throw invalidParameter('--source', 'places365 or folder', options.source);
  if (!options.input && !(options.source === 'folder' && options.list)) throw invalidParameter('--input', 'a folder', options.input);
  if (options.recordsPerShard !== undefined && options.shardMb !== undefined) {
    throw invalidParameter('--shard-mb', 'either --records-per-shard or --shard-mb, not both', options.shardMb);
  }
  let splits: string[];
  let splitRatios: Record<string, number> | null = null;
  if (options.source === 'places365') {
    if (options.splitRatios !== undefined) throw invalidParameter('--split-ratios', 'no ratios for places365 (its file lists fix the splits)', options.splitRatios);
    splits = [...(options.splits ?? ['train', 'val'])];
  } else {
    const ratios = parseSplitRatios(options.splitRatios ?? 'train=1');
    splitRatios = Object.fromEntries(ratios.map((r) => [r.split, r.ratio]));
    splits = options.splits ? [...options.splits] : ratios.map((r) => r.split);
    const missing = ratios.map((r) => r.split).filter((s) => !splits.includes(s));
    if (missing.length > 0) throw invalidParameter('--split', `a list including every split of --split-ratios (${missing.join(', ')})`, splits.join(','));
  }
  splits.forEach((s) => checkSplitName(s));
  if (new Set(splits).size !== splits.length) throw invalidParameter('--split', 'each split once', splits.join(','));
  const size = positiveInt('--size', options.size ?? 256);
  const quality = options.quality ?? 95;
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw invalidParameter('--quality', 'an integer in [1, 100]', quality);
  const shardMb = options.shardMb ?? null;
  if (shardMb !== null && !(Number.isFinite(shardMb) && shardMb > 0)) throw invalidParameter('--shard-mb', 'a positive number', shardMb);
  const seed = options.seed ?? 0;
  if (typeof seed === 'number' && !Number.isFinite(seed)) throw invalidParameter('--seed', 'a finite number or a string', seed);
  const config: BuildConfig = {
    source: options.source,
    input: options.input ? resolve(options.input) : '',
    lists: options.lists ? resolve(options.lists) : null,
    list: options.list ? resolve(options.list) : null,
    patterns: [...(options.patterns ?? [])],
    labels: options.labels ?? 'top-folder',
    splits,
    splitRatios,
    includeCategories: [...(options.includeCategories ?? [])],
    excludeCategories: [...(options.excludeCategories ?? [])],
    size,
    crop: options.crop ?? 'center',
    keepSize: options.keepSize ?? false,
    format: options.format ?? 'jpeg',
    quality,
    minSize: positiveInt('--min-size', options.minSize ?? 64),
    upscale: options.upscale ?? false,
    maxPixels: positiveInt('--max-pixels', options.maxPixels ?? 100_000_000),
    flatten: options.flatten ?? '#ffffff',
    failOn: options.failOn ?? 'warning',
    masks: options.masks ?? null,
    maskSplits: [...(options.maskSplits ?? ['val', 'test'])],
    recordsPerShard: shardMb === null ? positiveInt('--records-per-shard', options.recordsPerShard ?? DEFAULT_RECORDS_PER_SHARD) : null,
    shardMb,
    gzip: options.gzip ?? false,
    seed,
    ...resolveQuality(options),
  };
  checkMaskSplits(config, options.maskSplits !== undefined);
  if (!['center', 'random'].includes(config.crop)) throw invalidParameter('--crop', 'center or random', config.crop);
  if (!['jpeg', 'png'].includes(config.format)) throw invalidParameter('--format', 'jpeg or png', config.format);
  if (!/^#[0-9a-fA-F]{6}$|^#[0-9a-fA-F]{3}$/.test(config.flatten)) throw invalidParameter('--flatten', 'a colour such as #ffffff', config.flatten);
  return buildConfigSchema.parse(config);
}

/** The quality settings of a build: signals on unless asked off; grouping needs them. */
function resolveQuality(options: BuildOptions): Pick<BuildConfig, 'signals' | 'reject' | 'thresholds' | 'dedupe' | 'hashRadius'> {
  const signals = options.signals ?? true;
  const reject = parseRejectList(options.reject ?? []);
  const dedupe = options.dedupe ?? (signals ? 'group' : 'off');
  if (!['group', 'keep-one', 'off'].includes(dedupe)) throw invalidParameter('--dedupe', 'group, keep-one or off', dedupe);
  if (!signals && (reject.length > 0 || dedupe !== 'off' || options.thresholds !== undefined || options.hashRadius !== undefined)) {
    throw new BgfillError('--no-signals builds measure nothing: drop --reject, --thresholds, --dedupe and --hash-radius, or the --no-signals', { subject: '--no-signals' });
  }
  const hashRadius = options.hashRadius ?? DEFAULT_HASH_RADIUS;
  if (!Number.isInteger(hashRadius) || hashRadius < 0 || hashRadius > 32) throw invalidParameter('--hash-radius', 'an integer in [0, 32]', hashRadius);
  return {
    signals,
    reject,
    thresholds: signals ? parseThresholds(options.thresholds) : null,
    dedupe,
    hashRadius: dedupe === 'off' ? null : hashRadius,
  };
}

/**
 * `--mask-splits` given by the user must name splits this build produces; and `--masks` must reach at least one of
 * them (the default `val,test` reaches none of a train-only build, which would silently store no masks).
 * @example checkMaskSplits(config, true) // throws for --mask-splits nosuch on a train/val build
 */
export function checkMaskSplits(config: Pick<BuildConfig, 'splits' | 'maskSplits' | 'masks' | 'source'>, given: boolean): void {
  const have = config.splits.join(', ');
  if (given) {
    const unknown = config.maskSplits.filter((s) => !config.splits.includes(s));
    if (unknown.length > 0) {
      throw new BgfillError(
        `--mask-splits names ${unknown.map((s) => `"${s}"`).join(', ')}, which this build does not produce (its splits: ${have})`,
        { subject: '--mask-splits' },
      );
    }
  }
  if (config.masks !== null && !config.maskSplits.some((s) => config.splits.includes(s))) {
    const splitHint = config.source === 'places365' ? '--split train,val' : '--split-ratios train=0.9,val=0.1';
    throw new BgfillError(
      `--masks ${config.masks}: no split of this build gets masks (--mask-splits ${config.maskSplits.join(',') || '(none)'}; ` +
        `this build's splits: ${have}). Give --mask-splits ${config.splits[0]}, or make a validation split with ${splitHint}`,
      { subject: '--masks' },
    );
  }
}

/** The processing options a config implies. */
export function processOptionsOf(config: BuildConfig): ProcessOptions {
  return {
    size: config.size,
    crop: config.crop,
    keepSize: config.keepSize,
    format: config.format,
    quality: config.quality,
    minSize: config.minSize,
    upscale: config.upscale,
    maxPixels: config.maxPixels,
    flatten: config.flatten,
    failOn: config.failOn,
    seed: config.seed,
    analyse: config.signals,
  };
}

/** List the configured source. */
export async function listSource(config: BuildConfig): Promise<SourceListing> {
  const filter = { include: config.includeCategories, exclude: config.excludeCategories };
  if (config.source === 'places365') {
    return listPlaces365({ root: config.input, ...(config.lists ? { lists: config.lists } : {}), splits: config.splits, ...filter });
  }
  return listFolder({
    root: config.input,
    ...(config.list ? { list: config.list } : {}),
    patterns: config.patterns,
    labels: config.labels,
    ...filter,
  });
}

type JobResult =
  | {
      readonly ok: true;
      readonly example: Uint8Array;
      readonly record: PlannedRecord;
      readonly passthrough: boolean;
      readonly holeRatio: number;
      /** The record's quality line, when signals are measured. */
      readonly entry: BuiltEntry | null;
    }
  | { readonly ok: false; readonly reject: Reject; readonly record: PlannedRecord };

/** How records are measured and judged. */
interface QualityPolicy {
  readonly thresholds: QualityThresholds;
  readonly reject: readonly QualityFlag[];
}

/** Read, process, judge, mask and serialise one planned record; bad inputs come back as rejects, never as throws. */
async function processRecord(
  record: PlannedRecord,
  shard: string | undefined,
  options: ProcessOptions,
  masks: MaskMaker | null,
  policy: QualityPolicy | null,
): Promise<JobResult> {
  try {
    const bytes = await readInput(record.path, record.filename);
    const image = await processImage(bytes, record.key, options, record.filename);
    let entry: BuiltEntry | null = null;
    if (image.analysis && policy) {
      const flags = qualityFlags(image.analysis.signals, image.upscale, policy.thresholds);
      const rejected = policy.reject.find((f) => flags.includes(f));
      if (rejected) {
        throw new InputRejected(record.filename, rejected, `${flagReason(rejected, image.analysis.signals, image.upscale, policy.thresholds)} (--reject ${rejected})`);
      }
      entry = {
        file: record.filename,
        key: record.key,
        label: record.label,
        labelText: record.labelText,
        passthrough: image.passthrough,
        holeRatio: 0,
        width: image.width,
        height: image.height,
        ...measuredOf(image.analysis, image, flags),
      };
    }
    let mask;
    if (masks) {
      try {
        mask = await masks.make({ width: image.width, height: image.height }, record.key);
      } catch (err) {
        throw new InputRejected(record.filename, 'mask-error', `mask generation failed: ${err instanceof Error ? err.message : String(err)}`, err);
      }
    }
    const example = encodeRecord({
      encoded: image.encoded,
      format: image.format,
      width: image.width,
      height: image.height,
      channels: 3,
      filename: record.filename,
      key: record.key,
      label: record.label,
      labelText: record.labelText,
      source: { width: image.sourceWidth, height: image.sourceHeight },
      ...(image.upscale !== null ? { upscale: image.upscale } : {}),
      ...(mask ? { mask } : {}),
    });
    const holeRatio = mask?.holeRatio ?? 0;
    return { ok: true, example, record, passthrough: image.passthrough, holeRatio, entry: entry && { ...entry, holeRatio } };
  } catch (err) {
    if (!(err instanceof InputRejected)) throw err;
    return {
      ok: false,
      record,
      reject: { file: record.filename, reason: err.reason, code: err.code, split: record.split, ...(shard ? { shard } : {}) },
    };
  }
}

/**
 * Records per shard for `--shard-mb`: process a seeded sample of up to 64 inputs, take the mean framed record size,
 * and fit as many as the target allows. Deterministic (same inputs and seed, same answer in every worker); shards come
 * out near the target, and their real sizes are in dataset.json.
 */
export async function recordsPerShardFor(config: BuildConfig, listing: SourceListing, concurrency: number): Promise<number> {
  if (config.shardMb === null) return config.recordsPerShard ?? DEFAULT_RECORDS_PER_SHARD;
  const sorted = [...listing.items].sort((a, b) => compareStrings(a.filename, b.filename));
  const sample = seededShuffle(sorted, rngFor(config.seed, 'shard-mb-sample')).slice(0, SHARD_MB_SAMPLE);
  const options = processOptionsOf(config);
  let total = 0;
  let n = 0;
  const planned = sample.map((item) => ({ ...item, key: createHash('sha256').update(item.filename).digest('hex'), split: item.split ?? '' }));
  for await (const r of orderedMap(planned, concurrency, (rec) => processRecord(rec, undefined, options, null, null))) {
    if (r.ok) {
      total += r.example.length + FRAME_OVERHEAD;
      n++;
    }
  }
  if (n === 0) return DEFAULT_RECORDS_PER_SHARD;
  return Math.max(1, Math.floor((config.shardMb * 2 ** 20) / (total / n)));
}

/** Identity of a build: everything that decides the bytes, except the input's location on disk. */
export function buildFingerprint(
  config: BuildConfig,
  recordsPerShard: number,
  categories: readonly string[],
  plan: ShardPlan,
  maskStrategy: string | null,
): string {
  const { input: _i, lists: _l, list: _f, ...settings } = config;
  const hash = createHash('sha256');
  // The mask label is the canonical recipe, so an edited @config.json also changes the fingerprint.
  hash.update(JSON.stringify({ settings, recordsPerShard, categories, maskStrategy }));
  for (const shard of plan.shards) {
    hash.update(`\n#${shard.file}`);
    for (const r of shard.records) hash.update(`\n${r.filename}\t${r.label}\t${r.labelText}`);
  }
  for (const r of plan.rejects) hash.update(`\n!${r.file}`);
  return hash.digest('hex');
}

/** Is this shard finished by an earlier run of the same build? (part present, shard and index digests match) */
async function keptPart(out: string, shard: PlannedShard, fingerprint: string): Promise<ShardPart | null> {
  const part = await readPart(join(out, PARTS_DIR, `${shard.file}.json`));
  if (!part || part.fingerprint !== fingerprint || part.file !== shard.file) return null;
  if ((await sha256File(join(out, shard.file))) !== part.sha256) return null;
  if ((await sha256File(join(out, shard.indexFile))) !== part.indexSha256) return null;
  return part;
}

/** Remove temporary files a killed run left for these names (`.<name>.<pid>.<hex>.tmp`). */
async function removeStaleTemps(dir: string, names: ReadonlySet<string>): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(dir);
  } catch {
    return;
  }
  const pattern = /^\.(.+)\.\d+\.[0-9a-f]{8}\.tmp$/;
  await Promise.all(
    entries.map(async (e) => {
      const m = pattern.exec(e);
      if (m && names.has(m[1])) await rm(join(dir, e), { force: true });
    }),
  );
}

/** Refuse to mix two different builds in one folder. */
async function checkOutFolder(out: string, fingerprint: string): Promise<void> {
  let existing: DatasetManifest | null = null;
  try {
    existing = await readManifest(out);
  } catch {
    existing = null;
  }
  if (existing && existing.fingerprint !== fingerprint) {
    throw new BgfillError(
      `${out} holds a different bundle (fingerprint ${existing.fingerprint.slice(0, 12)}…, this build ${fingerprint.slice(0, 12)}…): ` +
        'choose a new --out folder or remove the old bundle',
      { subject: out },
    );
  }
  let parts: string[] = [];
  try {
    parts = (await readdir(join(out, PARTS_DIR))).filter((p) => p.endsWith('.json'));
  } catch {
    return;
  }
  for (const p of parts) {
    const part = await readPart(join(out, PARTS_DIR, p));
    if (part && part.fingerprint !== fingerprint) {
      throw new BgfillError(
        `${out} holds shards of a different build (${p}): choose a new --out folder, or remove it to start over`,
        { subject: out },
      );
    }
  }
}

interface OpenShard {
  readonly shard: PlannedShard;
  readonly writer: TfRecordWriter;
  readonly rejects: Reject[];
  readonly categories: Map<string, number>;
  /** Quality lines of the records written, in order (null without signals). */
  readonly entries: BuiltEntry[] | null;
  passthrough: number;
  holeRatioSum: number;
}

async function finishShard(out: string, open: OpenShard, fingerprint: string): Promise<ShardPart> {
  const written = await open.writer.commit(); // fsync + rename to the final name
  const indexText = formatIndex(written.index);
  await atomicWriteFile(join(out, open.shard.indexFile), indexText);
  // The quality sidecar: every record's line as built, what finalising the bundle decides from.
  let quality: { file: string; sha256: string } | null = null;
  if (open.entries) {
    const text = formatJsonLines(builtEntrySchema, open.entries);
    quality = { file: qualitySidecarName(open.shard.file), sha256: createHash('sha256').update(text).digest('hex') };
    await atomicWriteFile(join(out, PARTS_DIR, quality.file), text);
  }
  const categories = Object.fromEntries([...open.categories.entries()].sort(([a], [b]) => compareStrings(a, b)));
  // The part file, written last, marks the shard finished.
  const part = partSchema.parse({
    file: open.shard.file,
    indexFile: open.shard.indexFile,
    split: open.shard.split,
    shardIndex: open.shard.shardIndex,
    planned: open.shard.records.length,
    records: written.records,
    bytes: written.bytes,
    sha256: written.sha256,
    indexSha256: createHash('sha256').update(indexText).digest('hex'),
    passthrough: open.passthrough,
    categories,
    holeRatioSum: open.holeRatioSum,
    quality: open.entries ? qualityStats(open.entries) : null,
    movedIn: 0,
    movedOut: 0,
    dropped: 0,
    fingerprint,
    rejects: open.rejects,
    qualityFile: quality?.file ?? null,
    qualitySha256: quality?.sha256 ?? null,
    finalized: null,
  });
  await atomicWriteJson(join(out, PARTS_DIR, `${open.shard.file}.json`), part);
  return part;
}

/**
 * Build a bundle: list the source, plan every record's shard and position, then process images concurrently while
 * writing each shard's records in planned order (temp name, fsync, rename; then its index and a part file with its
 * digest and rejects). Rerunning the same build keeps finished shards whose digests match and redoes the rest; the
 * output bytes do not depend on concurrency or on interruptions.
 * @example await buildDataset({ source: 'folder', input: 'photos', out: 'bundle', splitRatios: 'train=0.9,val=0.1' })
 */
export async function buildDataset(options: BuildOptions): Promise<BuildResult> {
  const config = resolveBuildConfig(options);
  const out = resolve(options.out);
  const concurrency = positiveInt('--concurrency', options.concurrency ?? 4);
  const workers = positiveInt('--workers', options.workers ?? 1);
  const worker = options.worker ?? 0;
  if (!Number.isInteger(worker) || worker < 0 || worker >= workers) throw invalidParameter('--worker', `an integer in [0, ${workers - 1}]`, worker);

  // Before any listing or image work: the input is a folder, the output is not a file, they do not overlap, and the
  // output holds nothing but this build's bundle (finished or interrupted).
  await checkBuildFolders({ source: config.source, input: options.input, list: options.list ?? null, out: options.out, splits: config.splits, gzip: config.gzip });
  const listing = await listSource(config);
  if (config.source === 'places365') await checkPlacesImageFolders(options.input, listing.items);
  const masks = config.masks ? await createMaskMaker(config.masks, config.seed) : null;
  const recordsPerShard = await recordsPerShardFor(config, listing, concurrency);
  const ratios = config.splitRatios ? Object.entries(config.splitRatios).map(([split, ratio]) => ({ split, ratio })) : undefined;
  const plan = planShards(listing.items, {
    seed: config.seed,
    splits: config.splits,
    ...(ratios ? { ratios } : {}),
    recordsPerShard,
    compression: config.gzip ? 'gzip' : 'none',
  });
  const fingerprint = buildFingerprint(config, recordsPerShard, listing.categories, plan, masks?.identity ?? null);
  const header: BuildHeader = buildHeaderSchema.parse({
    fingerprint,
    config,
    recordsPerShard,
    compression: config.gzip ? 'gzip' : 'none',
    categories: listing.categories,
    inputs: listing.items.length,
    maskStrategy: masks?.label ?? null,
    ...(masks?.banks ? { maskBanks: masks.banks } : {}),
    plannedShards: plan.shards.map((s) => ({ file: s.file, split: s.split, planned: s.records.length })),
    planRejects: plan.rejects.map((r) => ({ file: r.file, reason: r.reason, code: r.code })),
  });

  await mkdir(join(out, PARTS_DIR), { recursive: true });
  await checkOutFolder(out, fingerprint);
  const mine = shardsForWorker(plan, worker, workers);
  const ownNames = new Set(mine.flatMap((s) => [s.file, s.indexFile]));
  await removeStaleTemps(out, new Set([...ownNames, MANIFEST_FILE, REJECTS_FILE, workerManifestFile(worker, workers)]));
  await removeStaleTemps(
    join(out, PARTS_DIR),
    new Set([...mine.flatMap((s) => [`${s.file}.json`, qualitySidecarName(s.file)]), ...(workers === 1 ? [ARRIVALS_FILE, ARRIVALS_META] : [])]),
  );
  if (workers === 1) await removeStaleTemps(out, new Set([QUALITY_FILE]));

  const parts = new Map<string, ShardPart>();
  const todo: PlannedShard[] = [];
  // Re-hash finished shards a few at a time (I/O bound), in plan order.
  for await (const { shard, kept } of orderedMap(mine, 4, async (shard) => ({ shard, kept: await keptPart(out, shard, fingerprint) }))) {
    if (kept) parts.set(shard.file, kept);
    else todo.push(shard);
  }
  const shardsKept = parts.size;

  const processOptions = processOptionsOf(config);
  const policy: QualityPolicy | null = config.signals ? { thresholds: config.thresholds!, reject: config.reject } : null;
  const maskSplits = new Set(config.maskSplits);
  const jobs = todo.flatMap((shard) => shard.records.map((record) => ({ shard, record })));
  const progress = createProgress({
    label: `dataset ${workers > 1 ? `worker ${worker}/${workers} ` : ''}`,
    total: jobs.length,
    ...(options.progress === undefined ? {} : { enabled: options.progress }),
  });
  let open = null as OpenShard | null;
  try {
    const results = orderedMap(jobs, concurrency, ({ shard, record }) =>
      processRecord(record, shard.file, processOptions, masks && maskSplits.has(shard.split) ? masks : null, policy).then((r) => ({ shard, r })),
    );
    for await (const { shard, r } of results) {
      if (open?.shard !== shard) {
        if (open) parts.set(open.shard.file, await finishShard(out, open, fingerprint));
        open = {
          shard,
          writer: await TfRecordWriter.create(join(out, shard.file), { compression: config.gzip ? 'gzip' : 'none' }),
          rejects: [],
          categories: new Map(),
          entries: config.signals ? [] : null,
          passthrough: 0,
          holeRatioSum: 0,
        };
      }
      if (r.ok) {
        await open.writer.write(r.example);
        open.categories.set(r.record.labelText, (open.categories.get(r.record.labelText) ?? 0) + 1);
        if (r.passthrough) open.passthrough++;
        open.holeRatioSum += r.holeRatio;
        if (r.entry) open.entries?.push(r.entry);
      } else {
        open.rejects.push(r.reject);
      }
      progress.tick();
    }
    const last = open as OpenShard | null;
    if (last) parts.set(last.shard.file, await finishShard(out, last, fingerprint));
    open = null;
  } catch (err) {
    const failed = open as OpenShard | null;
    if (failed) await failed.writer.abort();
    throw err;
  } finally {
    progress.stop();
  }

  const myParts = mine.map((s) => parts.get(s.file)!);
  const totals = {
    shardsWritten: todo.length,
    shardsKept,
    records: myParts.reduce((a, p) => a + p.records, 0),
    rejected: myParts.reduce((a, p) => a + p.rejects.length, 0) + (worker === 0 ? plan.rejects.length : 0),
    passthrough: myParts.reduce((a, p) => a + p.passthrough, 0),
    flagged: config.signals ? mergeQualityStats(myParts.map((p) => p.quality!)).flags : null,
  };
  if (workers > 1) {
    const file = workerManifestFile(worker, workers);
    await atomicWriteJson(join(out, file), workerManifestSchema.parse({
      format: 'bgfill-tfrecord-bundle-worker',
      schemaVersion: MANIFEST_VERSION,
      worker,
      workers,
      header,
      parts: myParts,
    }));
    return { out, manifest: null, workerManifest: join(out, file), ...totals };
  }
  const finished = await finalizeBundle(out, header, myParts);
  const manifest = await writeBundleManifest(out, header, finished);
  return { out, manifest, workerManifest: null, ...totals, records: manifest.records, rejected: manifest.rejected.count, flagged: manifest.quality?.stats.flags ?? null };
}

/**
 * Write `rejects.jsonl` and `quality.jsonl`, then `dataset.json` (last: its presence means the bundle is complete),
 * from the finalised shards.
 */
export async function writeBundleManifest(out: string, header: BuildHeader, finished: FinalizeResult): Promise<DatasetManifest> {
  const { manifest, rejects } = assembleManifest(header, finished.parts, finished);
  await atomicWriteFile(join(out, REJECTS_FILE), formatRejects(rejects));
  if (finished.quality) await atomicWriteFile(join(out, QUALITY_FILE), formatJsonLines(qualityEntrySchema, finished.quality));
  await atomicWriteJson(join(out, MANIFEST_FILE), manifest);
  return manifest;
}

/** Read a finished bundle's rejects. */
export async function readRejects(dir: string): Promise<Reject[]> {
  const text = await readFile(join(dir, REJECTS_FILE), 'utf8');
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => JSON.parse(l) as Reject);
}

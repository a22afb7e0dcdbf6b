import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { z } from 'zod';
import { BgfillError } from '@bgfill/core';
import { FEATURES } from './features.js';
import { QUALITY_FLAGS } from './quality-policy.js';
import { mergeQualityStats, qualityStatsSchema } from './quality-stats.js';

/**
 * `dataset.json`'s format name and version. Version 2 added source sizes, quality statistics and near-duplicate
 * groups; readers accept versions 1 and 2 (a version-1 bundle reads with those fields null) and refuse others.
 */
export const MANIFEST_FORMAT = 'bgfill-tfrecord-bundle';
export const MANIFEST_VERSION = 2;
export const READABLE_MANIFEST_VERSIONS = [1, 2] as const;
export const MANIFEST_FILE = 'dataset.json';
export const REJECTS_FILE = 'rejects.jsonl';
/** Per-record quality lines of a version-2 bundle built with signals. */
export const QUALITY_FILE = 'quality.jsonl';
/** Per-shard completion records live here (one JSON per finished shard). */
export const PARTS_DIR = '.bgfill-parts';

/** Why an input was skipped. */
export const REJECT_CODES = [
  'missing',
  'not-a-file',
  'empty',
  'unreadable',
  'too-large-file',
  'not-an-image',
  'decode-error',
  'too-many-pixels',
  'too-small',
  'duplicate',
  'mask-error',
  'blurry',
  'dark',
  'low-information',
  'upscaled',
  'near-duplicate',
] as const;
export type RejectCode = (typeof REJECT_CODES)[number];

export const rejectSchema = z.object({
  file: z.string(),
  reason: z.string(),
  code: z.enum(REJECT_CODES),
  split: z.string().optional(),
  shard: z.string().optional(),
});
/** One line of `rejects.jsonl`. */
export type Reject = z.infer<typeof rejectSchema>;

export const shardEntrySchema = z.object({
  file: z.string(),
  indexFile: z.string(),
  split: z.string(),
  shardIndex: z.number().int(),
  /** Records planned for the shard, and written (planned minus rejected). */
  planned: z.number().int(),
  records: z.number().int(),
  bytes: z.number().int(),
  sha256: z.string(),
  indexSha256: z.string(),
  /** Records stored byte for byte from their input. */
  passthrough: z.number().int(),
  /** Records per category name ('' = unlabelled). */
  categories: z.record(z.string(), z.number().int()),
  holeRatioSum: z.number(),
  /** Quality statistics of the shard's records (null when built without signals, and in version-1 bundles). */
  quality: qualityStatsSchema.nullable().default(null),
  /** Records that near-duplicate grouping moved into and out of this shard, and dropped from it (`--dedupe keep-one`). */
  movedIn: z.number().int().default(0),
  movedOut: z.number().int().default(0),
  dropped: z.number().int().default(0),
});
/** A finished shard, as a part file and in the manifest. */
export type ShardEntry = z.infer<typeof shardEntrySchema>;

export const partSchema = shardEntrySchema.extend({
  fingerprint: z.string(),
  rejects: z.array(rejectSchema),
  /** The shard's quality sidecar in the parts folder (one line per record as built) and its SHA-256. */
  qualityFile: z.string().nullable(),
  qualitySha256: z.string().nullable(),
  /** Digest of the grouping decision this shard was rewritten for (null: as built). */
  finalized: z.string().nullable(),
});
/** `.bgfill-parts/<shard>.json`: a finished shard with its rejects. */
export type ShardPart = z.infer<typeof partSchema>;

export const splitSummarySchema = z.object({
  count: z.number().int(),
  planned: z.number().int(),
  rejected: z.number().int(),
  shards: z.number().int(),
  hasMasks: z.boolean(),
  maskStrategy: z.string().nullable(),
  meanHoleRatio: z.number().nullable(),
  categories: z.record(z.string(), z.number().int()),
  /** Quality statistics of the split (null without signals and in version-1 bundles). */
  quality: qualityStatsSchema.nullable().default(null),
  /** Records near-duplicate grouping moved into and out of the split. */
  movedIn: z.number().int().default(0),
  movedOut: z.number().int().default(0),
});
export type SplitSummary = z.infer<typeof splitSummarySchema>;

/** The build settings that decide the bundle's bytes (concurrency and worker settings do not, so are not kept). */
export const buildConfigSchema = z.object({
  source: z.enum(['places365', 'folder']),
  input: z.string(),
  lists: z.string().nullable(),
  list: z.string().nullable(),
  patterns: z.array(z.string()),
  labels: z.enum(['top-folder', 'none']),
  splits: z.array(z.string()),
  splitRatios: z.record(z.string(), z.number()).nullable(),
  includeCategories: z.array(z.string()),
  excludeCategories: z.array(z.string()),
  size: z.number().int(),
  crop: z.enum(['center', 'random']),
  keepSize: z.boolean(),
  format: z.enum(['jpeg', 'png']),
  quality: z.number().int(),
  minSize: z.number().int(),
  upscale: z.boolean(),
  maxPixels: z.number().int(),
  flatten: z.string(),
  failOn: z.enum(['none', 'truncated', 'error', 'warning']),
  masks: z.string().nullable(),
  maskSplits: z.array(z.string()),
  recordsPerShard: z.number().int().nullable(),
  shardMb: z.number().nullable(),
  gzip: z.boolean(),
  seed: z.union([z.string(), z.number()]),
  /** Quality signals and hashes measured (version-1 bundles: false). */
  signals: z.boolean().default(false),
  /** Flags that reject a record (`--reject`; empty: flag only). */
  reject: z.array(z.enum(QUALITY_FLAGS)).default([]),
  thresholds: z.record(z.enum(QUALITY_FLAGS), z.number()).nullable().default(null),
  /** Near-duplicate handling: `group` (one split per group), `keep-one`, or `off`. */
  dedupe: z.enum(['group', 'keep-one', 'off']).default('off'),
  hashRadius: z.number().int().nullable().default(null),
});
/** The resolved build configuration recorded in `dataset.json`. */
export type BuildConfig = z.infer<typeof buildConfigSchema>;

/** What every worker of a build agrees on before writing anything: the plan's header. */
export const buildHeaderSchema = z.object({
  fingerprint: z.string(),
  config: buildConfigSchema,
  /** Records per shard actually used (decided from `--shard-mb` when given). */
  recordsPerShard: z.number().int(),
  compression: z.enum(['none', 'gzip']),
  categories: z.array(z.string()),
  /** Inputs listed by the source after category filters (duplicates included). */
  inputs: z.number().int(),
  maskStrategy: z.string().nullable(),
  /** SHA-256 of each person bank the mask recipe reads, by path. */
  maskBanks: z.record(z.string(), z.string()).optional(),
  plannedShards: z.array(z.object({ file: z.string(), split: z.string(), planned: z.number().int() })),
  planRejects: z.array(rejectSchema),
});
export type BuildHeader = z.infer<typeof buildHeaderSchema>;

/** What near-duplicate grouping found and did, in `dataset.json`. */
export const duplicatesSchema = z.object({
  /** The perceptual hash (`dct-64`: DCT hash of a 32×32 grey thumbnail) and the Hamming radius. */
  hash: z.string(),
  radius: z.number().int(),
  mode: z.enum(['group', 'keep-one']),
  /** Groups of two or more records, the records in them, and the largest group's size. */
  groups: z.number().int(),
  members: z.number().int(),
  largest: z.number().int(),
  /** Groups holding two records with identical pixels. */
  exactGroups: z.number().int(),
  /** Groups the plan had put in more than one split. */
  spanningPlanned: z.number().int(),
  /** Records moved to their group's split, and dropped (`keep-one`). */
  moved: z.number().int(),
  dropped: z.number().int(),
  /** Groups that still span splits (only where the source fixes splits, as Places365's lists do). */
  leaks: z.number().int(),
});
export type DuplicatesSummary = z.infer<typeof duplicatesSchema>;

/** The bundle's quality section: where the per-record lines are, the policy, and the bundle's statistics. */
export const qualitySectionSchema = z.object({
  file: z.string(),
  reject: z.array(z.enum(QUALITY_FLAGS)),
  thresholds: z.record(z.enum(QUALITY_FLAGS), z.number()),
  stats: qualityStatsSchema,
});
export type QualitySection = z.infer<typeof qualitySectionSchema>;

export const manifestSchema = z.object({
  format: z.literal(MANIFEST_FORMAT),
  schemaVersion: z.union(READABLE_MANIFEST_VERSIONS.map((v) => z.literal(v)) as [z.ZodLiteral<1>, z.ZodLiteral<2>]),
  fingerprint: z.string(),
  seed: z.union([z.string(), z.number()]),
  config: buildConfigSchema,
  /** SHA-256 of each person bank the mask recipe reads, by path. */
  maskBanks: z.record(z.string(), z.string()).optional(),
  features: z.array(z.object({ name: z.string(), kind: z.enum(['bytes', 'int64', 'float']), required: z.boolean() })),
  compression: z.enum(['none', 'gzip']),
  recordsPerShard: z.number().int(),
  categories: z.array(z.string()),
  inputs: z.number().int(),
  records: z.number().int(),
  splits: z.record(z.string(), splitSummarySchema),
  shards: z.array(shardEntrySchema),
  rejected: z.object({ count: z.number().int(), byCode: z.record(z.string(), z.number().int()), file: z.string() }),
  /** Null when built without signals, and in version-1 bundles. */
  quality: qualitySectionSchema.nullable().default(null),
  duplicates: duplicatesSchema.nullable().default(null),
});
/** `dataset.json`. */
export type DatasetManifest = z.infer<typeof manifestSchema>;

export const workerManifestSchema = z.object({
  format: z.literal(`${MANIFEST_FORMAT}-worker`),
  schemaVersion: z.literal(MANIFEST_VERSION),
  worker: z.number().int(),
  workers: z.number().int(),
  header: buildHeaderSchema,
  parts: z.array(partSchema),
});
/** `worker-{i}-of-{n}.json`: one worker's share, joined by `bgfill dataset merge`. */
export type WorkerManifest = z.infer<typeof workerManifestSchema>;

/** File name of worker `i`'s manifest. */
export function workerManifestFile(worker: number, workers: number): string {
  return `worker-${String(worker).padStart(5, '0')}-of-${String(workers).padStart(5, '0')}.json`;
}

function sortedRecord(counts: Map<string, number>): Record<string, number> {
  return Object.fromEntries([...counts.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
}

/**
 * The bundle manifest from the build header and every shard's part. A pure function of its inputs (no timestamps),
 * so a single build, a resumed build and merged workers write identical bytes.
 * @example assembleManifest(header, parts).splits.val.count
 */
export function assembleManifest(
  headerIn: BuildHeader,
  partsIn: readonly ShardPart[],
  finished: { readonly rejects: readonly Reject[]; readonly duplicates: DuplicatesSummary | null } = { rejects: [], duplicates: null },
): { manifest: DatasetManifest; rejects: Reject[] } {
  // Through the schemas: the same key order whether the inputs were just built or read back from JSON.
  const header = buildHeaderSchema.parse(headerIn);
  const parts = partsIn.map((p) => partSchema.parse(p));
  const byFile = new Map(parts.map((p) => [p.file, p]));
  const shards: ShardEntry[] = [];
  const rejects: Reject[] = [...header.planRejects];
  for (const planned of header.plannedShards) {
    const part = byFile.get(planned.file);
    if (!part) throw new BgfillError(`shard ${planned.file} is not finished`);
    const { fingerprint: _f, rejects: partRejects, ...entry } = part;
    const { qualityFile: _q, qualitySha256: _s, finalized: _z, ...shardEntry } = entry;
    shards.push(shardEntry);
    rejects.push(...partRejects);
  }
  rejects.push(...finished.rejects);
  const measured = header.config.signals;
  const splits: Record<string, SplitSummary> = {};
  for (const split of header.config.splits) {
    const mine = shards.filter((s) => s.split === split);
    const categories = new Map<string, number>();
    for (const s of mine) for (const [c, n] of Object.entries(s.categories)) categories.set(c, (categories.get(c) ?? 0) + n);
    const count = mine.reduce((a, s) => a + s.records, 0);
    const hasMasks = header.maskStrategy !== null && header.config.maskSplits.includes(split);
    splits[split] = {
      count,
      planned: mine.reduce((a, s) => a + s.planned, 0),
      rejected: rejects.filter((r) => r.split === split).length,
      shards: mine.length,
      hasMasks,
      maskStrategy: hasMasks ? header.maskStrategy : null,
      meanHoleRatio: hasMasks && count > 0 ? mine.reduce((a, s) => a + s.holeRatioSum, 0) / count : null,
      categories: sortedRecord(categories),
      quality: measured ? mergeQualityStats(mine.map((s) => s.quality!)) : null,
      movedIn: mine.reduce((a, s) => a + s.movedIn, 0),
      movedOut: mine.reduce((a, s) => a + s.movedOut, 0),
    };
  }
  const byCode = new Map<string, number>();
  for (const r of rejects) byCode.set(r.code, (byCode.get(r.code) ?? 0) + 1);
  const manifest: DatasetManifest = {
    format: MANIFEST_FORMAT,
    schemaVersion: MANIFEST_VERSION,
    fingerprint: header.fingerprint,
    seed: header.config.seed,
    config: header.config,
    ...(header.maskBanks ? { maskBanks: header.maskBanks } : {}),
    features: FEATURES.map((f) => ({ name: f.name, kind: f.kind, required: f.required })),
    compression: header.compression,
    recordsPerShard: header.recordsPerShard,
    categories: header.categories,
    inputs: header.inputs,
    records: shards.reduce((a, s) => a + s.records, 0),
    splits,
    shards,
    rejected: { count: rejects.length, byCode: sortedRecord(byCode), file: REJECTS_FILE },
    quality: measured
      ? {
          file: QUALITY_FILE,
          reject: header.config.reject,
          thresholds: header.config.thresholds!,
          stats: mergeQualityStats(shards.map((s) => s.quality!)),
        }
      : null,
    duplicates: finished.duplicates,
  };
  return { manifest: manifestSchema.parse(manifest), rejects };
}

/** `rejects.jsonl` text: one JSON object per line. */
export function formatRejects(rejects: readonly Reject[]): string {
  return rejects.map((r) => `${JSON.stringify(r)}\n`).join('');
}

async function readJson(path: string, what: string): Promise<unknown> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new BgfillError(`${path}: ${code === 'ENOENT' ? `no ${what} here` : `cannot read (${code ?? String(err)})`}`, { subject: path });
  }
  try {
    return JSON.parse(text);
  } catch (err) {
    throw new BgfillError(`${path}: not valid JSON (${err instanceof Error ? err.message : String(err)})`, { subject: path });
  }
}

function checked<T>(schema: z.ZodType<T>, value: unknown, path: string): T {
  const result = schema.safeParse(value);
  if (!result.success) {
    const issue = result.error.issues[0];
    throw new BgfillError(`${path}: not a valid ${MANIFEST_FORMAT} manifest (${issue.path.join('.') || '(root)'}: ${issue.message})`, {
      subject: path,
    });
  }
  return result.data;
}

/**
 * Read and validate a bundle's `dataset.json`.
 * @example const m = await readManifest('bundles/places'); m.splits.val.count
 */
export async function readManifest(dir: string): Promise<DatasetManifest> {
  const path = join(dir, MANIFEST_FILE);
  return checked(manifestSchema, await readJson(path, 'dataset.json (is this a bundle folder? a worker build needs `bgfill dataset merge`)'), path);
}

/** Read and validate a worker manifest file. */
export async function readWorkerManifest(path: string): Promise<WorkerManifest> {
  return checked(workerManifestSchema, await readJson(path, 'worker manifest'), path);
}

/** Read and validate a shard part file; `null` when absent or unreadable (the shard is then rebuilt). */
export async function readPart(path: string): Promise<ShardPart | null> {
  try {
    const result = partSchema.safeParse(JSON.parse(await readFile(path, 'utf8')));
    return result.success ? result.data : null;
  } catch {
    return null;
  }
}

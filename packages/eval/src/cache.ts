import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { z } from 'zod';
import { atomicWriteFile, atomicWriteJson, errorMessage } from '@bgfill/core';
import type { RgbImage } from './metrics/image.js';
import type { ImageScore } from './score-checkpoint.js';
import { encodeNonFinite, jsonNumber } from './score-json.js';

/**
 * Scores of a checkpoint are cached by what decides them: the checkpoint's bytes (SHA-256), the scored data (the
 * bundle's content identity, the split and how many records), and the metric settings. Rerunning after new epochs
 * scores only the new checkpoints; a changed checkpoint, bundle, split, limit or metric version is a miss.
 * Each entry is `CACHE/<key>.json` (per-record metrics), plus one PNG per kept sample output
 * (`CACHE/<key>.sample-<index>.png`) written before the JSON, so an entry whose JSON exists is complete.
 */
export const SCORE_CACHE_FORMAT = 'bgfill-eval-cache';
/**
 * Bump when the metrics or the entry layout change: older entries then miss. 2: SSIM counts pixels whose window
 * sees no difference as exactly 1 (the same sums to a few units in the last place).
 */
export const SCORE_CACHE_VERSION = 2;

/** What a checkpoint's cached scores depend on. */
export interface ScoreCacheIdentity {
  /** SHA-256 of the checkpoint file. */
  checkpoint: string;
  /** `EvalSet.identity`: the bundle's content identity for the split. */
  data: string;
  split: string;
  /** Records scored (the first `images` of the split). */
  images: number;
  /** Metric settings (JSON of the options passed to the metrics; '{}' for the defaults). */
  metrics: string;
  /** The inference engine that produced the outputs (`onnx`, `wasm`, `webgpu`, …): engines agree only to rounding. */
  engine: string;
}

/** A cache hit. */
export interface CachedScores {
  images: ImageScore[];
  /** Kept sample outputs by record index. */
  samples: Map<number, RgbImage>;
}

/**
 * The cache key: SHA-256 (hex) of the identity and the cache version.
 * @example scoreCacheKey({ checkpoint: digest, data: set.identity, split: 'val', images: 500, metrics: '{}', engine: 'onnx' })
 */
export function scoreCacheKey(identity: ScoreCacheIdentity): string {
  const canonical = JSON.stringify([
    SCORE_CACHE_FORMAT,
    SCORE_CACHE_VERSION,
    identity.checkpoint,
    identity.data,
    identity.split,
    identity.images,
    identity.metrics,
    identity.engine,
  ]);
  return createHash('sha256').update(canonical).digest('hex');
}

/** The entry's JSON file. */
export function cacheEntryPath(cacheDir: string, key: string): string {
  return join(cacheDir, `${key}.json`);
}

function samplePath(cacheDir: string, key: string, index: number): string {
  return join(cacheDir, `${key}.sample-${index}.png`);
}

const imageScoreSchema = z.object({
  index: z.number().int().nonnegative(),
  key: z.string(),
  holeRatio: z.number(),
  bin: z.string(),
  l1: jsonNumber,
  psnr: jsonNumber,
  ssim: jsonNumber,
  msssim: jsonNumber,
  l1Hole: jsonNumber.optional(),
  psnrHole: jsonNumber.optional(),
});

const entrySchema = z.object({
  format: z.literal(SCORE_CACHE_FORMAT),
  version: z.literal(SCORE_CACHE_VERSION),
  key: z.string(),
  identity: z.object({
    checkpoint: z.string(),
    data: z.string(),
    split: z.string(),
    images: z.number().int(),
    metrics: z.string(),
    engine: z.string(),
  }),
  images: z.array(imageScoreSchema),
  samples: z.array(z.number().int().nonnegative()),
});

async function readSample(path: string): Promise<RgbImage> {
  const { data, info } = await sharp(path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  if (info.channels !== 3) throw new Error(`${path}: ${info.channels} channels`);
  return { data: new Uint8Array(data.buffer, data.byteOffset, data.length), width: info.width, height: info.height, channels: 3 };
}

/**
 * Read a cache entry. Returns undefined on a miss, and also for an unreadable, damaged or mismatched entry (after
 * telling `onProblem` why), so a bad cache only costs a rescore.
 * @example const hit = await readScoreCache('runs/a/eval/cache', identity);
 */
export async function readScoreCache(
  cacheDir: string,
  identity: ScoreCacheIdentity,
  onProblem: (message: string) => void = () => {},
): Promise<CachedScores | undefined> {
  const key = scoreCacheKey(identity);
  const path = cacheEntryPath(cacheDir, key);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') onProblem(`${path}: cannot read the cache entry (${errorMessage(err)}); rescoring`);
    return undefined;
  }
  try {
    const entry = entrySchema.parse(JSON.parse(text));
    if (entry.key !== key || JSON.stringify(entry.identity) !== JSON.stringify(identity)) throw new Error('it belongs to other inputs');
    if (entry.images.length !== identity.images || entry.images.some((s, i) => s.index !== i)) {
      throw new Error(`it holds ${entry.images.length} records, expected ${identity.images} in order`);
    }
    const samples = new Map<number, RgbImage>();
    for (const index of entry.samples) samples.set(index, await readSample(samplePath(cacheDir, key, index)));
    return { images: entry.images as ImageScore[], samples };
  } catch (err) {
    onProblem(`${path}: damaged cache entry (${errorMessage(err)}); rescoring`);
    return undefined;
  }
}

/**
 * Write a cache entry atomically: the sample PNGs first, then the JSON.
 * @example await writeScoreCache('runs/a/eval/cache', identity, scores.images, scores.samples);
 */
export async function writeScoreCache(
  cacheDir: string,
  identity: ScoreCacheIdentity,
  images: readonly ImageScore[],
  samples: ReadonlyMap<number, RgbImage>,
): Promise<void> {
  const key = scoreCacheKey(identity);
  const indices = [...samples.keys()].sort((a, b) => a - b);
  // The PNGs are encoded and written side by side (libvips' threads), all before the JSON that names them.
  await Promise.all(
    indices.map(async (index) => {
      const image = samples.get(index)!;
      const png = await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).png().toBuffer();
      await atomicWriteFile(samplePath(cacheDir, key, index), png);
    }),
  );
  await atomicWriteJson(
    cacheEntryPath(cacheDir, key),
    encodeNonFinite({ format: SCORE_CACHE_FORMAT, version: SCORE_CACHE_VERSION, key, identity, images, samples: indices }),
  );
}

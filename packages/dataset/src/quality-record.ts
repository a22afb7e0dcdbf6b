/**
 * The quality line of one record: what `.bgfill-parts/<shard>.quality.jsonl` keeps for each record a shard was built
 * with, and what the bundle's `quality.jsonl` lists once records have their final place (split, shard, position,
 * near-duplicate group).
 */
import { z } from 'zod';
import type { ImageAnalysis } from './image-analysis.js';
import { QUALITY_FLAGS, type QualityFlag } from './quality-policy.js';

export { QUALITY_FILE } from './manifest.js';

const signalFields = {
  sharpness: z.number(),
  topOctave: z.number(),
  brightness: z.number(),
  dynamicRange: z.number(),
  colourfulness: z.number(),
  entropy: z.number(),
};

/** The measured part of a record's line (the same in the shard sidecar and in quality.jsonl). */
const measuredFields = {
  sourceWidth: z.number().int(),
  sourceHeight: z.number().int(),
  /** Enlargement factor applied by the build (`--upscale`), or null. */
  upscale: z.number().nullable(),
  /** IJG-equivalent quality of a JPEG source, or null for other formats. */
  jpegQuality: z.number().int().nullable(),
  ...signalFields,
  /** 64-bit DCT hash of the whole frame (16 hex digits), and SHA-256 of its pixels. */
  hash: z.string(),
  content: z.string(),
  flags: z.array(z.enum(QUALITY_FLAGS)),
};

/** A record's line in its shard's sidecar, in write order: what finalising the bundle needs to place and count it. */
export const builtEntrySchema = z.object({
  file: z.string(),
  key: z.string(),
  label: z.number().int(),
  labelText: z.string(),
  passthrough: z.boolean(),
  /** Hole ratio of its mask (0 without one). */
  holeRatio: z.number(),
  /** Stored image size (for a mask drawn when the record moves to a masked split). */
  width: z.number().int(),
  height: z.number().int(),
  ...measuredFields,
});
export type BuiltEntry = z.infer<typeof builtEntrySchema>;

/** A line of `quality.jsonl`. */
export const qualityEntrySchema = z.object({
  file: z.string(),
  key: z.string(),
  split: z.string(),
  shard: z.string(),
  /** Position of the record in its shard (0-based). */
  index: z.number().int(),
  ...measuredFields,
  /** Near-duplicate group number (in bundle order of first members), or null. */
  group: z.number().int().nullable(),
  /** The split the record was planned in when its group moved it, else null. */
  movedFrom: z.string().nullable(),
});
export type QualityEntry = z.infer<typeof qualityEntrySchema>;

/** The measured fields of a line, from an analysis. */
export function measuredOf(
  analysis: ImageAnalysis,
  source: { sourceWidth: number; sourceHeight: number; upscale: number | null },
  flags: readonly QualityFlag[],
): z.infer<z.ZodObject<typeof measuredFields>> {
  return {
    sourceWidth: source.sourceWidth,
    sourceHeight: source.sourceHeight,
    upscale: source.upscale,
    jpegQuality: analysis.jpegQuality,
    ...analysis.signals,
    hash: analysis.hash,
    content: analysis.content,
    flags: [...flags],
  };
}

/** JSON lines text of entries (each through its schema, so the key order is fixed). */
export function formatJsonLines<T>(schema: z.ZodType<T>, entries: readonly T[]): string {
  return entries.map((e) => `${JSON.stringify(schema.parse(e))}\n`).join('');
}

/** Parse JSON lines through a schema; `where` names the file in errors. */
export function parseJsonLines<T>(schema: z.ZodType<T>, text: string): T[] {
  return text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => schema.parse(JSON.parse(l)));
}

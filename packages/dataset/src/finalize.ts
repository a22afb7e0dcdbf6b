/**
 * The last step of a build (or of `bgfill dataset merge`, which is where workers' records first meet): group
 * near-duplicates over every record of the bundle, give each group one split (hash splits) or keep one member
 * (`--dedupe keep-one`), rewrite the few shards that lose or gain records, and produce the bundle's quality lines.
 *
 * Moved records go to the end of the last shard of their new split; a record moved into a split with masks gets its
 * mask (a pure function of seed, key and size, as if it had been planned there), one moved out loses it. Everything
 * is decided from the shards' quality sidecars, which never change once written, so a rerun after an interruption
 * takes the same decisions: shards already rewritten (their part records the decision's digest) are kept, the
 * records that move are first copied to a staging file in the parts folder, so no rewrite can lose one.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteFile, atomicWriteJson, BgfillError } from '@bgfill/core';
import { decodeExample, encodeExample } from './example.js';
import { FEATURE, MASK_FEATURES } from './features.js';
import { sha256File } from './file-digest.js';
import { groupNearDuplicates } from './hash-groups.js';
import { PARTS_DIR, partSchema, type BuildHeader, type DuplicatesSummary, type Reject, type ShardPart } from './manifest.js';
import { createMaskMaker, type MaskMaker } from './mask-feature.js';
import { builtEntrySchema, parseJsonLines, type BuiltEntry, type QualityEntry } from './quality-record.js';
import { qualityStats } from './quality-stats.js';
import { compareStrings } from './shard-plan.js';
import { readTfRecords } from './tfrecord-reader.js';
import { formatIndex, TfRecordWriter } from './tfrecord-writer.js';

/** The name the perceptual hash goes by in manifests. */
export const HASH_NAME = 'dct-64';
/** Staging file for moved records (framed TFRecord) and its description, in the parts folder. */
export const ARRIVALS_FILE = 'arrivals.tfrecord';
export const ARRIVALS_META = 'arrivals.json';

/** A record as built, with where it was built. */
interface Placed {
  readonly entry: BuiltEntry;
  /** Global position in the bundle as planned (shards in plan order, records in write order). */
  readonly order: number;
  readonly shard: string;
  readonly split: string;
  readonly position: number;
}

/** Where a record ends up. */
interface Fate {
  split: string;
  dropped: boolean;
  group: number | null;
  keptMember: Placed | null;
}

export interface FinalizeResult {
  /** Every shard's part, final, in plan order. */
  readonly parts: ShardPart[];
  /** Records dropped by `--dedupe keep-one`. */
  readonly rejects: Reject[];
  readonly duplicates: DuplicatesSummary | null;
  /** The bundle's quality lines, in bundle order; null when built without signals. */
  readonly quality: QualityEntry[] | null;
  /** Shards rewritten by this call (not counting ones an earlier run had rewritten). */
  readonly rewritten: number;
}

function sha256Of(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** The name of a shard's quality sidecar in the parts folder. */
export function qualitySidecarName(shardFile: string): string {
  return `${shardFile}.quality.jsonl`;
}

/** Read a shard's sidecar, checking it against the digest its part recorded. */
async function readSidecar(out: string, part: ShardPart): Promise<BuiltEntry[]> {
  if (part.qualityFile === null) throw new BgfillError(`${part.file}: built without quality signals, unlike the rest of this build`, { subject: part.file });
  const path = join(out, PARTS_DIR, part.qualityFile);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    throw new BgfillError(`${path}: missing; remove ${part.file}'s part file and rerun the build to rebuild the shard`, { subject: path });
  }
  if (sha256Of(text) !== part.qualitySha256) throw new BgfillError(`${path}: does not match its part file's digest; rerun the build to rebuild ${part.file}`, { subject: path });
  return parseJsonLines(builtEntrySchema, text);
}

/**
 * The member a group keeps or follows: not enlarged by the build, then the most source pixels, then the fewest
 * quality flags; of those, the ones at least half as sharp as the sharpest (a blurred copy loses far more than half —
 * under 0.5× on the sample photos — while re-encoding moves sharpness by 0.5–2.1×); then the best source JPEG quality
 * (non-JPEG sources count as lossless), the sharpest, and the first filename.
 */
export function preferredMember<T extends { entry: BuiltEntry }>(members: readonly T[]): T {
  const best = (list: readonly T[], key: (p: T) => number): T[] => {
    const top = Math.max(...list.map(key));
    return list.filter((p) => key(p) === top);
  };
  let pool = best(members, (p) => (p.entry.upscale === null ? 1 : 0));
  pool = best(pool, (p) => p.entry.sourceWidth * p.entry.sourceHeight);
  pool = best(pool, (p) => -p.entry.flags.length);
  const sharpest = Math.max(...pool.map((p) => p.entry.sharpness));
  pool = pool.filter((p) => p.entry.sharpness >= sharpest / 2);
  pool = best(pool, (p) => p.entry.jpegQuality ?? 101);
  pool = best(pool, (p) => p.entry.sharpness);
  return [...pool].sort((a, b) => compareStrings(a.entry.file, b.entry.file))[0];
}

/** Swap a serialised Example's mask features for `mask` (or drop them when null). */
async function withMask(data: Uint8Array, entry: BuiltEntry, masks: MaskMaker | null): Promise<Uint8Array> {
  const features = decodeExample(data);
  const had = MASK_FEATURES.some((n) => n in features);
  if (!had && masks === null) return data;
  for (const name of MASK_FEATURES) delete features[name];
  if (masks) {
    const mask = await masks.make({ width: entry.width, height: entry.height }, entry.key);
    features[FEATURE.maskEncoded] = { bytes: [mask.encoded] };
    features[FEATURE.maskStrategy] = { bytes: [new TextEncoder().encode(mask.strategy)] };
    features[FEATURE.maskHoleRatio] = { float: [mask.holeRatio] };
  }
  return encodeExample(features);
}

/** The records of a TFRecord file as an array of serialised Examples. */
async function shardRecords(path: string): Promise<Uint8Array[]> {
  const out: Uint8Array[] = [];
  for await (const r of readTfRecords(path)) out.push(r.data);
  return out;
}

/** The records of a shard as it was built (checked against its part's digest first). */
async function builtRecords(out: string, part: ShardPart): Promise<Uint8Array[]> {
  const path = join(out, part.file);
  if (part.finalized !== null || (await sha256File(path)) !== part.sha256) {
    throw new BgfillError(`${path}: not the shard its part file describes; rerun the build (or merge) to rebuild it`, { subject: path });
  }
  return shardRecords(path);
}

/**
 * Finish a bundle's records after every shard is built: group, move, drop, rewrite, and list the quality lines.
 * `parts` are the finished shards' parts (any order); `out` holds the shards and the parts folder.
 * @example const { parts, quality } = await finalizeBundle(out, header, parts)
 */
export async function finalizeBundle(out: string, header: BuildHeader, partsIn: readonly ShardPart[]): Promise<FinalizeResult> {
  const config = header.config;
  const byFile = new Map(partsIn.map((p) => [p.file, p]));
  const parts = header.plannedShards.map((s) => {
    const p = byFile.get(s.file);
    if (!p) throw new BgfillError(`shard ${s.file} is not finished`);
    return p;
  });
  if (!config.signals) return { parts, rejects: [], duplicates: null, quality: null, rewritten: 0 };

  const placed: Placed[] = [];
  for (const part of parts) {
    const entries = await readSidecar(out, part);
    entries.forEach((entry, position) => placed.push({ entry, order: placed.length, shard: part.file, split: part.split, position }));
  }
  const fates: Fate[] = placed.map((p) => ({ split: p.split, dropped: false, group: null, keptMember: null }));
  const radius = config.hashRadius ?? 0;
  const grouping = config.dedupe === 'off' ? null : groupNearDuplicates(placed.map((p) => p.entry), radius);
  const groups = grouping?.groups ?? [];
  const hashSplits = config.splitRatios !== null;
  let spanningPlanned = 0;
  let exactGroups = 0;
  groups.forEach((members, g) => {
    const list = members.map((i) => placed[i]);
    if (new Set(list.map((p) => p.split)).size > 1) spanningPlanned++;
    if (new Set(list.map((p) => p.entry.content)).size < list.length) exactGroups++;
    const keep = preferredMember(list);
    for (const p of list) {
      const fate = fates[p.order];
      fate.group = g;
      if (hashSplits) fate.split = keep.split;
      if (config.dedupe === 'keep-one' && p !== keep) {
        fate.dropped = true;
        fate.keptMember = keep;
      }
    }
  });

  // Final contents: each shard keeps its records that stay, in order; the last shard of a split receives the records
  // moving in, in planned order.
  const lastShardOf = new Map<string, string>();
  for (const s of header.plannedShards) lastShardOf.set(s.split, s.file);
  const content = new Map<string, Placed[]>(parts.map((p) => [p.file, []]));
  const arrivals: Placed[] = [];
  for (const p of placed) {
    const fate = fates[p.order];
    if (fate.dropped) continue;
    if (fate.split === p.split) content.get(p.shard)!.push(p);
    else arrivals.push(p);
  }
  for (const p of arrivals) content.get(lastShardOf.get(fates[p.order].split)!)!.push(p);

  const maskSplits = new Set(header.maskStrategy !== null ? config.maskSplits : []);
  const masks = arrivals.some((p) => maskSplits.has(p.split) !== maskSplits.has(fates[p.order].split)) && config.masks
    ? await createMaskMaker(config.masks, config.seed)
    : null;
  const staged = arrivals.length > 0 ? await stageArrivals(out, arrivals, fates, parts, maskSplits, masks) : new Map<string, Uint8Array>();

  const builtIn = new Map<string, Placed[]>(parts.map((p) => [p.file, []]));
  for (const p of placed) builtIn.get(p.shard)!.push(p);
  let rewritten = 0;
  const finalParts: ShardPart[] = [];
  for (const part of parts) {
    const list = content.get(part.file)!;
    const built = builtIn.get(part.file)!;
    const unchanged = list.length === built.length && list.every((p, i) => p === built[i]);
    if (unchanged) {
      finalParts.push(part);
      continue;
    }
    const target = sha256Of(`${part.file}\n${list.map((p) => `${p.entry.key} ${p.split}`).join('\n')}`);
    if (part.finalized === target && (await sha256File(join(out, part.file))) === part.sha256) {
      finalParts.push(part);
      continue;
    }
    if (part.finalized !== null) throw new BgfillError(`${part.file}: was regrouped for another decision; remove the bundle folder and rebuild`, { subject: part.file });
    const current = await builtRecords(out, part);
    const writer = await TfRecordWriter.create(join(out, part.file), { compression: config.gzip ? 'gzip' : 'none' });
    try {
      for (const p of list) {
        const data = p.shard === part.file ? current[p.position] : staged.get(p.entry.key);
        if (!data) throw new BgfillError(`${part.file}: record ${p.entry.file} is missing from its shard`, { subject: part.file });
        await writer.write(data);
      }
    } catch (err) {
      await writer.abort();
      throw err;
    }
    const written = await writer.commit();
    const indexText = formatIndex(written.index);
    await atomicWriteFile(join(out, part.indexFile), indexText);
    const categories = new Map<string, number>();
    for (const p of list) categories.set(p.entry.labelText, (categories.get(p.entry.labelText) ?? 0) + 1);
    const masked = maskSplits.has(part.split);
    const holeRatioOf = async (p: Placed): Promise<number> => {
      if (!masked) return 0;
      if (maskSplits.has(p.split)) return p.entry.holeRatio;
      return (await masks!.make({ width: p.entry.width, height: p.entry.height }, p.entry.key)).holeRatio;
    };
    let holeRatioSum = 0;
    for (const p of list) holeRatioSum += await holeRatioOf(p);
    const next = partSchema.parse({
      ...part,
      records: written.records,
      bytes: written.bytes,
      sha256: written.sha256,
      indexSha256: sha256Of(indexText),
      passthrough: list.filter((p) => p.entry.passthrough).length,
      categories: Object.fromEntries([...categories.entries()].sort(([a], [b]) => compareStrings(a, b))),
      holeRatioSum,
      quality: qualityStats(list.map((p) => p.entry)),
      movedIn: list.filter((p) => p.shard !== part.file).length,
      movedOut: built.filter((p) => fates[p.order].split !== p.split && !fates[p.order].dropped).length,
      dropped: built.filter((p) => fates[p.order].dropped).length,
      finalized: target,
    });
    await atomicWriteJson(join(out, PARTS_DIR, `${part.file}.json`), next);
    finalParts.push(next);
    rewritten++;
  }

  // Quality lines in bundle order, with group numbers in order of each group's first record there.
  const groupNumber = new Map<number, number>();
  const quality: QualityEntry[] = [];
  for (const part of finalParts) {
    content.get(part.file)!.forEach((p, index) => {
      const fate = fates[p.order];
      if (fate.group !== null && !groupNumber.has(fate.group)) groupNumber.set(fate.group, groupNumber.size);
      const { label: _l, labelText: _t, passthrough: _p, holeRatio: _h, width: _w, height: _hh, ...measured } = p.entry;
      quality.push({
        ...measured,
        split: fate.split,
        shard: part.file,
        index,
        group: fate.group === null ? null : groupNumber.get(fate.group)!,
        movedFrom: fate.split === p.split ? null : p.split,
      });
    });
  }
  const rejects: Reject[] = placed
    .filter((p) => fates[p.order].dropped)
    .map((p) => ({
      file: p.entry.file,
      reason: `near-duplicate: in a group of ${groups[fates[p.order].group!].length} with ${fates[p.order].keptMember!.entry.file}, which is kept (--dedupe keep-one)`,
      code: 'near-duplicate' as const,
      split: p.split,
      shard: p.shard,
    }));
  const leaks = groups.filter((members) => new Set(members.filter((i) => !fates[i].dropped).map((i) => fates[i].split)).size > 1).length;
  const duplicates: DuplicatesSummary | null =
    config.dedupe === 'off'
      ? null
      : {
          hash: HASH_NAME,
          radius,
          mode: config.dedupe,
          groups: groups.length,
          members: groups.reduce((a, g) => a + g.length, 0),
          largest: groups.reduce((a, g) => Math.max(a, g.length), 0),
          exactGroups,
          spanningPlanned,
          moved: arrivals.length,
          dropped: rejects.length,
          leaks,
        };
  return { parts: finalParts, rejects, duplicates, quality, rewritten };
}

/**
 * Copy the records that move (re-encoded for their new split's masks) to `arrivals.tfrecord` in the parts folder,
 * before any shard is rewritten; reuse it when an earlier run wrote it for the same decision.
 */
async function stageArrivals(
  out: string,
  arrivals: readonly Placed[],
  fates: readonly Fate[],
  parts: readonly ShardPart[],
  maskSplits: ReadonlySet<string>,
  masks: MaskMaker | null,
): Promise<Map<string, Uint8Array>> {
  const dir = join(out, PARTS_DIR);
  const decision = sha256Of(arrivals.map((p) => `${p.entry.key} ${p.split} ${fates[p.order].split}`).join('\n'));
  const staged = new Map<string, Uint8Array>();
  try {
    const meta = JSON.parse(await readFile(join(dir, ARRIVALS_META), 'utf8')) as { decision: string; sha256: string; keys: string[] };
    if (meta.decision === decision && (await sha256File(join(dir, ARRIVALS_FILE))) === meta.sha256) {
      const records = await shardRecords(join(dir, ARRIVALS_FILE));
      if (records.length === meta.keys.length) {
        meta.keys.forEach((k, i) => staged.set(k, records[i]));
        return staged;
      }
    }
  } catch {
    // none yet, or unreadable: write it below
  }
  const byShard = new Map<string, Placed[]>();
  for (const p of arrivals) byShard.set(p.shard, [...(byShard.get(p.shard) ?? []), p]);
  for (const [file, list] of byShard) {
    const part = parts.find((q) => q.file === file)!;
    if (part.finalized !== null) {
      throw new BgfillError(`${join(dir, ARRIVALS_FILE)}: missing while ${file} was already regrouped; remove the bundle folder and rebuild`, { subject: file });
    }
    const records = await builtRecords(out, part);
    for (const p of list) {
      const to = fates[p.order].split;
      const maskChange = maskSplits.has(p.split) !== maskSplits.has(to);
      staged.set(p.entry.key, maskChange ? await withMask(records[p.position], p.entry, maskSplits.has(to) ? masks : null) : records[p.position]);
    }
  }
  const writer = await TfRecordWriter.create(join(dir, ARRIVALS_FILE));
  for (const p of arrivals) await writer.write(staged.get(p.entry.key)!);
  const written = await writer.commit();
  await atomicWriteJson(join(dir, ARRIVALS_META), { decision, sha256: written.sha256, keys: arrivals.map((p) => p.entry.key) });
  return staged;
}

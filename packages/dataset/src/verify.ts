import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, readFile, stat } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { createProgress } from '@bgfill/core';
import { MANIFEST_FILE, QUALITY_FILE, readManifest, type DatasetManifest, type ShardEntry } from './manifest.js';
import { parseJsonLines, qualityEntrySchema } from './quality-record.js';
import { decodeMaskPng } from './mask-feature.js';
import { orderedMap } from './ordered-map.js';
import { decodeRecord, type BundleRecord } from './record.js';
import { recordKey } from './shard-plan.js';
import { parseIndex, scanTfRecords } from './tfrecord-reader.js';

/** One problem found by `verifyBundle`: where (shard, byte offset of the record frame, record number) and what. */
export interface VerifyIssue {
  readonly shard: string | null;
  readonly offset: number | null;
  readonly record: number | null;
  readonly problem: string;
}

export interface VerifyReport {
  readonly ok: boolean;
  readonly shards: number;
  readonly records: number;
  readonly bytes: number;
  /** Images (and masks) fully decoded; 0 without `decode`. */
  readonly decoded: number;
  readonly issues: readonly VerifyIssue[];
}

export interface VerifyOptions {
  /** Also decode every image and mask and check them against their features. */
  decode?: boolean;
  /** Decodes at once (default 4). */
  concurrency?: number;
  progress?: boolean;
}

/** One issue as a line: `shard @ offset N (record i): problem`. */
export function formatIssue(issue: VerifyIssue): string {
  const where = [
    issue.shard ?? MANIFEST_FILE,
    issue.offset !== null ? `@ offset ${issue.offset}` : '',
    issue.record !== null ? `(record ${issue.record})` : '',
  ]
    .filter((s) => s !== '')
    .join(' ');
  return `${where}: ${issue.problem}`;
}

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

function message(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Check a decoded record against its features and the split's promises. */
async function checkRecord(record: BundleRecord, hasMasks: boolean, decode: boolean, version: number): Promise<string[]> {
  const problems: string[] = [];
  if (version >= 2 && !record.source) problems.push('a version-2 record without image/source_height and image/source_width');
  if (record.upscale !== undefined && !(record.upscale > 1)) problems.push(`image/upscale is ${record.upscale}, not an enlargement (> 1)`);
  if (record.key !== recordKey(record.filename)) problems.push(`key ${record.key.slice(0, 12)}… is not the SHA-256 of "${record.filename}"`);
  if (hasMasks && !record.mask) problems.push('split carries masks but this record has none');
  if (!hasMasks && record.mask) problems.push('record has a mask but its split is declared without masks');
  if (record.width < 1 || record.height < 1) problems.push(`bad size ${record.width}×${record.height}`);
  if (!decode) return problems;
  try {
    const meta = await sharp(record.encoded).metadata();
    if (meta.format !== record.format) problems.push(`image/format says ${record.format} but the bytes are ${meta.format}`);
    const { info } = await sharp(record.encoded, { failOn: 'warning' }).raw().toBuffer({ resolveWithObject: true });
    if (info.width !== record.width || info.height !== record.height) {
      problems.push(`image decodes to ${info.width}×${info.height}, features say ${record.width}×${record.height}`);
    }
  } catch (err) {
    problems.push(`image does not decode: ${message(err)}`);
  }
  if (record.mask) {
    try {
      const mask = await decodeMaskPng(record.mask.encoded);
      if (mask.width !== record.width || mask.height !== record.height) {
        problems.push(`mask is ${mask.width}×${mask.height}, image ${record.width}×${record.height}`);
      }
      let holes = 0;
      for (const v of mask.data) holes += v;
      const ratio = holes / mask.data.length;
      if (Math.abs(ratio - record.mask.holeRatio) > 1e-6) {
        problems.push(`mask/hole_ratio is ${record.mask.holeRatio} but the mask's hole fraction is ${ratio}`);
      }
    } catch (err) {
      problems.push(`mask does not decode: ${message(err)}`);
    }
  }
  return problems;
}

async function verifyShard(
  dir: string,
  shard: ShardEntry,
  hasMasks: boolean,
  options: VerifyOptions,
  issues: VerifyIssue[],
  version: number,
): Promise<{ records: number; decoded: number; keys: string[] }> {
  const path = join(dir, shard.file);
  const at = (problem: string, offset: number | null = null, record: number | null = null): void => {
    issues.push({ shard: shard.file, offset, record, problem });
  };
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) {
      at('is not a regular file');
      return { records: 0, decoded: 0, keys: [] };
    }
    size = info.size;
  } catch {
    at('missing (listed in dataset.json)');
    return { records: 0, decoded: 0, keys: [] };
  }
  if (size !== shard.bytes) at(`file is ${size} bytes, dataset.json says ${shard.bytes}`);
  const digest = await sha256OfFile(path);
  if (digest !== shard.sha256) at(`SHA-256 ${digest.slice(0, 12)}… does not match dataset.json (${shard.sha256.slice(0, 12)}…)`);

  const frames: Array<{ offset: number; length: number }> = [];
  const decode = options.decode ?? false;
  let records = 0;
  let decoded = 0;
  const keys: string[] = [];
  async function* items() {
    for await (const item of scanTfRecords(path)) {
      if (item.kind === 'problem') {
        at(item.message, item.offset, frames.length);
        if (item.fault !== 'data-crc') return;
        continue;
      }
      frames.push({ offset: item.offset, length: item.length });
      yield { ...item, number: frames.length - 1 };
    }
  }
  const checked = orderedMap(items(), options.concurrency ?? 4, async (item) => {
    try {
      const record = decodeRecord(item.data);
      return { item, key: record.key, problems: await checkRecord(record, hasMasks, decode, version) };
    } catch (err) {
      return { item, key: '', problems: [`not a valid record: ${message(err)}`] };
    }
  });
  for await (const { item, key, problems } of checked) {
    records++;
    keys.push(key);
    if (decode) decoded++;
    for (const p of problems) at(p, item.offset, item.number);
  }
  if (records !== shard.records) at(`holds ${records} readable records, dataset.json says ${shard.records}`);

  const indexPath = join(dir, shard.indexFile);
  let indexText: string | null = null;
  try {
    indexText = await readFile(indexPath, 'utf8');
  } catch {
    issues.push({ shard: shard.indexFile, offset: null, record: null, problem: 'index file missing' });
  }
  if (indexText !== null) {
    const indexIssue = (problem: string): void => void issues.push({ shard: shard.indexFile, offset: null, record: null, problem });
    if (createHash('sha256').update(indexText).digest('hex') !== shard.indexSha256) indexIssue('SHA-256 does not match dataset.json');
    try {
      const entries = parseIndex(indexText, shard.indexFile);
      if (entries.length !== frames.length) indexIssue(`lists ${entries.length} records, the shard frames ${frames.length}`);
      const bad = entries.findIndex((e, i) => i < frames.length && (e.offset !== frames[i].offset || e.length !== frames[i].length));
      if (bad >= 0) indexIssue(`line ${bad + 1} says ${entries[bad].offset} ${entries[bad].length}, the shard has ${frames[bad].offset} ${frames[bad].length}`);
    } catch (err) {
      indexIssue(message(err));
    }
  }
  return { records, decoded, keys };
}

/** quality.jsonl: one valid line per record, in bundle order, naming each record's key, shard and position. */
async function checkQualityLines(dir: string, keysByShard: ReadonlyMap<string, readonly string[]>, manifest: DatasetManifest, issues: VerifyIssue[]): Promise<void> {
  const at = (problem: string): void => void issues.push({ shard: QUALITY_FILE, offset: null, record: null, problem });
  let lines;
  try {
    lines = parseJsonLines(qualityEntrySchema, await readFile(join(dir, QUALITY_FILE), 'utf8'));
  } catch (err) {
    at((err as NodeJS.ErrnoException).code === 'ENOENT' ? 'missing (dataset.json has a quality section)' : `not valid: ${message(err)}`);
    return;
  }
  if (lines.length !== manifest.records) at(`${lines.length} lines, the bundle holds ${manifest.records} records`);
  let n = 0;
  for (const shard of manifest.shards) {
    (keysByShard.get(shard.file) ?? []).forEach((key, index) => {
      const line = lines[n++];
      if (line && (line.shard !== shard.file || line.index !== index || line.key !== key || line.split !== shard.split)) {
        at(`line ${n} describes ${line.shard} record ${line.index} (${line.key.slice(0, 12)}…), the bundle has ${shard.file} record ${index} (${key.slice(0, 12)}…) there`);
      }
    });
  }
}

/** Manifest-level consistency: split totals, shard names and counts, stray shard files. */
async function checkManifest(dir: string, manifest: DatasetManifest, issues: VerifyIssue[]): Promise<void> {
  const top = (problem: string): void => void issues.push({ shard: null, offset: null, record: null, problem });
  let total = 0;
  for (const [split, summary] of Object.entries(manifest.splits)) {
    const shards = manifest.shards.filter((s) => s.split === split);
    const sum = shards.reduce((a, s) => a + s.records, 0);
    total += sum;
    if (sum !== summary.count) top(`split ${split}: shards hold ${sum} records, splits.${split}.count says ${summary.count}`);
    if (shards.length !== summary.shards) top(`split ${split}: ${shards.length} shards listed, splits.${split}.shards says ${summary.shards}`);
    shards.forEach((s) => {
      const expected = `${split}-${String(s.shardIndex).padStart(5, '0')}-of-${String(shards.length).padStart(5, '0')}`;
      if (!s.file.startsWith(expected)) top(`shard ${s.file} should be named ${expected}…`);
    });
  }
  if (total !== manifest.records) top(`shards hold ${total} records, "records" says ${manifest.records}`);
  const listed = new Set(manifest.shards.map((s) => s.file));
  const stray = (await readdir(dir)).filter((f) => /\.tfrecord(\.gz)?$/.test(f) && !listed.has(f));
  for (const f of stray) issues.push({ shard: f, offset: null, record: null, problem: 'shard file not listed in dataset.json' });
}

/**
 * Check a bundle against its manifest: every shard present with its recorded size and SHA-256, TFRecord framing and
 * every CRC, each record a valid Example of the schema (version 2: with its source size), counts per shard and split,
 * the index files, quality.jsonl line by line against the records; with `decode`,
 * every image and mask decodes to its stated size and hole ratio. Names each bad record by shard and byte offset.
 * @example const report = await verifyBundle('bundle', { decode: true }); report.issues.map(formatIssue)
 */
export async function verifyBundle(dir: string, options: VerifyOptions = {}): Promise<VerifyReport> {
  const manifest = await readManifest(dir);
  const issues: VerifyIssue[] = [];
  await checkManifest(dir, manifest, issues);
  const progress = createProgress({
    label: 'verify',
    total: manifest.shards.length,
    ...(options.progress === undefined ? {} : { enabled: options.progress }),
  });
  let records = 0;
  let decoded = 0;
  const keysByShard = new Map<string, string[]>();
  try {
    for (const shard of manifest.shards) {
      const r = await verifyShard(dir, shard, manifest.splits[shard.split]?.hasMasks ?? false, options, issues, manifest.schemaVersion);
      records += r.records;
      decoded += r.decoded;
      keysByShard.set(shard.file, r.keys);
      progress.tick();
    }
  } finally {
    progress.stop();
  }
  if (manifest.quality) await checkQualityLines(dir, keysByShard, manifest, issues);
  return {
    ok: issues.length === 0,
    shards: manifest.shards.length,
    records,
    bytes: manifest.shards.reduce((a, s) => a + s.bytes, 0),
    decoded,
    issues,
  };
}

import { extname, join } from 'node:path';
import sharp from 'sharp';
import { atomicWriteFile, BgfillError, checkOutputPath, invalidParameter } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import { readManifest, type DatasetManifest, type DuplicatesSummary } from './manifest.js';
import { QUALITY_FLAGS } from './quality-policy.js';
import { formatHistogram, STAT_SIGNALS, type QualityStats } from './quality-stats.js';
import { readBundle, splitShards, type DecodedExample } from './reader.js';
import { decodeRecord } from './record.js';
import { readTfRecords } from './tfrecord-reader.js';

export interface InspectOptions {
  /** Only this split (default: all). The preview uses it too (default: the first split with masks, else the first). */
  split?: string;
  /** Write a preview grid here, in the format its extension names (`.png`, `.jpg`/`.jpeg`, `.webp`). */
  preview?: string;
  /** Replace an existing `preview` file (default false: an existing file is an error). */
  overwrite?: boolean;
  /** Records in the preview (default 16). */
  count?: number;
  /** Records read per split for the per-record statistics (default 1000; 0 = all). */
  scan?: number;
  /** Preview tile side in pixels (default 128). */
  tile?: number;
}

export interface Summary {
  readonly mean: number;
  readonly min: number;
  readonly max: number;
}

export interface SplitStats {
  readonly split: string;
  readonly count: number;
  readonly shards: number;
  readonly bytes: number;
  readonly rejected: number;
  readonly hasMasks: boolean;
  readonly maskStrategy: string | null;
  /** Largest categories first (name '' = unlabelled). */
  readonly categories: ReadonlyArray<{ name: string; count: number }>;
  /** Records the per-record statistics below come from. */
  readonly scanned: number;
  /** `WxH` → records. */
  readonly sizes: Readonly<Record<string, number>>;
  readonly formats: Readonly<Record<string, number>>;
  readonly encodedBytes: Summary | null;
  readonly holeRatio: (Summary & { histogram: number[] }) | null;
  /** Quality statistics of the split's records, from dataset.json (null for bundles built without signals, or version 1). */
  readonly quality: QualityStats | null;
  /** Records near-duplicate grouping moved into and out of the split. */
  readonly movedIn: number;
  readonly movedOut: number;
}

export interface InspectReport {
  readonly dir: string;
  readonly records: number;
  readonly inputs: number;
  readonly rejected: { count: number; byCode: Record<string, number> };
  readonly compression: string;
  readonly recordsPerShard: number;
  readonly splits: readonly SplitStats[];
  readonly preview: string | null;
  /** The manifest schema version, and what near-duplicate grouping found (null when not run). */
  readonly schemaVersion: number;
  readonly duplicates: DuplicatesSummary | null;
  /** The flags that rejected records (`--reject`), empty when flag-only; null without signals. */
  readonly reject: readonly string[] | null;
}

function summarise(values: readonly number[]): Summary | null {
  if (values.length === 0) return null;
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const v of values) {
    min = Math.min(min, v);
    max = Math.max(max, v);
    sum += v;
  }
  return { mean: sum / values.length, min, max };
}

/** Counts of hole ratios in 10 equal bins over [0, 1] (1.0 falls in the last). */
export function holeHistogram(ratios: readonly number[], bins = 10): number[] {
  const h = new Array<number>(bins).fill(0);
  for (const r of ratios) h[Math.min(bins - 1, Math.max(0, Math.floor(r * bins)))]++;
  return h;
}

async function splitStats(dir: string, manifest: DatasetManifest, split: string, scan: number): Promise<SplitStats> {
  const summary = manifest.splits[split];
  const shards = splitShards(manifest, split, dir);
  const sizes: Record<string, number> = {};
  const formats: Record<string, number> = {};
  const bytes: number[] = [];
  const ratios: number[] = [];
  let scanned = 0;
  outer: for (const shard of shards) {
    for await (const raw of readTfRecords(join(dir, shard.file))) {
      if (scan > 0 && scanned >= scan) break outer;
      const r = decodeRecord(raw.data);
      scanned++;
      const size = `${r.width}x${r.height}`;
      sizes[size] = (sizes[size] ?? 0) + 1;
      formats[r.format] = (formats[r.format] ?? 0) + 1;
      bytes.push(r.encoded.length);
      if (r.mask) ratios.push(r.mask.holeRatio);
    }
  }
  const hole = summarise(ratios);
  return {
    split,
    count: summary.count,
    shards: shards.length,
    bytes: shards.reduce((a, s) => a + s.bytes, 0),
    rejected: summary.rejected,
    hasMasks: summary.hasMasks,
    maskStrategy: summary.maskStrategy,
    categories: Object.entries(summary.categories)
      .map(([name, count]) => ({ name, count }))
      .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : 1)),
    scanned,
    sizes,
    formats,
    encodedBytes: summarise(bytes),
    holeRatio: hole ? { ...hole, histogram: holeHistogram(ratios) } : null,
    quality: summary.quality,
    movedIn: summary.movedIn,
    movedOut: summary.movedOut,
  };
}

/** An RGB tile of `side`×`side`: the image (letterboxed) with its mask's holes tinted red at 50%. */
async function tileOf(example: DecodedExample, side: number): Promise<Buffer> {
  const { width, height, data } = example.image;
  const rgb = Buffer.from(data);
  const mask: Mask | undefined = example.mask;
  if (mask) {
    for (let i = 0; i < mask.data.length; i++) {
      if (mask.data[i] === 0) continue;
      rgb[i * 3] = (rgb[i * 3] + 255) >> 1;
      rgb[i * 3 + 1] >>= 1;
      rgb[i * 3 + 2] >>= 1;
    }
  }
  return sharp(rgb, { raw: { width, height, channels: 3 } })
    .resize({ width: side, height: side, fit: 'contain', background: '#202020' })
    .removeAlpha()
    .raw()
    .toBuffer();
}

/** Codecs a preview can be written in. */
export type PreviewFormat = 'png' | 'jpeg' | 'webp';

const PREVIEW_EXTENSIONS: Readonly<Record<string, PreviewFormat>> = { '.png': 'png', '.jpg': 'jpeg', '.jpeg': 'jpeg', '.webp': 'webp' };

/**
 * The format a preview path's extension names (any letter case); other extensions are an error.
 * @example previewFormatOf('val.jpg') // 'jpeg'
 */
export function previewFormatOf(path: string): PreviewFormat {
  const format = PREVIEW_EXTENSIONS[extname(path).toLowerCase()];
  if (!format) {
    const ext = extname(path) === '' ? 'no extension' : `not ${extname(path)}`;
    throw new BgfillError(`${path}: --preview writes .png, .jpg, .jpeg or .webp (the extension picks the format), ${ext}`, { subject: path });
  }
  return format;
}

/**
 * Check a preview path before any work: a known extension, and no existing file unless `overwrite` (never a folder).
 * @example await checkPreviewPath('val.png', false)
 */
export async function checkPreviewPath(path: string, overwrite: boolean): Promise<PreviewFormat> {
  const format = previewFormatOf(path);
  await checkOutputPath(path, { kind: 'file', overwrite, hint: 'give a file name for the preview' });
  return format;
}

/**
 * A preview grid (near-square) of examples with their masks' holes tinted red, tiles `side` pixels, 2-pixel gaps,
 * encoded as `format` (PNG by default; JPEG and WebP at quality 90).
 * @example await previewGrid(examples, 128, 'jpeg')
 */
export async function previewGrid(examples: readonly DecodedExample[], side = 128, format: PreviewFormat = 'png'): Promise<Buffer> {
  if (examples.length === 0) throw invalidParameter('count', 'at least one record to preview', 0);
  const columns = Math.ceil(Math.sqrt(examples.length));
  const rows = Math.ceil(examples.length / columns);
  const gap = 2;
  const width = columns * side + (columns + 1) * gap;
  const height = rows * side + (rows + 1) * gap;
  const canvas = Buffer.alloc(width * height * 3, 0x40);
  const tiles = await Promise.all(examples.map((e) => tileOf(e, side)));
  tiles.forEach((tile, k) => {
    const x0 = gap + (k % columns) * (side + gap);
    const y0 = gap + Math.floor(k / columns) * (side + gap);
    for (let y = 0; y < side; y++) tile.copy(canvas, ((y0 + y) * width + x0) * 3, y * side * 3, (y + 1) * side * 3);
  });
  const image = sharp(canvas, { raw: { width, height, channels: 3 } });
  if (format === 'jpeg') return image.jpeg({ quality: 90 }).toBuffer();
  if (format === 'webp') return image.webp({ quality: 90 }).toBuffer();
  return image.png().toBuffer();
}

/**
 * Statistics of a bundle (from dataset.json, plus image sizes, formats, encoded sizes and hole ratios from scanning
 * records) and, with `preview`, a grid of the first `count` records of a split with their masks over them, in the
 * format the file's extension names; an existing preview file is replaced only with `overwrite`.
 * @example const report = await inspectBundle('bundle', { split: 'val', preview: 'val.png' }); console.log(formatInspectReport(report))
 */
export async function inspectBundle(dir: string, options: InspectOptions = {}): Promise<InspectReport> {
  const manifest = await readManifest(dir);
  const names = Object.keys(manifest.splits);
  if (options.split !== undefined && !names.includes(options.split)) {
    throw invalidParameter('--split', `one of ${names.join(', ')}`, options.split);
  }
  const previewFormat = options.preview ? await checkPreviewPath(options.preview, options.overwrite ?? false) : 'png';
  const scan = options.scan ?? 1000;
  const splits: SplitStats[] = [];
  for (const split of options.split ? [options.split] : names) splits.push(await splitStats(dir, manifest, split, scan));
  let preview: string | null = null;
  if (options.preview) {
    const split = options.split ?? names.find((n) => manifest.splits[n].hasMasks && manifest.splits[n].count > 0) ?? names.find((n) => manifest.splits[n].count > 0);
    if (split === undefined) throw invalidParameter('--preview', 'a bundle with at least one record', 0);
    const count = options.count ?? 16;
    if (!Number.isInteger(count) || count < 1) throw invalidParameter('--count', 'a positive integer', count);
    const examples: DecodedExample[] = [];
    for await (const ex of readBundle(dir, { split, limit: count })) examples.push(ex);
    await atomicWriteFile(options.preview, await previewGrid(examples, options.tile ?? 128, previewFormat));
    preview = options.preview;
  }
  return {
    dir,
    records: manifest.records,
    inputs: manifest.inputs,
    rejected: { count: manifest.rejected.count, byCode: manifest.rejected.byCode },
    compression: manifest.compression,
    recordsPerShard: manifest.recordsPerShard,
    splits,
    preview,
    schemaVersion: manifest.schemaVersion,
    duplicates: manifest.duplicates,
    reject: manifest.quality?.reject ?? null,
  };
}

function mib(bytes: number): string {
  return `${(bytes / 2 ** 20).toFixed(2)} MiB`;
}

/** The report as text for the terminal. */
export function formatInspectReport(report: InspectReport, topCategories = 10): string {
  const lines: string[] = [];
  lines.push(`${report.dir}: ${report.records} records from ${report.inputs} inputs, ${report.rejected.count} rejected`);
  if (report.rejected.count > 0) {
    lines.push(`  rejected by reason: ${Object.entries(report.rejected.byCode).map(([c, n]) => `${c} ${n}`).join(', ')}`);
  }
  lines.push(`  compression ${report.compression}, ${report.recordsPerShard} records per shard, schema version ${report.schemaVersion}`);
  const d = report.duplicates;
  if (d) {
    lines.push(
      `  near-duplicates (${d.hash}, radius ${d.radius}, ${d.mode}): ${d.groups} groups, ${d.members} records, largest ${d.largest}; ` +
        `${d.moved} moved to their group's split, ${d.dropped} dropped, ${d.leaks} groups span splits`,
    );
  }
  if (report.reject) lines.push(`  quality policy: ${report.reject.length > 0 ? `reject ${report.reject.join(', ')}` : 'flag only'}`);
  for (const s of report.splits) {
    lines.push('');
    lines.push(`split ${s.split}: ${s.count} records in ${s.shards} shards (${mib(s.bytes)}), ${s.rejected} rejected`);
    lines.push(`  masks: ${s.hasMasks ? `yes (${s.maskStrategy})` : 'no'}`);
    const top = s.categories.slice(0, topCategories).map((c) => `${c.name || '(unlabelled)'} ${c.count}`);
    if (top.length > 0) lines.push(`  categories (${s.categories.length}): ${top.join(', ')}${s.categories.length > topCategories ? ', …' : ''}`);
    lines.push(`  scanned ${s.scanned} records:`);
    lines.push(`    sizes: ${Object.entries(s.sizes).sort((a, b) => b[1] - a[1]).map(([k, n]) => `${k} ${n}`).join(', ') || '-'}`);
    lines.push(`    formats: ${Object.entries(s.formats).map(([k, n]) => `${k} ${n}`).join(', ') || '-'}`);
    if (s.encodedBytes) {
      lines.push(`    encoded bytes: mean ${Math.round(s.encodedBytes.mean)}, min ${s.encodedBytes.min}, max ${s.encodedBytes.max}`);
    }
    if (s.holeRatio) {
      const h = s.holeRatio;
      lines.push(`    hole ratio: mean ${h.mean.toFixed(3)}, min ${h.min.toFixed(3)}, max ${h.max.toFixed(3)}`);
      lines.push(`    hole ratio histogram (0.1 bins): ${h.histogram.join(' ')}`);
    }
    if (s.movedIn + s.movedOut > 0) lines.push(`  near-duplicate groups moved ${s.movedIn} records in, ${s.movedOut} out`);
    if (s.quality) lines.push(...formatQualityStats(s.quality, '  '));
  }
  if (report.preview) lines.push('', `preview: ${report.preview}`);
  return `${lines.join('\n')}\n`;
}

/**
 * Quality statistics as text: flag counts, then each signal's mean, range and histogram.
 * @example formatQualityStats(manifest.quality.stats).join('\n')
 */
export function formatQualityStats(q: QualityStats, indent = ''): string[] {
  const lines = [`${indent}quality of ${q.records} records: flagged ${QUALITY_FLAGS.map((f) => `${f} ${q.flags[f]}`).join(', ')}; enlarged by the build ${q.enlarged}`];
  for (const name of STAT_SIGNALS) {
    const st = q.signals[name];
    if (st.count === 0) {
      lines.push(`${indent}  ${name}: none measured`);
      continue;
    }
    const range = `mean ${Number((st.sum / st.count).toPrecision(3))}, min ${st.min}, max ${st.max}`;
    lines.push(`${indent}  ${name} (${st.count}): ${range}`);
    lines.push(`${indent}    ${formatHistogram(name, st.histogram)}`);
  }
  return lines;
}

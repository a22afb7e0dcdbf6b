/**
 * `bgfill dataset audit`: the near-duplicate groups, the groups that leak across splits, the images smaller than the
 * build size and the quality outliers of a bundle or of a folder of images, with a contact sheet of each finding.
 * A bundle built with signals is audited from its quality.jsonl (no decoding); an older bundle, or one built with
 * `--no-signals`, has its stored images decoded and measured; a folder's images are processed as the build would
 * process them (at `size`, enlarging what is smaller, so what an `--upscale` build would store is what is measured).
 */
import { mkdir, readdir, readFile, rm, stat } from 'node:fs/promises';
import { basename, join, relative, resolve } from 'node:path';
import sharp from 'sharp';
import { atomicWriteFile, atomicWriteJson, BgfillError, checkOutputPath, createProgress, invalidParameter } from '@bgfill/core';
import { contactSheetPng, type Mask, type RgbImage } from '@bgfill/masks';
import { groupNearDuplicates, DEFAULT_HASH_RADIUS } from './hash-groups.js';
import { analyseFrame } from './image-analysis.js';
import { MANIFEST_FILE, QUALITY_FILE, readManifest, type DatasetManifest } from './manifest.js';
import { orderedMap } from './ordered-map.js';
import { analyseImage, DEFAULT_PROCESS_OPTIONS, InputRejected, readInput } from './process-image.js';
import { hammingDistance } from './perceptual-hash.js';
import { FLAG_SIGNAL, parseThresholds, QUALITY_FLAGS, qualityFlags, type QualityFlag, type QualityThresholds } from './quality-policy.js';
import { measuredOf, parseJsonLines, qualityEntrySchema } from './quality-record.js';
import { qualityStats, type QualityStats, type StatInput } from './quality-stats.js';
import { decodeRecord } from './record.js';
import { listFolder } from './sources/folder.js';
import { readTfRecords } from './tfrecord-reader.js';

export interface AuditOptions {
  /** Folder for `audit.json` and the contact sheets (none written when absent). */
  out?: string;
  /** Replace an earlier audit in `out` (default: an existing audit.json there is an error). */
  overwrite?: boolean;
  /** Folder audits: the build's `--size` the images are measured at (default 256). */
  size?: number;
  /** Hamming radius of a near-duplicate (default: the bundle's, else 12). */
  hashRadius?: number;
  /** Flag thresholds over the defaults (default: a bundle's own). */
  thresholds?: string | Partial<Record<QualityFlag, number>>;
  /** Images decoded at once (default 4). */
  concurrency?: number;
  progress?: boolean;
  /** Images per contact sheet (default 48; groups show all their members up to this). */
  sheetLimit?: number;
  /** Contact sheet tile side in pixels (default 128). */
  tile?: number;
}

/** One audited image: its signals, flags, enlargement and JPEG quality, source size and hashes. */
export interface AuditedImage extends StatInput {
  readonly file: string;
  /** Bundle audits: its split, shard and position there. */
  readonly split: string | null;
  readonly shard: string | null;
  readonly index: number | null;
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  readonly hash: string;
  readonly content: string;
}

export interface AuditGroup {
  /** 1-based, in order of each group's first image. */
  readonly id: number;
  /** Members in image order, with their Hamming distance to the first member. */
  readonly members: ReadonlyArray<{ file: string; split: string | null; distance: number; sourceWidth: number; sourceHeight: number }>;
  readonly splits: readonly string[];
  /** Bundle audits: the group spans more than one split (a validation image with a near copy in training). */
  readonly leak: boolean;
  /** Two members have identical pixels. */
  readonly exact: boolean;
  readonly sheet: string | null;
}

export interface AuditOutlier {
  readonly file: string;
  readonly split: string | null;
  /** The signal the flag reads. */
  readonly value: number;
  /** The factor the build would enlarge (folders) or enlarged (bundles) the image by, or null. */
  readonly upscale: number | null;
}

export interface AuditReport {
  readonly target: string;
  readonly kind: 'bundle' | 'folder';
  /** Images audited, and (folders) files that could not be read as images. */
  readonly images: number;
  readonly unreadable: ReadonlyArray<{ file: string; code: string; reason: string }>;
  /** Folder audits: images whose shorter side is under `size` (a default build rejects them). */
  readonly size: number | null;
  readonly tooSmall: ReadonlyArray<{ file: string; width: number; height: number; factor: number }>;
  readonly tooSmallSheet: string | null;
  readonly hashRadius: number;
  readonly thresholds: QualityThresholds;
  readonly groups: readonly AuditGroup[];
  /** Groups spanning more than one split (bundle audits). */
  readonly leaks: number;
  /** Flagged images per flag, worst first, and each flag's contact sheet. */
  readonly outliers: Readonly<Record<QualityFlag, readonly AuditOutlier[]>>;
  readonly outlierSheets: Readonly<Record<QualityFlag, string | null>>;
  readonly stats: QualityStats;
  readonly out: string | null;
  /** How the images were measured: from the bundle's quality.jsonl, or decoded here. */
  readonly measured: 'quality.jsonl' | 'decoded';
}

/** The audit file written into `out`. */
export const AUDIT_FILE = 'audit.json';

function positive(name: string, value: number): number {
  if (!Number.isInteger(value) || value < 1) throw invalidParameter(name, 'a positive integer', value);
  return value;
}

/** Is `dir` a bundle (holds dataset.json)? */
async function isBundle(dir: string): Promise<boolean> {
  return stat(join(dir, MANIFEST_FILE)).then((s) => s.isFile(), () => false);
}

/** RGB pixels of encoded image bytes (stored bundle images are already oriented sRGB). */
async function pixelsOf(bytes: Uint8Array): Promise<RgbImage> {
  const { data, info } = await sharp(bytes).removeAlpha().toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

/** A bundle's images: its quality lines when it has them, else every record decoded and measured. */
async function bundleImages(dir: string, manifest: DatasetManifest, options: AuditOptions): Promise<{ images: AuditedImage[]; measured: AuditReport['measured'] }> {
  const thresholds = parseThresholds(options.thresholds ?? manifest.quality?.thresholds);
  if (manifest.quality) {
    const lines = parseJsonLines(qualityEntrySchema, await readFile(join(dir, QUALITY_FILE), 'utf8'));
    const images = lines.map((l) => ({ ...l, flags: qualityFlags(l, l.upscale, thresholds) }));
    return { images, measured: 'quality.jsonl' };
  }
  const progress = createProgress({ label: 'audit', total: manifest.records, ...(options.progress === undefined ? {} : { enabled: options.progress }) });
  const images: AuditedImage[] = [];
  try {
    for (const shard of manifest.shards) {
      let index = 0;
      const records = (async function* () {
        for await (const raw of readTfRecords(join(dir, shard.file))) yield { raw, index: index++ };
      })();
      for await (const image of orderedMap(records, options.concurrency ?? 4, async ({ raw, index: i }) => {
        const record = decodeRecord(raw.data);
        const pixels = await pixelsOf(record.encoded);
        const analysis = analyseFrame(pixels, null, record.encoded);
        const upscale = record.upscale ?? null;
        const source = { sourceWidth: record.source?.width ?? record.width, sourceHeight: record.source?.height ?? record.height, upscale };
        return { file: record.filename, split: shard.split, shard: shard.file, index: i, ...measuredOf(analysis, source, qualityFlags(analysis.signals, upscale, thresholds)) };
      })) {
        images.push(image);
        progress.tick();
      }
    }
  } finally {
    progress.stop();
  }
  return { images, measured: 'decoded' };
}

/** A folder's images, processed as the build would at `size` (enlarging smaller ones); unreadable files listed. */
async function folderImages(dir: string, size: number, options: AuditOptions) {
  const thresholds = parseThresholds(options.thresholds);
  const listing = await listFolder({ root: dir, labels: 'none' });
  const items = [...listing.items].sort((a, b) => (a.filename < b.filename ? -1 : a.filename > b.filename ? 1 : 0));
  if (items.length === 0) throw new BgfillError(`${dir}: no images found`, { subject: dir });
  const processing = { ...DEFAULT_PROCESS_OPTIONS, size, minSize: 1, upscale: true };
  const progress = createProgress({ label: 'audit', total: items.length, ...(options.progress === undefined ? {} : { enabled: options.progress }) });
  const images: AuditedImage[] = [];
  const unreadable: Array<{ file: string; code: string; reason: string }> = [];
  try {
    for await (const r of orderedMap(items, options.concurrency ?? 4, async (item) => {
      try {
        const bytes = await readInput(item.path, item.filename);
        const a = await analyseImage(bytes, item.filename, processing, item.filename);
        const flags = qualityFlags(a.analysis.signals, a.upscale, thresholds);
        return { ok: true as const, image: { file: item.filename, split: null, shard: null, index: null, ...measuredOf(a.analysis, a, flags) } };
      } catch (err) {
        if (!(err instanceof InputRejected)) throw err;
        return { ok: false as const, file: item.filename, code: err.code, reason: err.reason };
      }
    })) {
      if (r.ok) images.push(r.image);
      else unreadable.push({ file: r.file, code: r.code, reason: r.reason });
      progress.tick();
    }
  } finally {
    progress.stop();
  }
  return { images, unreadable, thresholds };
}

/** Tiles for a contact sheet: each image letterboxed into a `tile`² square. */
async function tilesOf(images: readonly AuditedImage[], target: string, kind: 'bundle' | 'folder', tile: number): Promise<RgbImage[]> {
  const bytesOf = new Map<AuditedImage, Uint8Array>();
  if (kind === 'bundle') {
    const wanted = new Map<string, Map<number, AuditedImage>>();
    for (const img of images) {
      const m = wanted.get(img.shard!) ?? new Map<number, AuditedImage>();
      m.set(img.index!, img);
      wanted.set(img.shard!, m);
    }
    for (const [shard, positions] of wanted) {
      let i = 0;
      for await (const raw of readTfRecords(join(target, shard))) {
        const img = positions.get(i++);
        if (img) bytesOf.set(img, decodeRecord(raw.data).encoded);
      }
    }
  } else {
    for (const img of images) bytesOf.set(img, await readFile(join(target, img.file)));
  }
  return Promise.all(
    images.map(async (img) => {
      const data = await sharp(bytesOf.get(img)!)
        .autoOrient()
        .resize({ width: tile, height: tile, fit: 'contain', background: '#202020' })
        .removeAlpha()
        .toColourspace('srgb')
        .raw()
        .toBuffer();
      return { width: tile, height: tile, data };
    }),
  );
}

/** A contact sheet of `images` (no holes drawn: @bgfill/masks' sheet with empty masks), written to `path`. */
async function writeSheet(path: string, images: readonly AuditedImage[], target: string, kind: 'bundle' | 'folder', tile: number): Promise<string> {
  const tiles = await tilesOf(images, target, kind, tile);
  const empty: Mask[] = tiles.map(() => ({ width: tile, height: tile, data: new Uint8Array(tile * tile) }));
  await atomicWriteFile(path, await contactSheetPng(empty, { images: tiles, columns: Math.min(8, tiles.length), separator: 2, separatorGrey: 64 }));
  return path;
}

/** Check and prepare the output folder: not inside a folder being audited, no earlier audit unless `overwrite`. */
async function prepareOut(out: string, target: string, kind: 'bundle' | 'folder', overwrite: boolean): Promise<void> {
  // A folder's audit inside it would be read as images next time; a bundle's may sit inside the bundle folder.
  await checkOutputPath(out, { kind: 'folder', inputs: [target], insideInput: kind === 'folder' ? 'refuse' : 'allow' });
  const outAbs = resolve(out);
  const existing = await stat(join(outAbs, AUDIT_FILE)).then(() => true, () => false);
  if (existing && !overwrite) throw new BgfillError(`${out}: holds an earlier audit (${AUDIT_FILE}); pass --overwrite to replace it`, { subject: out });
  const entries = await readdir(outAbs).catch(() => [] as string[]);
  const foreign = entries.filter((e) => ![AUDIT_FILE, 'groups', 'flags', 'too-small.png'].includes(e));
  if (foreign.length > 0) throw new BgfillError(`${out}: holds other files (${foreign.slice(0, 3).join(', ')}); give an empty or new folder`, { subject: out });
  for (const sub of ['groups', 'flags']) await rm(join(outAbs, sub), { recursive: true, force: true });
  await mkdir(join(outAbs, 'groups'), { recursive: true });
  await mkdir(join(outAbs, 'flags'), { recursive: true });
}

/**
 * Audit a bundle or a folder: near-duplicate groups (and, in a bundle, the ones that span splits), images under the
 * build size (folders), quality outliers per flag; with `out`, `audit.json` and a contact sheet per finding.
 * @example const report = await auditDataset('photos', { out: 'photos-audit' }); console.log(formatAuditReport(report))
 */
export async function auditDataset(target: string, options: AuditOptions = {}): Promise<AuditReport> {
  const info = await stat(target).catch(() => null);
  if (!info) throw new BgfillError(`${target}: no such bundle or folder`, { subject: target });
  if (!info.isDirectory()) throw new BgfillError(`${target}: not a folder (give a bundle folder or a folder of images)`, { subject: target });
  const kind = (await isBundle(target)) ? 'bundle' : 'folder';
  const size = positive('--size', options.size ?? DEFAULT_PROCESS_OPTIONS.size);
  const tile = positive('--tile', options.tile ?? 128);
  const sheetLimit = positive('--sheet-limit', options.sheetLimit ?? 48);
  if (options.out) await prepareOut(options.out, target, kind, options.overwrite ?? false);

  let images: AuditedImage[];
  let unreadable: Array<{ file: string; code: string; reason: string }> = [];
  let thresholds: QualityThresholds;
  let measured: AuditReport['measured'] = 'decoded';
  let radius = options.hashRadius ?? DEFAULT_HASH_RADIUS;
  if (kind === 'bundle') {
    const manifest = await readManifest(target);
    radius = options.hashRadius ?? manifest.duplicates?.radius ?? DEFAULT_HASH_RADIUS;
    thresholds = parseThresholds(options.thresholds ?? manifest.quality?.thresholds);
    ({ images, measured } = await bundleImages(target, manifest, options));
  } else {
    ({ images, unreadable, thresholds } = await folderImages(target, size, options));
  }

  const grouping = groupNearDuplicates(images, radius);
  const out = options.out ?? null;
  const groups: AuditGroup[] = [];
  for (const [g, members] of grouping.groups.entries()) {
    const list = members.map((i) => images[i]);
    const splits = [...new Set(list.map((m) => m.split).filter((s): s is string => s !== null))];
    const leak = splits.length > 1;
    const id = g + 1;
    const sheet = out ? await writeSheet(join(out, 'groups', `group-${String(id).padStart(5, '0')}${leak ? '-leak' : ''}.png`), list.slice(0, sheetLimit), target, kind, tile) : null;
    groups.push({
      id,
      members: list.map((m) => ({ file: m.file, split: m.split, distance: hammingDistance(m.hash, list[0].hash), sourceWidth: m.sourceWidth, sourceHeight: m.sourceHeight })),
      splits,
      leak,
      exact: new Set(list.map((m) => m.content)).size < list.length,
      sheet,
    });
  }

  const outliers = {} as Record<QualityFlag, AuditOutlier[]>;
  const outlierSheets = {} as Record<QualityFlag, string | null>;
  for (const flag of QUALITY_FLAGS) {
    const signal = FLAG_SIGNAL[flag];
    const flagged = images.filter((img) => img.flags.includes(flag)).sort((a, b) => a[signal] - b[signal] || (a.file < b.file ? -1 : 1));
    outliers[flag] = flagged.map((img) => ({ file: img.file, split: img.split, value: img[signal], upscale: img.upscale }));
    outlierSheets[flag] = out && flagged.length > 0 ? await writeSheet(join(out, 'flags', `${flag}.png`), flagged.slice(0, sheetLimit), target, kind, tile) : null;
  }
  const small = kind === 'folder' ? images.filter((img) => Math.min(img.sourceWidth, img.sourceHeight) < size) : [];
  const tooSmall = small.map((img) => ({ file: img.file, width: img.sourceWidth, height: img.sourceHeight, factor: img.upscale ?? 1 }));
  const tooSmallSheet = out && small.length > 0 ? await writeSheet(join(out, 'too-small.png'), small.slice(0, sheetLimit), target, kind, tile) : null;

  const report: AuditReport = {
    target,
    kind,
    images: images.length,
    unreadable,
    size: kind === 'folder' ? size : null,
    tooSmall,
    tooSmallSheet,
    hashRadius: radius,
    thresholds,
    groups,
    leaks: groups.filter((g) => g.leak).length,
    outliers,
    outlierSheets,
    stats: qualityStats(images),
    out,
    measured,
  };
  if (out) await atomicWriteJson(join(out, AUDIT_FILE), report);
  return report;
}

/** The audit as text for the terminal. */
export function formatAuditReport(report: AuditReport, shown = 10): string {
  const lines: string[] = [];
  const where = (s: string | null): string => (s === null ? '' : ` [${s}]`);
  const pathShown = (path: string): string => {
    const rel = relative(process.cwd(), path);
    return rel === '' || rel.startsWith('..') ? path : rel;
  };
  const sheet = (path: string | null): string => (path ? ` → ${pathShown(path)}` : '');
  lines.push(
    `${report.target}: ${report.kind}, ${report.images} images audited (${report.measured === 'quality.jsonl' ? `from ${QUALITY_FILE}` : 'decoded and measured'})` +
      `${report.unreadable.length > 0 ? `, ${report.unreadable.length} unreadable` : ''}`,
  );
  for (const u of report.unreadable.slice(0, shown)) lines.push(`  unreadable: ${u.file}: ${u.reason}`);
  lines.push(`near-duplicate groups (radius ${report.hashRadius} of 64 bits): ${report.groups.length}${report.kind === 'bundle' ? `, ${report.leaks} spanning splits` : ''}`);
  for (const g of report.groups.slice(0, shown)) {
    const members = g.members.map((m) => `${m.file}${where(m.split)}${m.distance > 0 ? ` (${m.distance})` : ''}`).join(', ');
    lines.push(`  group ${g.id}${g.leak ? ' LEAKS ACROSS SPLITS' : ''}${g.exact ? ' (identical pixels)' : ''}: ${members}${sheet(g.sheet)}`);
  }
  if (report.groups.length > shown) lines.push(`  … ${report.groups.length - shown} more (see ${AUDIT_FILE})`);
  if (report.size !== null) {
    lines.push(`smaller than --size ${report.size} (a default build rejects them; --upscale enlarges them): ${report.tooSmall.length}${sheet(report.tooSmallSheet)}`);
    for (const s of report.tooSmall.slice(0, shown)) lines.push(`  ${s.file}: ${s.width}×${s.height}, would be enlarged ${s.factor.toFixed(2)}×`);
  }
  for (const flag of QUALITY_FLAGS) {
    const list = report.outliers[flag];
    lines.push(`${flag} (${FLAG_SIGNAL[flag]} under ${report.thresholds[flag]}${flag === 'upscaled' ? ', or enlarged' : ''}): ${list.length}${sheet(report.outlierSheets[flag])}`);
    for (const o of list.slice(0, shown)) lines.push(`  ${o.file}${where(o.split)}: ${o.value}${o.upscale !== null ? `, enlarged ${o.upscale}×` : ''}`);
    if (list.length > shown) lines.push(`  … ${list.length - shown} more`);
  }
  if (report.out) lines.push(`report: ${join(report.out, AUDIT_FILE)}`);
  return `${lines.join('\n')}\n`;
}

/** The default audit folder for a target: `<name>-audit` in the working folder. */
export function defaultAuditOut(target: string): string {
  return `${basename(resolve(target))}-audit`;
}

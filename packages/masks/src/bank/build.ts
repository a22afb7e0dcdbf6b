/**
 * `bgfill masks bank build`: segmentation maps → a person bank file and its contact sheet.
 */
import { createHash } from 'node:crypto';
import { readdir } from 'node:fs/promises';
import { dirname, join, relative, resolve, sep } from 'node:path';
import pLimit from 'p-limit';
import { atomicWriteFile, BgfillError, checkOutputPath, createProgress, errorMessage, invalidParameter } from '@bgfill/core';
import { resolveMaskPaths, type SkippedFile } from '../from-files.js';
import type { Mask } from '../mask.js';
import { checkThreshold, maskFromImage } from '../png.js';
import { contactSheetPng } from '../preview.js';
import { components, outlineRowsOf, type OutlineRows } from './components.js';
import { BANK_FILE, encodeBank, type BankHeader } from './format.js';
import { paintOutline } from './paint.js';

/** Default threshold: the person-removal study read soft segmentation maps at value / max > 0.1. */
export const DEFAULT_BANK_THRESHOLD = 0.1;
/** Default smallest component kept, as a fraction of its map's area. */
export const DEFAULT_BANK_MIN_AREA = 0.002;
/** The contact sheet beside the bank. */
export const BANK_SHEET_FILE = 'contact-sheet.png';

export interface BuildBankOptions {
  /** Segmentation maps: folders (their images), files or globs. Any size, 8 or 16 bits, soft values. */
  maps: string | ReadonlyArray<string>;
  /** Output folder: receives bank.bgbank and contact-sheet.png. */
  out: string;
  /** Person where value / max > threshold (default 0.1). */
  threshold?: number;
  /** Components under this fraction of their map's area are dropped (default 0.002). */
  minArea?: number;
  /** Replace an existing bank in `out`. */
  overwrite?: boolean;
  /** Maps decoded at once (default 4). */
  concurrency?: number;
  /** Outlines on the contact sheet (default 256; 0 = no sheet). */
  sheetCount?: number;
  progress?: boolean;
}

export interface BuildBankResult {
  bankFile: string;
  /** Undefined when sheetCount is 0. */
  sheetFile?: string;
  sha256: string;
  bytes: number;
  maps: number;
  outlines: number;
  dropped: BankHeader['dropped'];
  skipped: SkippedFile[];
}

/** One map's kept outlines and drop counts. */
interface MapResult {
  width: number;
  height: number;
  kept: Array<{ component: number; x: number; y: number; rows: OutlineRows }>;
  small: number;
  spanning: number;
}

/**
 * Split a map into its components and sort them: kept, too small (area < minArea × map area), or spanning (touching
 * the top and bottom borders, or the left and right ones: a crop of something larger than the frame, not an outline).
 * @example sortComponents(mask, 0.002).kept.length
 */
export function sortComponents(mask: Mask, minArea: number): MapResult {
  const result: MapResult = { width: mask.width, height: mask.height, kept: [], small: 0, spanning: 0 };
  const limit = minArea * mask.width * mask.height;
  components(mask).forEach((c, component) => {
    if (c.rows.area < limit) result.small++;
    else if ((c.y === 0 && c.y + c.rows.height === mask.height) || (c.x === 0 && c.x + c.rows.width === mask.width)) result.spanning++;
    else result.kept.push({ component, x: c.x, y: c.y, rows: c.rows });
  });
  return result;
}

/**
 * The bytes of a bank holding these bitmaps as they are, one outline each (the bitmap is its box), e.g. outlines cut
 * by another tool; sources are named `outline-<k>`.
 * @example await writeFile('bank.bgbank', bankFromBitmaps([person]));
 */
export function bankFromBitmaps(bitmaps: ReadonlyArray<Mask>): Buffer {
  const rows = bitmaps.map(outlineRowsOf);
  return encodeBank(
    {
      threshold: 0.5,
      minArea: 0,
      sources: bitmaps.map((b, k) => ({ file: `outline-${k}`, width: b.width, height: b.height })),
      skipped: [],
      dropped: { small: 0, spanning: 0 },
      outlines: rows.map((r, k) => ({ source: k, component: 0, x: 0, y: 0, width: r.width, height: r.height, area: r.area, aspect: r.height / r.width })),
    },
    rows,
  );
}

/** An outline fitted (aspect kept) and centred in a `side × side` cell, for the contact sheet. */
function sheetCell(rows: OutlineRows, side: number): Mask {
  const scale = Math.min(side / rows.width, side / rows.height);
  const w = Math.max(1, Math.round(rows.width * scale));
  const h = Math.max(1, Math.round(rows.height * scale));
  const data = new Uint8Array(side * side);
  paintOutline(data, side, side, side, rows, (side - w) >> 1, (side - h) >> 1, w, h, false);
  return { width: side, height: side, data };
}

/**
 * How maps are named in the bank: relative to the deepest folder that holds them all, with `/`, so that the same maps
 * give the same bank bytes however --maps spells them (`maps`, `/abs/maps`, `.` inside it, a glob, a file list) and
 * wherever the build runs; no absolute path goes into the bank.
 * @example sourceNamer(['maps/a.png', 'maps/x/b.png'])('maps/x/b.png') // 'x/b.png'
 */
export function sourceNamer(files: ReadonlyArray<string>): (file: string) => string {
  let common: string[] | undefined;
  for (const file of files) {
    const parts = dirname(resolve(file)).split(sep);
    let k = 0;
    while (common === undefined ? k < parts.length : k < common.length && parts[k] === common[k]) k++;
    common = parts.slice(0, k);
  }
  const base = common === undefined ? resolve() : common.join(sep) || sep;
  return (file) => relative(base, resolve(file)).split(sep).join('/');
}

/**
 * --out before any work: a folder (or one that can be made) apart from the maps — not a --maps folder, nor inside
 * one (a rerun would read the contact sheet as a map), nor holding one — and without a bank unless `overwrite`.
 */
async function checkOut(out: string, maps: ReadonlyArray<string>, overwrite: boolean): Promise<void> {
  const fg = (await import('fast-glob')).default;
  const inputs = maps.map((m) => (fg.isDynamicPattern(m) ? (fg.generateTasks([m])[0]?.base ?? '.') : m));
  try {
    await checkOutputPath(out, { kind: 'folder', inputs, insideInput: 'refuse', hint: 'the bank goes into a folder' });
  } catch (err) {
    throw err instanceof BgfillError ? new BgfillError(`--out ${err.message}`, { subject: out, cause: err }) : err;
  }
  const entries = await readdir(out).catch((): string[] => []);
  if (entries.includes(BANK_FILE) && !overwrite) {
    throw new BgfillError(`--out ${out}: already holds a bank (${BANK_FILE}); pass --overwrite to replace it, or choose another folder`, { subject: out });
  }
}

/**
 * Build a person bank: read every map (skipping unreadable ones, with the reason), threshold it, keep each 8-connected
 * component that is large enough and does not span the frame, and write `out/bank.bgbank` (see format.ts) and
 * `out/contact-sheet.png`. Outlines are ordered by map (sorted paths), then by component: the same maps give the same
 * bytes at any concurrency. No usable map, or no outline kept, is a BgfillError that says why.
 * @example const r = await buildBank({ maps: 'maps/', out: 'bank/', threshold: 0.1 }); r.outlines
 */
export async function buildBank(options: BuildBankOptions): Promise<BuildBankResult> {
  const threshold = checkThreshold(options.threshold ?? DEFAULT_BANK_THRESHOLD, '--threshold');
  const minArea = options.minArea ?? DEFAULT_BANK_MIN_AREA;
  if (!(minArea >= 0 && minArea < 1)) throw invalidParameter('--min-area', 'a fraction of the map area in [0, 1)', minArea);
  const sheetCount = options.sheetCount ?? 256;
  if (!Number.isInteger(sheetCount) || sheetCount < 0 || sheetCount > 4096) throw invalidParameter('--sheet-count', 'integer between 0 and 4096', sheetCount);
  const mapList = typeof options.maps === 'string' ? [options.maps] : options.maps;
  await checkOut(options.out, mapList, options.overwrite === true);

  const found = await resolveMaskPaths(mapList);
  const name = sourceNamer(found.files);
  // One file per bank name (`maps/a.png` and `/abs/maps/a.png` are one map), in the order of those names.
  const byName = new Map(found.files.map((f) => [name(f), f]));
  const files = [...byName.keys()].sort().map((n) => byName.get(n) as string);
  const skipped = found.skipped;
  const limit = pLimit(options.concurrency ?? 4);
  const progress = createProgress({ label: 'maps', total: files.length, enabled: options.progress });
  const results = await Promise.all(
    files.map((file) =>
      limit(async (): Promise<MapResult | SkippedFile> => {
        try {
          return sortComponents(await maskFromImage(file, { threshold }), minArea);
        } catch (err) {
          if (!(err instanceof BgfillError)) throw err;
          const prefix = `${file}: `;
          return { file, reason: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : errorMessage(err) };
        } finally {
          progress.tick();
        }
      }),
    ),
  ).finally(() => progress.stop());

  const sources: BankHeader['sources'] = [];
  const entries: Parameters<typeof encodeBank>[0]['outlines'] = [];
  const outlines: OutlineRows[] = [];
  const dropped = { small: 0, spanning: 0 };
  results.forEach((r, i) => {
    if ('reason' in r) {
      skipped.push(r);
      return;
    }
    const source = sources.length;
    sources.push({ file: name(files[i]), width: r.width, height: r.height });
    dropped.small += r.small;
    dropped.spanning += r.spanning;
    for (const k of r.kept) {
      entries.push({ source, component: k.component, x: k.x, y: k.y, width: k.rows.width, height: k.rows.height, area: k.rows.area, aspect: k.rows.height / k.rows.width });
      outlines.push(k.rows);
    }
  });
  const where = typeof options.maps === 'string' ? options.maps : options.maps.join(', ');
  if (sources.length === 0) {
    const why = skipped.slice(0, 3).map((s) => `${s.file}: ${s.reason}`);
    if (skipped.length > 3) why.push(`… ${skipped.length - 3} more`);
    throw new BgfillError(`--maps ${where}: no readable segmentation map${why.length ? ` (${why.join('; ')})` : ''}`, { subject: where });
  }
  if (outlines.length === 0) {
    throw new BgfillError(
      `--maps ${where}: no person outline kept from ${sources.length} map${sources.length === 1 ? '' : 's'} (${dropped.small} components under --min-area ${minArea}, ` +
        `${dropped.spanning} touching two opposite borders); an empty bank is not written. Lower --threshold or --min-area?`,
      { subject: where },
    );
  }
  const skippedNamed = skipped.map((s) => ({ file: name(s.file), reason: s.reason }));
  const bytes = encodeBank({ threshold, minArea, sources, skipped: skippedNamed, dropped, outlines: entries }, outlines);
  const bankFile = join(options.out, BANK_FILE);
  await atomicWriteFile(bankFile, bytes);
  let sheetFile: string | undefined;
  if (sheetCount > 0) {
    sheetFile = join(options.out, BANK_SHEET_FILE);
    const cells = outlines.slice(0, sheetCount).map((o) => sheetCell(o, 96));
    await atomicWriteFile(sheetFile, await contactSheetPng(cells, { columns: Math.min(16, cells.length) }));
  }
  return {
    bankFile,
    sheetFile,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    bytes: bytes.length,
    maps: sources.length,
    outlines: outlines.length,
    dropped,
    skipped,
  };
}

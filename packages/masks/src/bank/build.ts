/**
 * `bgfill masks bank build`: segmentation maps → a person bank file and its contact sheet.
 */
import { createHash } from 'node:crypto';
import { readdir, stat } from 'node:fs/promises';
import { join, relative } from 'node:path';
import pLimit from 'p-limit';
import { atomicWriteFile, BgfillError, createProgress, errorMessage, invalidParameter } from '@bgfill/core';
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

/** How a map is named in the bank: relative to the --maps folder when one folder was given, else as found. */
async function sourceNamer(maps: string | ReadonlyArray<string>): Promise<(file: string) => string> {
  const list = typeof maps === 'string' ? [maps] : maps;
  if (list.length === 1) {
    const isDir = await stat(list[0]).then((s) => s.isDirectory(), () => false);
    if (isDir) return (file) => relative(list[0], file).split('\\').join('/');
  }
  return (file) => file;
}

async function checkOut(out: string, overwrite: boolean): Promise<void> {
  const info = await stat(out).catch(() => undefined);
  if (!info) return;
  if (!info.isDirectory()) throw new BgfillError(`--out ${out}: exists and is not a folder (the bank goes into a folder)`, { subject: out });
  const entries = await readdir(out);
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
  await checkOut(options.out, options.overwrite === true);

  const { files, skipped } = await resolveMaskPaths(options.maps);
  const name = await sourceNamer(options.maps);
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
      `--maps ${where}: no person outline kept from ${sources.length} maps (${dropped.small} components under --min-area ${minArea}, ` +
        `${dropped.spanning} touching two opposite borders); an empty bank is not written. Lower --threshold or --min-area?`,
      { subject: where },
    );
  }
  const bytes = encodeBank({ threshold, minArea, sources, skipped: [...skipped], dropped, outlines: entries }, outlines);
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

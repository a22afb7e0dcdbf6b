import { mkdir, readdir, readFile, rm } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { basename, dirname, join, resolve } from 'node:path';
import { atomicWriteFile, atomicWriteJson, BgfillError, checkOutputPath, errorMessage, invalidParameter, createProgress, type Seed } from '@bgfill/core';
import { MAX_MASK_COUNT } from './cli-options.js';
import type { MaskConfig, MaskConfigInput } from './config-types.js';
import type { SkippedFile } from './from-files.js';
import { createMaskGenerator } from './generate.js';
import { checkSize, holeRatio, type Mask, type Size } from './mask.js';
import { maskToPng } from './png.js';
import { contactSheetPng } from './preview.js';
import type { BankDigest } from './bank/load.js';
import type { TrainingProgress } from './ramp.js';
import { holeShape, summarizeShapes, type MaskMeasure, type ShapeSummary } from './shape-stats.js';
import { canonicalJson } from './short-form.js';
import { DEFAULT_BALANCE_ATTEMPTS, generateBalancedMask, summarizeHoleRatios, type HoleRatioSummary } from './stats.js';

/** Version tag of `stats.json`. */
export const MASK_SET_FORMAT = 'bgfill-masks/1';
export const MASK_SET_STATS_FILE = 'stats.json';

/** What a generated folder's `stats.json` holds. */
export interface MaskSetStats {
  format: typeof MASK_SET_FORMAT;
  /** False while a run is in progress or was interrupted; re-running the same command resumes it. */
  complete: boolean;
  label: string;
  config: MaskConfig;
  seed: string;
  size: Size;
  count: number;
  balanced: boolean;
  /** Draws per mask when balanced. */
  maxAttempts?: number;
  /** File name of mask i: `mask-` + i zero-padded to this many digits + `.png`. */
  digits: number;
  summary?: HoleRatioSummary;
  /** Balanced runs: indices whose mask missed its bin (kept the nearest draw). */
  balanceMisses?: number[];
  /** from-files: files that could not be used. */
  skippedFiles?: SkippedFile[];
  /** person-bank: each bank read, with its SHA-256 (a changed bank makes another run). */
  banks?: BankDigest[];
  /** A ramping recipe previewed at this point of training (absent: the ramps' end values). */
  trainingProgress?: TrainingProgress;
  /** The label of the recipe at that point (ramps replaced by their values); present when the recipe ramps. */
  labelAt?: string;
  /** Distributions of the hole's height, width, aspect and centre. */
  shape?: ShapeSummary;
  /** The contact sheet (--preview) written into this folder, by file name: part of the run, not other content. */
  preview?: string;
  /** Hole ratio of mask i, in index order. */
  ratios?: number[];
}

export interface GenerateFolderOptions {
  config: MaskConfig | MaskConfigInput | string;
  out: string;
  count: number;
  size: Size;
  seed: Seed;
  /** Aim mask i at hole-ratio bin i mod 6 (see generateBalancedMask). */
  balanced?: boolean;
  maxAttempts?: number;
  /** Write into a folder that holds other files or another run's masks (its masks are replaced, others kept). */
  overwrite?: boolean;
  /** Masks in flight at once (PNG encoding runs on libuv threads); default min(4, cores). */
  concurrency?: number;
  /** Also write a contact sheet of the first masks here. */
  preview?: string;
  /** Masks on the contact sheet (default 64). */
  previewCount?: number;
  /** Force the progress bar on or off (default: on a terminal). */
  progress?: boolean;
  /** Where in training a ramping recipe is drawn (default: the ramps' end values). */
  trainingProgress?: TrainingProgress;
}

export interface GenerateFolderResult {
  out: string;
  statsFile: string;
  /** Newly written, already present and identical (kept), present but different (rewritten). */
  written: number;
  kept: number;
  rewritten: number;
  /** Masks of an earlier, larger run removed under --overwrite. */
  removed: number;
  stats: MaskSetStats;
}

/**
 * Digits in mask file names: 6, or more when the count needs them.
 * @example maskFileDigits(1000) // 6; maskFileDigits(10_000_000) // 7
 */
export function maskFileDigits(count: number): number {
  return Math.max(6, String(Math.max(0, count - 1)).length);
}

/**
 * The file name of mask `index`.
 * @example maskFileName(42, 6) // 'mask-000042.png'
 */
export function maskFileName(index: number, digits: number): string {
  return `mask-${String(index).padStart(digits, '0')}.png`;
}

const MASK_FILE = /^mask-(\d+)\.png$/;
/** Temporary files of atomicWriteFile for our own names (left behind when a run is killed). */
const OUR_TEMP = /^\.(mask-\d+\.png|stats\.json)\.\d+\.[0-9a-f]+\.tmp$/;

type RunIdentity = Pick<MaskSetStats, 'label' | 'config' | 'seed' | 'size' | 'balanced' | 'maxAttempts' | 'banks' | 'trainingProgress'>;

function formatProgress(p: TrainingProgress | undefined): string {
  const parts = (['epoch', 'step'] as const).filter((k) => p?.[k] !== undefined).map((k) => `${k}=${p?.[k]}`);
  return parts.length ? parts.join(',') : "the ramps' end values";
}

/**
 * What makes two runs the same run (the masks depend on it), field by field: the name shown and its value, as a
 * sentence part. Two runs are the same when every value matches.
 */
function identityFields(s: RunIdentity): Array<[field: string, key: string, shown: string]> {
  const banks = s.banks ?? [];
  return [
    ['recipe', canonicalJson(s.config), s.label],
    ['seed', s.seed, s.seed],
    ['size', `${s.size.width}x${s.size.height}`, `${s.size.width}x${s.size.height}`],
    ['balanced', canonicalJson([s.balanced, s.maxAttempts]), s.balanced ? `yes (--max-attempts ${s.maxAttempts})` : 'no'],
    ['bank', canonicalJson(banks.map((b) => b.sha256)), banks.map((b) => `${b.path} sha256 ${b.sha256.slice(0, 12)}…`).join(', ') || 'none'],
    ['training point', canonicalJson(s.trainingProgress ?? null), formatProgress(s.trainingProgress)],
  ];
}

/** The fields in which the run in the folder differs from this one, named with both values; empty when the same run. */
function identityDifferences(previous: RunIdentity, current: RunIdentity): string[] {
  const now = identityFields(current);
  return identityFields(previous)
    .map(([field, key, shown], i) => (key === now[i][1] ? '' : `${field} ${shown} there, ${now[i][2]} here`))
    .filter((d) => d !== '');
}

async function readPreviousStats(path: string): Promise<MaskSetStats | 'unreadable' | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    return undefined;
  }
  try {
    const parsed = JSON.parse(text) as MaskSetStats;
    return parsed && parsed.format === MASK_SET_FORMAT ? parsed : 'unreadable';
  } catch {
    return 'unreadable';
  }
}

function listBrief(names: string[]): string {
  const shown = names.slice(0, 4).join(', ');
  return names.length > 4 ? `${shown}, … (${names.length} entries)` : shown;
}

/** Write the record with the (possibly millions of) ratios on one line, the rest pretty-printed. */
async function writeStats(path: string, stats: MaskSetStats, ratios?: Float64Array): Promise<void> {
  if (!ratios) return atomicWriteJson(path, stats);
  const marker = '"__RATIOS__"';
  const text = JSON.stringify({ ...stats, ratios: '__RATIOS__' }, null, 2);
  await atomicWriteFile(path, `${text.replace(marker, `[${Array.from(ratios).join(',')}]`)}\n`);
}

/**
 * Generate `count` masks into `out` as `mask-000000.png` … (8-bit grey, 0/255), each written atomically, plus
 * `stats.json` (config, seed, size, histogram, per-mask hole ratios). Resumable: `stats.json` is written first with
 * `complete: false`; running the same job again keeps every mask file already present and byte-identical and
 * writes the rest. A folder holding other files, or another run's masks, is refused unless `overwrite`.
 * Output bytes do not depend on `concurrency` or on what was already there.
 * @example await generateMaskFolder({ config: 'person-box+scribble:0-3', out: 'masks', count: 1000, size: { width: 256, height: 256 }, seed: 1 });
 */
export async function generateMaskFolder(options: GenerateFolderOptions): Promise<GenerateFolderResult> {
  const { out, count, size, seed } = options;
  if (!Number.isSafeInteger(count) || count < 1 || count > MAX_MASK_COUNT) {
    throw invalidParameter('count', `integer between 1 and ${MAX_MASK_COUNT}`, count);
  }
  checkSize(size);
  await checkOutputPath(out, { kind: 'folder', hint: 'the masks go into a folder' });
  if (options.preview !== undefined) {
    await checkOutputPath(options.preview, { kind: 'file', extensions: ['.png'], what: 'the contact sheet (--preview)', hint: 'give the .png file to write' });
  }
  const concurrency = options.concurrency ?? Math.min(4, availableParallelism());
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 256) {
    throw invalidParameter('concurrency', 'integer between 1 and 256', concurrency);
  }
  const balanced = options.balanced ?? false;
  const maxAttempts = balanced ? (options.maxAttempts ?? DEFAULT_BALANCE_ATTEMPTS) : undefined;
  const generator = await createMaskGenerator(options.config);
  const trainingProgress = generator.ramps ? options.trainingProgress : undefined;
  const digits = maskFileDigits(count);
  // A contact sheet written into the folder belongs to the run.
  const previewName = options.preview !== undefined && resolve(dirname(options.preview)) === resolve(out) ? basename(options.preview) : undefined;
  const base: MaskSetStats = {
    format: MASK_SET_FORMAT,
    complete: false,
    label: generator.label,
    config: generator.config,
    seed: String(seed),
    size: { width: size.width, height: size.height },
    count,
    balanced,
    ...(maxAttempts === undefined ? {} : { maxAttempts }),
    digits,
    ...(generator.skipped.length ? { skippedFiles: [...generator.skipped] } : {}),
    ...(generator.banks.length ? { banks: [...generator.banks] } : {}),
    ...(trainingProgress ? { trainingProgress } : {}),
    ...(generator.ramps ? { labelAt: generator.labelAt(trainingProgress) } : {}),
  };

  // Look at what is there already (checkOutputPath made sure `out` is a folder or can be made one).
  let entries: string[] = [];
  try {
    entries = await readdir(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') {
      throw new BgfillError(`${out}: cannot read the output folder (${errorMessage(err)})`, { subject: out, cause: err });
    }
  }
  const statsFile = join(out, MASK_SET_STATS_FILE);
  const previous = entries.includes(MASK_SET_STATS_FILE) ? await readPreviousStats(statsFile) : undefined;
  const differences = previous && previous !== 'unreadable' ? identityDifferences(previous, base) : [];
  // The run's contact sheet in the folder: this one's, or the one an earlier pass of the same run wrote there.
  const sheet = previewName ?? (previous && previous !== 'unreadable' && differences.length === 0 ? previous.preview : undefined);
  if (sheet !== undefined) base.preview = sheet;
  const present = new Set<string>();
  const stale: string[] = [];
  const temps: string[] = [];
  const others: string[] = [];
  for (const name of entries) {
    const m = MASK_FILE.exec(name);
    if (m && m[1].length === digits && Number(m[1]) < count) present.add(name);
    else if (m) stale.push(name);
    else if (OUR_TEMP.test(name)) temps.push(name);
    else if (name !== MASK_SET_STATS_FILE && name !== sheet) others.push(name);
  }
  const problems: string[] = [];
  if (previous === 'unreadable') problems.push(`${MASK_SET_STATS_FILE} is not a bgfill mask-set record`);
  else if (differences.length) problems.push(`it holds masks of another run (${differences.join('; ')})`);
  else if (!previous && present.size > 0) problems.push('it holds mask files without a stats.json');
  if (stale.length) problems.push(`mask files beyond this run: ${listBrief(stale.sort())}`);
  if (others.length) problems.push(`other content: ${listBrief(others.sort())}`);
  if (problems.length && !options.overwrite) {
    throw new BgfillError(`${out}: refusing to write there: ${problems.join('; ')}. Use --overwrite or another folder.`, {
      subject: out,
    });
  }
  await mkdir(out, { recursive: true });
  for (const name of temps) await rm(join(out, name), { force: true });
  for (const name of stale) await rm(join(out, name), { force: true });
  await writeStats(statsFile, base);

  // Generate, compare, write.
  const ratios = new Float64Array(count);
  const measures: MaskMeasure[] = new Array(count);
  const misses: number[] = [];
  let written = 0;
  let kept = 0;
  let rewritten = 0;
  const progress = createProgress({ label: 'masks', total: count, enabled: options.progress });
  const produce = (i: number): { mask: Mask; ratio: number; hit: boolean } => {
    if (!balanced) {
      const mask = generator.generate(size, seed, i, trainingProgress);
      return { mask, ratio: holeRatio(mask), hit: true };
    }
    return generateBalancedMask(generator, size, seed, i, { maxAttempts, progress: trainingProgress });
  };
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < count) {
      const i = next++;
      const { mask, ratio, hit } = produce(i);
      const png = await maskToPng(mask);
      const name = maskFileName(i, digits);
      const path = join(out, name);
      if (present.has(name)) {
        const old = await readFile(path).catch(() => undefined);
        if (old && old.equals(png)) kept++;
        else {
          await atomicWriteFile(path, png);
          rewritten++;
        }
      } else {
        await atomicWriteFile(path, png);
        written++;
      }
      ratios[i] = ratio;
      measures[i] = holeShape(mask);
      if (!hit) misses.push(i);
      progress.tick();
    }
  };
  try {
    await Promise.all(Array.from({ length: Math.min(concurrency, count) }, worker));
  } finally {
    progress.stop();
  }

  if (options.preview) {
    const n = Math.min(count, options.previewCount ?? 64);
    const masks = Array.from({ length: n }, (_, i) => produce(i).mask);
    await atomicWriteFile(options.preview, await contactSheetPng(masks));
  }

  const ratioList = Array.from(ratios);
  const stats: MaskSetStats = {
    ...base,
    complete: true,
    summary: summarizeHoleRatios(ratioList),
    shape: summarizeShapes(measures),
    ...(balanced ? { balanceMisses: misses.sort((a, b) => a - b) } : {}),
  };
  await writeStats(statsFile, stats, ratios);
  return { out, statsFile, written, kept, rewritten, removed: stale.length, stats: { ...stats, ratios: ratioList } };
}

/**
 * `bgfill eval pair`: every metric of one prediction/target pair, or of two folders of pairs matched by file name.
 * Imports the buffer metrics directly (not the package index), so TensorFlow.js is never loaded here.
 */
import { readdir, stat } from 'node:fs/promises';
import { basename, extname, join } from 'node:path';
import pLimit from 'p-limit';
import { BgfillError, badFile, createProgress, errorMessage, invalidParameter } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import { readImageSize, readMaskImage, readRgbImage } from './image-io.js';
import { aggregate, type Aggregate } from './metrics/aggregate.js';
import { sizeLabel } from './metrics/image.js';
import { resolveMsssimOptions, type MsssimOptions, type SsimOptions } from './metrics/options.js';
import { PAIR_METRIC_NAMES, pairMetrics, type PairMetricName, type PairMetrics } from './metrics/pair-metrics.js';
import { API_OPTION_NAMES, checkPairSize, chooseScales, scalesNote, type MsssimOptionNames, type PairSize } from './pair-scales.js';

/** File name extensions taken as images in folders (case-insensitive); other files are ignored. */
export const IMAGE_EXTENSIONS: readonly string[] = ['.png', '.jpg', '.jpeg', '.webp', '.tif', '.tiff', '.gif', '.avif'];

/** One pair to score: files, and the name it was matched by (the file name without extension). */
export interface PairFiles {
  name: string;
  pred: string;
  target: string;
  mask?: string;
}

/** A file left out, and why. */
export interface SkippedFile {
  file: string;
  reason: string;
}

/** A scored pair. */
export interface PairRow extends PairFiles {
  metrics: PairMetrics;
}

/** Everything `bgfill eval pair` reports. */
export interface PairReport {
  rows: PairRow[];
  /** Mean / std / n per metric over the rows (hole metrics over the rows that have them); see `aggregate`. */
  summary: Record<PairMetricName, Aggregate>;
  skipped: SkippedFile[];
  /** MS-SSIM scales used for every pair (chosen to fit unless given; see `EvaluatePairsOptions.msssim`). */
  msssimScales: number;
  /** SSIM / MS-SSIM window size used. */
  windowSize: number;
  /** Things worth knowing about the scores, e.g. that fewer MS-SSIM scales were used. */
  notes: string[];
}

export interface EvaluatePairsOptions {
  /** A prediction image, or a folder of them. */
  pred: string;
  /** The matching target image, or a folder (matched to `pred`'s files by name without extension). */
  target: string;
  /** A mask image (1 = hole where value > 50 %), or a folder of masks matched by name, or one mask for every pair. */
  mask?: string;
  /** SSIM settings. */
  ssim?: SsimOptions;
  /**
   * MS-SSIM settings. Without `scales` or `weights`, as many of the standard five scales as the smallest pair allows
   * are used for every pair (5 need 96×96, 3 need 24×24 with the 11-pixel window), and a note says so; with them,
   * a pair too small for that count is an error (a skipped pair in folders).
   */
  msssim?: MsssimOptions;
  /** What the caller calls the scale count and window in messages (default `msssim.scales`, `msssim.windowSize`). */
  optionNames?: MsssimOptionNames;
  /** Pairs read and scored at once in folder mode. Default 2. */
  concurrency?: number;
  /** Show a progress bar (default: on a terminal). */
  progress?: boolean;
}

async function kindOf(path: string, option: string): Promise<'file' | 'folder'> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badFile(path, code === 'ENOENT' ? `no such file or folder (given as ${option})` : `cannot read (${errorMessage(err)})`, err);
  }
}

/** Image files of a folder by name without extension; names held by several files are reported, not used. */
async function imagesByStem(dir: string, role: string): Promise<{ files: Map<string, string>; skipped: SkippedFile[] }> {
  const entries = await readdir(dir, { withFileTypes: true });
  const groups = new Map<string, string[]>();
  for (const e of entries) {
    if (!e.isFile() || e.name.startsWith('.')) continue;
    const ext = extname(e.name).toLowerCase();
    if (!IMAGE_EXTENSIONS.includes(ext)) continue;
    const stem = e.name.slice(0, e.name.length - ext.length);
    const list = groups.get(stem) ?? [];
    list.push(join(dir, e.name));
    groups.set(stem, list);
  }
  const files = new Map<string, string>();
  const skipped: SkippedFile[] = [];
  for (const [stem, list] of groups) {
    if (list.length === 1) files.set(stem, list[0]);
    else {
      list.sort();
      for (const file of list) {
        skipped.push({ file, reason: `${list.length} ${role} files are named ${stem}.* (${list.map((f) => basename(f)).join(', ')}); cannot tell which to use` });
      }
    }
  }
  return { files, skipped };
}

/**
 * Resolve `--pred` / `--target` / `--mask` into pairs: two files give one pair; two folders give one pair per name
 * (file name without extension) found in both, in sorted order, with files found in only one folder reported as
 * skipped. A mask may be a file (used for every pair) or, with folders, a folder matched by name too.
 * @example await matchPairs('out/', 'gt/', 'masks/') // { pairs: [{ name: '0001', pred: 'out/0001.png', … }], skipped }
 */
export async function matchPairs(pred: string, target: string, mask?: string): Promise<{ pairs: PairFiles[]; skipped: SkippedFile[]; folders: boolean }> {
  const predKind = await kindOf(pred, '--pred');
  const targetKind = await kindOf(target, '--target');
  const maskKind = mask === undefined ? undefined : await kindOf(mask, '--mask');
  if (predKind !== targetKind) {
    throw new BgfillError(
      `--pred and --target must both be files or both be folders: ${pred} is a ${predKind}, ${target} is a ${targetKind}`,
      { subject: 'pred' },
    );
  }
  if (predKind === 'file') {
    if (maskKind === 'folder') throw badFile(mask!, 'is a folder; with one --pred file, --mask must be one mask file');
    return { pairs: [{ name: basename(pred), pred, target, ...(mask === undefined ? {} : { mask }) }], skipped: [], folders: false };
  }
  const p = await imagesByStem(pred, 'prediction');
  const t = await imagesByStem(target, 'target');
  const m = maskKind === 'folder' ? await imagesByStem(mask!, 'mask') : undefined;
  const skipped = [...p.skipped, ...t.skipped, ...(m?.skipped ?? [])];
  const pairs: PairFiles[] = [];
  const names = [...new Set([...p.files.keys(), ...t.files.keys()])].sort();
  for (const name of names) {
    const pf = p.files.get(name);
    const tf = t.files.get(name);
    if (pf === undefined) {
      skipped.push({ file: tf!, reason: `no prediction named ${name}.* in ${pred}` });
      continue;
    }
    if (tf === undefined) {
      skipped.push({ file: pf, reason: `no target named ${name}.* in ${target}` });
      continue;
    }
    let mf: string | undefined = mask;
    if (m !== undefined) {
      mf = m.files.get(name);
      if (mf === undefined) {
        skipped.push({ file: pf, reason: `no mask named ${name}.* in ${mask}` });
        continue;
      }
    }
    pairs.push({ name, pred: pf, target: tf, ...(mf === undefined ? {} : { mask: mf }) });
  }
  return { pairs, skipped, folders: true };
}

/** Settings for scoring one pair. */
export interface ScorePairOptions {
  ssim?: SsimOptions;
  /** MS-SSIM settings; without `scales` or `weights`, the standard five scales. */
  msssim?: MsssimOptions;
  /** What the caller calls the scale count and window in messages (default `msssim.scales`, `msssim.windowSize`). */
  optionNames?: MsssimOptionNames;
}

/**
 * Read and score one pair. Throws a BgfillError naming the file for an unreadable image, naming both files and
 * their sizes when they differ, and naming the size needed (in terms of `optionNames`) when the pair is too small.
 * @example await scorePair({ name: '0001', pred: 'out/0001.png', target: 'gt/0001.png' }, { msssim: { scales: 3 } })
 */
export async function scorePair(files: PairFiles, options: ScorePairOptions = {}): Promise<PairMetrics> {
  return readAndScore(files, options, options.msssim?.scales !== undefined);
}

/** `scorePair`; `explicit`: the scale count was asked for by the user (not chosen to fit), which the size error says. */
async function readAndScore(files: PairFiles, options: ScorePairOptions, explicit: boolean): Promise<PairMetrics> {
  const [pred, target, mask] = await Promise.all([
    readRgbImage(files.pred),
    readRgbImage(files.target),
    files.mask === undefined ? Promise.resolve<Mask | undefined>(undefined) : readMaskImage(files.mask),
  ]);
  if (pred.width !== target.width || pred.height !== target.height) {
    throw new BgfillError(
      `size mismatch: ${files.pred} is ${sizeLabel(pred)} but ${files.target} is ${sizeLabel(target)}`,
      { subject: files.pred },
    );
  }
  if (mask !== undefined && (mask.width !== pred.width || mask.height !== pred.height)) {
    throw new BgfillError(
      `size mismatch: mask ${files.mask} is ${sizeLabel(mask)} but ${files.pred} and ${files.target} are ${sizeLabel(pred)}`,
      { subject: files.mask },
    );
  }
  const msssim = resolveMsssimOptions(options.msssim);
  if (options.msssim?.weights === undefined) {
    // Checked here to name the caller's options (pairMetrics' own check speaks of the API's).
    try {
      checkPairSize(pred.width, pred.height, msssim.weights.length, msssim.windowSize, explicit, options.optionNames ?? API_OPTION_NAMES);
    } catch (err) {
      if (err instanceof BgfillError) throw new BgfillError(`${files.pred}: ${err.message}`, { subject: files.pred, cause: err });
      throw err;
    }
  }
  try {
    return pairMetrics(pred, target, mask, options);
  } catch (err) {
    if (err instanceof BgfillError) throw new BgfillError(`${files.pred}: ${err.message}`, { subject: files.pred, cause: err });
    throw err;
  }
}

/** Mean / std of each metric over the rows that have it. */
export function summarize(rows: readonly PairRow[]): Record<PairMetricName, Aggregate> {
  const out = {} as Record<PairMetricName, Aggregate>;
  for (const name of PAIR_METRIC_NAMES) {
    const values: number[] = [];
    for (const r of rows) {
      const v = r.metrics[name];
      if (v !== undefined) values.push(v);
    }
    out[name] = aggregate(values);
  }
  return out;
}

/**
 * Score one pair or folders of pairs. With two files, any failure throws (a BgfillError naming the file); with
 * folders, a pair that cannot be scored is skipped and reported with its reason, and the others go on. Rows come
 * back in name order whatever the concurrency; a run where no pair could be scored throws.
 * @example const report = await evaluatePairs({ pred: 'out/', target: 'gt/', mask: 'masks/' });
 */
export async function evaluatePairs(options: EvaluatePairsOptions): Promise<PairReport> {
  const concurrency = options.concurrency ?? 2;
  if (!Number.isInteger(concurrency) || concurrency < 1 || concurrency > 64) {
    throw invalidParameter('concurrency', 'integer between 1 and 64', concurrency);
  }
  const { pairs, skipped, folders } = await matchPairs(options.pred, options.target, options.mask);
  const names = options.optionNames ?? API_OPTION_NAMES;
  const resolved = resolveMsssimOptions(options.msssim);
  const explicit = options.msssim?.scales !== undefined || options.msssim?.weights !== undefined;
  const notes: string[] = [];
  let msssim = options.msssim;
  if (!explicit) {
    const choice = chooseScales(await pairSizes(pairs, concurrency), resolved.windowSize);
    msssim = { ...options.msssim, scales: choice.scales };
    const note = scalesNote(choice, resolved.windowSize, pairs.length, names);
    if (note !== undefined) notes.push(note);
  }
  const settings = { msssimScales: msssim?.weights?.length ?? msssim?.scales ?? resolved.weights.length, windowSize: resolved.windowSize, notes };
  const scoreOptions: ScorePairOptions = { ssim: options.ssim, msssim, optionNames: names };
  if (!folders) {
    const metrics = await readAndScore(pairs[0], scoreOptions, explicit);
    const rows = [{ ...pairs[0], metrics }];
    return { rows, summary: summarize(rows), skipped, ...settings };
  }
  const progress = createProgress({ label: 'eval pair', total: pairs.length, enabled: options.progress });
  const limit = pLimit(concurrency);
  const results = await Promise.all(
    pairs.map((files) =>
      limit(async (): Promise<PairRow | SkippedFile> => {
        try {
          return { ...files, metrics: await readAndScore(files, scoreOptions, explicit) };
        } catch (err) {
          if (!(err instanceof BgfillError)) throw err;
          const message = err.message;
          const file = err.subject !== undefined && [files.pred, files.target, files.mask].includes(err.subject) ? err.subject : files.pred;
          const prefix = `${file}: `;
          return { file, reason: message.startsWith(prefix) ? message.slice(prefix.length) : message };
        } finally {
          progress.tick();
        }
      }),
    ),
  );
  progress.stop();
  const rows: PairRow[] = [];
  for (const r of results) {
    if ('metrics' in r) rows.push(r);
    else skipped.push(r);
  }
  if (rows.length === 0) {
    const detail = skipped.length === 0 ? 'no image files with matching names' : `${skipped.length} skipped: ${skipped[0].file}: ${skipped[0].reason}${skipped.length > 1 ? ' …' : ''}`;
    throw new BgfillError(`no pair could be scored in ${options.pred} and ${options.target} (${detail})`, { subject: options.pred });
  }
  return { rows, summary: summarize(rows), skipped, ...settings };
}

/**
 * Each pair's size from the headers, for the scale choice: pairs whose prediction and target headers both read and
 * agree (up to orientation); the others fail later, with their reason, when scored.
 */
async function pairSizes(pairs: readonly PairFiles[], concurrency: number): Promise<PairSize[]> {
  const limit = pLimit(concurrency);
  const sizes = await Promise.all(
    pairs.map((files) =>
      limit(async (): Promise<PairSize | undefined> => {
        const [p, t] = await Promise.all([readImageSize(files.pred), readImageSize(files.target)]);
        if (p === undefined || t === undefined) return undefined;
        if (Math.min(p.width, p.height) !== Math.min(t.width, t.height) || Math.max(p.width, p.height) !== Math.max(t.width, t.height)) return undefined;
        return { name: files.name, ...p };
      }),
    ),
  );
  return sizes.filter((s): s is PairSize => s !== undefined);
}

/** A metric value for JSON: Infinity (identical pixels) and NaN (no value) become null. */
export function jsonNumber(value: number): number | null {
  return Number.isFinite(value) ? value : null;
}

/**
 * The report as plain JSON. Infinite PSNR (pixel-identical pair, or all pairs identical in a mean) is written as
 * null — JSON has no Infinity — and `summary.<metric>.infinite` counts the pairs left out of mean/std for it.
 */
export function pairReportJson(report: PairReport): object {
  const metricFields = (m: PairMetrics): Record<string, number | null> => {
    const out: Record<string, number | null> = {};
    for (const name of PAIR_METRIC_NAMES) if (m[name] !== undefined) out[name] = jsonNumber(m[name]!);
    if (m.holeRatio !== undefined) out.holeRatio = m.holeRatio;
    return out;
  };
  const summary: Record<string, object> = {};
  for (const name of PAIR_METRIC_NAMES) {
    const a = report.summary[name];
    if (a.n === 0 && a.infinite === 0) continue;
    summary[name] = { mean: jsonNumber(a.mean), std: jsonNumber(a.std), n: a.n, infinite: a.infinite };
  }
  return {
    pairs: report.rows.map((r) => ({
      name: r.name,
      pred: r.pred,
      target: r.target,
      ...(r.mask === undefined ? {} : { mask: r.mask }),
      ...metricFields(r.metrics),
    })),
    summary,
    skipped: report.skipped,
    msssim: { scales: report.msssimScales, windowSize: report.windowSize },
    notes: report.notes,
  };
}

const COLUMNS: ReadonlyArray<{ key: PairMetricName; title: string; digits: number }> = [
  { key: 'l1', title: 'L1', digits: 6 },
  { key: 'psnr', title: 'PSNR dB', digits: 3 },
  { key: 'ssim', title: 'SSIM', digits: 6 },
  { key: 'msssim', title: 'MS-SSIM', digits: 6 },
  { key: 'l1Hole', title: 'L1 hole', digits: 6 },
  { key: 'psnrHole', title: 'PSNR hole', digits: 3 },
];

function cell(value: number | undefined, digits: number): string {
  if (value === undefined || Number.isNaN(value)) return '-';
  if (value === Infinity) return 'inf';
  return value.toFixed(digits);
}

/**
 * The report as an aligned text table: one row per pair, then mean and std rows when there are several pairs.
 * Infinite PSNR prints as "inf"; a mean over pairs some of which are infinite is over the finite ones (noted below).
 */
export function formatPairTable(report: PairReport): string {
  const columns = COLUMNS.filter((c) => report.summary[c.key].n > 0 || report.summary[c.key].infinite > 0);
  const lines: string[][] = [['pair', ...columns.map((c) => c.title)]];
  for (const r of report.rows) lines.push([r.name, ...columns.map((c) => cell(r.metrics[c.key], c.digits))]);
  if (report.rows.length > 1) {
    lines.push([`mean (n=${report.rows.length})`, ...columns.map((c) => cell(report.summary[c.key].mean, c.digits))]);
    lines.push(['std', ...columns.map((c) => cell(report.summary[c.key].std, c.digits))]);
  }
  const widths = lines[0].map((_, i) => Math.max(...lines.map((l) => l[i].length)));
  const text = lines.map((l) => l.map((v, i) => (i === 0 ? v.padEnd(widths[i]) : v.padStart(widths[i]))).join('  ').trimEnd());
  const notes: string[] = [];
  for (const c of columns) {
    const a = report.summary[c.key];
    if (report.rows.length > 1 && a.infinite > 0 && a.n > 0) {
      notes.push(`${c.title}: ${a.infinite} pair${a.infinite === 1 ? ' is' : 's are'} identical (inf), left out of mean and std`);
    }
  }
  notes.push(...report.notes);
  return [...text, ...notes].join('\n') + '\n';
}

/** Lines reporting skipped files, for stderr. */
export function formatSkipped(skipped: readonly SkippedFile[]): string {
  if (skipped.length === 0) return '';
  return `skipped ${skipped.length} file${skipped.length === 1 ? '' : 's'}:\n${skipped.map((s) => `  ${s.file}: ${s.reason}`).join('\n')}\n`;
}

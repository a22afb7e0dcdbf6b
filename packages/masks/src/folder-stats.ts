import pLimit from 'p-limit';
import { BgfillError, createProgress } from '@bgfill/core';
import { resolveMaskPaths, type SkippedFile } from './from-files.js';
import { maskFromImage } from './png.js';
import { holeShape, summarizeShapes, type MaskMeasure, type ShapeSummary } from './shape-stats.js';
import { ALL_HOLE_RATIO_BINS, summarizeHoleRatios, type HoleRatioSummary } from './stats.js';

export interface FolderStats {
  /** Each readable mask file with its hole ratio and shape (null fields for an empty mask), sorted by file name. */
  files: Array<{ file: string } & MaskMeasure>;
  skipped: SkippedFile[];
  summary: HoleRatioSummary;
  /** Distributions of the hole's height, width, aspect and centre. */
  shape: ShapeSummary;
}

/**
 * Hole ratios and shapes of every mask image in a folder (or glob, or list): any format sharp reads, 8 or 16 bits, thresholded at
 * `threshold` (default 0.5). Unreadable files are skipped and listed; no readable file at all is a BgfillError.
 * @example const { summary } = await maskFolderStats('masks/');
 */
export async function maskFolderStats(
  paths: string | ReadonlyArray<string>,
  options: { threshold?: number; concurrency?: number; progress?: boolean } = {},
): Promise<FolderStats> {
  const { files: candidates, skipped } = await resolveMaskPaths(paths);
  const limit = pLimit(options.concurrency ?? 4);
  const progress = createProgress({ label: 'masks', total: candidates.length, enabled: options.progress });
  const results = await Promise.all(
    candidates.map((file) =>
      limit(async () => {
        try {
          return { file, measure: holeShape(await maskFromImage(file, { threshold: options.threshold })) };
        } catch (err) {
          if (!(err instanceof BgfillError)) throw err;
          const prefix = `${file}: `;
          return { file, reason: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message };
        } finally {
          progress.tick();
        }
      }),
    ),
  ).finally(() => progress.stop());
  const files: FolderStats['files'] = [];
  for (const r of results) {
    if (r.measure !== undefined) files.push({ file: r.file, ...r.measure });
    else skipped.push({ file: r.file, reason: r.reason ?? 'unreadable' });
  }
  if (files.length === 0) {
    const where = typeof paths === 'string' ? paths : paths.join(', ');
    const why = skipped.length ? ` (${skipped.slice(0, 3).map((s) => `${s.file}: ${s.reason}`).join('; ')})` : '';
    throw new BgfillError(`${where}: no readable mask image${why}`, { subject: where });
  }
  return { files, skipped, summary: summarizeHoleRatios(files.map((f) => f.ratio)), shape: summarizeShapes(files) };
}

/**
 * The histogram as a text table (bin, count, share, bar) with a summary line.
 * @example console.log(formatHistogramTable(summary));
 */
export function formatHistogramTable(summary: HoleRatioSummary): string {
  const width = Math.max(...ALL_HOLE_RATIO_BINS.map((b) => b.label.length), 'hole ratio'.length);
  const countWidth = Math.max(5, String(summary.count).length);
  const lines = [`${'hole ratio'.padEnd(width)}  ${'count'.padStart(countWidth)}   share`];
  for (const bin of ALL_HOLE_RATIO_BINS) {
    const n = summary.histogram[bin.label] ?? 0;
    const share = summary.count ? n / summary.count : 0;
    const bar = '#'.repeat(Math.round(share * 40));
    lines.push(`${bin.label.padEnd(width)}  ${String(n).padStart(countWidth)}  ${(share * 100).toFixed(1).padStart(5)}%  ${bar}`);
  }
  const f = (v: number) => v.toFixed(4);
  lines.push(
    `${summary.count} masks: mean ${f(summary.mean)}, std ${f(summary.std)}, min ${f(summary.min)}, max ${f(summary.max)}`,
  );
  return lines.join('\n');
}

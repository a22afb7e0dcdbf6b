import { BgfillError, atomicWriteFile, createProgress, errorMessage, parseIntegerOption } from '@bgfill/core';
import { checkThreshold, maskToPng } from '@bgfill/masks';
import { classicalInpaint, parseClassicalMethod, readRgbImage, DEFAULT_INPAINT_RADIUS, MAX_INPAINT_RADIUS, type ClassicalMethod } from '@bgfill/eval';
import { writeRgbImage } from './image-file.js';
import { jobDone, planJobs, type JobProblem } from './jobs.js';
import { finishBatch } from './batch-report.js';
import { readHoleMask } from './mask-source.js';
import type { InpaintCommandOptions, InpaintSummary } from './inpaint-command.js';

/** `bgfill inpaint --method`: `net` (the default) runs a checkpoint; the others are classical fills without one. */
export const INPAINT_METHODS = ['net', 'telea', 'ns', 'mean'] as const;

/**
 * Options that only mean something for a network, refused with a classical `--method` (unless at their default),
 * with why where the flag's name does not say it.
 */
const NET_ONLY: ReadonlyArray<[keyof InpaintCommandOptions, string, unknown?, string?]> = [
  ['checkpoint', '--checkpoint'],
  ['arch', '--arch'],
  ['passes', '--passes', '1'],
  ['erode', '--erode', '0'],
  ['tiles', '--tiles'],
  ['overlap', '--overlap'],
  ['saveRaw', '--save-raw'],
  ['threads', '--threads'],
  ['batchSize', '--batch-size'],
  ['nonStrict', '--non-strict'],
  ['scaledAttention', '--scaled-attention'],
  ['large', '--large', 'auto', 'it fills photos of any size at full resolution'],
  ['upscaler', '--upscaler', undefined, 'it fills photos of any size at full resolution'],
];

/**
 * Whether `bgfill inpaint` runs a classical fill: `--method` given and not `net`.
 * @example usesClassicalMethod({ method: 'telea' }) // true
 */
export function usesClassicalMethod(options: Pick<InpaintCommandOptions, 'method'>): boolean {
  return options.method !== undefined && options.method.trim().toLowerCase() !== 'net';
}

function checkOptions(options: InpaintCommandOptions): { method: ClassicalMethod; radius: number; threshold: number; dilate: number } {
  const method = parseClassicalMethod(options.method!, '--method');
  for (const [key, flag, fallback, why] of NET_ONLY) {
    if (options[key] !== undefined && options[key] !== false && options[key] !== fallback) {
      throw new BgfillError(`${flag} applies to a network; --method ${method} fills without one${why ? `: ${why}` : ''} (leave ${flag} out, or use --method net)`, { subject: flag });
    }
  }
  if (options.segment !== undefined) {
    throw new BgfillError(`--segment runs U²-Net and then a network; with --method ${method}, segment first (bgfill segment) and pass the maps with --mask-from`, { subject: '--segment' });
  }
  if ((options.mask === undefined) === (options.maskFrom === undefined)) {
    throw new BgfillError('give exactly one of --mask (hole mask: white = hole) and --mask-from (person segmentation map)', { subject: 'mask' });
  }
  const thresholdText = options.threshold ?? '0.5';
  return {
    method,
    radius: options.radius === undefined ? DEFAULT_INPAINT_RADIUS : parseIntegerOption(options.radius, '--radius', 1, MAX_INPAINT_RADIUS),
    threshold: checkThreshold(thresholdText.trim() === '' ? Number.NaN : Number(thresholdText), '--threshold'),
    dilate: options.dilate === undefined ? 0 : parseIntegerOption(options.dilate, '--dilate', 0, 1024),
  };
}

/**
 * `bgfill inpaint --method telea|ns|mean`: the classical fills of @bgfill/eval (OpenCV's INPAINT_TELEA and
 * INPAINT_NS with `--radius`, or the border's mean colour) on images and masks matched as for a network, no
 * checkpoint. `--save-mask` writes each hole as used (after --threshold and --dilate). Outputs are written atomically; existing ones are kept unless `overwrite` (an interrupted run
 * resumes); a bad image or mask is reported and skipped, and the command ends with a BgfillError when any failed.
 * @example await runClassicalInpaint({ method: 'telea', image: 'photos/', mask: 'masks/', out: 'filled/' } as InpaintCommandOptions);
 */
export async function runClassicalInpaint(options: InpaintCommandOptions, log: (line: string) => void): Promise<InpaintSummary> {
  const settings = checkOptions(options);
  const { jobs, problems } = await planJobs({ image: options.image, mask: (options.mask ?? options.maskFrom)!, out: options.out, saveMask: options.saveMask });
  for (const p of problems) log(`skipped ${p.file}: ${p.reason}`);
  const failed: JobProblem[] = [...problems];
  const written: string[] = [];
  const existing: string[] = [];
  const progress = createProgress({ label: settings.method, total: jobs.length, ...(options.progress !== undefined ? { enabled: options.progress } : {}) });
  try {
    for (const job of jobs) {
      if (!options.overwrite && (await jobDone(job))) {
        existing.push(job.out);
        progress.tick();
        continue;
      }
      try {
        const image = await readRgbImage(job.image);
        const mask = await readHoleMask(job.mask, {
          threshold: settings.threshold,
          dilate: settings.dilate,
          size: { width: image.width, height: image.height },
          resize: options.maskFrom !== undefined,
          onWarning: (message) => log(`warning: ${message}`),
        });
        await writeRgbImage(job.out, classicalInpaint(image, mask, { method: settings.method, radius: settings.radius }));
        if (job.maskOut !== undefined) await atomicWriteFile(job.maskOut, await maskToPng(mask));
        written.push(job.out);
      } catch (err) {
        const file = err instanceof BgfillError && err.subject === job.mask ? job.mask : job.image;
        const message = errorMessage(err);
        const reason = message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message;
        failed.push({ file, reason });
        log(`skipped ${file}: ${reason}`);
      }
      progress.tick();
    }
  } finally {
    progress.stop();
  }
  const total = jobs.length + problems.length;
  const summary: InpaintSummary = { backend: `classical ${settings.method}`, total, written, existing, failed };
  const headline = `${settings.method}: filled ${written.length} of ${total} image${total === 1 ? '' : 's'}${existing.length ? `, ${existing.length} already done (--overwrite to redo)` : ''}${failed.length ? `, ${failed.length} failed` : ''}`;
  finishBatch(summary, { headline, noun: 'image', json: options.json, log });
  return summary;
}

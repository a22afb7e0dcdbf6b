import { createProgress, invalidParameter, parseIntegerOption } from '@bgfill/core';
import { readRgbImage } from '@bgfill/eval';
import { initBackend } from '../backend/init-backend.js';
import { parseBackendRequest } from '../backend/backend-name.js';
import { writeRgbImage } from '../inference/image-file.js';
import { jobDone, planJobs, type InpaintJob, type JobProblem } from '../inference/jobs.js';
import { finishBatch, problemOf, skippedLine } from '../inference/batch-report.js';
import { DEFAULT_ESRGAN_TILE, loadEsrgan } from './esrgan.js';
import { parseEsrganScale, parseEsrganSize } from './esrgan-models.js';
import { parseUpscaleTile } from './upscale-tiles.js';

/**
 * Default `--model`: thick, the only size that beats bicubic interpolation on PSNR and SSIM (×4 on the sample photos:
 * +0.62 dB; slim −0.46, medium −0.24), at 9× medium's and 26× slim's CPU time (bench/RESULTS.md, super-resolution).
 */
export const DEFAULT_UPSCALE_MODEL = 'thick';
export const DEFAULT_UPSCALE_SCALE = 4;

/** The largest output written (pixels): 2²⁸, sharp's default input limit, so the result reads back. */
export const MAX_UPSCALED_PIXELS = 2 ** 28;

/** `bgfill upscale` options as commander hands them over. */
export interface UpscaleCommandOptions {
  image: string;
  out: string;
  scale?: string;
  model?: string;
  backend?: string;
  tile?: string;
  threads?: string;
  overwrite?: boolean;
  progress?: boolean;
  json?: boolean;
}

export interface UpscaleSummary {
  backend: string;
  model: string;
  scale: number;
  total: number;
  written: string[];
  /** Outputs that existed already (an earlier, interrupted run): kept. */
  existing: string[];
  failed: JobProblem[];
}

function settingsFrom(options: UpscaleCommandOptions) {
  return {
    scale: parseEsrganScale(options.scale ?? String(DEFAULT_UPSCALE_SCALE), '--scale'),
    size: parseEsrganSize(options.model ?? DEFAULT_UPSCALE_MODEL, '--model'),
    backend: parseBackendRequest(options.backend ?? 'auto', '--backend'),
    tile: parseUpscaleTile(options.tile ?? String(DEFAULT_ESRGAN_TILE), '--tile'),
    ...(options.threads !== undefined ? { threads: parseIntegerOption(options.threads, '--threads', 1, 64) } : {}),
  };
}

/**
 * `bgfill upscale`: enlarge an image or a folder of images with an ESRGAN model (UpscalerJS' slim, medium or thick,
 * ×2, ×3, ×4 or ×8) on a TensorFlow.js backend, tiled. Outputs are written atomically; existing ones are kept (so an
 * interrupted run resumes) unless `overwrite`; unreadable images are skipped and listed. Throws a BgfillError
 * (exit code 2) at the end when any image failed, after the summary (JSON on stdout with `json`).
 * @example await runUpscaleCommand({ image: 'photos/', out: 'big/', scale: '4', model: 'slim' });
 */
export async function runUpscaleCommand(options: UpscaleCommandOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<UpscaleSummary> {
  const settings = settingsFrom(options);
  // Each image is its own "mask": folders, single files, name clashes and output checks behave as in `bgfill inpaint`.
  const { jobs, problems } = await planJobs({ image: options.image, mask: options.image, out: options.out });
  for (const p of problems) log(skippedLine(p));
  const todo: InpaintJob[] = [];
  const existing: string[] = [];
  for (const job of jobs) {
    if (!options.overwrite && (await jobDone(job))) existing.push(job.out);
    else todo.push(job);
  }
  if (existing.length > 0) log(`${existing.length} output${existing.length === 1 ? '' : 's'} already exist${existing.length === 1 ? 's' : ''}: kept (--overwrite to redo)`);
  const summary: UpscaleSummary = { backend: '', model: `esrgan-${settings.size}`, scale: settings.scale, total: jobs.length + problems.length, written: [], existing, failed: [...problems] };
  if (todo.length > 0) {
    const backend = await initBackend(settings.backend, { log, ...(settings.threads !== undefined ? { threads: settings.threads } : {}) });
    summary.backend = backend.name;
    log(`backend: ${backend.name} (${backend.detail})`);
    const upscaler = await loadEsrgan(settings.size, settings.scale, { tile: settings.tile });
    log(upscaler.description);
    const progress = createProgress({ label: 'upscale', total: todo.length, ...(options.progress !== undefined ? { enabled: options.progress } : {}) });
    try {
      for (const job of todo) {
        try {
          const image = await readRgbImage(job.image);
          const pixels = image.width * image.height * settings.scale ** 2;
          if (pixels > MAX_UPSCALED_PIXELS) {
            throw invalidParameter(`${job.image} at ×${settings.scale}`, `an output of at most ${MAX_UPSCALED_PIXELS} pixels`, `${image.width * settings.scale}×${image.height * settings.scale}`);
          }
          await writeRgbImage(job.out, await upscaler.upscale(image));
          summary.written.push(job.out);
        } catch (err) {
          const problem = problemOf(job.image, err);
          summary.failed.push(problem);
          log(skippedLine(problem));
        }
        progress.tick();
      }
    } finally {
      progress.stop();
      upscaler.dispose();
    }
  }
  const parts = [`upscaled ${summary.written.length} of ${summary.total} image${summary.total === 1 ? '' : 's'} ×${summary.scale} with ${summary.model}`];
  if (existing.length > 0) parts.push(`${existing.length} already done`);
  if (summary.failed.length > 0) parts.push(`${summary.failed.length} failed`);
  const headline = parts.join(', ');
  finishBatch(summary, { headline, noun: 'image', json: options.json, log });
  return summary;
}

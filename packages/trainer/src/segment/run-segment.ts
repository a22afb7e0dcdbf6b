import { createProgress, parseIntegerOption } from '@bgfill/core';
import { readRgbImage, type RgbImage } from '@bgfill/eval';
import { isGpuEngine, parseEngineRequest } from '../inference/engine-name.js';
import { selectEngine } from '../inference/engine-select.js';
import { finishBatch, problemOf, skippedLine } from '../inference/batch-report.js';
import { writeRgbImage } from '../inference/image-file.js';
import { jobDone, planJobs, type InpaintJob, type JobProblem } from '../inference/jobs.js';
import { PERSON_PEAK, segmentPhotos, type PersonMap } from './segment-photo.js';
import { openSegmenter } from './segmenter.js';

/** Photos per network run by default on a GPU engine; CPU engines take one at a time (as `bgfill inpaint`). */
export const DEFAULT_SEGMENT_BATCH = 8;

/** `bgfill segment` options as commander hands them over (numbers as typed). */
export interface SegmentCommandOptions {
  checkpoint: string;
  image: string;
  out: string;
  backend?: string;
  threads?: string;
  batchSize?: string;
  overwrite?: boolean;
  /** Progress bar on or off (default: on for a terminal). */
  progress?: boolean;
  /** Print the summary as JSON on stdout. */
  json?: boolean;
}

export interface SegmentSummary {
  backend: string;
  /** U2NET or U2NETP ('' when nothing ran). */
  variant: string;
  total: number;
  written: string[];
  /** Maps that existed already (an earlier, interrupted run): kept. */
  existing: string[];
  failed: JobProblem[];
  /** Photos whose fused map never reached PERSON_PEAK: their maps are written, normalised noise. */
  noPerson: string[];
}

/** One channel → the authors' RGB map (three equal channels). */
function greyToRgb(map: PersonMap): RgbImage {
  const data = new Uint8Array(map.data.length * 3);
  for (let i = 0; i < map.data.length; i++) data[3 * i] = data[3 * i + 1] = data[3 * i + 2] = map.data[i];
  return { data, width: map.width, height: map.height, channels: 3 };
}

/**
 * Where a photo's map goes: `OUT/<name>.png` for a folder (the authors' script names the map after the photo, last
 * extension replaced by .png), `--out` itself for a single photo. Uses planJobs with each photo as its own "mask",
 * so folders, single files, name clashes and output checks behave as in `bgfill inpaint`.
 */
export async function planSegmentJobs(image: string, out: string): Promise<{ jobs: InpaintJob[]; problems: JobProblem[] }> {
  return planJobs({ image, mask: image, out });
}

/**
 * `bgfill segment`: person (or salient-object) maps with U²-Net, written exactly as the authors' test script writes
 * them (`<name>.png`, 8-bit RGB with three equal channels, the photo's size). Photos go through the network
 * `--batch-size` at a time; an unreadable photo is reported and skipped; maps that exist are kept unless
 * `overwrite` (an interrupted run resumes); each map is written atomically. Ends with a summary (JSON on stdout with
 * `json`) and throws a BgfillError (exit 2) when any photo failed.
 * @example await runSegmentCommand({ checkpoint: 'u2net_human_seg.pth', image: 'photos/', out: 'maps/' });
 */
export async function runSegmentCommand(options: SegmentCommandOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<SegmentSummary> {
  const backend = parseEngineRequest(options.backend ?? 'auto', '--backend');
  const threads = options.threads === undefined ? undefined : parseIntegerOption(options.threads, '--threads', 1, 64);
  const requestedBatch = options.batchSize === undefined ? undefined : parseIntegerOption(options.batchSize, '--batch-size', 1, 64);
  const { jobs, problems } = await planSegmentJobs(options.image, options.out);
  for (const p of problems) log(skippedLine(p));
  const summary: SegmentSummary = { backend: '', variant: '', total: jobs.length + problems.length, written: [], existing: [], failed: [...problems], noPerson: [] };
  const todo: InpaintJob[] = [];
  for (const job of jobs) {
    if (!options.overwrite && (await jobDone(job))) summary.existing.push(job.out);
    else todo.push(job);
  }
  if (summary.existing.length > 0) log(`${summary.existing.length} map${summary.existing.length === 1 ? '' : 's'} already written: kept (--overwrite to redo)`);

  if (todo.length > 0) {
    const selection = await selectEngine(backend, { log, ...(threads !== undefined ? { threads } : {}) });
    summary.backend = selection.name;
    log(`backend: ${selection.name} (${selection.detail})`);
    const net = await openSegmenter(options.checkpoint, selection);
    summary.variant = net.variant;
    log(`${options.checkpoint}: U²-Net (${net.variant})`);
    const batchSize = requestedBatch ?? (isGpuEngine(selection.name) ? DEFAULT_SEGMENT_BATCH : 1);
    const progress = createProgress({ label: 'segment', total: todo.length, ...(options.progress !== undefined ? { enabled: options.progress } : {}) });
    const fail = (file: string, err: unknown) => {
      const problem = problemOf(file, err);
      summary.failed.push(problem);
      log(skippedLine(problem));
    };
    try {
      for (let start = 0; start < todo.length; start += batchSize) {
        const batch: Array<{ job: InpaintJob; photo: RgbImage }> = [];
        for (const job of todo.slice(start, start + batchSize)) {
          try {
            batch.push({ job, photo: await readRgbImage(job.image) });
          } catch (err) {
            fail(job.image, err);
            progress.tick();
          }
        }
        let maps: PersonMap[];
        try {
          maps = await segmentPhotos(net, batch.map((b) => b.photo));
        } catch (err) {
          for (const b of batch) fail(b.job.image, err);
          progress.tick(batch.length);
          continue;
        }
        for (const [i, { job }] of batch.entries()) {
          try {
            if (maps[i].peak < PERSON_PEAK) {
              summary.noPerson.push(job.image);
              log(`warning: ${job.image}: nothing found (the fused map peaks at ${maps[i].peak.toFixed(3)} < ${PERSON_PEAK}; the normalised map shows noise)`);
            }
            await writeRgbImage(job.out, greyToRgb(maps[i]));
            summary.written.push(job.out);
          } catch (err) {
            fail(job.image, err);
          }
          progress.tick();
        }
      }
    } finally {
      progress.stop();
      await net.dispose();
    }
  }
  const parts = [`segmented ${summary.written.length} of ${summary.total} photo${summary.total === 1 ? '' : 's'}`];
  if (summary.existing.length > 0) parts.push(`${summary.existing.length} already done`);
  if (summary.noPerson.length > 0) parts.push(`${summary.noPerson.length} with nothing found`);
  if (summary.failed.length > 0) parts.push(`${summary.failed.length} failed`);
  finishBatch(summary, { headline: parts.join(', '), noun: 'photo', json: options.json, log });
  return summary;
}

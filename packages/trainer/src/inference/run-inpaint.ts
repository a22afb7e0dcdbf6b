import { BgfillError, atomicWriteFile, createProgress, invalidParameter } from '@bgfill/core';
import { checkThreshold, createMask, holeRatio, maskToPng } from '@bgfill/masks';
import { readRgbImage } from '@bgfill/eval';
import { isGpuEngine, parseEngineRequest, type EngineRequest } from './engine-name.js';
import { openEngine, selectEngine } from './engine-select.js';
import { writeRgbImage } from './image-file.js';
import { attentionBytes, DEFAULT_MAX_ATTENTION_BYTES, inpaint, largestSquareSide, type InpaintOptions } from './inpaint.js';
import { inpaintBatch } from '../predictor.js';
import { REQUIRED_MULTIPLE } from '../model/architecture.js';
import { parseArchOption } from '../arch/registry.js';
import type { InpaintEngine } from './engine.js';
import type { RgbImage } from '@bgfill/eval';
import type { Mask } from '@bgfill/masks';
import { jobDone, planJobs, type InpaintJob } from './jobs.js';
import type { InpaintCommandOptions, InpaintSummary } from './inpaint-command.js';
import { runClassicalInpaint, usesClassicalMethod } from './classical-inpaint.js';
import { readHoleMask } from './mask-source.js';
import { encodeNpy } from './npy.js';
import { MAX_PASSES } from './passes.js';
import { autoTileGrid, parseTileGrid, type TileGrid } from './tiling.js';
import { openSegmentHoles, SEGMENT_HOLE_RECIPE } from '../segment/segment-holes.js';
import { finishBatch, problemOf, skippedLine } from './batch-report.js';
import { LargePhotoFiller } from './large-photo.js';
import { parseLargeSettings, type LargeSettings } from './large-strategy.js';

/**
 * Images per network run by default on a GPU engine: batch 8 ran 7.3× batch 1 per image on tfjs-webgpu (H200,
 * bench/RESULTS.md). CPU engines default to 1: there a batch of 8 took 1.3–1.5× the CPU time of single images.
 */
export const DEFAULT_INPAINT_BATCH = 8;

/**
 * How many images of `width` × `height` one network run may take: at most `requested`, and no more than keeps
 * their self-attention scores within the single-image limit (1 GiB: 16 images at 256², 1 at 512²); 1 when one
 * image alone passes it (`inpaint` then refuses it with its own message). `net` gives the attention estimate
 * (default: InpaintSANet's).
 * @example batchLimit(256, 256, 8) // → 8; batchLimit(512, 512, 8) // → 1
 */
export function batchLimit(width: number, height: number, requested: number, net: number | Pick<InpaintEngine, 'requiredMultiple' | 'attentionBytes'> = REQUIRED_MULTIPLE): number {
  return Math.max(1, Math.min(requested, Math.floor(DEFAULT_MAX_ATTENTION_BYTES / attentionBytes(width, height, net))));
}

/** A hole covering this share of an image or more is worth a warning: the mask is likely inverted. */
const NEARLY_ALL = 0.99;

interface Settings {
  threshold: number;
  dilate: number;
  maskIsSegmentation: boolean;
  strategy: InpaintOptions;
  backend: EngineRequest;
  arch?: string;
  threads?: number;
  /** Undefined: the engine's default (see DEFAULT_INPAINT_BATCH). */
  batchSize?: number;
  large: LargeSettings;
}

function integer(name: string, text: string | undefined, fallback: number, min: number, max: number): number {
  if (text === undefined) return fallback;
  const n = Number(text);
  if (text.trim() === '' || !Number.isInteger(n) || n < min || n > max) throw invalidParameter(name, `integer from ${min} to ${max}`, text);
  return n;
}

/** Validate every option before anything heavy loads. */
function settingsFrom(options: InpaintCommandOptions): Settings {
  if ([options.mask, options.maskFrom, options.segment].filter((m) => m !== undefined).length !== 1) {
    throw new BgfillError('give exactly one of --mask (hole mask: white = hole), --mask-from (person segmentation map) and --segment (U²-Net weights)', { subject: 'mask' });
  }
  // With --segment, the study's recipe (0.1, 10) unless given; otherwise 0.5 and no dilation.
  const recipe = options.segment === undefined ? { threshold: 0.5, dilate: 0 } : SEGMENT_HOLE_RECIPE;
  const thresholdText = options.threshold ?? String(recipe.threshold);
  if (thresholdText.trim() === '') throw invalidParameter('--threshold', 'number in [0, 1)', thresholdText);
  const threshold = checkThreshold(Number(thresholdText), '--threshold');
  let tiles: TileGrid | 'auto' | undefined;
  if (options.tiles !== undefined) {
    tiles = parseTileGrid(options.tiles);
    if (options.overlap !== undefined) {
      if (tiles === 'auto') throw new BgfillError('--overlap needs an explicit grid (--tiles COLSxROWS), not --tiles auto', { subject: 'overlap' });
      tiles = { ...tiles, overlap: integer('--overlap', options.overlap, 0, 1, 4096) };
    }
  } else if (options.overlap !== undefined) {
    throw new BgfillError('--overlap only applies with --tiles', { subject: 'overlap' });
  }
  const passes = integer('--passes', options.passes, 1, 1, MAX_PASSES);
  const erode = integer('--erode', options.erode, 0, 0, 1024);
  const threads = options.threads === undefined ? undefined : integer('--threads', options.threads, 1, 1, 64);
  return {
    threshold,
    dilate: integer('--dilate', options.dilate, recipe.dilate, 0, 1024),
    maskIsSegmentation: options.maskFrom !== undefined,
    strategy: { passes, erode, ...(tiles ? { tiles } : {}) },
    backend: parseEngineRequest(options.backend ?? 'auto', '--backend'),
    arch: parseArchOption(options.arch),
    large: parseLargeSettings(options),
    ...(options.batchSize !== undefined ? { batchSize: integer('--batch-size', options.batchSize, DEFAULT_INPAINT_BATCH, 1, 64) } : {}),
    ...(threads !== undefined ? { threads } : {}),
  };
}

/**
 * `bgfill inpaint`: validate the options, pair images with masks, load the checkpoint, inpaint each image and
 * write the results atomically. A bad image or mask is reported (file and reason) and skipped; outputs that exist
 * already are kept (so an interrupted run resumes), unless `overwrite`. Ends with a summary (JSON on stdout with
 * `json`, also when images failed) and throws a BgfillError (exit code 2) when any image failed.
 * @example await runInpaintCommand({ checkpoint: 'g.safetensors', image: 'photos', mask: 'masks', out: 'filled' });
 */
export async function runInpaintCommand(options: InpaintCommandOptions, log: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): Promise<InpaintSummary> {
  if (usesClassicalMethod(options)) return runClassicalInpaint(options, log);
  if (options.checkpoint === undefined) throw new BgfillError('--checkpoint is required (or --method telea|ns to fill without a network)', { subject: 'checkpoint' });
  if (options.radius !== undefined) throw new BgfillError('--radius applies to --method telea|ns, not to a network', { subject: 'radius' });
  const settings = settingsFrom(options);
  // With --segment the hole comes from the photo itself: each image is its own "mask" source.
  const maskSource = options.mask ?? options.maskFrom ?? options.image;
  const { jobs, problems } = await planJobs({ image: options.image, mask: maskSource, out: options.out, saveRaw: options.saveRaw, saveMask: options.saveMask });
  for (const p of problems) log(skippedLine(p));

  const todo: InpaintJob[] = [];
  const existing: string[] = [];
  for (const job of jobs) {
    const done = !options.overwrite && (await jobDone(job));
    if (done) existing.push(job.out);
    else todo.push(job);
  }
  if (existing.length > 0) log(`${existing.length} output${existing.length === 1 ? '' : 's'} already exist${existing.length === 1 ? 's' : ''}: kept (--overwrite to redo)`);

  const summary: InpaintSummary = { backend: '', total: jobs.length + problems.length, written: [], existing, failed: [...problems], ...(options.segment !== undefined ? { noPerson: [], emptyHole: [] } : {}) };
  if (todo.length > 0) {
    const backend = await selectEngine(settings.backend, { log, ...(settings.threads !== undefined ? { threads: settings.threads } : {}) });
    summary.backend = backend.name;
    log(`backend: ${backend.name} (${backend.detail})`);
    const engine = await openEngine(options.checkpoint!, backend, {
      ...(settings.arch !== undefined ? { arch: settings.arch } : {}),
      strict: options.nonStrict !== true,
      ...(options.scaledAttention ? { config: { scaledAttention: true } } : {}),
      onWarning: (message) => log(`warning: ${message}`),
      onNote: log,
    });
    const holes = options.segment === undefined ? undefined : await openSegmentHoles(options.segment, backend, { threshold: settings.threshold, dilate: settings.dilate, onWarning: (m) => log(`warning: ${m}`), onNoHole: (file, why) => (why === 'no-person' ? summary.noPerson : summary.emptyHole)?.push(file) }).catch(async (err: unknown) => {
      await engine.dispose();
      throw err;
    });
    const large = new LargePhotoFiller(engine, backend.name, settings.large, log, settings.threads);
    const progress = createProgress({ label: 'inpaint', total: todo.length, ...(options.progress !== undefined ? { enabled: options.progress } : {}) });
    // Single-pass jobs without tiles or raw output whose images share a size go through the network together.
    const batchSize = settings.batchSize ?? (isGpuEngine(backend.name) ? DEFAULT_INPAINT_BATCH : 1);
    const batchable = settings.strategy.passes === 1 && settings.strategy.tiles === undefined;
    const fail = (job: InpaintJob, err: unknown) => {
      const subject = err instanceof BgfillError ? err.subject : undefined;
      const file = subject === job.mask || subject === job.image ? subject : job.image;
      const problem = problemOf(file, err);
      summary.failed.push(problem);
      log(skippedLine(problem));
    };
    /** Write one job's outputs (`write`), then count it as written or failed, and tick the bar. */
    const settle = async (job: InpaintJob, write: () => Promise<void>) => {
      try {
        await write();
        summary.written.push(job.out);
      } catch (err) {
        fail(job, err);
      }
      progress.tick();
    };
    const one = (job: InpaintJob, image: RgbImage, mask: Mask) =>
      settle(job, async () => {
        // Without --tiles, an image too large for one network run is tiled rather than refused (with a note).
        let tiles = settings.strategy.tiles;
        if (tiles === undefined && attentionBytes(image.width, image.height, engine) > DEFAULT_MAX_ATTENTION_BYTES) {
          const scaled = await large.fill(job.image, image, mask, settings.strategy);
          if (scaled) return writeRgbImage(job.out, scaled);
          const grid = autoTileGrid(image.width, image.height);
          const side = largestSquareSide(engine);
          log(`${job.image}: ${image.width}×${image.height} is above about ${side}×${side} for one network run: inpainting in ${grid.cols}×${grid.rows} tiles (--tiles to choose)`);
          tiles = 'auto';
        }
        const result = await inpaint(engine, image, mask, { ...settings.strategy, ...(tiles ? { tiles } : {}), raw: job.raw !== undefined });
        if (job.raw !== undefined && result.raw) await atomicWriteFile(job.raw, encodeNpy(result.raw, [1, result.height, result.width, 3]));
        await writeRgbImage(job.out, result);
      });
    let group: Array<{ job: InpaintJob; image: RgbImage; mask: Mask }> = [];
    const flush = async () => {
      const items = group;
      group = [];
      if (items.length === 1) return one(items[0].job, items[0].image, items[0].mask);
      if (items.length === 0) return;
      let outputs: RgbImage[];
      try {
        outputs = await inpaintBatch(engine, { images: items.map((it) => it.image), masks: items.map((it) => it.mask) });
      } catch {
        // Find out which image it was (and keep the others): one at a time.
        for (const it of items) await one(it.job, it.image, it.mask);
        return;
      }
      for (const [i, it] of items.entries()) await settle(it.job, () => writeRgbImage(it.job.out, outputs[i]));
    };
    try {
      for (const job of todo) {
        let image: RgbImage;
        let mask: Mask | null;
        try {
          image = await readRgbImage(job.image);
          mask = holes
            ? await holes.hole(job.image, image)
            : await readHoleMask(job.mask, {
                threshold: settings.threshold,
                dilate: settings.dilate,
                size: { width: image.width, height: image.height },
                resize: settings.maskIsSegmentation,
                onWarning: (message) => log(`warning: ${message}`),
              });
          const ratio = mask ? holeRatio(mask) : 0;
          if (ratio >= NEARLY_ALL) log(`warning: ${job.mask}: the hole covers ${(100 * ratio).toFixed(1)} % of ${job.image}${holes ? '' : ' (an inverted mask? white = hole)'}`);
          if (job.maskOut !== undefined) await atomicWriteFile(job.maskOut, await maskToPng(mask ?? createMask(image)));
        } catch (err) {
          fail(job, err);
          progress.tick();
          continue;
        }
        if (mask === null) {
          // The segmenter found no person (warned): the photo goes out as it came in.
          const photo = image;
          await settle(job, () => writeRgbImage(job.out, photo));
          continue;
        }
        const limit = batchLimit(image.width, image.height, batchSize, engine);
        if (!batchable || job.raw !== undefined || limit === 1) {
          await flush();
          await one(job, image, mask);
          continue;
        }
        const first = group[0];
        if (first && (first.image.width !== image.width || first.image.height !== image.height)) await flush();
        group.push({ job, image, mask });
        if (group.length >= limit) await flush();
      }
      await flush();
    } finally {
      progress.stop();
      large.dispose();
      await engine.dispose();
      await holes?.dispose();
    }
  }
  const parts = [`inpainted ${summary.written.length} of ${summary.total} image${summary.total === 1 ? '' : 's'}`];
  if (existing.length > 0) parts.push(`${existing.length} already done`);
  if (summary.failed.length > 0) parts.push(`${summary.failed.length} failed`);
  finishBatch(summary, { headline: parts.join(', '), noun: 'image', json: options.json, log });
  return summary;
}

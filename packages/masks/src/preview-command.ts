import { atomicWriteFile, BgfillError, checkOutputPath } from '@bgfill/core';
import { resolveMaskPaths } from './from-files.js';
import { createMaskGenerator } from './generate.js';
import type { Mask, Size } from './mask.js';
import { maskFromImage } from './png.js';
import { contactSheetPng, readRgbCover, type RgbImage } from './preview.js';
import type { TrainingProgress } from './ramp.js';

export interface PreviewJob {
  /** Folder or glob of mask images (first `count`, sorted); or undefined to generate from `strategy`. */
  dir?: string;
  strategy?: string;
  /** Where in training a ramping recipe is drawn (default: its ramps' end values). */
  trainingProgress?: TrainingProgress;
  out: string;
  count: number;
  size: Size;
  seed: string;
  /** Photos to draw the masks over: folder or glob, photo i mod n under mask i. */
  images?: string;
  columns?: number;
  threshold?: number;
  /** Replace an existing file at `out` (default: refuse). */
  overwrite?: boolean;
}

/**
 * Check where a contact sheet goes before any work: a `.png` name (the sheet is PNG), not a folder, and not an
 * existing file unless `overwrite`.
 * @example await checkSheetPath('sheet.png', false) // passes when sheet.png does not exist
 */
export async function checkSheetPath(out: string, overwrite: boolean, flag = '--out'): Promise<void> {
  await checkOutputPath(out, { kind: 'file', overwrite, extensions: ['.png'], what: `the contact sheet (${flag})`, hint: 'give the .png file to write' });
}

/**
 * Write a contact sheet for `bgfill masks preview`: masks from a folder or a recipe, optionally over photos.
 * @example await writePreview({ strategy: 'irregular:thick', out: 'sheet.png', count: 16, size: { width: 256, height: 256 }, seed: '0' });
 */
export async function writePreview(job: PreviewJob): Promise<void> {
  await checkSheetPath(job.out, job.overwrite === true);
  let masks: Mask[];
  if (job.dir !== undefined) {
    const { files } = await resolveMaskPaths(job.dir);
    masks = [];
    for (const file of files) {
      if (masks.length >= job.count) break;
      try {
        masks.push(await maskFromImage(file, { threshold: job.threshold }));
      } catch (err) {
        if (!(err instanceof BgfillError)) throw err;
        process.stderr.write(`bgfill: skipped ${err.message}\n`);
      }
    }
    if (masks.length === 0) throw new BgfillError(`${job.dir}: no readable mask image`, { subject: job.dir });
  } else {
    const generator = await createMaskGenerator(job.strategy ?? '');
    masks = Array.from({ length: job.count }, (_, i) => generator.generate(job.size, job.seed, i, job.trainingProgress));
  }
  let images: RgbImage[] | undefined;
  if (job.images !== undefined) {
    const { files } = await resolveMaskPaths(job.images);
    if (files.length === 0) throw new BgfillError(`${job.images}: no images found`, { subject: job.images });
    // An unreadable photo is skipped with its reason (as unreadable masks are); the readable ones take its turns.
    const unreadable = new Set<string>();
    images = [];
    for (let i = 0, next = 0; i < masks.length; ) {
      if (unreadable.size === files.length) throw new BgfillError(`${job.images}: no readable image (${files.length} tried)`, { subject: job.images });
      const file = files[next++ % files.length];
      if (unreadable.has(file)) continue;
      try {
        images.push(await readRgbCover(file, masks[i]));
        i++;
      } catch (err) {
        if (!(err instanceof BgfillError)) throw err;
        unreadable.add(file);
        process.stderr.write(`bgfill: skipped ${err.message}\n`);
      }
    }
  }
  await atomicWriteFile(job.out, await contactSheetPng(masks, { columns: job.columns, images }));
}

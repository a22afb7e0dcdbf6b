import { atomicWriteFile } from './atomic-write.js';
import { BgfillError } from './errors.js';
import { resolveMaskPaths } from './from-files.js';
import { createMaskGenerator } from './generate.js';
import type { Mask, Size } from './mask.js';
import { maskFromImage } from './png.js';
import { contactSheetPng, readRgbCover, type RgbImage } from './preview.js';

export interface PreviewJob {
  /** Folder or glob of mask images (first `count`, sorted); or undefined to generate from `strategy`. */
  dir?: string;
  strategy?: string;
  out: string;
  count: number;
  size: Size;
  seed: string;
  /** Photos to draw the masks over: folder or glob, photo i mod n under mask i. */
  images?: string;
  columns?: number;
  threshold?: number;
}

/**
 * Write a contact sheet for `bgfill masks preview`: masks from a folder or a recipe, optionally over photos.
 * @example await writePreview({ strategy: 'irregular:thick', out: 'sheet.png', count: 16, size: { width: 256, height: 256 }, seed: '0' });
 */
export async function writePreview(job: PreviewJob): Promise<void> {
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
    masks = Array.from({ length: job.count }, (_, i) => generator.generate(job.size, job.seed, i));
  }
  let images: RgbImage[] | undefined;
  if (job.images !== undefined) {
    const { files } = await resolveMaskPaths(job.images);
    if (files.length === 0) throw new BgfillError(`${job.images}: no images found`, { subject: job.images });
    images = [];
    for (let i = 0; i < masks.length; i++) images.push(await readRgbCover(files[i % files.length], masks[i]));
  }
  await atomicWriteFile(job.out, await contactSheetPng(masks, { columns: job.columns, images }));
}

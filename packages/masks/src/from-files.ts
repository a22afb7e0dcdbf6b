import { stat } from 'node:fs/promises';
import pLimit from 'p-limit';
import { z } from 'zod';
import { BgfillError, errorMessage, type Rng } from '@bgfill/core';
import { createMask, type Mask, type Size } from './mask.js';
import { dilate, MAX_MORPHOLOGY_ITERATIONS } from './morphology.js';
import { maskFromImage } from './png.js';

/** Extensions picked up when a path names a folder (a glob or an explicit file path may name any file). */
export const MASK_IMAGE_EXTENSIONS = ['png', 'jpg', 'jpeg', 'webp', 'tif', 'tiff', 'gif', 'avif'] as const;

export const fromFilesSchema = z.strictObject({
  strategy: z.literal('from-files'),
  paths: z
    .union([z.string().min(1), z.array(z.string().min(1)).min(1)])
    .describe('mask images: files, folders (their images, not recursive) or globs such as "masks/**/*.png"'),
  threshold: z
    .number()
    .min(0)
    .lt(1)
    .default(0.5)
    .describe('hole where value / max > threshold (default 0.5; about 0.1 suits soft saliency maps)'),
  dilate: z
    .number()
    .int()
    .min(0)
    .max(MAX_MORPHOLOGY_ITERATIONS)
    .default(0)
    .describe('grow each hole by this many pixels after resizing (default 0)'),
  kernel: z.enum(['cross', 'square']).default('square').describe("kernel of the dilation (default 'square')"),
  resize: z.literal('nearest').default('nearest').describe('how a mask of another size is fitted (nearest neighbour)'),
});

/** Masks read from image files: mask i is file[i mod n] (sorted), thresholded, resized, dilated. */
export type FromFilesConfig = z.output<typeof fromFilesSchema>;

/** A file that could not be used, and why. */
export interface SkippedFile {
  readonly file: string;
  readonly reason: string;
}

/**
 * Expand `paths` (files, folders, globs) into a sorted, de-duplicated file list. Paths that match nothing are
 * reported in `skipped` rather than thrown, so one stale entry does not sink a run.
 * @example await resolveMaskPaths(['masks/', 'extra/*.png'])
 */
export async function resolveMaskPaths(
  paths: string | ReadonlyArray<string>,
): Promise<{ files: string[]; skipped: SkippedFile[] }> {
  // fast-glob is loaded on first use, so importing this package stays light.
  const fg = (await import('fast-glob')).default;
  const list = typeof paths === 'string' ? [paths] : paths;
  const files = new Set<string>();
  const skipped: SkippedFile[] = [];
  for (const path of list) {
    if (fg.isDynamicPattern(path)) {
      const found = await fg(path, { onlyFiles: true, dot: false });
      if (found.length === 0) skipped.push({ file: path, reason: 'pattern matched no files' });
      for (const f of found) files.add(f);
      continue;
    }
    let isDir: boolean;
    try {
      isDir = (await stat(path)).isDirectory();
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      skipped.push({ file: path, reason: code === 'ENOENT' ? 'no such file or folder' : errorMessage(err) });
      continue;
    }
    if (!isDir) {
      files.add(path);
      continue;
    }
    const base = fg.escapePath(path.replace(/\/+$/, '') || '/');
    const pattern = `${base}/*.{${MASK_IMAGE_EXTENSIONS.join(',')}}`;
    const found = await fg(pattern, { onlyFiles: true, dot: false, caseSensitiveMatch: false });
    if (found.length === 0) skipped.push({ file: path, reason: `folder holds no ${MASK_IMAGE_EXTENSIONS.join('/')} files` });
    for (const f of found) files.add(f);
  }
  return { files: [...files].sort(), skipped };
}

/** A thresholded mask stored at 1 bit per pixel (MSB first, row-major): 8× less memory for big mask sets. */
interface PackedMask {
  readonly width: number;
  readonly height: number;
  readonly bits: Uint8Array;
}

function pack(mask: Mask): PackedMask {
  const bits = new Uint8Array((mask.data.length + 7) >> 3);
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i] !== 0) bits[i >> 3] |= 0x80 >> (i & 7);
  return { width: mask.width, height: mask.height, bits };
}

/** Unpack with nearest-neighbour sampling at pixel centres (the rule of `resizeNearest`). */
function unpackResized(p: PackedMask, size: Size): Mask {
  const mask = createMask(size);
  const { width, height } = size;
  const xs = new Int32Array(width);
  for (let x = 0; x < width; x++) xs[x] = Math.floor(((2 * x + 1) * p.width) / (2 * width));
  for (let y = 0; y < height; y++) {
    const row = Math.floor(((2 * y + 1) * p.height) / (2 * height)) * p.width;
    const out = y * width;
    for (let x = 0; x < width; x++) {
      const i = row + xs[x];
      mask.data[out + x] = (p.bits[i >> 3] >> (7 - (i & 7))) & 1;
    }
  }
  return mask;
}

/** A loaded set of mask files, ready to produce masks synchronously. */
export interface MaskFileSet {
  /** The usable files, in the order mask indices cycle through them. */
  readonly files: ReadonlyArray<string>;
  readonly skipped: ReadonlyArray<SkippedFile>;
  /**
   * Mask for `index`: file[index mod n] for an integer index; for a string key, a file drawn from
   * `rng.derive('file')`. Resized to `size` and dilated as configured.
   */
  mask(size: Size, rng: Rng, index: number | string): Mask;
}

/**
 * Read and threshold every file the config names (decoding in parallel, results in sorted order). Unreadable and
 * non-image files are skipped and listed with the reason; no usable file at all is a BgfillError naming the paths.
 * @example const set = await loadMaskFiles(fromFilesSchema.parse({ strategy: 'from-files', paths: 'masks/' }));
 */
export async function loadMaskFiles(config: FromFilesConfig, options: { concurrency?: number } = {}): Promise<MaskFileSet> {
  const { files: candidates, skipped } = await resolveMaskPaths(config.paths);
  const limit = pLimit(options.concurrency ?? 4);
  const loaded = await Promise.all(
    candidates.map((file) =>
      limit(async (): Promise<PackedMask | SkippedFile> => {
        try {
          return pack(await maskFromImage(file, { threshold: config.threshold }));
        } catch (err) {
          if (!(err instanceof BgfillError)) throw err;
          const prefix = `${file}: `;
          return { file, reason: err.message.startsWith(prefix) ? err.message.slice(prefix.length) : err.message };
        }
      }),
    ),
  );
  const files: string[] = [];
  const masks: PackedMask[] = [];
  loaded.forEach((entry, i) => {
    if ('bits' in entry) {
      files.push(candidates[i]);
      masks.push(entry);
    } else skipped.push(entry);
  });
  if (masks.length === 0) {
    const named = (typeof config.paths === 'string' ? [config.paths] : config.paths).map((p) => JSON.stringify(p)).join(', ');
    const reasons = skipped.slice(0, 5).map((s) => `${s.file}: ${s.reason}`);
    if (skipped.length > 5) reasons.push(`… ${skipped.length - 5} more`);
    throw new BgfillError(
      `from-files: no usable mask image in ${named}${reasons.length ? ` (${reasons.join('; ')})` : ''}`,
      { subject: typeof config.paths === 'string' ? config.paths : config.paths.join(',') },
    );
  }
  return {
    files,
    skipped,
    mask(size, rng, index) {
      const k = typeof index === 'number' ? index % masks.length : rng.derive('file').int(0, masks.length - 1);
      const mask = unpackResized(masks[k], size);
      return config.dilate > 0 ? dilate(mask, { iterations: config.dilate, kernel: config.kernel }) : mask;
    },
  };
}

import { BgfillError, invalidParameter } from '@bgfill/core';
import type { Mask } from './mask.js';

/** sharp (libvips) is loaded on first use, so importing this package (e.g. for `bgfill --help`) stays fast. */
async function loadSharp() {
  return (await import('sharp')).default;
}

/** An 8-bit RGB image, row-major, 3 bytes per pixel. */
export interface RgbImage {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

export interface ContactSheetOptions {
  /** Cells per row (default ⌈√n⌉). */
  columns?: number;
  /** Images under the masks (image i under mask i, same size): the hole is tinted magenta over the photo. */
  images?: ReadonlyArray<RgbImage>;
  /** Separator width in pixels (default 1) and grey level (default 128). */
  separator?: number;
  separatorGrey?: number;
}

/** The largest sheet drawn, in pixels (a 64-megapixel PNG is already unwieldy). */
export const MAX_SHEET_PIXELS = 64 * 1024 * 1024;

/** Tint of hole pixels over an image: 40 % photo, 60 % magenta. */
const TINT: readonly [number, number, number] = [255, 0, 255];

/**
 * Tile masks into one RGB image: a grid of cells as large as the largest mask, separated by grey lines. Without
 * images a hole is white on black; with images the hole is tinted over the photo. Cells are filled row by row.
 * @example const png = await contactSheetPng(masks.slice(0, 16), { columns: 4 });
 */
export function contactSheet(masks: ReadonlyArray<Mask>, options: ContactSheetOptions = {}): RgbImage {
  const n = masks.length;
  if (n === 0) throw new BgfillError('contact sheet: no masks to draw', { subject: 'masks' });
  const columns = options.columns ?? Math.ceil(Math.sqrt(n));
  if (!Number.isInteger(columns) || columns < 1) throw invalidParameter('columns', 'positive integer', columns);
  const sep = options.separator ?? 1;
  if (!Number.isInteger(sep) || sep < 0 || sep > 64) throw invalidParameter('separator', 'integer between 0 and 64', sep);
  const grey = options.separatorGrey ?? 128;
  const images = options.images;
  if (images && images.length < n) throw invalidParameter('images', `at least ${n} images (one per mask)`, images.length);
  const cellW = Math.max(...masks.map((m) => m.width));
  const cellH = Math.max(...masks.map((m) => m.height));
  const cols = Math.min(columns, n);
  const rows = Math.ceil(n / cols);
  const width = cols * cellW + (cols - 1) * sep;
  const height = rows * cellH + (rows - 1) * sep;
  if (width * height > MAX_SHEET_PIXELS) {
    throw invalidParameter('contact sheet', `at most ${MAX_SHEET_PIXELS} pixels (fewer or smaller masks)`, `${width}×${height}`);
  }
  const data = new Uint8Array(width * height * 3).fill(grey);
  masks.forEach((mask, k) => {
    const ox = (k % cols) * (cellW + sep);
    const oy = Math.floor(k / cols) * (cellH + sep);
    const image = images?.[k];
    if (image && (image.width !== mask.width || image.height !== mask.height)) {
      throw invalidParameter(`images[${k}]`, `a ${mask.width}×${mask.height} image like its mask`, `${image.width}×${image.height}`);
    }
    for (let y = 0; y < cellH; y++) {
      const row = ((oy + y) * width + ox) * 3;
      for (let x = 0; x < cellW; x++) {
        const o = row + x * 3;
        if (y >= mask.height || x >= mask.width) {
          data[o] = data[o + 1] = data[o + 2] = 0;
          continue;
        }
        const i = y * mask.width + x;
        const hole = mask.data[i] !== 0;
        if (!image) {
          data[o] = data[o + 1] = data[o + 2] = hole ? 255 : 0;
          continue;
        }
        for (let c = 0; c < 3; c++) {
          const v = image.data[i * 3 + c];
          data[o + c] = hole ? Math.round(0.4 * v + 0.6 * TINT[c]) : v;
        }
      }
    }
  });
  return { width, height, data };
}

/**
 * `contactSheet` encoded as a PNG.
 * @example await atomicWriteFile('sheet.png', await contactSheetPng(masks));
 */
export async function contactSheetPng(masks: ReadonlyArray<Mask>, options: ContactSheetOptions = {}): Promise<Buffer> {
  const sheet = contactSheet(masks, options);
  const sharp = await loadSharp();
  return sharp(sheet.data, { raw: { width: sheet.width, height: sheet.height, channels: 3 } })
    .png({ compressionLevel: 6, adaptiveFiltering: false })
    .toBuffer();
}

/**
 * Read a photo as RGB, scaled to cover `size` and centre-cropped (for drawing masks over real images).
 * @example const img = await readRgbCover('places/0001.jpg', { width: 256, height: 256 });
 */
export async function readRgbCover(file: string, size: { width: number; height: number }): Promise<RgbImage> {
  const sharp = await loadSharp();
  try {
    const { data, info } = await sharp(file)
      .removeAlpha()
      .toColourspace('srgb')
      .resize(size.width, size.height, { fit: 'cover', position: 'centre' })
      .raw()
      .toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data };
  } catch (err) {
    throw new BgfillError(`${file}: not a readable image (${err instanceof Error ? err.message : String(err)})`, {
      subject: file,
      cause: err,
    });
  }
}

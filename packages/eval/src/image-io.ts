import { readFile, stat } from 'node:fs/promises';
import sharp from 'sharp';
import { BgfillError, badFile, decodeShared, decodeWithOwnError, errorMessage } from '@bgfill/core';
import { maskFromImage, type Mask } from '@bgfill/masks';
import type { RgbImage } from './metrics/image.js';

/** Largest image side read (guards against decompression bombs): 16384, as @bgfill/masks' MAX_MASK_SIDE. */
const MAX_PIXELS = 16384 * 16384;

async function readBytes(path: string): Promise<Buffer> {
  try {
    const info = await stat(path);
    if (info.isDirectory()) throw badFile(path, 'is a directory, not an image');
    if (info.size === 0) throw badFile(path, 'empty file (0 bytes)');
    return await readFile(path);
  } catch (err) {
    if (err instanceof BgfillError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw badFile(path, code === 'ENOENT' ? 'no such file' : `cannot read (${errorMessage(err)})`, err);
  }
}

/**
 * Read any image sharp decodes (PNG, JPEG, WebP, TIFF, GIF, AVIF…) as 8-bit sRGB RGB: oriented by its EXIF tag,
 * greyscale expanded to three equal channels, 16-bit reduced to 8 (v / 257, rounded), CMYK and other colour spaces
 * converted to sRGB, alpha dropped (not composited). Throws a BgfillError naming the file and the reason when it
 * cannot be read; the reason is the file's own whatever else is being decoded at the time (a failed decode is
 * re-run alone, see decodeWithOwnError).
 * @example const img = await readRgbImage('pred/0001.png'); // { data, width, height, channels: 3 }
 */
export async function readRgbImage(path: string): Promise<RgbImage> {
  const bytes = await readBytes(path);
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    decoded = await decodeWithOwnError(() =>
      sharp(bytes, { failOn: 'error', limitInputPixels: MAX_PIXELS })
        .rotate()
        .removeAlpha()
        .toColourspace('srgb')
        .raw({ depth: 'uchar' })
        .toBuffer({ resolveWithObject: true }),
    );
  } catch (err) {
    throw badFile(path, `not a readable image (${errorMessage(err)})`, err);
  }
  const { width, height, channels } = decoded.info;
  if (channels !== 3) throw badFile(path, `decoded to ${channels} channels instead of 3`);
  const data = new Uint8Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length);
  return { data, width, height, channels: 3 };
}

/**
 * Read a hole mask from any image: @bgfill/masks' `maskFromImage` (luminance, or the alpha where it varies; 8 or 16 bits; hole (1)
 * where value / max > `threshold`, default 0.5), so the 0/255 PNGs `bgfill masks` writes read back exactly. Unlike
 * `readRgbImage` it does not apply EXIF orientation (mask files are written without it). Throws a BgfillError naming
 * the file when unreadable.
 * @example const mask = await readMaskImage('masks/mask-000001.png');
 */
export async function readMaskImage(path: string, threshold = 0.5): Promise<Mask> {
  return maskFromImage(path, { threshold }); // decodes under the process's decode lock itself
}

/**
 * An image's upright size from its header alone (no decoding), or undefined when the header cannot be read (the
 * full read then reports why). For choices made before decoding, such as `bgfill eval pair`'s MS-SSIM scale count.
 * @example await readImageSize('pred/0001.png') // { width: 256, height: 256 }
 */
export async function readImageSize(path: string): Promise<{ width: number; height: number } | undefined> {
  try {
    const m = await decodeShared(() => sharp(path, { limitInputPixels: MAX_PIXELS }).metadata());
    const width = m.autoOrient?.width ?? m.width;
    const height = m.autoOrient?.height ?? m.height;
    return width > 0 && height > 0 ? { width, height } : undefined;
  } catch {
    return undefined;
  }
}

import { readFile, stat } from 'node:fs/promises';
import { BgfillError, badFile, errorMessage, invalidParameter, decodeShared, decodeWithOwnError } from '@bgfill/core';
import { checkSize, type Mask, type Size } from './mask.js';
import { resizeNearest } from './resize.js';

/** sharp (libvips) is loaded on first use, so importing this package (e.g. for `bgfill --help`) stays fast. */
async function loadSharp() {
  return (await import('sharp')).default;
}

/**
 * Encode a mask as an 8-bit, one-channel (greyscale) PNG: 255 = hole, 0 = known. Deterministic: the same mask gives
 * the same bytes (fixed zlib level, no adaptive filtering).
 * @example await atomicWriteFile('mask-000000.png', await maskToPng(mask));
 */
export async function maskToPng(mask: Mask): Promise<Buffer> {
  checkSize(mask, 'mask');
  const sharp = await loadSharp();
  const pixels = new Uint8Array(mask.data.length);
  for (let i = 0; i < pixels.length; i++) pixels[i] = mask.data[i] === 0 ? 0 : 255;
  // Under the process's decode lock (shared), so that a failed decode re-run alone elsewhere is not overlapped.
  return decodeShared(() =>
    sharp(pixels, { raw: { width: mask.width, height: mask.height, channels: 1 } })
      .toColourspace('b-w')
      .png({ compressionLevel: 6, adaptiveFiltering: false, palette: false })
      .toBuffer(),
  );
}

export interface MaskFromImageOptions {
  /** Hole where value / maximum > threshold; maximum is 255 or 65535 by bit depth. Default 0.5. */
  threshold?: number;
  /** Resize to this size (nearest neighbour, after thresholding). Default: keep the image's size. */
  size?: Size;
}

/**
 * Check a threshold in [0, 1) (throws a BgfillError naming `name` otherwise).
 * @example checkThreshold(0.1, '--threshold')
 */
export function checkThreshold(threshold: number, name = 'threshold'): number {
  if (typeof threshold !== 'number' || !Number.isFinite(threshold) || threshold < 0 || threshold >= 1) {
    throw invalidParameter(name, 'number in [0, 1)', threshold);
  }
  return threshold;
}

/**
 * Read a mask from any image sharp decodes (PNG, JPEG, WebP, TIFF, GIF, AVIF), of any size, 8 or 16 bits, with soft
 * values (saliency maps, anti-aliased edges). Colour images are reduced to luminance; an image whose alpha varies is
 * read by its alpha instead (a hole painted on a transparent layer, a person cutout); a pixel is hole where
 * value / max > `threshold`. Throws a BgfillError naming the file and the reason when it cannot be read.
 * @example const mask = await maskFromImage('masks/mask-000001.png', { threshold: 0.1, size: { width: 256, height: 256 } });
 */
export async function maskFromImage(input: string | Buffer, options: MaskFromImageOptions = {}): Promise<Mask> {
  const threshold = checkThreshold(options.threshold ?? 0.5);
  if (options.size !== undefined) checkSize(options.size);
  const name = typeof input === 'string' ? input : '<image buffer>';
  let bytes: Buffer;
  if (typeof input === 'string') {
    try {
      const info = await stat(input);
      if (info.isDirectory()) throw badFile(name, 'is a directory, not an image');
      if (info.size === 0) throw badFile(name, 'empty file (0 bytes)');
      bytes = await readFile(input);
    } catch (err) {
      if (err instanceof BgfillError) throw err;
      const code = (err as NodeJS.ErrnoException).code;
      throw badFile(name, code === 'ENOENT' ? 'no such file' : `cannot read (${errorMessage(err)})`, err);
    }
  } else {
    if (input.length === 0) throw badFile(name, 'empty buffer (0 bytes)');
    bytes = input;
  }
  const sharp = await loadSharp();
  let decoded: { data: Buffer; info: { width: number; height: number; channels: number } };
  try {
    // grey16 scales 8-bit samples by 257 exactly, so value / 65535 is the same fraction for every bit depth.
    // Re-run alone on failure, so the reason is this file's own whatever else is decoding (see decode-lock.ts).
    decoded = await decodeWithOwnError(() =>
      sharp(bytes, { failOn: 'error' }).toColourspace('grey16').raw({ depth: 'ushort' }).toBuffer({ resolveWithObject: true }),
    );
  } catch (err) {
    throw badFile(name, `not a readable image (${errorMessage(err)})`, err);
  }
  const { width, height, channels } = decoded.info;
  const values = new Uint16Array(decoded.data.buffer, decoded.data.byteOffset, decoded.data.length >> 1);
  // Grey, then alpha when present (grey16 keeps it as a second band). A transparency that varies is the mask (a
  // painted hole on a transparent layer, a cutout whose alpha is the person); a uniform alpha says nothing.
  let band = 0;
  if (channels === 2) {
    for (let i = 3; i < values.length; i += 2) {
      if (values[i] !== values[1]) {
        band = 1;
        break;
      }
    }
  }
  const limit = threshold * 65535;
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = values[i * channels + band] > limit ? 1 : 0;
  const mask: Mask = { width, height, data };
  return options.size === undefined ? mask : resizeNearest(mask, options.size);
}

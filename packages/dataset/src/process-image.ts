import { stat, readFile } from 'node:fs/promises';
import sharp, { type Metadata, type Sharp } from 'sharp';
import { BgfillError, decodeWithOwnError, rngFor, type Seed } from '@bgfill/core';
import { analyseFrame, type ImageAnalysis } from './image-analysis.js';
import type { RgbPixels } from './image-signals.js';
import type { ImageFormat } from './record.js';
import type { RejectCode } from './manifest.js';

/** How inputs become bundle images. */
export interface ProcessOptions {
  /** Target side in pixels: the shorter side is resized to it, then a square is cropped (default 256). */
  readonly size: number;
  readonly crop: 'center' | 'random';
  /** Keep each image's own size (no resize, no crop). */
  readonly keepSize: boolean;
  readonly format: ImageFormat;
  /** JPEG quality, 1–100 (default 95). */
  readonly quality: number;
  /** Shorter side under this is rejected (or enlarged with `upscale`); without `keepSize`, so is one under `size`. */
  readonly minSize: number;
  /** Enlarge images whose shorter side is under `size` (or `minSize` with `keepSize`) instead of rejecting them. */
  readonly upscale: boolean;
  /** Decompression-bomb guard: width × height above this is rejected before decoding. */
  readonly maxPixels: number;
  /** Background that transparent pixels are flattened onto (CSS colour). */
  readonly flatten: string;
  /** sharp's `failOn`: which decoder complaints reject an image (default `warning`, sharp's own default). */
  readonly failOn: 'none' | 'truncated' | 'error' | 'warning';
  /** Seeds random crops, together with each record's key. */
  readonly seed: Seed;
  /**
   * Measure quality signals and hashes on the decoded pixels (default true). Off, the image goes through one sharp
   * pipeline from input to encoded output, as before the signals existed (the bench's baseline).
   */
  readonly analyse?: boolean;
}

export const DEFAULT_PROCESS_OPTIONS: ProcessOptions = {
  size: 256,
  crop: 'center',
  keepSize: false,
  format: 'jpeg',
  quality: 95,
  minSize: 64,
  upscale: false,
  maxPixels: 100_000_000,
  flatten: '#ffffff',
  failOn: 'warning',
  seed: 0,
};

/** Largest input file read at all (1 GiB): anything bigger is not a photo. */
export const MAX_INPUT_BYTES = 2 ** 30;

/** An input the build skips: the message names the file and the reason, both also kept separately for rejects.jsonl. */
export class InputRejected extends BgfillError {
  override name = 'InputRejected';
  constructor(
    readonly file: string,
    readonly code: RejectCode,
    readonly reason: string,
    cause?: unknown,
  ) {
    super(`${file}: ${reason}`, { subject: file, cause });
  }
}

/** A processed image, ready to store. */
export interface ProcessedImage {
  readonly encoded: Buffer;
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  /** True when the input bytes were stored unchanged. */
  readonly passthrough: boolean;
  /** The input's size after EXIF orientation. */
  readonly sourceWidth: number;
  readonly sourceHeight: number;
  /** The factor the image was enlarged by (> 1; only with `upscale`), or null when it was not enlarged. */
  readonly upscale: number | null;
  /** Signals and hashes, unless `analyse: false`. */
  readonly analysis: ImageAnalysis | null;
}

function describeNode(info: Awaited<ReturnType<typeof stat>>): string {
  if (info.isDirectory()) return 'a directory';
  if (info.isFIFO()) return 'a FIFO (named pipe)';
  if (info.isSocket()) return 'a socket';
  if (info.isCharacterDevice() || info.isBlockDevice()) return 'a device';
  return 'not a regular file';
}

/**
 * Read an input file's bytes, rejecting anything that is not a readable, non-empty regular file (dangling symlink,
 * directory or FIFO named `.jpg`, zero bytes, permission denied) with an {@link InputRejected}.
 * Never opens a FIFO (which would block forever).
 * @example const bytes = await readInput('/data/places/data_256/a/abbey/00000000.jpg', 'a/abbey/00000000.jpg')
 */
export async function readInput(path: string, name = path): Promise<Buffer> {
  let info;
  try {
    info = await stat(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new InputRejected(name, 'missing', 'file not found (missing, or a dangling symlink)', err);
    if (code === 'EACCES' || code === 'EPERM') throw new InputRejected(name, 'unreadable', 'permission denied', err);
    throw new InputRejected(name, 'unreadable', `cannot stat: ${code ?? String(err)}`, err);
  }
  if (!info.isFile()) throw new InputRejected(name, 'not-a-file', `is ${describeNode(info)}, not an image file`);
  if (info.size === 0) throw new InputRejected(name, 'empty', 'empty file (0 bytes)');
  if (info.size > MAX_INPUT_BYTES) throw new InputRejected(name, 'too-large-file', `file is ${info.size} bytes, over the ${MAX_INPUT_BYTES}-byte limit`);
  try {
    return await readFile(path);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new InputRejected(name, 'unreadable', code === 'EACCES' ? 'permission denied' : `cannot read: ${code ?? String(err)}`, err);
  }
}

/** Does an embedded ICC profile describe sRGB? Looks for "sRGB" in ASCII or UTF-16BE (the `desc`/`mluc` tag). */
export function iccIsSrgb(icc: Uint8Array): boolean {
  const buf = Buffer.from(icc.buffer, icc.byteOffset, icc.byteLength);
  return buf.includes('sRGB', 0, 'latin1') || buf.includes(Buffer.from([0, 0x73, 0, 0x52, 0, 0x47, 0, 0x42]));
}

/** Geometry of the output: resize to `resized`, then crop `crop` out of it (or keep whole when `crop` is null). */
export interface Geometry {
  readonly resized: { width: number; height: number } | null;
  readonly crop: { left: number; top: number; width: number; height: number } | null;
  /** The enlargement factor (target side over the shorter side) when the image is enlarged, else null. */
  readonly upscale: number | null;
}

/** An enlargement factor as stored (`image/upscale`) and printed: 4 decimals. */
export function roundFactor(factor: number): number {
  return Math.round(factor * 1e4) / 1e4;
}

/**
 * Where to resize and crop an image of `width × height` (already auto-oriented) for `options`; `key` seeds random
 * crops. Throws InputRejected for an image under `--min-size`, and (without `keepSize`) for one whose shorter side is
 * under `--size`, which would have to be enlarged: a training target must not teach blur. With `upscale` both are
 * accepted and enlarged, and the factor is returned.
 * @example planGeometry(400, 300, 'k', { ...DEFAULT_PROCESS_OPTIONS }) // resize to 341×256, crop x=42
 */
export function planGeometry(width: number, height: number, key: string, options: ProcessOptions, name = key): Geometry {
  const shorter = Math.min(width, height);
  if (shorter < options.minSize && !options.upscale) {
    throw new InputRejected(name, 'too-small', `image is ${width}×${height}, shorter side under --min-size ${options.minSize} (use --upscale to accept)`);
  }
  if (options.keepSize) {
    if (shorter >= options.minSize) return { resized: null, crop: null, upscale: null };
    const scale = options.minSize / shorter;
    return {
      resized: { width: Math.max(options.minSize, Math.round(width * scale)), height: Math.max(options.minSize, Math.round(height * scale)) },
      crop: null,
      upscale: roundFactor(scale),
    };
  }
  const size = options.size;
  if (shorter < size && !options.upscale) {
    throw new InputRejected(
      name,
      'too-small',
      `image is ${width}×${height}, shorter side ${shorter} under --size ${size}: it would be enlarged ${(size / shorter).toFixed(2)}× ` +
        '(use --upscale to accept and record the factor, or --keep-size)',
    );
  }
  if (width === size && height === size) return { resized: null, crop: null, upscale: null };
  const scale = size / shorter;
  const rw = width === shorter ? size : Math.max(size, Math.round(width * scale));
  const rh = height === shorter ? size : Math.max(size, Math.round(height * scale));
  let left = Math.floor((rw - size) / 2);
  let top = Math.floor((rh - size) / 2);
  if (options.crop === 'random') {
    const rng = rngFor(options.seed, 'crop', key);
    left = rng.int(0, rw - size);
    top = rng.int(0, rh - size);
  }
  return {
    resized: rw === width && rh === height ? null : { width: rw, height: rh },
    crop: rw === size && rh === size ? null : { left, top, width: size, height: size },
    upscale: scale > 1 ? roundFactor(scale) : null,
  };
}

function decodeError(name: string, err: unknown): InputRejected {
  const message = err instanceof Error ? err.message : String(err);
  if (/unsupported image format/i.test(message)) return new InputRejected(name, 'not-an-image', 'not an image (unsupported or unrecognised format)', err);
  if (/pixel limit/i.test(message)) return new InputRejected(name, 'too-many-pixels', 'image exceeds the pixel limit', err);
  return new InputRejected(name, 'decode-error', `cannot decode: ${message}`, err);
}

/**
 * Turn one input's bytes into a bundle image: auto-orient by EXIF, 8-bit sRGB RGB (grayscale, CMYK, 16-bit converted;
 * alpha flattened onto `options.flatten`), shorter side resized to `options.size` and a square cropped (centre or
 * seeded by `key`), or kept at its size. An input already in the target size and format (JPEG, 8-bit sRGB, 3 channels,
 * no rotation, no alpha) is stored byte for byte after a full decode check. The pixels decoded on the way give the
 * quality signals and hashes (`analysis`). Throws {@link InputRejected}.
 * @example const img = await processImage(await readInput(path), key, DEFAULT_PROCESS_OPTIONS, 'a/abbey/1.jpg')
 */
export async function processImage(input: Buffer, key: string, options: ProcessOptions, name = key): Promise<ProcessedImage> {
  // A rejected input is processed again alone, so that its reason is its own whatever the concurrency (libvips has
  // one error buffer; concurrent decodes made rejects.jsonl differ run to run). Same result for every good input.
  return decodeWithOwnError(() => processImageOnce(input, key, options, name, true));
}

/** What {@link analyseImage} finds out about an input without encoding it. */
export type AnalysedImage = Omit<ProcessedImage, 'encoded' | 'analysis'> & { readonly analysis: ImageAnalysis };

/**
 * Decode an input as `processImage` would and measure it, without encoding anything (for `bgfill dataset audit`).
 * @example const { analysis } = await analyseImage(bytes, key, { ...DEFAULT_PROCESS_OPTIONS, upscale: true })
 */
export async function analyseImage(input: Buffer, key: string, options: ProcessOptions, name = key): Promise<AnalysedImage> {
  const image = await decodeWithOwnError(() => processImageOnce(input, key, { ...options, analyse: true }, name, false));
  const { encoded: _encoded, analysis, ...rest } = image;
  return { ...rest, analysis: analysis! };
}

/** Encode stored pixels as the build's format (the same bytes sharp writes at the end of a pipeline). */
function encoder(pipeline: Sharp, options: ProcessOptions): Sharp {
  return options.format === 'jpeg'
    ? pipeline.jpeg({ quality: options.quality, chromaSubsampling: '4:2:0' })
    : pipeline.png({ compressionLevel: 6, adaptiveFiltering: false });
}

async function processImageOnce(input: Buffer, key: string, options: ProcessOptions, name: string, encode: boolean): Promise<ProcessedImage> {
  let meta: Metadata;
  try {
    meta = await sharp(input, { limitInputPixels: false }).metadata();
  } catch (err) {
    throw decodeError(name, err);
  }
  const { width, height } = meta;
  if (!width || !height) throw new InputRejected(name, 'decode-error', 'image has no dimensions');
  if (width * height > options.maxPixels) {
    throw new InputRejected(
      name,
      'too-many-pixels',
      `image is ${width}×${height} = ${width * height} pixels, over --max-pixels ${options.maxPixels} (decompression-bomb guard)`,
    );
  }
  const rotated = (meta.orientation ?? 1) >= 5;
  const ow = rotated ? height : width;
  const oh = rotated ? width : height;
  const geometry = planGeometry(ow, oh, key, options, name);
  const sourceFormat: ImageFormat | null = meta.format === 'jpeg' ? 'jpeg' : meta.format === 'png' ? 'png' : null;
  const passthrough =
    geometry.resized === null &&
    geometry.crop === null &&
    sourceFormat === options.format &&
    meta.space === 'srgb' &&
    meta.channels === 3 &&
    meta.depth === 'uchar' &&
    !meta.hasAlpha &&
    (meta.orientation ?? 1) === 1 &&
    (meta.icc === undefined || iccIsSrgb(meta.icc));
  const sharpOptions = { limitInputPixels: options.maxPixels, failOn: options.failOn } as const;
  const analyse = options.analyse !== false;
  const source = { sourceWidth: ow, sourceHeight: oh, upscale: geometry.upscale };
  const empty = Buffer.alloc(0);
  try {
    if (passthrough) {
      // A full decode proves the bytes are sound (measured: cheaper than a 1/8-scale shrink-on-load decode plus
      // resize for 256² JPEGs, whose cost is mostly per-call overhead); its pixels are what is stored, so measure them.
      const { data, info } = await sharp(input, sharpOptions).raw().toBuffer({ resolveWithObject: true });
      const frame = { width: info.width, height: info.height, data };
      const analysis = analyse ? analyseFrame(frame, null, input) : null;
      return { encoded: encode ? input : empty, format: options.format, width, height, passthrough: true, ...source, analysis };
    }
    let pipeline = sharp(input, sharpOptions).autoOrient();
    if (meta.hasAlpha) pipeline = pipeline.flatten({ background: options.flatten });
    if (geometry.resized) pipeline = pipeline.resize({ ...geometry.resized, fit: 'fill', kernel: 'lanczos3' });
    if (!analyse) {
      // One pipeline from input to encoded bytes (no pixels come back to JavaScript).
      if (geometry.crop) pipeline = pipeline.extract(geometry.crop);
      const { data, info } = await encoder(pipeline.toColourspace('srgb'), options).toBuffer({ resolveWithObject: true });
      if (info.channels !== 3) throw new InputRejected(name, 'decode-error', `conversion produced ${info.channels} channels, expected 3`);
      return { encoded: data, format: options.format, width: info.width, height: info.height, passthrough: false, ...source, analysis: null };
    }
    // The whole resized frame comes back (the perceptual hash sees the whole picture, whatever the crop); the crop
    // is cut from those pixels by a second sharp call and encoded: the same bytes as cropping and encoding inside the
    // pipeline (no copy of the crop in JavaScript).
    const { data, info } = await pipeline.toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    if (info.channels !== 3) throw new InputRejected(name, 'decode-error', `conversion produced ${info.channels} channels, expected 3`);
    const frame = { width: info.width, height: info.height, data };
    const stored = geometry.crop ?? frame;
    // libvips encodes on its own thread while the signals are measured here.
    const raw = sharp(data, { raw: { width: frame.width, height: frame.height, channels: 3 } });
    const encoding = encode ? encoder(geometry.crop ? raw.extract(geometry.crop) : raw, options).toBuffer() : Promise.resolve(empty);
    encoding.catch(() => {}); // awaited below; a failure surfaces there
    const analysis = analyseFrame(frame, geometry.crop, input);
    const encoded = await encoding;
    return { encoded, format: options.format, width: stored.width, height: stored.height, passthrough: false, ...source, analysis };
  } catch (err) {
    if (err instanceof InputRejected) throw err;
    throw decodeError(name, err);
  }
}

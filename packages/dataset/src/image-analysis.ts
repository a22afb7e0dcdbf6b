/**
 * Everything the build measures about one image, from pixels it has already decoded and the source bytes it has
 * already read: quality signals of the stored image, the perceptual and exact-content hashes of the whole (resized,
 * uncropped) frame, and the source JPEG's quality.
 */
import { estimateJpegQuality } from './jpeg-quality.js';
import { measureFrame, roundSignals, type ImageSignals, type Rect, type RgbPixels } from './image-signals.js';
import { contentHash, dctHashOfThumbnail, type HashHex } from './perceptual-hash.js';

export interface ImageAnalysis {
  /** Rounded to 5 significant figures, as stored. */
  readonly signals: ImageSignals;
  /** 64-bit DCT hash of the whole frame's grey thumbnail (hex). */
  readonly hash: HashHex;
  /** SHA-256 of the whole frame's pixels (hex). */
  readonly content: string;
  /** IJG-equivalent quality of the source JPEG (from its quantisation tables), or null when the source is not a JPEG. */
  readonly jpegQuality: number | null;
}

/**
 * Measure an image: `frame` is the whole decoded picture at the build's scale (before the crop), `crop` the part of it
 * that is stored (default: all of it), `source` the input file's bytes. One pass over the pixels.
 * @example analyseFrame(frame, { left: 42, top: 0, width: 256, height: 256 }, bytes).signals.sharpness
 */
export function analyseFrame(frame: RgbPixels, crop: Rect | null, source: Uint8Array): ImageAnalysis {
  const { signals, thumbnail } = measureFrame(frame, crop ?? undefined);
  return {
    signals: roundSignals(signals),
    hash: dctHashOfThumbnail(thumbnail),
    content: contentHash(frame),
    jpegQuality: estimateJpegQuality(source)?.quality ?? null,
  };
}

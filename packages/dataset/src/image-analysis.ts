/**
 * Everything the build measures about one image, from pixels it has already decoded and the source bytes it has
 * already read: quality signals of the stored image, the perceptual and exact-content hashes of the whole (resized,
 * uncropped) frame, and the source JPEG's quality.
 */
import { estimateJpegQuality } from './jpeg-quality.js';
import { imageSignals, roundSignals, type ImageSignals, type RgbPixels } from './image-signals.js';
import { contentHash, dctHash, type HashHex } from './perceptual-hash.js';

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
 * Measure an image: `frame` is the whole decoded picture at the build's scale (before the crop), `stored` the pixels
 * that are stored (the crop, or the frame itself), `source` the input file's bytes.
 * @example analyseFrame(frame, crop, bytes).signals.sharpness
 */
export function analyseFrame(frame: RgbPixels, stored: RgbPixels, source: Uint8Array): ImageAnalysis {
  return {
    signals: roundSignals(imageSignals(stored)),
    hash: dctHash(frame),
    content: contentHash(frame),
    jpegQuality: estimateJpegQuality(source)?.quality ?? null,
  };
}

import { U2NET_INPUT_SIZE } from './u2net-architecture.js';
import { mapToU8, normPred, pilResizeBilinear } from './postprocess.js';
import { u2netInput } from './preprocess.js';
import type { Segmenter } from './segmenter.js';

/** An 8-bit RGB photo (interleaved, row-major). */
export interface PhotoLike {
  data: Uint8Array;
  width: number;
  height: number;
}

/** A person map at the photo's size, as the authors' test scripts save it (one channel of their grey RGB PNG). */
export interface PersonMap {
  width: number;
  height: number;
  /** 0…255, row-major, one value per pixel. */
  data: Uint8Array;
  /**
   * The fused map's largest value before min–max normalisation (0…1). normPRED stretches every map to 0…1, so on a
   * photo without a person the saved map still has white pixels; this says whether the net saw anything.
   */
  peak: number;
}

/**
 * Below this fused-map peak the photo counts as having no person: no pixel reached even odds (sigmoid 0.5) before
 * the authors' min–max normalisation stretched the map.
 */
export const PERSON_PEAK = 0.5;

/**
 * Segment photos with U²-Net exactly as the authors' test script does: each photo preprocessed (u2netInput: skimage
 * resize to 320 × 320, ÷ max, ImageNet mean/std), the batch through the net, the fused map d0 min–max normalised
 * (normPred), ×255 to 8 bits as Pillow converts (mapToU8), resized back with Pillow's BILINEAR (pilResizeBilinear).
 * The photos go through the network together (any sizes: all become 320 × 320).
 * @example const [map] = await segmentPhotos(net, [photo]); if (map.peak < PERSON_PEAK) console.warn('no person');
 */
export async function segmentPhotos(net: Segmenter, photos: readonly PhotoLike[]): Promise<PersonMap[]> {
  if (photos.length === 0) return [];
  const size = U2NET_INPUT_SIZE;
  const plane = size * size;
  const data = new Float32Array(photos.length * plane * 3);
  photos.forEach((p, i) => data.set(u2netInput({ data: p.data, width: p.width, height: p.height, channels: 3 }), i * plane * 3));
  const [d0] = await net.run({ data, n: photos.length, height: size, width: size }, ['d0']);
  return photos.map((p, i) => {
    const fused = d0.subarray(i * plane, (i + 1) * plane);
    let peak = 0;
    for (const v of fused) if (v > peak) peak = v;
    const map320 = mapToU8(normPred(fused));
    return { width: p.width, height: p.height, data: pilResizeBilinear(map320, size, size, p.width, p.height), peak };
  });
}

import { dilate, holeRatio, type Mask } from '@bgfill/masks';
import type { EngineSelection } from '../inference/engine-select.js';
import { PERSON_PEAK, segmentPhotos, type PersonMap, type PhotoLike } from './segment-photo.js';
import { openSegmenter, type Segmenter } from './segmenter.js';

export interface SegmentHoleOptions {
  /** Hole where map / 255 > threshold, as `--mask-from` reads a saved map (the study: 0.1). */
  threshold: number;
  /** Dilation iterations with a 3×3 square (OpenCV's cv2.dilate with np.ones((3, 3)); the study: 10). */
  dilate: number;
  /** Receives the warning for a photo where nothing was found. */
  onWarning?: (message: string) => void;
}

/**
 * The hole of a person map: map / 255 > threshold (exactly what `bgfill inpaint --mask-from` does with the saved
 * PNG), then dilated.
 * @example holeFromMap(map, { threshold: 0.1, dilate: 10 })
 */
export function holeFromMap(map: PersonMap, options: SegmentHoleOptions): Mask {
  const limit = options.threshold * 255;
  const data = Uint8Array.from(map.data, (v) => (v > limit ? 1 : 0));
  const mask: Mask = { width: map.width, height: map.height, data };
  return options.dilate > 0 ? dilate(mask, { iterations: options.dilate, kernel: 'square' }) : mask;
}

/** Holes from U²-Net for `bgfill inpaint --segment`. */
export interface SegmentHoles {
  readonly segmenter: Segmenter;
  /**
   * The hole for one photo, or null when the segmenter found nothing there (the fused map never reached
   * PERSON_PEAK: the authors' normalisation would turn noise into a hole), after a warning naming the photo.
   */
  hole(file: string, photo: PhotoLike): Promise<Mask | null>;
  dispose(): Promise<void>;
}

/**
 * Open U²-Net on the inpainting run's engine and make holes the study's way: segment (the authors' map, as
 * `bgfill segment` writes it), threshold, dilate.
 * @example const holes = await openSegmentHoles('u2net_human_seg.pth', selection, { threshold: 0.1, dilate: 10 });
 */
export async function openSegmentHoles(checkpoint: string, selection: EngineSelection, options: SegmentHoleOptions): Promise<SegmentHoles> {
  const segmenter = await openSegmenter(checkpoint, selection);
  return {
    segmenter,
    async hole(file, photo) {
      const [map] = await segmentPhotos(segmenter, [photo]);
      const mask = holeFromMap(map, options);
      if (map.peak >= PERSON_PEAK && holeRatio(mask) > 0) return mask;
      options.onWarning?.(`${file}: the segmenter found nothing (its map peaks at ${map.peak.toFixed(3)} < ${PERSON_PEAK}): the photo is copied unchanged`);
      return null;
    },
    dispose: () => segmenter.dispose(),
  };
}

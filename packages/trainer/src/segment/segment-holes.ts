import { dilate, holeRatio, type Mask } from '@bgfill/masks';
import type { EngineSelection } from '../inference/engine-select.js';
import { PERSON_PEAK, segmentPhotos, type PersonMap, type PhotoLike } from './segment-photo.js';
import { openSegmenter, type Segmenter } from './segmenter.js';

/**
 * The study's recipe for holes from U²-Net maps (the person-removal study read the maps at > 0.1 and grew the holes
 * by 10 iterations of a 3×3 square): what `bgfill inpaint --segment` uses unless --threshold / --dilate are given.
 */
export const SEGMENT_HOLE_RECIPE = { threshold: 0.1, dilate: 10 } as const;

/** Why a photo got no hole: the segmenter found nothing, or its map has nothing above the threshold. */
export type NoHoleReason = 'no-person' | 'empty-hole';

export interface SegmentHoleOptions {
  /** Hole where map / 255 > threshold, as `--mask-from` reads a saved map (the study: 0.1). */
  threshold: number;
  /** Dilation iterations with a 3×3 square (OpenCV's cv2.dilate with np.ones((3, 3)); the study: 10). */
  dilate: number;
  /** Receives the warning for a photo that gets no hole (it names the photo and why). */
  onWarning?: (message: string) => void;
  /** Told which photos got no hole, and why (for the command's summary). */
  onNoHole?: (file: string, reason: NoHoleReason) => void;
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
   * The hole for one photo, or null, after a warning naming the photo and the reason, when there is none: the
   * segmenter found nothing there (the fused map never reached PERSON_PEAK: the authors' normalisation would turn
   * noise into a hole), or it found something but no pixel of the map is above the threshold.
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
      if (map.peak < PERSON_PEAK) {
        options.onWarning?.(`${file}: the segmenter found nothing (its map peaks at ${map.peak.toFixed(3)} < ${PERSON_PEAK}): the photo is copied unchanged`);
        options.onNoHole?.(file, 'no-person');
        return null;
      }
      if (holeRatio(mask) === 0) {
        options.onWarning?.(`${file}: the hole is empty at --threshold ${options.threshold}: the photo is copied unchanged (a lower --threshold takes more of the map)`);
        options.onNoHole?.(file, 'empty-hole');
        return null;
      }
      return mask;
    },
    dispose: () => segmenter.dispose(),
  };
}

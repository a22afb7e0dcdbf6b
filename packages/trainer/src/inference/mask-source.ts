import { badFile } from '@bgfill/core';
import { dilate, maskFromImage, resizeNearest, type Mask, type Size } from '@bgfill/masks';

export interface HoleMaskOptions {
  /** Hole where value / max > threshold (see maskFromImage). */
  threshold: number;
  /** Dilation iterations (3×3 square kernel) applied last; 0 keeps the mask as read. */
  dilate: number;
  /** The image's size: the mask must have it, or is resized to it (nearest neighbour) when `resize` is true. */
  size: Size;
  /**
   * Resize a mask of another size to `size` (after thresholding, before dilating). True for segmentation maps
   * (`--mask-from`, often computed at a lower resolution); false for hole masks (`--mask`), where a size mismatch
   * means the wrong file and is reported.
   */
  resize: boolean;
  /** Receives a note when a resized map's aspect ratio differs from the image's by more than 2 % (stretched). */
  onWarning?: (message: string) => void;
}

/** Aspect ratios further apart than this (relative) make a resized segmentation map worth a warning. */
const ASPECT_TOLERANCE = 0.02;

/**
 * Read the hole for one image: a hole mask (`--mask`: white = hole) or a person segmentation map
 * (`--mask-from`: probability or label image, thresholded), then dilated by `dilate` iterations so the fill
 * covers the soft edge of the segmentation. Uses @bgfill/masks' maskFromImage, resizeNearest and dilate.
 * @example const hole = await readHoleMask('seg/0001.png', { threshold: 0.1, dilate: 10, size: { width, height }, resize: true });
 */
export async function readHoleMask(path: string, options: HoleMaskOptions): Promise<Mask> {
  let mask = await maskFromImage(path, { threshold: options.threshold });
  if (mask.width !== options.size.width || mask.height !== options.size.height) {
    if (!options.resize) {
      throw badFile(path, `mask is ${mask.width}×${mask.height} but the image is ${options.size.width}×${options.size.height}`);
    }
    const ratio = (mask.width / mask.height) / (options.size.width / options.size.height);
    if (Math.abs(ratio - 1) > ASPECT_TOLERANCE) {
      options.onWarning?.(
        `${path}: ${mask.width}×${mask.height} stretched to the image's ${options.size.width}×${options.size.height} (aspect ratios differ: is it this image's map?)`,
      );
    }
    mask = resizeNearest(mask, options.size);
  }
  return options.dilate > 0 ? dilate(mask, { iterations: options.dilate, kernel: 'square' }) : mask;
}

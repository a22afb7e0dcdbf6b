import { invalidParameter } from '@bgfill/core';
import type { RgbImageLike } from '../inference/inpaint.js';
import type { Tile } from '../inference/tiling.js';

/** A rectangle of pixels: top-left corner and size (the shape of a tiling.ts Tile). */
export type Rect = Tile;

export interface UpscaleOptions {
  /** The part of the image to upscale (default: all of it); pixels around it serve as context. */
  region?: Rect;
  /** Called after each tile with the tiles done and the total. */
  onTile?: (done: number, total: number) => void;
}

/**
 * Something that enlarges an 8-bit RGB image by a fixed integer factor: ESRGAN (esrgan.ts) or bicubic
 * interpolation (bicubic.ts). Upscaling a region gives the same pixels as upscaling the whole image and cropping
 * (tested), so callers may upscale only what they need.
 * @example const big = await upscaler.upscale(image); // big.width === image.width * upscaler.scale
 */
export interface Upscaler {
  /** `esrgan-slim`, `esrgan-medium`, `esrgan-thick` or `bicubic`. */
  readonly name: string;
  readonly scale: number;
  /** One line for logs. */
  readonly description: string;
  upscale(image: RgbImageLike, options?: UpscaleOptions): Promise<RgbImageLike>;
  /** Free what the upscaler holds (a model's weights). */
  dispose(): void;
}

/**
 * The region to upscale: `region` checked against the image, or the whole image.
 * @example regionOf(image, undefined) // → { x: 0, y: 0, width: image.width, height: image.height }
 */
export function regionOf(image: RgbImageLike, region: Rect | undefined): Rect {
  if (image.data.length !== image.width * image.height * 3 || !(image.width >= 1 && image.height >= 1)) {
    throw invalidParameter('image', `${image.width}×${image.height} RGB data (${image.width * image.height * 3} bytes)`, `${image.data.length} bytes`);
  }
  if (region === undefined) return { x: 0, y: 0, width: image.width, height: image.height };
  const { x, y, width, height } = region;
  const ok = [x, y, width, height].every(Number.isInteger) && x >= 0 && y >= 0 && width >= 1 && height >= 1 && x + width <= image.width && y + height <= image.height;
  if (!ok) throw invalidParameter('region', `a non-empty rectangle inside the ${image.width}×${image.height} image`, `${width}×${height} at (${x}, ${y})`);
  return region;
}

/**
 * Write `src` (`rect.width` × `rect.height`, HWC) into `dst` (`width` wide) at `rect`.
 * @example pastePixels(out, outWidth, 3, tilePixels, { x: 64, y: 0, width: 64, height: 64 })
 */
export function pastePixels(dst: Uint8Array, width: number, channels: number, src: Uint8Array, rect: Rect): void {
  for (let y = 0; y < rect.height; y++) {
    dst.set(src.subarray(y * rect.width * channels, (y + 1) * rect.width * channels), ((rect.y + y) * width + rect.x) * channels);
  }
}

/**
 * Reflect padding to a size the network accepts, and cropping back. The generator needs height and width that
 * are multiples of its `requiredMultiple`; padding by reflection (the edge pixel is not repeated, as numpy's
 * `reflect` mode and PyTorch's ReflectionPad2d) gives it plausible context instead of a black or smeared border.
 * Image and mask are padded the same way, so a hole touching the border continues into the padding.
 */

export interface Padding {
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** Pixels stored row-major with `channels` interleaved values per pixel. */
export interface Planar<T extends Float32Array | Uint8Array> {
  data: T;
  width: number;
  height: number;
  channels: number;
}

/**
 * The padding that brings a size up to the next multiple of `multiple`, split evenly (the extra pixel, when odd,
 * goes to the bottom/right).
 * @example paddingToMultiple(30, 17, 4) // → { top: 1, bottom: 2, left: 1, right: 1 }
 */
export function paddingToMultiple(width: number, height: number, multiple: number): Padding {
  const extraH = Math.ceil(height / multiple) * multiple - height;
  const extraW = Math.ceil(width / multiple) * multiple - width;
  return { top: Math.floor(extraH / 2), bottom: Math.ceil(extraH / 2), left: Math.floor(extraW / 2), right: Math.ceil(extraW / 2) };
}

/**
 * The source index for position `i` of a reflected axis of length `n`, for any integer i (reflecting again as
 * often as needed, so a 1-pixel-wide image can still be padded by 3).
 * @example [-2, -1, 0, 4, 5].map((i) => reflectIndex(i, 5)) // → [2, 1, 0, 4, 3]
 */
export function reflectIndex(i: number, n: number): number {
  if (n === 1) return 0;
  const period = 2 * (n - 1);
  const j = ((i % period) + period) % period;
  return j < n ? j : period - j;
}

/**
 * Pad by reflection on each side.
 * @example reflectPad({ data, width: 30, height: 17, channels: 3 }, paddingToMultiple(30, 17, 4)) // 32×20
 */
export function reflectPad<T extends Float32Array | Uint8Array>(image: Planar<T>, pad: Padding): Planar<T> {
  const { width, height, channels, data } = image;
  const outW = width + pad.left + pad.right;
  const outH = height + pad.top + pad.bottom;
  const out = new (data.constructor as new (n: number) => T)(outW * outH * channels);
  const xs = new Int32Array(outW);
  for (let x = 0; x < outW; x++) xs[x] = reflectIndex(x - pad.left, width);
  for (let y = 0; y < outH; y++) {
    const srcRow = reflectIndex(y - pad.top, height) * width;
    const dstRow = y * outW;
    for (let x = 0; x < outW; x++) {
      const s = (srcRow + xs[x]) * channels;
      const d = (dstRow + x) * channels;
      for (let c = 0; c < channels; c++) out[d + c] = data[s + c];
    }
  }
  return { data: out, width: outW, height: outH, channels };
}

/**
 * The rectangle [x, x + width) × [y, y + height) of an image.
 * @example crop(padded, { x: 1, y: 1, width: 30, height: 17 })
 */
export function crop<T extends Float32Array | Uint8Array>(
  image: Planar<T>,
  rect: { x: number; y: number; width: number; height: number },
): Planar<T> {
  const { channels, data } = image;
  const out = new (data.constructor as new (n: number) => T)(rect.width * rect.height * channels);
  for (let y = 0; y < rect.height; y++) {
    const s = ((rect.y + y) * image.width + rect.x) * channels;
    out.set(data.subarray(s, s + rect.width * channels), y * rect.width * channels);
  }
  return { data: out, width: rect.width, height: rect.height, channels };
}

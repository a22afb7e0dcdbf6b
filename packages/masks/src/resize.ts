import { checkSize, type Mask, type Size } from './mask.js';

/**
 * Nearest-neighbour resize of a mask, sampling at pixel centres: output pixel x reads source column
 * ⌊(x + ½)·srcWidth / width⌋ (the convention of PIL's NEAREST and of `sharp.resize({ kernel: 'nearest' })` for
 * integer ratios; OpenCV's INTER_NEAREST uses ⌊x·srcWidth/width⌋ instead). Computed in integers, so it is exact.
 * @example const small = resizeNearest(mask, { width: 64, height: 64 });
 */
export function resizeNearest(mask: Mask, size: Size): Mask {
  checkSize(size);
  const { width, height } = size;
  if (width === mask.width && height === mask.height) return { width, height, data: mask.data.slice() };
  const xs = new Int32Array(width);
  for (let x = 0; x < width; x++) xs[x] = Math.floor(((2 * x + 1) * mask.width) / (2 * width));
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) {
    const sy = Math.floor(((2 * y + 1) * mask.height) / (2 * height));
    const src = sy * mask.width;
    const dst = y * width;
    for (let x = 0; x < width; x++) data[dst + x] = mask.data[src + xs[x]];
  }
  return { width, height, data };
}

// The sharpness figure of the super-resolution and large-photo benches.
import type { Mask } from '@bgfill/masks';
import type { RgbImageLike } from '../packages/trainer/src/inference/inpaint.js';

/**
 * Mean gradient magnitude of luma (0.299 R + 0.587 G + 0.114 B; central differences, so one pixel in from the
 * border) over the pixels `where` marks (default: all). A blurrier image scores lower; dividing by the same figure on
 * the ground truth gives a sharpness ratio (1 = as sharp as the truth, above 1 = more high-frequency content).
 * @example meanGradient(output) / meanGradient(truth)
 */
export function meanGradient(image: RgbImageLike, where?: Mask): number {
  const { width, height, data } = image;
  const luma = (x: number, y: number) => {
    const p = (y * width + x) * 3;
    return 0.299 * data[p] + 0.587 * data[p + 1] + 0.114 * data[p + 2];
  };
  let sum = 0;
  let n = 0;
  for (let y = 1; y < height - 1; y++) {
    for (let x = 1; x < width - 1; x++) {
      if (where && where.data[y * width + x] === 0) continue;
      sum += Math.hypot((luma(x + 1, y) - luma(x - 1, y)) / 2, (luma(x, y + 1) - luma(x, y - 1)) / 2);
      n++;
    }
  }
  return sum / n;
}

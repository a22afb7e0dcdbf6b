import type { MetricImage } from './image.js';

/** One channel of an image as float64 values, row-major. */
export interface Plane {
  data: Float64Array;
  width: number;
  height: number;
}

/**
 * Split an interleaved (HWC) image into one float64 plane per channel, values unchanged.
 * @example toPlanes({ data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3 })[1].data // [2, 5]
 */
export function toPlanes(image: MetricImage): Plane[] {
  const { data, width, height, channels } = image;
  const n = width * height;
  const planes: Plane[] = [];
  for (let c = 0; c < channels; c++) {
    const out = new Float64Array(n);
    for (let i = 0, k = c; i < n; i++, k += channels) out[i] = data[k];
    planes.push({ data: out, width, height });
  }
  return planes;
}

/**
 * Halve a plane by 2×2 averaging, dropping an odd last row or column (PyTorch's `avg_pool2d(x, (2, 2))`, which
 * MS-SSIM uses between scales).
 * @example downsample2x({ data: Float64Array.of(1, 3, 9, 5, 7, 9), width: 3, height: 2 }).data // [4]
 */
export function downsample2x(plane: Plane): Plane {
  const width = Math.floor(plane.width / 2);
  const height = Math.floor(plane.height / 2);
  const src = plane.data;
  const w = plane.width;
  const out = new Float64Array(width * height);
  for (let i = 0; i < height; i++) {
    const r0 = 2 * i * w;
    const r1 = r0 + w;
    const o = i * width;
    for (let j = 0; j < width; j++) {
      const c = 2 * j;
      out[o + j] = (src[r0 + c] + src[r0 + c + 1] + src[r1 + c] + src[r1 + c + 1]) / 4;
    }
  }
  return { data: out, width, height };
}

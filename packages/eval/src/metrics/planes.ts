import type { MetricImage } from './image.js';

/**
 * One channel of an image, read in place: the value at row r, column q is `data[(r · width + q) · stride + offset]`.
 * A channel of an interleaved (HWC) image has stride = channel count and offset = channel index; a plane made by
 * `downsample2x` has stride 1, offset 0. Views avoid copying 8-bit images into float planes before filtering.
 */
export interface Plane {
  data: Uint8Array | Float32Array | Float64Array;
  width: number;
  height: number;
  stride: number;
  offset: number;
}

/**
 * Views of each channel of an interleaved image (no copy).
 * @example channelViews({ data: new Uint8Array([1, 2, 3, 4, 5, 6]), width: 2, height: 1, channels: 3 })[1]
 * // { data, width: 2, height: 1, stride: 3, offset: 1 } → values 2, 5
 */
export function channelViews(image: MetricImage): Plane[] {
  return Array.from({ length: image.channels }, (_, c) => ({
    data: image.data,
    width: image.width,
    height: image.height,
    stride: image.channels,
    offset: c,
  }));
}

/**
 * Halve a plane by 2×2 averaging into a new float64 plane, dropping an odd last row or column (PyTorch's
 * `avg_pool2d(x, (2, 2))`, which MS-SSIM uses between scales).
 * @example downsample2x({ data: Float64Array.of(1, 3, 9, 5, 7, 9), width: 3, height: 2, stride: 1, offset: 0 }).data // [4]
 */
export function downsample2x(plane: Plane): Plane {
  const width = Math.floor(plane.width / 2);
  const height = Math.floor(plane.height / 2);
  const { data: src, stride: s, offset } = plane;
  const row = plane.width * s;
  const out = new Float64Array(width * height);
  for (let i = 0; i < height; i++) {
    const r0 = 2 * i * row + offset;
    const r1 = r0 + row;
    const o = i * width;
    for (let j = 0; j < width; j++) {
      const c = 2 * j * s;
      out[o + j] = (src[r0 + c] + src[r0 + c + s] + src[r1 + c] + src[r1 + c + s]) / 4;
    }
  }
  return { data: out, width, height, stride: 1, offset: 0 };
}

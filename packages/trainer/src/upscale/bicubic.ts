import { invalidParameter } from '@bgfill/core';
import type { RgbImageLike } from '../inference/inpaint.js';
import { regionOf, type Rect, type Upscaler, type UpscaleOptions } from './upscaler.js';

/**
 * Bicubic resampling of 8-bit images, as Pillow's `Image.resize(…, BICUBIC)` and MATLAB's `imresize` do it: the
 * Keys cubic kernel with a = −0.5 (Catmull–Rom), pixel centres aligned ((o + ½)·in/out − ½), and, when shrinking,
 * the kernel stretched by the shrink factor so that it also low-pass filters (antialiasing). Taps that fall outside
 * the image are dropped and the remaining weights renormalised. Separable: rows, then columns, in float64, rounded
 * once at the end (Pillow rounds between the passes, so the two can differ by 1 grey level; tested within 1).
 */

/** Keys' cubic convolution kernel with a = −0.5; support 2. */
export function cubicKernel(x: number): number {
  const a = -0.5;
  const t = Math.abs(x);
  if (t < 1) return ((a + 2) * t - (a + 3)) * t * t + 1;
  if (t < 2) return (((t - 5) * t + 8) * t - 4) * a;
  return 0;
}

/** For each output index in [start, start + count): its first source index and its normalised tap weights. */
interface AxisTaps {
  first: Int32Array;
  weights: Float64Array[];
}

function axisTaps(inSize: number, outSize: number, start: number, count: number): AxisTaps {
  const scale = inSize / outSize;
  const stretch = Math.max(scale, 1);
  const support = 2 * stretch;
  const first = new Int32Array(count);
  const weights: Float64Array[] = [];
  for (let i = 0; i < count; i++) {
    const centre = (start + i + 0.5) * scale;
    const lo = Math.max(0, Math.floor(centre - support + 0.5));
    const hi = Math.min(inSize, Math.floor(centre + support + 0.5));
    const w = new Float64Array(hi - lo);
    let sum = 0;
    for (let s = lo; s < hi; s++) {
      w[s - lo] = cubicKernel((s + 0.5 - centre) / stretch);
      sum += w[s - lo];
    }
    for (let k = 0; k < w.length; k++) w[k] /= sum;
    first[i] = lo;
    weights.push(w);
  }
  return { first, weights };
}

/**
 * Resize an RGB image to `width` × `height` bicubically, or only the part `region` of that output (the same pixels
 * the whole output has there).
 * @example resizeBicubic(image, image.width / 4, image.height / 4) // a ×4 downscale, antialiased
 */
export function resizeBicubic(image: RgbImageLike, width: number, height: number, region?: Rect): RgbImageLike {
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw invalidParameter('size', 'positive integer width and height', `${width}×${height}`);
  }
  const out = region ?? { x: 0, y: 0, width, height };
  if (out.x < 0 || out.y < 0 || out.x + out.width > width || out.y + out.height > height) {
    throw invalidParameter('region', `a rectangle inside the ${width}×${height} output`, `${out.width}×${out.height} at (${out.x}, ${out.y})`);
  }
  const xs = axisTaps(image.width, width, out.x, out.width);
  const ys = axisTaps(image.height, height, out.y, out.height);
  // Rows needed by the vertical pass.
  const rowLo = ys.first[0];
  const rowHi = Math.max(...ys.weights.map((w, i) => ys.first[i] + w.length));
  const rows = rowHi - rowLo;
  const horizontal = new Float64Array(rows * out.width * 3);
  for (let r = 0; r < rows; r++) {
    const src = (rowLo + r) * image.width * 3;
    for (let i = 0; i < out.width; i++) {
      const w = xs.weights[i];
      const s0 = src + xs.first[i] * 3;
      let a = 0;
      let b = 0;
      let c = 0;
      for (let k = 0; k < w.length; k++) {
        a += w[k] * image.data[s0 + 3 * k];
        b += w[k] * image.data[s0 + 3 * k + 1];
        c += w[k] * image.data[s0 + 3 * k + 2];
      }
      const d = (r * out.width + i) * 3;
      horizontal[d] = a;
      horizontal[d + 1] = b;
      horizontal[d + 2] = c;
    }
  }
  const data = new Uint8Array(out.width * out.height * 3);
  const rowStride = out.width * 3;
  for (let j = 0; j < out.height; j++) {
    const w = ys.weights[j];
    const base = (ys.first[j] - rowLo) * rowStride;
    for (let v = 0; v < rowStride; v++) {
      let acc = 0;
      for (let k = 0; k < w.length; k++) acc += w[k] * horizontal[base + k * rowStride + v];
      const q = Math.round(acc);
      data[j * rowStride + v] = q < 0 ? 0 : q > 255 ? 255 : q;
    }
  }
  return { data, width: out.width, height: out.height };
}

/**
 * Bicubic interpolation as an Upscaler, for any integer factor ≥ 1.
 * @example const big = await bicubicUpscaler(4).upscale(image);
 */
export function bicubicUpscaler(scale: number): Upscaler {
  if (!Number.isInteger(scale) || scale < 1) throw invalidParameter('scale', 'positive integer', scale);
  return {
    name: 'bicubic',
    scale,
    description: `bicubic ×${scale} (Keys a = −0.5, as Pillow)`,
    async upscale(image: RgbImageLike, options: UpscaleOptions = {}): Promise<RgbImageLike> {
      const r = regionOf(image, options.region);
      const result = resizeBicubic(image, image.width * scale, image.height * scale, { x: r.x * scale, y: r.y * scale, width: r.width * scale, height: r.height * scale });
      options.onTile?.(1, 1);
      return result;
    },
    dispose() {},
  };
}

/**
 * The authors' output path (`normPRED` and `save_output` in u2net_test.py): min–max normalisation of the fused map in
 * float32, ×255 to 8 bits as Pillow converts a float image ('F' → 'L': clip to 0…255, truncate), and Pillow's
 * BILINEAR resize back to the photo's size.
 */

/**
 * (d − min) / (max − min) over the whole map, each operation rounded to float32 as PyTorch's float32 tensors do.
 * A constant map (max = min, where the authors' script divides by zero) comes back as zeros.
 * @example normPred(Float32Array.of(0.2, 0.4, 0.6)) // → [0, 0.5, 1]
 */
export function normPred(d: Float32Array): Float32Array {
  let min = Infinity;
  let max = -Infinity;
  for (const v of d) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const range = Math.fround(max - min);
  if (!(range > 0)) return new Float32Array(d.length);
  return Float32Array.from(d, (v) => Math.fround(v - min) / range);
}

/**
 * `Image.fromarray(pred * 255).convert('L')`: pred × 255 in float32, then 0 at or below 0, 255 at or above 255,
 * truncated in between (Pillow's `f2l`).
 * @example mapToU8(Float32Array.of(0, 0.5, 1)) // → [0, 127, 255]
 */
export function mapToU8(pred: Float32Array): Uint8Array {
  return Uint8Array.from(pred, (p) => {
    const v = Math.fround(p * 255);
    return v <= 0 ? 0 : v >= 255 ? 255 : Math.trunc(v);
  });
}

/** Pillow's fixed-point precision for 8-bit resampling (Resample.c: 32 − 8 − 2 bits). */
const PRECISION_BITS = 22;

/** One axis of Pillow's resampling: per output index, the first input index and the fixed-point weights. */
interface Coefficients {
  start: Int32Array;
  count: Int32Array;
  /** ksize weights per output index (unused tail zero). */
  weights: Int32Array;
  ksize: number;
}

/** Pillow's `precompute_coeffs` for the bilinear (triangle) filter, antialiased when shrinking, then `normalize_coeffs_8bpc`. */
function bilinearCoefficients(inSize: number, outSize: number): Coefficients {
  const scale = inSize / outSize;
  const filterScale = Math.max(scale, 1);
  const support = 1 * filterScale;
  const ksize = Math.ceil(support) * 2 + 1;
  const start = new Int32Array(outSize);
  const count = new Int32Array(outSize);
  const weights = new Int32Array(outSize * ksize);
  const k = new Float64Array(ksize);
  for (let o = 0; o < outSize; o++) {
    const centre = (o + 0.5) * scale;
    const ss = 1 / filterScale;
    const xmin = Math.max(0, Math.trunc(centre - support + 0.5));
    const xmax = Math.min(inSize, Math.trunc(centre + support + 0.5)) - xmin;
    let ww = 0;
    for (let x = 0; x < xmax; x++) {
      const t = Math.abs((x + xmin - centre + 0.5) * ss);
      k[x] = t < 1 ? 1 - t : 0;
      ww += k[x];
    }
    for (let x = 0; x < xmax; x++) {
      const v = ww !== 0 ? k[x] / ww : k[x];
      weights[o * ksize + x] = Math.trunc(v < 0 ? -0.5 + v * 2 ** PRECISION_BITS : 0.5 + v * 2 ** PRECISION_BITS);
    }
    start[o] = xmin;
    count[o] = xmax;
  }
  return { start, count, weights, ksize };
}

/** Pillow's horizontal 8-bit pass (ImagingResampleHorizontal_8bpc) over `rows` rows of `width` samples. */
function horizontalPass(src: Uint8Array, rows: number, width: number, co: Coefficients, outWidth: number, out: Uint8Array): void {
  const half = 1 << (PRECISION_BITS - 1);
  for (let row = 0; row < rows; row++) {
    for (let o = 0; o < outWidth; o++) {
      let ss = half;
      const k = o * co.ksize;
      const first = row * width + co.start[o];
      for (let x = 0; x < co.count[o]; x++) ss += src[first + x] * co.weights[k + x];
      const v = ss >> PRECISION_BITS;
      out[row * outWidth + o] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
}

/**
 * Pillow 9's `Image.resize((outWidth, outHeight), Image.BILINEAR)` on a one-channel 8-bit image: triangle filter
 * widened by the scale when shrinking, weights in 22-bit fixed point, the horizontal pass first into an 8-bit image
 * (only the rows the vertical pass reads), then the vertical pass. Pillow resizes RGB channels independently, so
 * one channel of a grey map gives the authors' RGB map's every channel.
 * @example pilResizeBilinear(map320, 320, 320, 640, 360).length // → 640 · 360
 */
export function pilResizeBilinear(src: Uint8Array, width: number, height: number, outWidth: number, outHeight: number): Uint8Array {
  if (width === outWidth && height === outHeight) return Uint8Array.from(src);
  const horizontal = bilinearCoefficients(width, outWidth);
  const vertical = bilinearCoefficients(height, outHeight);
  let image = src;
  let firstRow = 0;
  if (width !== outWidth) {
    // Pillow crops the intermediate image to the rows the vertical pass uses.
    firstRow = height === outHeight ? 0 : vertical.start[0];
    const lastRow = height === outHeight ? height : vertical.start[outHeight - 1] + vertical.count[outHeight - 1];
    const temp = new Uint8Array((lastRow - firstRow) * outWidth);
    horizontalPass(src.subarray(firstRow * width), lastRow - firstRow, width, horizontal, outWidth, temp);
    image = temp;
  }
  if (height === outHeight) return image;
  // Vertical pass row by row (the same sums as Pillow's, in an order that reads memory in sequence).
  const out = new Uint8Array(outHeight * outWidth);
  const acc = new Int32Array(outWidth);
  for (let o = 0; o < outHeight; o++) {
    acc.fill(1 << (PRECISION_BITS - 1));
    for (let y = 0; y < vertical.count[o]; y++) {
      const weight = vertical.weights[o * vertical.ksize + y];
      const row = (vertical.start[o] + y - firstRow) * outWidth;
      for (let x = 0; x < outWidth; x++) acc[x] += image[row + x] * weight;
    }
    for (let x = 0; x < outWidth; x++) {
      const v = acc[x] >> PRECISION_BITS;
      out[o * outWidth + x] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
  }
  return out;
}

/**
 * `skimage.transform.resize(image, (h, w), mode='constant')` as scikit-image 0.19 computes it for an 8-bit RGB
 * image (the authors' `RescaleT`), in float64:
 *
 * 1. the image becomes float64 in 0…1 (`img_as_float`: × 1/255);
 * 2. every downscaled axis is smoothed first (anti-aliasing is on by default when any axis shrinks): scipy's
 *    `gaussian_filter` with σ = max(0, (in/out − 1)/2), kernel radius ⌊4σ + 0.5⌋, zero padding, axis 0 then axis 1;
 * 3. `scipy.ndimage.zoom(order=1, grid_mode=True, mode='grid-constant')`: pixel centres map as
 *    src = (dst + 0.5)·in/out − 0.5, linear interpolation, neighbours beyond the border count as 0;
 * 4. the result is clipped to the input's [min, max] (outputs exactly 0 are kept when min > 0).
 *
 * Only the rows and columns the interpolation reads are filtered (the same sums, fewer of them), so a large photo
 * costs about (rows read × width + rows read × columns read) × kernel taps.
 */

/** One output axis: for output index o, input index floor(src) and the weight of index floor(src) + 1. */
interface AxisSamples {
  lower: Int32Array;
  frac: Float64Array;
}

function axisSamples(inSize: number, outSize: number): AxisSamples {
  const zoom = inSize / outSize;
  const lower = new Int32Array(outSize);
  const frac = new Float64Array(outSize);
  for (let o = 0; o < outSize; o++) {
    const src = (o + 0.5) * zoom - 0.5;
    lower[o] = Math.floor(src);
    frac[o] = src - lower[o];
  }
  return { lower, frac };
}

/**
 * scipy's Gaussian kernel for σ (truncate 4): exp(−x²/(2σ²)) for x in −r…r, r = ⌊4σ + 0.5⌋, normalised to sum 1;
 * null when σ is 0 (scipy skips that axis).
 * @example gaussianKernel(0.5) // → 5 weights, the centre 0.79
 */
export function gaussianKernel(sigma: number): Float64Array | null {
  if (sigma <= 1e-15) return null;
  const radius = Math.trunc(4 * sigma + 0.5);
  const k = new Float64Array(2 * radius + 1);
  const a = -0.5 / (sigma * sigma);
  let sum = 0;
  for (let x = -radius; x <= radius; x++) sum += k[x + radius] = Math.exp(a * x * x);
  for (let i = 0; i < k.length; i++) k[i] /= sum;
  return k;
}

/** Indices 0 … n − 1 that the samples read (floor(src) and floor(src) + 1, inside the image). */
function usedIndices(samples: AxisSamples, n: number): Int32Array {
  const used = new Uint8Array(n);
  for (const i of samples.lower) {
    if (i >= 0 && i < n) used[i] = 1;
    if (i + 1 >= 0 && i + 1 < n) used[i + 1] = 1;
  }
  const list: number[] = [];
  used.forEach((u, i) => u && list.push(i));
  return Int32Array.from(list);
}

/**
 * Correlate image rows with a symmetric kernel along axis 0 at row `pos` (h rows of `line` values, 8-bit, × scale):
 * out[i] = Σ kernel · rows, zero beyond [0, h). The centre tap first, then the pairs from the outermost in, as scipy's
 * `correlate1d` sums a symmetric kernel; tap-major, so each tap reads its row in order.
 */
function correlateRows(kernel: Float64Array, data: Uint8Array, line: number, h: number, pos: number, scale: number, out: Float64Array, at: number): void {
  const r = (kernel.length - 1) / 2;
  const centre = pos * line;
  for (let i = 0; i < line; i++) out[at + i] = data[centre + i] * scale * kernel[r];
  for (let j = r; j >= 1; j--) {
    const w = kernel[r - j];
    const up = (pos - j) * line;
    const down = (pos + j) * line;
    if (pos - j >= 0 && pos + j < h) for (let i = 0; i < line; i++) out[at + i] += (data[up + i] * scale + data[down + i] * scale) * w;
    else if (pos - j >= 0) for (let i = 0; i < line; i++) out[at + i] += (data[up + i] * scale + 0) * w;
    else if (pos + j < h) for (let i = 0; i < line; i++) out[at + i] += (0 + data[down + i] * scale) * w;
  }
}

/** The same along axis 1 for one value: row values `row` (w pixels × c channels, from `at`), pixel x, channel ch. */
function correlateAlongRow(kernel: Float64Array, row: Float64Array, at: number, w: number, c: number, x: number, ch: number): number {
  const r = (kernel.length - 1) / 2;
  let acc = row[at + x * c + ch] * kernel[r];
  for (let j = r; j >= 1; j--) {
    const left = x - j >= 0 ? row[at + (x - j) * c + ch] : 0;
    const right = x + j < w ? row[at + (x + j) * c + ch] : 0;
    acc += (left + right) * kernel[r - j];
  }
  return acc;
}

export interface ResizeSource {
  data: Uint8Array;
  width: number;
  height: number;
  /** Interleaved channels (3 for RGB). */
  channels: number;
}

/**
 * Resize an 8-bit image to `outHeight` × `outWidth` as skimage 0.19's `resize(..., mode='constant')` does (see the
 * module comment): float64 in 0…1, interleaved channels (HWC).
 * @example skimageResize({ data, width: 640, height: 360, channels: 3 }, 320, 320).length // → 320 · 320 · 3
 */
export function skimageResize(image: ResizeSource, outHeight: number, outWidth: number): Float64Array {
  const { width: w, height: h, channels: c, data } = image;
  const scale = 1 / 255;
  let min = 255;
  let max = 0;
  for (let i = 0; i < data.length; i++) {
    const v = data[i];
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const rows = axisSamples(h, outHeight);
  const cols = axisSamples(w, outWidth);
  const kernelY = outHeight < h ? gaussianKernel(Math.max(0, (h / outHeight - 1) / 2)) : null;
  const kernelX = outWidth < w ? gaussianKernel(Math.max(0, (w / outWidth - 1) / 2)) : null;
  const usedRows = usedIndices(rows, h);
  const usedCols = usedIndices(cols, w);
  const rowSlot = new Int32Array(h).fill(-1);
  usedRows.forEach((r, k) => (rowSlot[r] = k));
  const colSlot = new Int32Array(w).fill(-1);
  usedCols.forEach((x, k) => (colSlot[x] = k));

  // Pass 1 (axis 0) at the rows read, every column: rowsF[k][x·c + ch].
  const line = w * c;
  const rowsF = new Float64Array(usedRows.length * line);
  for (let k = 0; k < usedRows.length; k++) {
    const r = usedRows[k];
    if (kernelY) correlateRows(kernelY, data, line, h, r, scale, rowsF, k * line);
    else for (let i = 0; i < line; i++) rowsF[k * line + i] = data[r * line + i] * scale;
  }
  // Pass 2 (axis 1) at the columns read: grid[k][m·c + ch].
  const grid = new Float64Array(usedRows.length * usedCols.length * c);
  for (let k = 0; k < usedRows.length; k++) {
    for (let m = 0; m < usedCols.length; m++) {
      const x = usedCols[m];
      for (let ch = 0; ch < c; ch++) {
        grid[(k * usedCols.length + m) * c + ch] = kernelX ? correlateAlongRow(kernelX, rowsF, k * line, w, c, x, ch) : rowsF[k * line + x * c + ch];
      }
    }
  }
  const sample = (y: number, x: number, ch: number) =>
    y < 0 || y >= h || x < 0 || x >= w ? 0 : grid[(rowSlot[y] * usedCols.length + colSlot[x]) * c + ch];

  const lo = min * scale;
  const hi = max * scale;
  const keepZeros = lo > 0;
  const out = new Float64Array(outHeight * outWidth * c);
  for (let oy = 0; oy < outHeight; oy++) {
    const y0 = rows.lower[oy];
    const ty = rows.frac[oy];
    for (let ox = 0; ox < outWidth; ox++) {
      const x0 = cols.lower[ox];
      const tx = cols.frac[ox];
      for (let ch = 0; ch < c; ch++) {
        const top = (1 - tx) * sample(y0, x0, ch) + tx * sample(y0, x0 + 1, ch);
        const bottom = (1 - tx) * sample(y0 + 1, x0, ch) + tx * sample(y0 + 1, x0 + 1, ch);
        const v = (1 - ty) * top + ty * bottom;
        out[(oy * outWidth + ox) * c + ch] = keepZeros && v === 0 ? 0 : Math.min(hi, Math.max(lo, v));
      }
    }
  }
  return out;
}

/**
 * Per-image quality signals, computed in one pass family over 8-bit RGB pixels the build has already decoded (the
 * stored image): sharpness, the top-octave energy ratio that betrays enlargement, brightness, dynamic range,
 * colourfulness and luminance entropy. Pure functions of the pixels, in plain JavaScript (no second decode).
 */

/** 8-bit RGB pixels, row-major, 3 bytes per pixel. */
export interface RgbPixels {
  readonly width: number;
  readonly height: number;
  readonly data: Uint8Array;
}

/** The signals of one image (see {@link imageSignals} for the definitions). */
export interface ImageSignals {
  /** Variance of the 4-neighbour Laplacian of luminance (0–255 scale), at the reference scale. */
  readonly sharpness: number;
  /** Spectral energy in the top octave (0.25–0.5 cycles/pixel) over the next one (0.125–0.25), rows and columns. */
  readonly topOctave: number;
  /** Mean luminance, 0–255. */
  readonly brightness: number;
  /** 99th minus 1st percentile of luminance, 0–255. */
  readonly dynamicRange: number;
  /** Hasler & Süsstrunk's colourfulness M. */
  readonly colourfulness: number;
  /** Shannon entropy of the 256-bin luminance histogram, in bits (0–8). */
  readonly entropy: number;
}

/**
 * The shorter side, in pixels, at which sharpness and the spectrum are measured: an image whose shorter side is more
 * than 1.5× this is box-averaged by k = round(shorter / 256) first. Natural images lose Laplacian energy per pixel as
 * resolution rises (each pixel spans less of the scene), so the measure only compares across images at one scale;
 * at the default `--size 256` the stored image is already at it.
 */
export const REFERENCE_SIDE = 256;

/**
 * Luminance Y' = (299 R' + 587 G' + 114 B') / 1000 (BT.601 weights on the gamma-encoded values), 0–255, as float32.
 * @example luminance({ width: 1, height: 1, data: new Uint8Array([255, 255, 255]) })[0] // 255
 */
export function luminance(image: RgbPixels): Float32Array {
  const { width, height, data } = image;
  const n = width * height;
  const y = new Float32Array(n);
  for (let i = 0, o = 0; i < n; i++, o += 3) y[i] = (299 * data[o] + 587 * data[o + 1] + 114 * data[o + 2]) / 1000;
  return y;
}

/** A luminance plane. */
export interface Plane {
  readonly width: number;
  readonly height: number;
  readonly data: Float32Array;
}

/**
 * Box-average a plane by an integer factor `k` (edge pixels that do not fill a whole box are dropped).
 * @example boxReduce({ width: 4, height: 4, data }, 2).width // 2
 */
export function boxReduce(plane: Plane, k: number): Plane {
  if (k <= 1) return plane;
  const width = Math.floor(plane.width / k);
  const height = Math.floor(plane.height / k);
  const out = new Float32Array(width * height);
  const norm = 1 / (k * k);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      let s = 0;
      for (let dy = 0; dy < k; dy++) {
        const row = (y * k + dy) * plane.width + x * k;
        for (let dx = 0; dx < k; dx++) s += plane.data[row + dx];
      }
      out[y * width + x] = s * norm;
    }
  }
  return { width, height, data: out };
}

/** The box factor that brings a plane to about {@link REFERENCE_SIDE} on its shorter side (1 up to 1.5×). */
export function referenceFactor(width: number, height: number): number {
  const shorter = Math.min(width, height);
  return shorter > 1.5 * REFERENCE_SIDE ? Math.round(shorter / REFERENCE_SIDE) : 1;
}

/**
 * Variance of the 4-neighbour Laplacian `4·Y(x,y) − Y(x−1,y) − Y(x+1,y) − Y(x,y−1) − Y(x,y+1)` over the interior
 * pixels (OpenCV's `Laplacian(ksize=1)` kernel, the usual "variance of the Laplacian" focus measure).
 */
export function laplacianVariance(plane: Plane): number {
  const { width, height, data } = plane;
  if (width < 3 || height < 3) return 0;
  let sum = 0;
  let sq = 0;
  for (let y = 1; y < height - 1; y++) {
    let i = y * width + 1;
    // Left and centre carried along the row in registers (same arithmetic, fewer loads).
    let left = data[i - 1];
    let centre = data[i];
    for (let x = 1; x < width - 1; x++, i++) {
      const right = data[i + 1];
      const l = 4 * centre - left - right - data[i - width] - data[i + width];
      sum += l;
      sq += l * l;
      left = centre;
      centre = right;
    }
  }
  const n = (width - 2) * (height - 2);
  const mean = sum / n;
  return Math.max(0, sq / n - mean * mean);
}

interface FftTables {
  readonly n: number;
  /** Twiddles of every stage, stage by stage (half k of the stage of size s: cos/sin of −2πk/s). */
  readonly cos: Float64Array;
  readonly sin: Float64Array;
  readonly reverse: Uint32Array;
  readonly window: Float64Array;
  /** Scratch for {@link topOctaveRatio} (reused across calls; it never yields). */
  readonly re: Float64Array;
  readonly im: Float64Array;
  readonly power: Float64Array;
}

const fftCache = new Map<number, FftTables>();

function fftTables(n: number): FftTables {
  let t = fftCache.get(n);
  if (t) return t;
  const bits = Math.round(Math.log2(n));
  const reverse = new Uint32Array(n);
  for (let i = 0; i < n; i++) {
    let r = 0;
    for (let b = 0; b < bits; b++) r |= ((i >> b) & 1) << (bits - 1 - b);
    reverse[i] = r;
  }
  const cos = new Float64Array(n);
  const sin = new Float64Array(n);
  for (let size = 2, at = 0; size <= n; size <<= 1) {
    for (let k = 0; k < size / 2; k++, at++) {
      cos[at] = Math.cos((2 * Math.PI * k) / size);
      sin[at] = -Math.sin((2 * Math.PI * k) / size);
    }
  }
  // Hann window: keeps the jump between a row's two ends from spreading energy over every frequency.
  const window = new Float64Array(n);
  for (let i = 0; i < n; i++) window[i] = 0.5 - 0.5 * Math.cos((2 * Math.PI * i) / n);
  t = { n, cos, sin, reverse, window, re: new Float64Array(n), im: new Float64Array(n), power: new Float64Array(n / 2 + 1) };
  fftCache.set(n, t);
  return t;
}

/** In-place iterative radix-2 complex FFT of (re, im), length a power of two. */
function fft(re: Float64Array, im: Float64Array, t: FftTables): void {
  const n = t.n;
  for (let i = 0; i < n; i++) {
    const j = t.reverse[i];
    if (j > i) {
      const a = re[i];
      re[i] = re[j];
      re[j] = a;
      const b = im[i];
      im[i] = im[j];
      im[j] = b;
    }
  }
  const cos = t.cos;
  const sin = t.sin;
  for (let size = 2, at = 0; size <= n; at += size >> 1, size <<= 1) {
    const half = size >> 1;
    for (let start = 0; start < n; start += size) {
      for (let k = 0; k < half; k++) {
        const wr = cos[at + k];
        const wi = sin[at + k];
        const a = start + k;
        const b = a + half;
        const xr = re[b] * wr - im[b] * wi;
        const xi = re[b] * wi + im[b] * wr;
        re[b] = re[a] - xr;
        im[b] = im[a] - xi;
        re[a] += xr;
        im[a] += xi;
      }
    }
  }
}

/** Load line `line` (a row, or a column) of `plane` into `into`: its central n samples, mean removed, Hann-windowed. */
function loadLine(into: Float64Array, plane: Plane, t: FftTables, line: number, rows: boolean): void {
  const { width, height, data } = plane;
  const n = t.n;
  const start = rows ? line * width + Math.floor((width - n) / 2) : Math.floor((height - n) / 2) * width + line;
  const step = rows ? 1 : width;
  let mean = 0;
  for (let i = 0, at = start; i < n; i++, at += step) {
    const v = data[at];
    into[i] = v;
    mean += v;
  }
  mean /= n;
  const window = t.window;
  for (let i = 0; i < n; i++) into[i] = (into[i] - mean) * window[i];
}

/** Add the power spectra of every `stride`-th row (or column) of `plane` to `t.power`, two lines per complex FFT. */
function spectrumLines(plane: Plane, t: FftTables, stride: number, rows: boolean): void {
  const { re, im, power, n } = t;
  const count = rows ? plane.height : plane.width;
  for (let line = 0; line < count; line += 2 * stride) {
    loadLine(re, plane, t, line, rows);
    if (line + stride < count) loadLine(im, plane, t, line + stride, rows);
    else im.fill(0);
    fft(re, im, t);
    for (let k = 1; k <= n / 2; k++) {
      const j = n - k;
      power[k] += 0.5 * (re[k] * re[k] + im[k] * im[k] + re[j] * re[j] + im[j] * im[j]);
    }
  }
}

/** Rows (or columns) taken for the spectrum: every `SPECTRUM_STRIDE`-th one (32 of each at 256²). */
export const SPECTRUM_STRIDE = 8;

/**
 * Energy in the top octave of the spectrum relative to the next: the mean power spectrum of the plane's rows and
 * columns (central N samples each, N the largest power of two ≤ the shorter side, up to 256; mean removed, Hann
 * window), summed over 0.25–0.5 cycles/pixel and divided by its sum over 0.125–0.25. Sharp photos keep roughly
 * comparable energy in each octave above the camera's blur; an image enlarged by 2× or more has almost none left at
 * the top, so the ratio falls towards 0. Two real lines share one complex FFT (|X_k|² + |X_{N−k}|² is their summed power).
 * @example topOctaveRatio(boxReduce(plane, 1))
 */
export function topOctaveRatio(plane: Plane, stride = SPECTRUM_STRIDE): number {
  const shorter = Math.min(plane.width, plane.height);
  if (shorter < 16) return 0;
  const n = Math.min(256, 2 ** Math.floor(Math.log2(shorter)));
  const t = fftTables(n);
  const { re, im, power } = t;
  power.fill(0);
  spectrumLines(plane, t, stride, true);
  spectrumLines(plane, t, stride, false);
  let top = 0;
  let next = 0;
  for (let k = n / 8; k < n / 4; k++) next += power[k];
  for (let k = n / 4; k <= n / 2; k++) top += power[k];
  return next > 0 ? top / next : 0;
}


/** Shannon entropy of a histogram, in bits. */
export function histogramEntropy(histogram: ArrayLike<number>): number {
  let total = 0;
  for (let i = 0; i < histogram.length; i++) total += histogram[i];
  if (total === 0) return 0;
  let h = 0;
  for (let i = 0; i < histogram.length; i++) {
    const c = histogram[i];
    if (c > 0) {
      const p = c / total;
      h -= p * Math.log2(p);
    }
  }
  return h;
}

/** The value below which `fraction` of a histogram's mass lies (bin index). */
export function histogramPercentile(histogram: ArrayLike<number>, fraction: number): number {
  let total = 0;
  for (let i = 0; i < histogram.length; i++) total += histogram[i];
  const target = fraction * total;
  let cumulative = 0;
  for (let i = 0; i < histogram.length; i++) {
    cumulative += histogram[i];
    if (cumulative >= target && cumulative > 0) return i;
  }
  return histogram.length - 1;
}

/** A rectangle of an image. */
export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly width: number;
  readonly height: number;
}

/** Side of the grey thumbnail the perceptual hash is computed from. */
export const THUMBNAIL_SIDE = 32;

/** The thumbnail cell (of `cells` across `n` pixels) that pixel `i` falls in: ⌊i·cells/n⌋. */
export function cellIndexOf(i: number, n: number, cells: number): number {
  return Math.floor((i * cells) / n);
}

/** {@link cellIndexOf} for every pixel of a row of `n`. */
export function cellIndex(n: number, cells: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = cellIndexOf(i, n, cells);
  return out;
}

/**
 * Turn per-cell sums of weighted luminance (299 R + 587 G + 114 B) over a `width`×`height` image into cell means of
 * luminance (0–255), in place; each cell's pixel count comes from its span of rows and columns.
 */
export function cellMeans(sums: Float64Array, width: number, height: number, columns: number, rows: number): Float64Array {
  const span = (i: number, n: number, cells: number): number => cellStart(i + 1, n, cells) - cellStart(i, n, cells);
  for (let j = 0; j < rows; j++) {
    for (let i = 0; i < columns; i++) {
      const count = span(j, height, rows) * span(i, width, columns);
      sums[j * columns + i] = count > 0 ? sums[j * columns + i] / 1000 / count : 0;
    }
  }
  return sums;
}

/** The first pixel of cell `c` (of `cells` across `n` pixels): the smallest i with ⌊i·cells/n⌋ ≥ c. */
function cellStart(c: number, n: number, cells: number): number {
  return Math.ceil((c * n) / cells);
}

/** Scratch planes up to this many elements are kept for the next image (larger ones are allocated each time). */
const SCRATCH_LIMIT = 1 << 22;
let lumaScratch = new Float32Array(0);

/**
 * A Float32Array of `n` elements for a plane that does not outlive the current synchronous call (reused across calls:
 * JavaScript is single-threaded and the measuring functions never yield, so no two users hold it at once).
 */
function scratchFloat32(n: number): Float32Array {
  if (n > SCRATCH_LIMIT) return new Float32Array(n);
  if (lumaScratch.length < n) lumaScratch = new Float32Array(n);
  return lumaScratch.length === n ? lumaScratch : lumaScratch.subarray(0, n);
}

/**
 * One pass over RGB pixels: the luminance plane of `rect`, the sums over `rect` the other signals need, and the sums
 * of the whole frame's luminance over a 32×32 grid of cells (cell i spans pixels ⌊i·W/32⌋ … ⌊(i+1)·W/32⌋ − 1).
 * The luminance plane is scratch memory, valid until the next call.
 */
function scan(frame: RgbPixels, rect: Rect) {
  const { width, height, data } = frame;
  const luma = scratchFloat32(rect.width * rect.height);
  const histogram = new Uint32Array(256);
  const cells = new Float64Array(THUMBNAIL_SIDE * THUMBNAIL_SIDE);
  // Integer sums (exact in any order): Σ weighted, Σ rg, Σ (2·yb) and their squares, with rg = R − G, 2·yb = R + G − 2B.
  let sum = 0;
  let sRg = 0;
  let sYb2 = 0;
  let qRg = 0;
  let qYb2 = 0;
  const cellEnd = new Int32Array(THUMBNAIL_SIDE);
  for (let c = 0; c < THUMBNAIL_SIDE; c++) cellEnd[c] = Math.ceil(((c + 1) * width) / THUMBNAIL_SIDE);
  const x0 = rect.left;
  const x1 = rect.left + rect.width;
  const y0 = rect.top;
  const y1 = rect.top + rect.height;
  for (let y = 0; y < height; y++) {
    // Each thumbnail cell's span of the row, summed in a register: the part before `rect`, the part inside it (where
    // the other signals are taken from the same pixel loads), the part after it.
    const rowCell = cellIndexOf(y, height, THUMBNAIL_SIDE) * THUMBNAIL_SIDE;
    const inRect = y >= y0 && y < y1;
    // Row sums in small integers (a row's fit in 31 bits up to 8 000 pixels; wider rows are still exact as doubles).
    let rSum = 0;
    let rSRg = 0;
    let rSYb2 = 0;
    let rQRg = 0;
    let rQYb2 = 0;
    let i = (y - y0) * rect.width;
    for (let c = 0, x = 0, o = y * width * 3; c < THUMBNAIL_SIDE; c++) {
      let acc = 0;
      const end = cellEnd[c];
      if (inRect) {
        for (const a = Math.min(end, Math.max(x, x0)); x < a; x++, o += 3) acc += 299 * data[o] + 587 * data[o + 1] + 114 * data[o + 2];
        for (const b = Math.min(end, x1); x < b; x++, o += 3, i++) {
          const r = data[o];
          const g = data[o + 1];
          const bl = data[o + 2];
          // The weighted luminance 299 R + 587 G + 114 B.
          const w = 299 * r + 587 * g + 114 * bl;
          acc += w;
          // w · 0.001 rounds to the same float32 as w / 1000 for every w in 0…255 000 (checked exhaustively).
          luma[i] = w * 0.001;
          // Rounded luminance ⌊(w + 500) / 1000⌋ for the histogram (the 1e-7 absorbs 0.001's binary rounding).
          histogram[((w + 500) * 0.001 + 1e-7) | 0]++;
          rSum += w;
          const rg = r - g;
          const yb2 = r + g - 2 * bl;
          rSRg += rg;
          rSYb2 += yb2;
          rQRg += rg * rg;
          rQYb2 += yb2 * yb2;
        }
      }
      for (; x < end; x++, o += 3) acc += 299 * data[o] + 587 * data[o + 1] + 114 * data[o + 2];
      cells[rowCell + c] += acc;
    }
    sum += rSum;
    sRg += rSRg;
    sYb2 += rSYb2;
    qRg += rQRg;
    qYb2 += rQYb2;
  }
  const n = rect.width * rect.height;
  return {
    luma: { width: rect.width, height: rect.height, data: luma } as Plane,
    thumbnail: cellMeans(cells, width, height, THUMBNAIL_SIDE, THUMBNAIL_SIDE),
    histogram,
    brightness: n > 0 ? sum / 1000 / n : 0,
    colour: { sRg, sYb: sYb2 / 2, qRg, qYb: qYb2 / 4, n },
  };
}

function colourfulnessOf(c: { sRg: number; sYb: number; qRg: number; qYb: number; n: number }): number {
  if (c.n === 0) return 0;
  const mRg = c.sRg / c.n;
  const mYb = c.sYb / c.n;
  const vRg = Math.max(0, c.qRg / c.n - mRg * mRg);
  const vYb = Math.max(0, c.qYb / c.n - mYb * mYb);
  return Math.sqrt(vRg + vYb) + 0.3 * Math.sqrt(mRg * mRg + mYb * mYb);
}

/**
 * Hasler & Süsstrunk (2003), "Measuring colourfulness in natural images": with rg = R − G and yb = (R + G)/2 − B,
 * M = √(σ_rg² + σ_yb²) + 0.3·√(μ_rg² + μ_yb²). 0 for grey images; about 15 "slightly", 33 "moderately",
 * 59 "quite", 82 "highly" and 109 "extremely" colourful on their scale.
 */
export function colourfulness(image: RgbPixels): number {
  return colourfulnessOf(scan(image, { left: 0, top: 0, width: image.width, height: image.height }).colour);
}

/**
 * The signals of the part `rect` of `frame` (the stored crop; the whole frame by default), and the whole frame's
 * 32×32 grey thumbnail (for the perceptual hash), from one pass over the pixels. Brightness, dynamic range, entropy and
 * colourfulness are taken over all of `rect`'s pixels; sharpness and the top-octave ratio on its luminance at the
 * reference scale ({@link REFERENCE_SIDE}).
 * @example const { signals, thumbnail } = measureFrame(frame, { left: 42, top: 0, width: 256, height: 256 })
 */
export function measureFrame(
  frame: RgbPixels,
  rect: Rect = { left: 0, top: 0, width: frame.width, height: frame.height },
): { signals: ImageSignals; thumbnail: Float64Array } {
  const { luma, thumbnail, histogram, brightness, colour } = scan(frame, rect);
  const reference = boxReduce(luma, referenceFactor(luma.width, luma.height));
  return {
    thumbnail,
    signals: {
      sharpness: laplacianVariance(reference),
      topOctave: topOctaveRatio(reference),
      brightness,
      dynamicRange: histogramPercentile(histogram, 0.99) - histogramPercentile(histogram, 0.01),
      colourfulness: colourfulnessOf(colour),
      entropy: histogramEntropy(histogram),
    },
  };
}

/**
 * Every signal of an image (see {@link measureFrame}).
 * @example imageSignals({ width: 256, height: 256, data: rgb }).sharpness
 */
export function imageSignals(image: RgbPixels): ImageSignals {
  return measureFrame(image).signals;
}

/** Signals as stored: 5 significant figures (so a value and the flag computed from it agree everywhere). */
export function roundSignals(signals: ImageSignals): ImageSignals {
  const r = (v: number): number => Number(v.toPrecision(5));
  return {
    sharpness: r(signals.sharpness),
    topOctave: r(signals.topOctave),
    brightness: r(signals.brightness),
    dynamicRange: r(signals.dynamicRange),
    colourfulness: r(signals.colourfulness),
    entropy: r(signals.entropy),
  };
}

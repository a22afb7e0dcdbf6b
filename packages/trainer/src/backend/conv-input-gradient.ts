import { backend_util, type KernelBackend, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { kernelCaller } from './conv-filter-gradient.js';
import { batchToSpace4d } from './space-batch-kernels.js';

/**
 * The data gradient of a 2-D convolution (the `Conv2DBackpropInput` kernel) as forward convolutions, for backends
 * whose own kernel is slow: tfjs-backend-wasm 4.22 computes it with a plain C loop outside XNNPACK, and it took 48 %
 * of the kernel time of a 64² generator forward + backward (bench/RESULTS.md, training step profile).
 *
 * Stride 1. For y = conv2d(x, w), dilation 1, top/left padding (pt, pl), w of shape [kh, kw, Cin, Cout]:
 *
 *   y[b, p, q, o]  = Σ_{i, j, c} x[b, p + i − pt, q + j − pl, c] · w[i, j, c, o]
 *   dx[b, r, s, c] = Σ_{i, j, o} dy[b, r + pt − i, s + pl − j, o] · w[i, j, c, o]
 *                  = Σ_{i', j', o} dy[b, r + i' − (kh − 1 − pt), s + j' − (kw − 1 − pl), o] · w'[i', j', o, c]
 *
 * with w'[i', j', o, c] = w[kh − 1 − i', kw − 1 − j', c, o] (the filter turned 180° in the spatial axes, in and out
 * channels swapped): a forward convolution of dy with w', top/left padding (kh − 1 − pt, kw − 1 − pl), and the
 * bottom/right padding that makes its output exactly H × W. A negative padding means that rows or columns of dy
 * only ever meet the forward padding (explicit pads larger than kh − 1); those are sliced off dy first.
 * XNNPACK runs that convolution as it runs the forward pass.
 *
 * Stride s > 1 (per axis; the two axes are independent, so one axis is shown). Now y[p] = Σ_i x[s·p + i − pt]·w[i]
 * for p ∈ [0, Ho), i ∈ [0, k), and dx[r] = Σ dy[p]·w[i] over the pairs with s·p + i − pt = r. Write r = s·m + a
 * with the phase a ∈ [0, s). Then s·p = s·m + a + pt − i, so only the taps i ≡ a + pt (mod s) reach row r:
 * i = s·t + e with e = (a + pt) mod s and t ∈ [0, kₑ), kₑ = ⌈(k − e) / s⌉ taps. With q = ⌊(a + pt) / s⌋
 * (so a + pt = s·q + e), p = m + q − t, and
 *
 *   dx[s·m + a] = Σ_{t < kₑ} dy[m + q − t] · w[s·t + e]
 *               = Σ_{t' < kₑ} dy[m + t' − (kₑ − 1 − q)] · w[s·(kₑ − 1 − t') + e]        (t' = kₑ − 1 − t)
 *
 * a stride-1 correlation of dy with the phase's sub-filter (taps e, e + s, …, flipped), top padding kₑ − 1 − q.
 * In the flipped filter w' (index i' = k − 1 − i) those taps are i' = k − 1 − e − s·(kₑ − 1) + s·t': a strided
 * slice from that start. Every phase computes M = ⌈H / s⌉ rows (phases a ≥ H mod s need one row fewer; their last
 * row is cropped afterwards), so its bottom padding solves Ho + top + bottom − kₑ + 1 = M; negative paddings crop
 * dy as for stride 1. A phase with kₑ = 0 (k < s: some rows of x are never read) or with every dy row cropped away
 * (its rows of x only ever meet padding) is zeros. The s_h·s_w phases, each [B, M, M', Cin], are concatenated along
 * the batch axis (row phase major, column phase minor) and interleaved by batchToSpaceND with block [s_h, s_w] —
 * dx[b, s_h·m + a, s_w·m' + a', c] = phase (a, a')[b, m, m', c] — cropping the bottom/right to H × W. Stride 1 is
 * the one-phase case (e = 0, q = pt, kₑ = k). Each dx pixel reads only its phase's kₑ taps per axis (k / s on
 * average), so the multiply-adds are about those of the forward convolution (Ho·Wo·kh·kw·Cin·Cout), not the s² times
 * more of a stride-1 convolution over dx's H × W.
 *
 * Built from the backend's own `Slice`, `Conv2D`, `Fill` and `Concat` kernels and bgfill's batchToSpace4d
 * (space-batch-kernels.ts), called directly (no tape); the phases' flipped sub-filters are laid out in JS from the
 * filter's values (phaseFilter) per call, so nothing can go stale. What this does not cover (dilations > 1,
 * NCHW data, a dy that does not match the forward geometry) goes to `fallback`, and so do geometries where most of
 * the convolutions' taps would only meet padding (a dy much smaller than x, as the generator's space-to-batch
 * dilated layers at rate 16 have: see MAX_WORK_RATIO).
 */

/** Attributes of the Conv2DBackpropInput kernel (tfjs-core's op passes these; `dilations` only if a caller adds it). */
export interface InputGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  inputShape: [number, number, number, number];
  dilations?: number | [number, number];
}

/** How the data gradient runs as a forward convolution: rows/columns cut off dy, then the convolution's padding. */
export interface InputGradientGeometry {
  /** Rows [top, bottom] and columns [left, right] sliced off dy before the convolution (all ≥ 0). */
  crop: [[number, number], [number, number]];
  /** Explicit padding of the convolution of (cropped) dy with the flipped filter (all ≥ 0). */
  pad: backend_util.ExplicitPadding;
}

/** One phase of one axis: the dx indices a, a + s, a + 2s, … and the stride-1 correlation that fills them. */
export interface AxisPhase {
  /** a: the residue of the dx indices this phase fills. */
  residue: number;
  /** First tap of the phase's sub-filter in the flipped filter (index k − 1 − e − s·(kₑ − 1)); it steps by s. */
  tapBegin: number;
  /** kₑ: how many taps of the filter reach this phase (0 when k < s and no tap does). */
  taps: number;
  /** dy indices [before, after] sliced off before the correlation (≥ 0). */
  crop: [number, number];
  /** Zero padding [before, after] of the correlation (≥ 0). */
  pad: [number, number];
  /** True when nothing reaches this phase (no tap, or every dy index cropped): its dx values are 0. */
  empty: boolean;
}

function pair(v: number | [number, number] | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * The s phases of one axis of the data gradient of a stride-s, dilation-1 convolution that maps n inputs to
 * `outSize` outputs with a k-tap filter and `padBefore` leading zeros (derivation in this module's comment). Each
 * phase's correlation outputs exactly ⌈n / s⌉ values; pure, exported for tests.
 * @example
 * axisPhases(64, 32, 4, 2, 1)
 * // → [{ residue: 0, tapBegin: 0, taps: 2, crop: [0, 0], pad: [1, 0], empty: false },
 * //    { residue: 1, tapBegin: 1, taps: 2, crop: [0, 0], pad: [0, 1], empty: false }]
 * axisPhases(5, 5, 3, 1, 1) // → [{ residue: 0, tapBegin: 0, taps: 3, crop: [0, 0], pad: [1, 1], empty: false }]
 */
export function axisPhases(n: number, outSize: number, k: number, s: number, padBefore: number): AxisPhase[] {
  const m = Math.ceil(n / s);
  const phases: AxisPhase[] = [];
  for (let a = 0; a < s; a++) {
    const e = (a + padBefore) % s;
    const q = Math.floor((a + padBefore) / s);
    const taps = e < k ? Math.ceil((k - e) / s) : 0;
    const before = taps - 1 - q;
    // Correlation output length: outSize + before + after − taps + 1 = m.
    const after = m - outSize - before + taps - 1;
    const crop: [number, number] = [Math.max(0, -before), Math.max(0, -after)];
    phases.push({
      residue: a,
      tapBegin: taps > 0 ? k - 1 - e - s * (taps - 1) : 0,
      taps,
      crop,
      pad: [Math.max(0, before), Math.max(0, after)],
      empty: taps === 0 || outSize - crop[0] - crop[1] <= 0,
    });
  }
  return phases;
}

/**
 * Above this ratio of multiply-adds (the phase convolutions' over the products that meet both dy and x), tfjs-wasm's
 * own kernel, which skips the taps that fall outside dy, is the faster one. Measured on the generator's
 * space-to-batch dilated layers (3×3, 128→128, 'valid', 1 thread, CPU ms, tfjs-wasm vs bgfill): dy 1×1 (ratio 9)
 * 40 vs 56 ms; dy 2×2 (ratio 4) 41 vs 21 ms; dy 4×4 (ratio 2.25) 39 vs 22 ms; 'same' layers at 64² are at 1.02.
 */
export const MAX_WORK_RATIO = 6;

/** Products along one axis: (dy index, tap) pairs whose input index s·p + i − padBefore lands in [0, n). */
function usefulTaps(n: number, outSize: number, k: number, s: number, padBefore: number): number {
  let count = 0;
  for (let p = 0; p < outSize; p++) count += Math.max(0, Math.min(k, n + padBefore - s * p) - Math.max(0, padBefore - s * p));
  return count;
}

/** Products along one axis that the phase correlations compute: ⌈n / s⌉ outputs × kₑ taps, per non-empty phase. */
function computedTaps(n: number, outSize: number, k: number, s: number, padBefore: number): number {
  return axisPhases(n, outSize, k, s, padBefore).reduce((sum, ph) => sum + (ph.empty ? 0 : Math.ceil(n / s) * ph.taps), 0);
}

/**
 * How many times more multiply-adds the phase convolutions do than the data gradient needs (≥ 1): they compute
 * every tap of their phase for each output (⌈H / s⌉ per phase), while only the taps that meet dy contribute.
 * @example workRatio([1, 64, 64, 8], [3, 3, 8, 8], 'same') // → (64·3 / 190)² ≈ 1.02
 * workRatio([256, 3, 3, 8], [3, 3, 8, 8], 'valid') // → 9 (dy is 1×1: one tap in nine meets it)
 * workRatio([1, 32, 32, 64], [5, 5, 64, 128], 'same', undefined, 2) // → (80 / 77)² ≈ 1.08
 */
export function workRatio(
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  pad: InputGradAttrs['pad'],
  dimRoundingMode?: InputGradAttrs['dimRoundingMode'],
  strides: number | [number, number] = 1,
): number {
  const [sh, sw] = pair(strides);
  const info = backend_util.computeConv2DInfo(inputShape, filterShape, [sh, sw], 1, pad, dimRoundingMode, false, 'channelsLast');
  const [, h, w] = inputShape;
  const [kh, kw] = filterShape;
  const rows = usefulTaps(h, info.outHeight, kh, sh, info.padInfo.top);
  const cols = usefulTaps(w, info.outWidth, kw, sw, info.padInfo.left);
  if (rows === 0 || cols === 0) return Infinity;
  return (computedTaps(h, info.outHeight, kh, sh, info.padInfo.top) * computedTaps(w, info.outWidth, kw, sw, info.padInfo.left)) / (rows * cols);
}

/**
 * Whether the phase convolutions cover these attributes (any strides, dilation 1, NHWC, dy matching the forward
 * geometry) and are the faster way (workRatio ≤ MAX_WORK_RATIO), for `dyShape`.
 * @example coversInputGradient({ strides: 1, pad: 'same', inputShape: [1, 8, 8, 3] }, [3, 3, 3, 4], [1, 8, 8, 4]) // → true
 * coversInputGradient({ strides: 2, pad: 'same', inputShape: [1, 8, 8, 3] }, [5, 5, 3, 4], [1, 4, 4, 4]) // → true
 */
export function coversInputGradient(attrs: InputGradAttrs, filterShape: readonly number[], dyShape: readonly number[]): boolean {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return false;
  const strides = pair(attrs.strides);
  if (strides.some((s) => !Number.isInteger(s) || s < 1) || pair(attrs.dilations).some((d) => d !== 1)) return false;
  if (attrs.inputShape.length !== 4 || filterShape.length !== 4 || dyShape.length !== 4) return false;
  const fShape = filterShape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(attrs.inputShape, fShape, strides, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const matches = info.outHeight === dyShape[1] && info.outWidth === dyShape[2] && info.outHeight > 0 && info.outWidth > 0 && dyShape[0] === attrs.inputShape[0] && dyShape[3] === filterShape[3];
  return matches && workRatio(attrs.inputShape, fShape, attrs.pad, attrs.dimRoundingMode, strides) <= MAX_WORK_RATIO;
}

/**
 * The geometry of the flipped-filter convolution for a stride-1, dilation-1 forward convolution (the one phase of
 * `axisPhases` with s = 1, per axis); pure, exported for tests. The output of conv2d(crop(dy), w', pad) has exactly
 * the input's height and width.
 * @example
 * inputGradientGeometry([1, 8, 8, 3], [3, 3, 3, 4], 'same') // → { crop: [[0, 0], [0, 0]], pad: [[0, 0], [1, 1], [1, 1], [0, 0]] }
 * inputGradientGeometry([1, 8, 8, 3], [3, 3, 3, 4], 'valid') // → pad [[0, 0], [2, 2], [2, 2], [0, 0]] (the full convolution)
 * inputGradientGeometry([1, 4, 4, 1], [1, 1, 1, 1], 2) // → crop [[2, 2], [2, 2]] (dy's border rows only saw padding)
 */
export function inputGradientGeometry(
  inputShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  pad: InputGradAttrs['pad'],
  dimRoundingMode?: InputGradAttrs['dimRoundingMode'],
): InputGradientGeometry {
  const info = backend_util.computeConv2DInfo(inputShape, filterShape, 1, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [, h, w] = inputShape;
  const [kh, kw] = filterShape;
  const [rows] = axisPhases(h, info.outHeight, kh, 1, info.padInfo.top);
  const [cols] = axisPhases(w, info.outWidth, kw, 1, info.padInfo.left);
  return { crop: [rows.crop, cols.crop], pad: [[0, 0], rows.pad, cols.pad, [0, 0]] };
}

/**
 * The filter of one phase's correlation, [rows.taps, cols.taps, Cout, Cin]: the taps of w (HWIO, [kh, kw, Cin,
 * Cout], row-major values) that reach the phase, in reverse order, in and out channels swapped — element
 * (u, v, o, c) = w[kh − 1 − (rows.tapBegin + s_h·u), kw − 1 − (cols.tapBegin + s_w·v), c, o]. Pure; done in JS
 * because tfjs-wasm's Reverse and StridedSlice kernels move 20–25 M floats/s (37 and 61 ms on a 5×5×128×256 filter,
 * more than the phase convolutions at 16²), where this loop reads each weight once.
 * @example phaseFilter(new Float32Array([1, 2, 3, 4]), [4, 1, 1, 1], [2, 1], axisPhases(8, 4, 4, 2, 1)[0], axisPhases(1, 1, 1, 1, 0)[0]) // → [4, 2] (taps 3 and 1)
 */
export function phaseFilter(weights: Float32Array, filterShape: readonly [number, number, number, number], strides: [number, number], rows: AxisPhase, cols: AxisPhase): Float32Array {
  const [kh, kw, cin, cout] = filterShape;
  const out = new Float32Array(rows.taps * cols.taps * cin * cout);
  for (let u = 0; u < rows.taps; u++) {
    const i = kh - 1 - (rows.tapBegin + strides[0] * u);
    for (let v = 0; v < cols.taps; v++) {
      const j = kw - 1 - (cols.tapBegin + strides[1] * v);
      const from = (i * kw + j) * cin * cout;
      const to = (u * cols.taps + v) * cout * cin;
      for (let c = 0; c < cin; c++) {
        for (let o = 0; o < cout; o++) out[to + o * cin + c] = weights[from + c * cout + o];
      }
    }
  }
  return out;
}

/**
 * dx for `dy` [B, Ho, Wo, Cout] and `filter` [kh, kw, Cin, Cout] with the backend's kernels, for attributes that
 * `coversInputGradient` accepts. Returns a new TensorInfo of shape `attrs.inputShape` owned by the backend.
 * @example const dx = conv2dInputGradient('wasm', backend, dy, filter, { strides: 2, pad: 'same', inputShape: [2, 64, 64, 32] });
 */
export function conv2dInputGradient(backendName: string, backend: KernelBackend, dy: TensorInfo, filter: TensorInfo, attrs: InputGradAttrs): TensorInfo {
  const filterShape = filter.shape as [number, number, number, number];
  if (!coversInputGradient(attrs, filterShape, dy.shape)) {
    throw new Error(
      `bgfill Conv2DBackpropInput on ${backendName}: only dilation 1, NHWC with a matching dy, work ratio ≤ ${MAX_WORK_RATIO}; got strides ${JSON.stringify(attrs.strides)}, ` +
        `dilations ${JSON.stringify(attrs.dilations ?? 1)}, ${attrs.dataFormat ?? 'NHWC'}, dy [${dy.shape.join(', ')}] for x [${attrs.inputShape.join(', ')}] and filter [${filterShape.join(', ')}]`,
    );
  }
  const [sh, sw] = pair(attrs.strides);
  const [batch, h, w, cin] = attrs.inputShape;
  const [kh, kw, , cout] = filterShape;
  const info = backend_util.computeConv2DInfo(attrs.inputShape, filterShape, [sh, sw], 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const rowPhases = axisPhases(h, info.outHeight, kh, sh, info.padInfo.top);
  const colPhases = axisPhases(w, info.outWidth, kw, sw, info.padInfo.left);
  const m = Math.ceil(h / sh);
  const mw = Math.ceil(w / sw);
  const call = kernelCaller(backendName, backend);
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);

  const weights = backend.readSync(filter.dataId) as Float32Array;
  /** One phase: the correlation of (cropped) dy with the phase's flipped sub-filter, [B, m, mw, Cin]. */
  const phase = (rp: AxisPhase, cp: AxisPhase): TensorInfo => {
    if (rp.empty || cp.empty) return call('Fill')({}, { shape: [batch, m, mw, cin], value: 0, dtype: 'float32' });
    const subShape = [rp.taps, cp.taps, cout, cin];
    const sub: TensorInfo = { dataId: backend.write(phaseFilter(weights, filterShape, [sh, sw], rp, cp), subShape, 'float32'), shape: subShape, dtype: 'float32' };
    const [ct, cb] = rp.crop;
    const [cl, cr] = cp.crop;
    let source = dy;
    try {
      if (ct + cb + cl + cr > 0) {
        source = call('Slice')({ x: dy }, { begin: [0, ct, cl, 0], size: [dy.shape[0], dy.shape[1] - ct - cb, dy.shape[2] - cl - cr, dy.shape[3]] });
      }
      return call('Conv2D')({ x: source, filter: sub }, { strides: [1, 1], dilations: [1, 1], pad: [[0, 0], rp.pad, cp.pad, [0, 0]], dataFormat: 'NHWC', dimRoundingMode: undefined });
    } finally {
      free(sub);
      if (source !== dy) free(source);
    }
  };

  const phases: TensorInfo[] = [];
  try {
    for (const rp of rowPhases) for (const cp of colPhases) phases.push(phase(rp, cp));
  } finally {
    if (phases.length < sh * sw) phases.forEach(free);
  }
  if (phases.length === 1) return phases[0];
  let stacked: TensorInfo;
  try {
    stacked = call('Concat')(phases as unknown as Record<string, TensorInfo>, { axis: 0 });
  } finally {
    phases.forEach(free);
  }
  try {
    return batchToSpace4d(backendName, backend, stacked, [sh, sw], [[0, m * sh - h], [0, mw * sw - w]]);
  } finally {
    free(stacked);
  }
}

/**
 * A `Conv2DBackpropInput` kernel config for `backendName` that runs the flipped-filter (phase) convolutions where they
 * apply and `fallback` (the backend's own kernel, captured before replacing it) elsewhere. The fallback's setup and
 * dispose functions carry over, so the backend initialises its own kernel even when this replaces it first.
 * @example
 * const stock = tf.getKernel('Conv2DBackpropInput', 'wasm')!;
 * tf.unregisterKernel('Conv2DBackpropInput', 'wasm');
 * tf.registerKernel(conv2DBackpropInputKernel('wasm', stock));
 */
export function conv2DBackpropInputKernel(backendName: string, fallback: KernelConfig): KernelConfig {
  const kernelFunc: KernelFunc = (args) => {
    const dy = args.inputs.dy as TensorInfo;
    const filter = args.inputs.filter as TensorInfo;
    const attrs = args.attrs as unknown as InputGradAttrs;
    if (dy.dtype !== 'float32' || filter.dtype !== 'float32' || !coversInputGradient(attrs, filter.shape, dy.shape)) return fallback.kernelFunc(args);
    return conv2dInputGradient(backendName, args.backend as KernelBackend, dy, filter, attrs);
  };
  return { kernelName: 'Conv2DBackpropInput', backendName, kernelFunc, setupFunc: fallback.setupFunc, disposeFunc: fallback.disposeFunc };
}

import { backend_util, type KernelBackend, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs';
import { kernelCaller } from './conv-filter-gradient.js';

/**
 * The data gradient of a 2-D convolution (the `Conv2DBackpropInput` kernel) as one forward convolution, for
 * backends whose own kernel is slow: tfjs-backend-wasm 4.22 computes it with a plain C loop outside XNNPACK, and it
 * took 48 % of the kernel time of a 64² generator forward + backward (bench/RESULTS.md, training step profile).
 *
 * For y = conv2d(x, w), stride 1, dilation 1, top/left padding (pt, pl), w of shape [kh, kw, Cin, Cout]:
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
 * Built from the backend's own `Reverse`, `Transpose`, `Slice` and `Conv2D` kernels, called directly (no tape);
 * the flipped filter is made per call (cheap next to the convolution) so nothing can go stale. What this does not
 * cover (strides or dilations > 1, NCHW data, a dy that does not match the forward geometry) goes to `fallback`,
 * and so do geometries where most of the convolution's taps would only meet padding (a dy much smaller than x,
 * as the generator's space-to-batch dilated layers at rate 16 have: see MAX_WORK_RATIO).
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

function pair(v: number | [number, number] | undefined): [number, number] {
  if (v === undefined) return [1, 1];
  return typeof v === 'number' ? [v, v] : v;
}

/**
 * Above this ratio of multiply-adds (the flipped-filter convolution's over the products that meet both dy and x),
 * tfjs-wasm's own kernel, which skips the taps that fall outside dy, is the faster one. Measured on the generator's
 * space-to-batch dilated layers (3×3, 128→128, 'valid', 1 thread, CPU ms, tfjs-wasm vs bgfill): dy 1×1 (ratio 9)
 * 40 vs 56 ms; dy 2×2 (ratio 4) 41 vs 21 ms; dy 4×4 (ratio 2.25) 39 vs 22 ms; 'same' layers at 64² are at 1.02.
 */
export const MAX_WORK_RATIO = 6;

/** Products along one axis: (dy index, tap) pairs whose input index lands in [0, n). */
function usefulTaps(n: number, outSize: number, k: number, padBefore: number): number {
  let count = 0;
  for (let p = 0; p < outSize; p++) count += Math.max(0, Math.min(k, n + padBefore - p) - Math.max(0, padBefore - p));
  return count;
}

/**
 * How many times more multiply-adds the flipped-filter convolution does than the data gradient needs (≥ 1): it
 * computes every tap for each of the H × W outputs, while only the taps that meet dy contribute.
 * @example workRatio([1, 64, 64, 8], [3, 3, 8, 8], 'same') // → (64·3 / 190)² ≈ 1.02
 * workRatio([256, 3, 3, 8], [3, 3, 8, 8], 'valid') // → 9 (dy is 1×1: one tap in nine meets it)
 */
export function workRatio(inputShape: [number, number, number, number], filterShape: [number, number, number, number], pad: InputGradAttrs['pad'], dimRoundingMode?: InputGradAttrs['dimRoundingMode']): number {
  const info = backend_util.computeConv2DInfo(inputShape, filterShape, 1, 1, pad, dimRoundingMode, false, 'channelsLast');
  const [, h, w] = inputShape;
  const [kh, kw] = filterShape;
  const rows = usefulTaps(h, info.outHeight, kh, info.padInfo.top);
  const cols = usefulTaps(w, info.outWidth, kw, info.padInfo.left);
  return rows === 0 || cols === 0 ? Infinity : (h * kh * w * kw) / (rows * cols);
}

/**
 * Whether the flipped-filter convolution covers these attributes (stride 1, dilation 1, NHWC, dy matching the
 * forward geometry) and is the faster way (workRatio ≤ MAX_WORK_RATIO), for `dyShape`.
 * @example coversInputGradient({ strides: 1, pad: 'same', inputShape: [1, 8, 8, 3] }, [3, 3, 3, 4], [1, 8, 8, 4]) // → true
 */
export function coversInputGradient(attrs: InputGradAttrs, filterShape: readonly number[], dyShape: readonly number[]): boolean {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') return false;
  if (pair(attrs.strides).some((s) => s !== 1) || pair(attrs.dilations).some((d) => d !== 1)) return false;
  if (attrs.inputShape.length !== 4 || filterShape.length !== 4 || dyShape.length !== 4) return false;
  const fShape = filterShape as [number, number, number, number];
  const info = backend_util.computeConv2DInfo(attrs.inputShape, fShape, 1, 1, attrs.pad, attrs.dimRoundingMode, false, 'channelsLast');
  const matches = info.outHeight === dyShape[1] && info.outWidth === dyShape[2] && info.outHeight > 0 && info.outWidth > 0 && dyShape[0] === attrs.inputShape[0] && dyShape[3] === filterShape[3];
  return matches && workRatio(attrs.inputShape, fShape, attrs.pad, attrs.dimRoundingMode) <= MAX_WORK_RATIO;
}

/**
 * The geometry of the flipped-filter convolution for a stride-1, dilation-1 forward convolution; pure, exported for
 * tests. The output of conv2d(crop(dy), w', pad) has exactly the input's height and width.
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
  const top = kh - 1 - info.padInfo.top;
  const left = kw - 1 - info.padInfo.left;
  // Output rows of a stride-1 convolution: Ho + top + bottom − kh + 1 = H.
  const bottom = h - info.outHeight - top + kh - 1;
  const right = w - info.outWidth - left + kw - 1;
  return {
    crop: [
      [Math.max(0, -top), Math.max(0, -bottom)],
      [Math.max(0, -left), Math.max(0, -right)],
    ],
    pad: [
      [0, 0],
      [Math.max(0, top), Math.max(0, bottom)],
      [Math.max(0, left), Math.max(0, right)],
      [0, 0],
    ],
  };
}

/**
 * dx for `dy` [B, Ho, Wo, Cout] and `filter` [kh, kw, Cin, Cout] with the backend's kernels, for attributes that
 * `coversInputGradient` accepts. Returns a new TensorInfo of shape `attrs.inputShape` owned by the backend.
 * @example const dx = conv2dInputGradient('wasm', backend, dy, filter, { strides: 1, pad: 'same', inputShape: [2, 64, 64, 32] });
 */
export function conv2dInputGradient(backendName: string, backend: KernelBackend, dy: TensorInfo, filter: TensorInfo, attrs: InputGradAttrs): TensorInfo {
  const filterShape = filter.shape as [number, number, number, number];
  if (!coversInputGradient(attrs, filterShape, dy.shape)) {
    throw new Error(
      `bgfill Conv2DBackpropInput on ${backendName}: only stride 1, dilation 1, NHWC with a matching dy, work ratio ≤ ${MAX_WORK_RATIO}; got strides ${JSON.stringify(attrs.strides)}, ` +
        `dilations ${JSON.stringify(attrs.dilations ?? 1)}, ${attrs.dataFormat ?? 'NHWC'}, dy [${dy.shape.join(', ')}] for x [${attrs.inputShape.join(', ')}] and filter [${filterShape.join(', ')}]`,
    );
  }
  const g = inputGradientGeometry(attrs.inputShape, filterShape, attrs.pad, attrs.dimRoundingMode);
  const call = kernelCaller(backendName, backend);
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);

  const reversed = call('Reverse')({ x: filter }, { dims: [0, 1] });
  let flipped: TensorInfo;
  try {
    flipped = call('Transpose')({ x: reversed }, { perm: [0, 1, 3, 2] });
  } finally {
    free(reversed);
  }
  const [[ct, cb], [cl, cr]] = g.crop;
  let source = dy;
  try {
    if (ct + cb + cl + cr > 0) {
      source = call('Slice')({ x: dy }, { begin: [0, ct, cl, 0], size: [dy.shape[0], dy.shape[1] - ct - cb, dy.shape[2] - cl - cr, dy.shape[3]] });
    }
    return call('Conv2D')({ x: source, filter: flipped }, { strides: [1, 1], dilations: [1, 1], pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: undefined });
  } finally {
    free(flipped);
    if (source !== dy) free(source);
  }
}

/**
 * A `Conv2DBackpropInput` kernel config for `backendName` that runs the flipped-filter convolution where it applies
 * and `fallback` (the backend's own kernel, captured before replacing it) elsewhere. The fallback's setup and
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

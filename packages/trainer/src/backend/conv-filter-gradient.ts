import * as tf from '@tensorflow/tfjs';
import { backend_util, type KernelBackend, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs';

/**
 * The filter gradient of a 2-D convolution (the `Conv2DBackpropFilter` kernel) expressed as one forward
 * convolution over the batch axis, for backends that lack the kernel (tfjs-backend-wasm 4.22 has none).
 *
 * For y = conv2d(x, w) with strides s, dilations d and top/left padding (pt, pl):
 *
 *   dw[i, j, c, o] = Σ_{b, p, q} x[b, p·s_h + i·d_h − pt, q·s_w + j·d_w − pl, c] · dy[b, p, q, o]
 *
 * which is itself a convolution: take x' = x transposed to [Cin, H, W, B] (channels become the batch, the batch
 * becomes channels) and f' = dy transposed to [Ho, Wo, B, Cout] as the filter; then
 * conv2d(x', f', strides = d, dilations = s, padding (pt, pl) top/left and enough bottom/right for kh × kw outputs)
 * has shape [Cin, ≥kh, ≥kw, Cout]: crop to kh × kw and transpose to [kh, kw, Cin, Cout]. XNNPACK then does the
 * reduction over (B, Ho, Wo) as one GEMM per output position, which is what makes it fast.
 * (The same construction measured 2.7× faster than tfjs-webgpu's own kernel: /work/shared/notes/gpu-baseline.md.)
 *
 * Built only from the backend's own `Transpose`, `Conv2D` and `Slice` kernels, called directly (no tape, no
 * engine bookkeeping), so it works for any backend that has those three.
 */

/** Attributes of the Conv2DBackpropFilter kernel; `dilations` is a bgfill extension (tfjs passes none: 1). */
export interface FilterGradAttrs {
  strides: number | [number, number];
  pad: 'valid' | 'same' | number | backend_util.ExplicitPadding;
  dataFormat?: 'NHWC' | 'NCHW';
  dimRoundingMode?: 'floor' | 'round' | 'ceil';
  filterShape: [number, number, number, number];
  dilations?: number | [number, number];
}

export type KernelCall = (inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>) => TensorInfo;

/** Call a backend's kernels directly (no tape, no engine bookkeeping). */
export function kernelCaller(backendName: string, backend: KernelBackend): (name: string) => KernelCall {
  return (name) => {
    const kernel = tf.getKernel(name, backendName);
    if (!kernel) throw new Error(`bgfill kernels: backend ${backendName} has no ${name} kernel`);
    return (inputs, attrs) =>
      kernel.kernelFunc({ inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
  };
}

/**
 * What a filter gradient reads of x: the forward convolution's geometry and the zero padding of x that covers every
 * row and column its taps read — (k − 1)·d + (out − 1)·s + 1 from −top / −left. Shared by both strategies.
 */
export interface FilterGradientReach {
  info: backend_util.Conv2DInfo;
  top: number;
  bottom: number;
  left: number;
  right: number;
}

/** The reach of a forward convolution (see FilterGradientReach); pure. */
export function filterGradientReach(
  xShape: [number, number, number, number],
  filterShape: [number, number, number, number],
  strides: number | [number, number],
  pad: FilterGradAttrs['pad'],
  dilations: number | [number, number] = 1,
  dimRoundingMode?: FilterGradAttrs['dimRoundingMode'],
): FilterGradientReach {
  const info = backend_util.computeConv2DInfo(xShape, filterShape, strides, dilations, pad, dimRoundingMode, false, 'channelsLast');
  const [, h, w] = xShape;
  const [kh, kw] = filterShape;
  const { top, left } = info.padInfo;
  const bottom = Math.max(0, (kh - 1) * info.dilationHeight + (info.outHeight - 1) * info.strideHeight + 1 - h - top);
  const right = Math.max(0, (kw - 1) * info.dilationWidth + (info.outWidth - 1) * info.strideWidth + 1 - w - left);
  return { info, top, bottom, left, right };
}

/**
 * Check a Conv2DBackpropFilter call (NHWC data; dy of the forward output's shape; x's channels as the filter's)
 * and return what it reads of x. Throws a plain Error: a mismatch here is a programming error, not user input.
 */
export function checkedFilterGradientReach(backendName: string, x: TensorInfo, dy: TensorInfo, attrs: FilterGradAttrs): FilterGradientReach {
  if ((attrs.dataFormat ?? 'NHWC') !== 'NHWC') {
    throw new Error(`bgfill Conv2DBackpropFilter on ${backendName}: only NHWC data is supported, got ${attrs.dataFormat}`);
  }
  const xShape = x.shape as [number, number, number, number];
  const reach = filterGradientReach(xShape, attrs.filterShape, attrs.strides, attrs.pad, attrs.dilations ?? 1, attrs.dimRoundingMode);
  const [batch, , , inChannels] = xShape;
  const [, , filterIn, outChannels] = attrs.filterShape;
  const expected = [batch, reach.info.outHeight, reach.info.outWidth, outChannels];
  if (filterIn !== inChannels || dy.shape.join() !== expected.join()) {
    throw new Error(
      `bgfill Conv2DBackpropFilter: dy has shape [${dy.shape.join(', ')}], expected [${expected.join(', ')}] for x [${xShape.join(', ')}] and filter [${attrs.filterShape.join(', ')}]`,
    );
  }
  return reach;
}

/** The batch-axis convolution's geometry from the forward convolution's reach. */
function batchAxisGeometry({ info, top, bottom, left, right }: FilterGradientReach) {
  return {
    outHeight: info.outHeight,
    outWidth: info.outWidth,
    /** Strides of the batch-axis convolution: the forward dilations. */
    strides: [info.dilationHeight, info.dilationWidth] as [number, number],
    /** Dilations of the batch-axis convolution: the forward strides. */
    dilations: [info.strideHeight, info.strideWidth] as [number, number],
    pad: [
      [0, 0],
      [top, bottom],
      [left, right],
      [0, 0],
    ] as backend_util.ExplicitPadding,
  };
}

/**
 * The geometry of the batch-axis convolution for a forward convolution; pure, exported for tests.
 * @example
 * filterGradientGeometry([2, 9, 9, 3], [3, 3, 3, 4], 2, 'same', 1)
 * // → { strides: [1, 1], dilations: [2, 2], pad: [[0,0],[1,1],[1,1],[0,0]], outHeight: 5, outWidth: 5, … }
 */
export function filterGradientGeometry(...forward: Parameters<typeof filterGradientReach>) {
  return batchAxisGeometry(filterGradientReach(...forward));
}

/**
 * Compute dw with the backend's kernels. `x` is [B, H, W, Cin] and `dy` [B, Ho, Wo, Cout], both NHWC.
 * Returns a new TensorInfo of shape `filterShape` owned by the backend.
 * @example const dw = conv2dFilterGradient('wasm', backend, x, dy, { strides: 1, pad: 'same', filterShape: [3, 3, 4, 8] });
 */
export function conv2dFilterGradient(
  backendName: string,
  backend: KernelBackend,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: FilterGradAttrs,
): TensorInfo {
  const g = batchAxisGeometry(checkedFilterGradientReach(backendName, x, dy, attrs));
  const [kh, kw, inChannels, outChannels] = attrs.filterShape;
  const call = kernelCaller(backendName, backend);
  const transpose = call('Transpose');
  const free = (t: TensorInfo) => backend.disposeData(t.dataId);

  const xT = transpose({ x }, { perm: [3, 1, 2, 0] });
  const dyT = transpose({ x: dy }, { perm: [1, 2, 0, 3] });
  let grad: TensorInfo;
  try {
    grad = call('Conv2D')(
      { x: xT, filter: dyT },
      { strides: g.strides, dilations: g.dilations, pad: g.pad, dataFormat: 'NHWC', dimRoundingMode: undefined },
    );
  } finally {
    free(xT);
    free(dyT);
  }
  if (grad.shape[1] !== kh || grad.shape[2] !== kw) {
    const cropped = call('Slice')({ x: grad }, { begin: [0, 0, 0, 0], size: [inChannels, kh, kw, outChannels] });
    free(grad);
    grad = cropped;
  }
  const result = transpose({ x: grad }, { perm: [1, 2, 0, 3] });
  free(grad);
  return result;
}

/** A filter-gradient computation: conv2dFilterGradient (batch axis) or conv2dFilterGradientIm2col. */
export type FilterGradientFn = (backendName: string, backend: KernelBackend, x: TensorInfo, dy: TensorInfo, attrs: FilterGradAttrs) => TensorInfo;

/**
 * A `Conv2DBackpropFilter` kernel config for `backendName` computing with `compute` (default: the batch-axis
 * convolution, built on the backend's Transpose/Conv2D/Slice kernels).
 * @example tf.registerKernel(conv2DBackpropFilterKernel('wasm'))
 */
export function conv2DBackpropFilterKernel(backendName: string, compute: FilterGradientFn = conv2dFilterGradient): KernelConfig {
  return {
    kernelName: 'Conv2DBackpropFilter',
    backendName,
    kernelFunc: ({ inputs, backend, attrs }) =>
      compute(backendName, backend as KernelBackend, inputs.x as TensorInfo, inputs.dy as TensorInfo, attrs as unknown as FilterGradAttrs),
  };
}

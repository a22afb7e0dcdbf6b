import type { KernelBackend, TensorInfo } from '@tensorflow/tfjs';
import { checkedFilterGradientReach, kernelCaller, type FilterGradAttrs } from './conv-filter-gradient.js';

/**
 * The filter gradient of a 2-D convolution as an im2col matrix product with a split reduction, for GPUs:
 *
 *   dw[i, j, c, o] = Σ_{b, p, q} x[b, p·s_h + i·d_h − pt, q·s_w + j·d_w − pl, c] · dy[b, p, q, o]
 *
 * The x values each tap reads are gathered into columns, cols[b, p, q, (i·kw + j)·Cin + c] (one strided slice of the
 * zero-padded x per tap, concatenated on the channel axis), so that dw = colsᵀ · dy with cols as an M × (kh·kw·Cin)
 * matrix and dy as M × Cout, M = B·Ho·Wo. M is large (8 × 128² = 131 072 at batch 8) and the product small
 * (576 × 128 for a 3×3, 64 → 128 layer): one matrix product would leave most of a GPU idle, so the rows are split
 * into S equal groups, the S partial products run as one batched product and are summed (S·(kh·kw·Cin)·Cout
 * outputs to spread over the GPU; a fixed summation order, so the result is the same run to run, unlike the
 * atomic split-K product). tfjs-backend-webgpu's own kernel gives each weight one thread that loops over all of M
 * (93 % of a training step's GPU time: /work/shared/notes/gpu-baseline.md).
 *
 * Built from the backend's PadV2, StridedSlice, Concat, Reshape, BatchMatMul and Sum kernels, called directly.
 */

/**
 * How many row groups the reduction over M rows is split into: the largest divisor of M up to 64 that leaves at
 * least 1024 rows per group (1 when M < 2048). Pure; exported for tests.
 * @example splitCount(8 * 128 * 128) // → 64
 */
export function splitCount(rows: number): number {
  for (let s = Math.min(64, Math.floor(rows / 1024)); s > 1; s--) if (rows % s === 0) return s;
  return 1;
}

/**
 * dw for `Conv2DBackpropFilter` by im2col and a split batched matrix product. `x` [B, H, W, Cin], `dy`
 * [B, Ho, Wo, Cout], NHWC; returns a new TensorInfo of shape `filterShape` owned by the backend.
 * @example const dw = conv2dFilterGradientIm2col('webgpu', backend, x, dy, { strides: 1, pad: 'same', filterShape: [3, 3, 4, 8] });
 */
export function conv2dFilterGradientIm2col(
  backendName: string,
  backend: KernelBackend,
  x: TensorInfo,
  dy: TensorInfo,
  attrs: FilterGradAttrs,
): TensorInfo {
  const { info, top, bottom, left, right } = checkedFilterGradientReach(backendName, x, dy, attrs);
  const [kh, kw, inChannels, outChannels] = attrs.filterShape;
  const batch = x.shape[0];
  const { outHeight: ho, outWidth: wo, strideHeight: sh, strideWidth: sw, dilationHeight: dh, dilationWidth: dw } = info;
  const call = kernelCaller(backendName, backend);
  const free = (...ts: TensorInfo[]) => ts.forEach((t) => backend.disposeData(t.dataId));
  const needsPad = top > 0 || left > 0 || bottom > 0 || right > 0;
  const padded = needsPad
    ? call('PadV2')({ x }, { paddings: [[0, 0], [top, bottom], [left, right], [0, 0]], constantValue: 0 })
    : x;
  const taps: TensorInfo[] = [];
  try {
    for (let i = 0; i < kh; i++) {
      for (let j = 0; j < kw; j++) {
        taps.push(
          call('StridedSlice')(
            { x: padded },
            {
              begin: [0, i * dh, j * dw, 0],
              end: [batch, i * dh + (ho - 1) * sh + 1, j * dw + (wo - 1) * sw + 1, inChannels],
              strides: [1, sh, sw, 1],
              beginMask: 0,
              endMask: 0,
              ellipsisMask: 0,
              newAxisMask: 0,
              shrinkAxisMask: 0,
            },
          ),
        );
      }
    }
  } finally {
    if (needsPad) free(padded);
  }
  const concat = call('Concat');
  const cols = taps.length === 1 ? taps[0] : (concat(taps as unknown as Record<string, TensorInfo>, { axis: 3 }));
  if (taps.length > 1) free(...taps);
  const rows = batch * ho * wo;
  const split = splitCount(rows);
  const reshape = call('Reshape');
  const colsSplit = reshape({ x: cols }, { shape: [split, rows / split, kh * kw * inChannels] });
  const dySplit = reshape({ x: dy }, { shape: [split, rows / split, outChannels] });
  let partial: TensorInfo;
  try {
    partial = call('BatchMatMul')({ a: colsSplit, b: dySplit }, { transposeA: true, transposeB: false });
  } finally {
    free(cols, colsSplit, dySplit);
  }
  let summed: TensorInfo;
  try {
    summed = split === 1 ? partial : call('Sum')({ x: partial }, { axis: [0], keepDims: false });
  } finally {
    if (split !== 1) free(partial);
  }
  const result = reshape({ x: summed }, { shape: [kh, kw, inChannels, outChannels] });
  free(summed);
  return result;
}

import { perIndex, type GpuProgramSpec } from './gpu-program.js';

/**
 * Training-mode batch normalisation over the channels of an [M, C] activation (M = N·H·W), and its gradient fused
 * with the gated convolution's gate and activation, as six small programs:
 *
 * forward:  stats  — per slice of R rows and channel: the slice's mean and Σ(z − mean)² (two passes over the slice);
 *           finalize — per channel: Chan et al.'s pairwise merge of the slices in order → mean, 1/√(var + eps) and
 *                      the running mean and (unbiased) variance, PyTorch's momentum update;
 *           apply  — y = (z − mean)·(γ·invstd) + β.
 * backward: gradStats — per slice and channel: Σ dy and Σ dy·x̂ (x̂ = (z − mean)·invstd);
 *           gradFinalize — per channel, slices summed in order: dβ = Σ dy, dγ = Σ dy·x̂;
 *           gatedGrad — per element: dz = γ·invstd·(dy − (dβ + x̂·dγ)/M), then through z = φ(f)·σ(g):
 *                       df = dz·σ(g)·φ'(f), dg = dz·φ(f)·σ(g)(1 − σ(g)), written interleaved like the raw branches.
 *
 * Every reduction runs in a fixed order (no atomics), so results repeat bit for bit.
 */

/** The uniforms of a program over slices of rows: M, C, rows per slice, slices. */
const SLICING: GpuProgramSpec['uniforms'] = [
  ['rows', 'i32'],
  ['channels', 'i32'],
  ['chunk', 'i32'],
  ['slices', 'i32'],
];

export const STATS: GpuProgramSpec = {
  name: 'BgfillBatchNormStats',
  outputs: ['partial'],
  inputs: ['z'],
  uniforms: SLICING,
  code: perIndex(
    'u.slices * u.channels',
    `
  let p = index / u.channels;
  let c = index - p * u.channels;
  let begin = p * u.chunk;
  let end = min(u.rows, begin + u.chunk);
  var s = 0.0;
  for (var m = begin; m < end; m++) { s += z[m * u.channels + c]; }
  let mean = s / f32(end - begin);
  var m2 = 0.0;
  for (var m = begin; m < end; m++) {
    let d = z[m * u.channels + c] - mean;
    m2 += d * d;
  }
  partial[2 * index] = mean;
  partial[2 * index + 1] = m2;`,
  ),
};

export const FINALIZE: GpuProgramSpec = {
  name: 'BgfillBatchNormFinalize',
  outputs: ['stats', 'runningMeanOut', 'runningVarOut'],
  inputs: ['partial', 'runningMean', 'runningVar'],
  uniforms: [...SLICING, ['eps', 'f32'], ['momentum', 'f32']],
  code: perIndex(
    'u.channels',
    `
  let c = index;
  var n = 0.0;
  var mean = 0.0;
  var m2 = 0.0;
  for (var p = 0; p < u.slices; p++) {
    let nb = f32(min(u.chunk, u.rows - p * u.chunk));
    let i = 2 * (p * u.channels + c);
    let delta = partial[i] - mean;
    let total = n + nb;
    mean += delta * (nb / total);
    m2 += partial[i + 1] + delta * delta * (n * nb / total);
    n = total;
  }
  let variance = m2 / n;
  stats[c] = mean;
  stats[u.channels + c] = 1.0 / sqrt(variance + u.eps);
  runningMeanOut[c] = runningMean[c] * (1.0 - u.momentum) + mean * u.momentum;
  runningVarOut[c] = runningVar[c] * (1.0 - u.momentum) + variance * (u.momentum * n / (n - 1.0));`,
  ),
};

export const APPLY: GpuProgramSpec = {
  name: 'BgfillBatchNormApply',
  outputs: ['y'],
  inputs: ['z', 'stats', 'gamma', 'beta'],
  uniforms: [
    ['size', 'i32'],
    ['channels', 'i32'],
  ],
  code: perIndex(
    'u.size',
    `
  let c = index % u.channels;
  y[index] = (z[index] - stats[c]) * (gamma[c] * stats[u.channels + c]) + beta[c];`,
  ),
};

export const GRAD_STATS: GpuProgramSpec = {
  name: 'BgfillBatchNormGradStats',
  outputs: ['partial'],
  inputs: ['dy', 'z', 'stats'],
  uniforms: SLICING,
  code: perIndex(
    'u.slices * u.channels',
    `
  let p = index / u.channels;
  let c = index - p * u.channels;
  let mean = stats[c];
  let invstd = stats[u.channels + c];
  var sdy = 0.0;
  var sdyx = 0.0;
  for (var m = p * u.chunk; m < min(u.rows, (p + 1) * u.chunk); m++) {
    let g = dy[m * u.channels + c];
    sdy += g;
    sdyx += g * ((z[m * u.channels + c] - mean) * invstd);
  }
  partial[2 * index] = sdy;
  partial[2 * index + 1] = sdyx;`,
  ),
};

export const GRAD_FINALIZE: GpuProgramSpec = {
  name: 'BgfillBatchNormGradFinalize',
  outputs: ['dgamma', 'dbeta'],
  inputs: ['partial'],
  uniforms: [
    ['channels', 'i32'],
    ['slices', 'i32'],
  ],
  code: perIndex(
    'u.channels',
    `
  let c = index;
  var sdy = 0.0;
  var sdyx = 0.0;
  for (var p = 0; p < u.slices; p++) {
    sdy += partial[2 * (p * u.channels + c)];
    sdyx += partial[2 * (p * u.channels + c) + 1];
  }
  dbeta[c] = sdy;
  dgamma[c] = sdyx;`,
  ),
};

export const GATED_GRAD: GpuProgramSpec = {
  name: 'BgfillGatedBatchNormGrad',
  outputs: ['draw'],
  inputs: ['dy', 'raw', 'stats', 'gamma', 'dgamma', 'dbeta'],
  uniforms: [
    ['rows', 'i32'],
    ['channels', 'i32'],
    ['activation', 'i32'],
    ['slope', 'f32'],
  ],
  code: perIndex(
    'u.rows * u.channels',
    `
  let c = index % u.channels;
  let f = raw[2 * index];
  let g = raw[2 * index + 1];
  let s = 1.0 / (1.0 + exp(-g));
  var phi = f;
  var dphi = 1.0;
  if (u.activation == 1 && f <= 0.0) {
    phi = f * u.slope;
    dphi = u.slope;
  }
  let invstd = stats[u.channels + c];
  let xhat = (phi * s - stats[c]) * invstd;
  let n = f32(u.rows);
  let dz = gamma[c] * invstd * (dy[index] - (dbeta[c] + xhat * dgamma[c]) / n);
  draw[2 * index] = dz * s * dphi;
  draw[2 * index + 1] = dz * phi * s * (1.0 - s);`,
  ),
};

/**
 * Rows per reduction slice: about √M, at least 64, so that neither the per-slice loops nor the in-order merge of
 * slices is long (M = 524 288 → 724 rows, 725 slices).
 * @example batchNormChunk(1024) // → 64
 */
export function batchNormChunk(rows: number): number {
  return Math.max(64, Math.ceil(Math.sqrt(rows)));
}

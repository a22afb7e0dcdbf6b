import { gemmProgram } from './gemm-core.js';
import { perIndex, type GpuProgramSpec, type UniformType } from './gpu-program.js';

/**
 * The convolution programs of the fused path, each one implicit GEMM on gemm-core.ts (NHWC activations, HWIO kernels
 * read as the matrix [kh·kw·Cin, Cout]; no im2col buffer anywhere):
 *
 * - forward: rows = output pixels, columns = output channels, reduction = taps × input channels;
 * - data gradient: rows = input pixels of one stride phase, columns = input channels, reduction = the taps that phase
 *   meets × the output channels (strided layers by phase decomposition, as conv-input-gradient.ts does on wasm, but
 *   all phases in one dispatch: grid z = phase);
 * - filter gradient: rows = taps × input channels plus one row of ones (its result is the bias gradient), columns =
 *   output channels, reduction = pixels, split into slices (grid z) whose partial products one reduction program sums
 *   in a fixed order (deterministic, no atomics).
 *
 * Two variants of each. *Gated* (the generator's gated convolution): the feature and gate kernels are one product
 * with interleaved columns (2o = feature channel o, 2o + 1 = gate channel o), so each thread holds both branches of
 * its channels and the epilogue forms φ(f)·σ(g) in registers. *Plain* (the discriminator): bias and LeakyReLU, and
 * the gradients take the LeakyReLU's derivative from the sign of its output while loading dy.
 *
 * Geometry is uniform data, so one pipeline serves every layer: stride (1 or 2), dilation (stride 1 only), zero
 * padding given as top/left (bottom/right follow from the output size, so PyTorch padding and TF 'same' both fit),
 * and nearest ×2 upsampling of the input before the convolution (index arithmetic: row ⌊i/2⌋).
 */

const GEOMETRY: ReadonlyArray<readonly [string, UniformType]> = [
  ['batch', 'i32'],
  ['inH', 'i32'],
  ['inW', 'i32'],
  ['inC', 'i32'],
  ['outH', 'i32'],
  ['outW', 'i32'],
  ['kh', 'i32'],
  ['kw', 'i32'],
  ['stride', 'i32'],
  ['dilation', 'i32'],
  ['padTop', 'i32'],
  ['padLeft', 'i32'],
  ['upsample', 'i32'],
  ['outC', 'i32'],
  ['activation', 'i32'],
  ['slope', 'f32'],
];

/** Convolution geometry as the programs take it. `inH`, `inW`: the stored input, before any upsampling. */
export interface ConvGeometryUniforms {
  batch: number;
  inH: number;
  inW: number;
  inC: number;
  outH: number;
  outW: number;
  kh: number;
  kw: number;
  stride: number;
  dilation: number;
  padTop: number;
  padLeft: number;
  upsample: boolean;
  /** Output channels (per branch for a gated convolution). */
  outC: number;
  /** LeakyReLU on the (feature) output. */
  activation: boolean;
  slope: number;
}

/** The geometry uniforms in GEOMETRY order. */
export function geometryValues(g: ConvGeometryUniforms): number[] {
  return [g.batch, g.inH, g.inW, g.inC, g.outH, g.outW, g.kh, g.kw, g.stride, g.dilation, g.padTop, g.padLeft, g.upsample ? 1 : 0, g.outC, g.activation ? 1 : 0, g.slope];
}

/** Activation, its derivative, the sigmoid and the product's column count (2·outC interleaved when gated). */
const helpers = (gated: boolean) => `
fn act(v : f32) -> f32 {
  if (u.activation == 1 && v <= 0.0) { return v * u.slope; }
  return v;
}
fn sigmoid(v : f32) -> f32 { return 1.0 / (1.0 + exp(-v)); }
fn columns() -> i32 { return u.outC * ${gated ? 2 : 1}; }
`;

/**
 * im2col of the (upsampled) input, as index arithmetic split in two: what an output pixel contributes (its batch row
 * offset and top-left input position) and what a reduction row r = tap·Cin + c contributes (channel, tap offsets), so
 * that the divisions happen once per pixel and once per reduction row (gemm-core.ts's tables), not per element.
 * Shared by the forward (pixels are rows, taps the reduction) and the filter gradient (the other way round).
 */
const IM2COL = `
struct Pixel { base : i32, h : i32, w : i32 };
fn pixel(p : i32) -> Pixel {
  let hw = u.outH * u.outW;
  let b = p / hw;
  let rest = p - b * hw;
  let oh = rest / u.outW;
  let ow = rest - oh * u.outW;
  return Pixel(b * u.inH, oh * u.stride - u.padTop, ow * u.stride - u.padLeft);
}
/** c < 0 marks the filter gradient's extra row of ones (its result is the bias gradient). */
struct Tap { c : i32, di : i32, dj : i32 };
fn tap(r : i32) -> Tap {
  if (r >= u.kh * u.kw * u.inC) { return Tap(-1, 0, 0); }
  let t = r / u.inC;
  let i = t / u.kw;
  return Tap(r - t * u.inC, i * u.dilation, (t - i * u.kw) * u.dilation);
}
fn im2col(p : Pixel, q : Tap) -> f32 {
  if (q.c < 0) { return 1.0; }
  let ih = p.h + q.di;
  let iw = p.w + q.dj;
  let up = u32(u.upsample);
  if (ih < 0 || iw < 0 || ih >= (u.inH << up) || iw >= (u.inW << up)) { return 0.0; }
  return x[((p.base + (ih >> up)) * u.inW + (iw >> up)) * u.inC + q.c];
}
`;

/** im2col as the GEMM core's A operand: pixels as its rows and taps as its reduction (forward), or the other way round. */
const im2colOperand = (rows: 'pixels' | 'taps') => {
  const [row, k] = rows === 'pixels' ? ['Pixel', 'Tap'] : ['Tap', 'Pixel'];
  return `
alias RowInfo = ${row};
alias KInfo = ${k};
fn rowInfo(c : Ctx, m : i32) -> ${row} { return ${row.toLowerCase()}(m); }
fn kInfo(c : Ctx, k : i32) -> ${k} { return ${k.toLowerCase()}(k); }
fn loadA(c : Ctx, r : ${row}, q : ${k}) -> f32 { return im2col(${rows === 'pixels' ? 'r, q' : 'q, r'}); }
`;
};

/** Weight of column n at reduction row r = tap·Cin + c: interleaved feature/gate for the gated variant. */
const WEIGHT = (gated: boolean) =>
  gated
    ? `fn weight(r : i32, n : i32) -> f32 {
  let o = n >> 1u;
  if ((n & 1) == 0) { return wf[r * u.outC + o]; }
  return wg[r * u.outC + o];
}`
    : `fn weight(r : i32, n : i32) -> f32 { return w[r * u.outC + n] / scale[0]; }`;

/** dy at output pixel p, column n, as the kernels' product sees it (the plain variant through the LeakyReLU). */
const OUTPUT_GRADIENT = (gated: boolean) =>
  gated
    ? `fn outGrad(p : i32, n : i32) -> f32 { return draw[p * columns() + n]; }`
    : `fn outGrad(p : i32, n : i32) -> f32 {
  let i = p * u.outC + n;
  let g = dy[i];
  if (u.activation == 1 && y[i] <= 0.0) { return g * u.slope; }
  return g;
}`;

const gatedName = (gated: boolean) => (gated ? 'Gated' : 'Plain');

function forwardSpec(gated: boolean): GpuProgramSpec {
  const store = gated
    ? `fn store(c : Ctx, m : i32, n : i32, v : vec4<f32>) {
  let o = n >> 1u;
  let f0 = v.x + bf[o];
  let g0 = v.y + bg[o];
  raw[m * columns() + n] = f0;
  raw[m * columns() + n + 1] = g0;
  zout[m * u.outC + o] = act(f0) * sigmoid(g0);
  if (n + 2 < columns()) {
    let f1 = v.z + bf[o + 1];
    let g1 = v.w + bg[o + 1];
    raw[m * columns() + n + 2] = f1;
    raw[m * columns() + n + 3] = g1;
    zout[m * u.outC + o + 1] = act(f1) * sigmoid(g1);
  }
}`
    : `fn store(c : Ctx, m : i32, n : i32, v : vec4<f32>) {
  for (var q = 0; q < 4; q++) {
    if (n + q < u.outC) { yout[m * u.outC + n + q] = act(v[q] + bias[n + q]); }
  }
}`;
  return {
    name: `Bgfill${gatedName(gated)}ConvForward`,
    outputs: gated ? ['raw', 'zout'] : ['yout'],
    inputs: gated ? ['x', 'wf', 'wg', 'bf', 'bg'] : ['x', 'w', 'bias', 'scale'],
    uniforms: [...GEOMETRY, ['zCount', 'i32']],
    code: gemmProgram({
      aLayout: 'k-fast',
      zCount: 'zCount',
      functions: `${helpers(gated)}${IM2COL}
${WEIGHT(gated)}
struct Ctx { unused : i32 };
fn context(z : i32) -> Ctx { return Ctx(z); }
fn bounds(c : Ctx) -> vec4<i32> { return vec4<i32>(u.batch * u.outH * u.outW, columns(), 0, u.kh * u.kw * u.inC); }
${im2colOperand('pixels')}
fn loadB(c : Ctx, q : Tap, k : i32, n : i32) -> f32 { return weight(k, n); }
${store}`,
    }),
  };
}

/**
 * Phase z of the data gradient: input rows ≡ ph (mod stride), columns ≡ pw; the taps that reach them are
 * i ≡ ph + padTop (mod stride), j likewise: the first tap and tap count per axis, and the phase's rows and columns.
 * Strides 1 and 2 (divisions by the stride are shifts).
 */
const PHASE = `
struct Ctx { ph : i32, pw : i32, h : i32, w : i32, i0 : i32, ni : i32, j0 : i32, nj : i32 };
fn context(z : i32) -> Ctx {
  var q : Ctx;
  let s = u.stride;
  q.ph = z / s;
  q.pw = z - q.ph * s;
  q.h = (u.inH - q.ph + s - 1) / s;
  q.w = (u.inW - q.pw + s - 1) / s;
  q.i0 = (q.ph + u.padTop) % s;
  q.j0 = (q.pw + u.padLeft) % s;
  q.ni = max(0, (u.kh - q.i0 + s - 1) / s);
  q.nj = max(0, (u.kw - q.j0 + s - 1) / s);
  return q;
}
fn subs() -> i32 { return 1 + 3 * u.upsample; }
`;

function dataGradientSpec(gated: boolean): GpuProgramSpec {
  return {
    name: `Bgfill${gatedName(gated)}ConvDataGradient`,
    outputs: ['dx'],
    inputs: gated ? ['draw', 'wf', 'wg'] : ['dy', 'y', 'w', 'scale'],
    uniforms: [...GEOMETRY, ['zCount', 'i32']],
    code: gemmProgram({
      aLayout: 'k-fast',
      zCount: 'zCount',
      functions: `${helpers(gated)}
${WEIGHT(gated)}
${OUTPUT_GRADIENT(gated)}
${PHASE}
fn bounds(c : Ctx) -> vec4<i32> { return vec4<i32>(u.batch * c.h * c.w, u.inC, 0, subs() * c.ni * c.nj * columns()); }
/** An input pixel of the phase: batch, row, column. */
struct RowInfo { b : i32, ih : i32, iw : i32 };
fn rowInfo(c : Ctx, m : i32) -> RowInfo {
  let b = m / (c.h * c.w);
  let rest = m - b * c.h * c.w;
  let y = rest / c.w;
  return RowInfo(b, c.ph + u.stride * y, c.pw + u.stride * (rest - y * c.w));
}
/** Reduction index k = ((sub · ni + ti) · nj + tj) · columns + n: the column, the tap offsets, its index, the upsampling sub-pixel. */
struct KInfo { n : i32, di : i32, dj : i32, tap : i32, sub : i32 };
fn kInfo(c : Ctx, k : i32) -> KInfo {
  let n = k % columns();
  var t = k / columns();
  let tj = t % c.nj;
  t = t / c.nj;
  let ti = t % c.ni;
  let i = c.i0 + u.stride * ti;
  let j = c.j0 + u.stride * tj;
  return KInfo(n, i * u.dilation, j * u.dilation, i * u.kw + j, t / c.ni);
}
fn loadA(c : Ctx, r : RowInfo, q : KInfo) -> f32 {
  var uh = r.ih;
  var uw = r.iw;
  if (u.upsample == 1) {
    uh = 2 * r.ih + (q.sub >> 1u);
    uw = 2 * r.iw + (q.sub & 1);
  }
  let nh = uh + u.padTop - q.di;
  let nw = uw + u.padLeft - q.dj;
  if (nh < 0 || nw < 0) { return 0.0; }
  let shift = u32(u.stride >> 1u);
  let oh = nh >> shift;
  let ow = nw >> shift;
  if (oh >= u.outH || ow >= u.outW) { return 0.0; }
  return outGrad((r.b * u.outH + oh) * u.outW + ow, q.n);
}
fn loadB(c : Ctx, q : KInfo, k : i32, channel : i32) -> f32 { return weight(q.tap * u.inC + channel, q.n); }
fn store(c : Ctx, m : i32, channel : i32, v : vec4<f32>) {
  let r = rowInfo(c, m);
  let base = ((r.b * u.inH + r.ih) * u.inW + r.iw) * u.inC;
  for (var e = 0; e < 4; e++) {
    if (channel + e < u.inC) { dx[base + channel + e] = v[e]; }
  }
}`,
    }),
  };
}

function filterGradientSpec(gated: boolean): GpuProgramSpec {
  return {
    name: `Bgfill${gatedName(gated)}ConvFilterGradient`,
    outputs: ['partial'],
    inputs: gated ? ['x', 'draw'] : ['x', 'dy', 'y'],
    uniforms: [...GEOMETRY, ['zCount', 'i32'], ['chunk', 'i32']],
    code: gemmProgram({
      aLayout: 'm-fast',
      zCount: 'zCount',
      functions: `${helpers(gated)}${IM2COL}
${OUTPUT_GRADIENT(gated)}
fn taps() -> i32 { return u.kh * u.kw * u.inC; }
/** Slice z of the reduction over pixels. */
struct Ctx { begin : i32, end : i32 };
fn context(z : i32) -> Ctx { return Ctx(z * u.chunk, min(u.batch * u.outH * u.outW, (z + 1) * u.chunk)); }
fn bounds(c : Ctx) -> vec4<i32> { return vec4<i32>(taps() + 1, columns(), c.begin, c.end); }
${im2colOperand('taps')}
fn loadB(c : Ctx, q : Pixel, p : i32, n : i32) -> f32 { return outGrad(p, n); }
fn store(c : Ctx, r : i32, n : i32, v : vec4<f32>) {
  let base = ((c.begin / u.chunk) * (taps() + 1) + r) * columns() + n;
  for (var e = 0; e < 4; e++) {
    if (n + e < columns()) { partial[base + e] = v[e]; }
  }
}`,
    }),
  };
}

/** Sums the filter-gradient slices in slice order and writes each parameter's gradient in its own layout. */
function filterReduceSpec(gated: boolean): GpuProgramSpec {
  const write = gated
    ? `  let o = n >> 1u;
  if (r < taps) {
    if ((n & 1) == 0) { dwf[r * u.outC + o] = s; } else { dwg[r * u.outC + o] = s; }
  } else {
    if ((n & 1) == 0) { dbf[o] = s; } else { dbg[o] = s; }
  }`
    : `  if (r < taps) { dw[r * u.outC + n] = s / scale[0]; } else { db[n] = s; }`;
  return {
    name: `Bgfill${gatedName(gated)}ConvFilterReduce`,
    outputs: gated ? ['dwf', 'dwg', 'dbf', 'dbg'] : ['dw', 'db'],
    inputs: gated ? ['partial'] : ['partial', 'scale'],
    uniforms: [
      ['taps', 'i32'],
      ['outC', 'i32'],
      ['slices', 'i32'],
    ],
    code: perIndex(
      `(u.taps + 1) * u.outC * ${gated ? 2 : 1}`,
      `
  let cols = u.outC * ${gated ? 2 : 1};
  let taps = u.taps;
  let r = index / cols;
  let n = index - r * cols;
  var s = 0.0;
  for (var z = 0; z < u.slices; z++) { s += partial[(z * (taps + 1) + r) * cols + n]; }
${write}`,
    ),
  };
}

/** The programs, built once (pipelines are cached per program object and device). */
export const CONV_PROGRAMS = {
  gated: { forward: forwardSpec(true), dataGradient: dataGradientSpec(true), filterGradient: filterGradientSpec(true), filterReduce: filterReduceSpec(true) },
  plain: { forward: forwardSpec(false), dataGradient: dataGradientSpec(false), filterGradient: filterGradientSpec(false), filterReduce: filterReduceSpec(false) },
} as const;

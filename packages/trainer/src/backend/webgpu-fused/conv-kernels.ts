import * as tf from '@tensorflow/tfjs';
import type { KernelConfig, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';
import { CONV_PROGRAMS, geometryValues, type ConvGeometryUniforms } from './conv-programs.js';
import { TILE, gemmGrid } from './gemm-core.js';
import { newTensor, runProgram, type WebGpuBackendInternals } from './gpu-program.js';

/**
 * The fused convolution kernels, registered with tfjs for the webgpu backend (so that tf.profile, tf.memory and the
 * engine's bookkeeping see them like tfjs's own) and run with `tf.engine().runKernel(name, inputs, attrs)`:
 *
 * | kernel | inputs | outputs | dispatches |
 * | --- | --- | --- | --- |
 * | BgfillGatedConv2D | x, wf, wg, bf, bg | raw [N,Ho,Wo,2C] (f, g interleaved), z = φ(f)·σ(g) [N,Ho,Wo,C] | 1 |
 * | BgfillGatedConv2DBackpropInput | draw, wf, wg | dx | 1 |
 * | BgfillGatedConv2DBackpropFilter | x, draw | dwf, dwg, dbf, dbg | 2 |
 * | BgfillLeakyConv2D | x, w, bias, scale | y = LeakyReLU(conv(x, w / scale) + bias) | 1 |
 * | BgfillLeakyConv2DBackpropInput | dy, y, w, scale | dx | 1 |
 * | BgfillLeakyConv2DBackpropFilter | x, dy, y, scale | dw (of w, through / scale), db | 2 |
 *
 * Attributes: the geometry of conv-programs.ts (`ConvGeometryUniforms`).
 */

export type ConvAttrs = ConvGeometryUniforms;

const fromAttrs = (attrs: NamedAttrMap): ConvAttrs => attrs as unknown as ConvAttrs;

/** The reduction slices of a filter gradient: enough workgroups to fill a large GPU, at least 256 pixels each. */
export function filterGradientSlices(pixels: number, rows: number, cols: number): { slices: number; chunk: number } {
  const tiles = Math.ceil(rows / TILE) * Math.ceil(cols / TILE);
  const wanted = Math.max(1, Math.min(Math.ceil(2048 / tiles), Math.floor(pixels / 256), 1024));
  const chunk = Math.ceil(pixels / wanted / TILE) * TILE;
  return { slices: Math.ceil(pixels / chunk), chunk };
}

function gatedForward(backend: WebGpuBackendInternals, x: TensorInfo, wf: TensorInfo, wg: TensorInfo, bf: TensorInfo, bg: TensorInfo, g: ConvAttrs): TensorInfo[] {
  const raw = newTensor(backend, [g.batch, g.outH, g.outW, 2 * g.outC]);
  const z = newTensor(backend, [g.batch, g.outH, g.outW, g.outC]);
  runProgram(backend, CONV_PROGRAMS.gated.forward, {
    outputs: [raw, z],
    inputs: [x, wf, wg, bf, bg],
    uniforms: [...geometryValues(g), 1],
    workgroups: gemmGrid(g.batch * g.outH * g.outW, 2 * g.outC, 1),
  });
  return [raw, z];
}

function leakyForward(backend: WebGpuBackendInternals, x: TensorInfo, w: TensorInfo, bias: TensorInfo, scale: TensorInfo, g: ConvAttrs): TensorInfo {
  const y = newTensor(backend, [g.batch, g.outH, g.outW, g.outC]);
  runProgram(backend, CONV_PROGRAMS.plain.forward, {
    outputs: [y],
    inputs: [x, w, bias, scale],
    uniforms: [...geometryValues(g), 1],
    workgroups: gemmGrid(g.batch * g.outH * g.outW, g.outC, 1),
  });
  return y;
}

function dataGradient(backend: WebGpuBackendInternals, gated: boolean, inputs: TensorInfo[], g: ConvAttrs): TensorInfo {
  if (g.stride > 2 || (g.stride > 1 && (g.dilation !== 1 || g.upsample))) throw new Error('fused conv data gradient: strides 1 and 2 only, and a strided layer cannot also be dilated or upsampled');
  const dx = newTensor(backend, [g.batch, g.inH, g.inW, g.inC]);
  const phases = g.stride * g.stride;
  const maxRows = g.batch * Math.ceil(g.inH / g.stride) * Math.ceil(g.inW / g.stride);
  runProgram(backend, gated ? CONV_PROGRAMS.gated.dataGradient : CONV_PROGRAMS.plain.dataGradient, {
    outputs: [dx],
    inputs,
    uniforms: [...geometryValues(g), phases],
    workgroups: gemmGrid(maxRows, g.inC, phases),
  });
  return dx;
}

function filterGradient(backend: WebGpuBackendInternals, gated: boolean, inputs: TensorInfo[], scale: TensorInfo | undefined, g: ConvAttrs): TensorInfo[] {
  const taps = g.kh * g.kw * g.inC;
  const cols = (gated ? 2 : 1) * g.outC;
  const pixels = g.batch * g.outH * g.outW;
  const { slices, chunk } = filterGradientSlices(pixels, taps + 1, cols);
  const partial = newTensor(backend, [slices, taps + 1, cols]);
  try {
    runProgram(backend, gated ? CONV_PROGRAMS.gated.filterGradient : CONV_PROGRAMS.plain.filterGradient, {
      outputs: [partial],
      inputs,
      uniforms: [...geometryValues(g), slices, chunk],
      workgroups: gemmGrid(taps + 1, cols, slices),
    });
    const kernelShape = [g.kh, g.kw, g.inC, g.outC];
    const outputs = gated
      ? [newTensor(backend, kernelShape), newTensor(backend, kernelShape), newTensor(backend, [g.outC]), newTensor(backend, [g.outC])]
      : [newTensor(backend, kernelShape), newTensor(backend, [g.outC])];
    const count = (taps + 1) * cols;
    runProgram(backend, gated ? CONV_PROGRAMS.gated.filterReduce : CONV_PROGRAMS.plain.filterReduce, {
      outputs,
      inputs: scale ? [partial, scale] : [partial],
      uniforms: [taps, g.outC, slices],
      workgroups: [Math.min(65535, Math.ceil(count / 64)), Math.ceil(count / 64 / 65535), 1],
    });
    return outputs;
  } finally {
    backend.disposeData(partial.dataId);
  }
}

type Inputs = Record<string, TensorInfo>;

const kernel = (kernelName: string, run: (backend: WebGpuBackendInternals, inputs: Inputs, attrs: ConvAttrs) => TensorInfo | TensorInfo[]): KernelConfig => ({
  kernelName,
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend, attrs }) => run(backend as unknown as WebGpuBackendInternals, inputs as unknown as Inputs, fromAttrs(attrs ?? {})),
});

/** The convolution kernels of the fused path, for tf.registerKernel. */
export const CONV_KERNELS: readonly KernelConfig[] = [
  kernel('BgfillGatedConv2D', (b, i, g) => gatedForward(b, i.x, i.wf, i.wg, i.bf, i.bg, g)),
  kernel('BgfillGatedConv2DBackpropInput', (b, i, g) => dataGradient(b, true, [i.draw, i.wf, i.wg], g)),
  kernel('BgfillGatedConv2DBackpropFilter', (b, i, g) => filterGradient(b, true, [i.x, i.draw], undefined, g)),
  kernel('BgfillLeakyConv2D', (b, i, g) => leakyForward(b, i.x, i.w, i.bias, i.scale, g)),
  kernel('BgfillLeakyConv2DBackpropInput', (b, i, g) => dataGradient(b, false, [i.dy, i.y, i.w, i.scale], g)),
  kernel('BgfillLeakyConv2DBackpropFilter', (b, i, g) => filterGradient(b, false, [i.x, i.dy, i.y], i.scale, g)),
];

/** Run a registered fused kernel on the current backend; the outputs are new tensors in the current scope. */
export function runFused(name: string, inputs: Record<string, tf.Tensor>, attrs: object): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs as unknown as tf.NamedTensorMap, attrs as NamedAttrMap) as tf.Tensor | tf.Tensor[];
  return Array.isArray(out) ? out : [out];
}

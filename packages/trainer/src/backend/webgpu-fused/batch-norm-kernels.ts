import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { APPLY, FINALIZE, GATED_GRAD, GRAD_FINALIZE, GRAD_STATS, STATS, batchNormChunk } from './batch-norm-programs.js';
import { newTensor, runProgram, spread, type WebGpuBackendInternals } from './gpu-program.js';

/**
 * The batch-norm kernels of the fused path, registered for the webgpu backend:
 *
 * | kernel | inputs | outputs | dispatches |
 * | --- | --- | --- | --- |
 * | BgfillBatchNormTrain | z, gamma, beta, runningMean, runningVar | y, stats [2, C] (mean; 1/√(var + eps)), runningMean', runningVar' | 3 |
 * | BgfillGatedBatchNormGrad | dy, z, raw, stats, gamma | draw (the gated convolution's raw branches), dgamma, dbeta | 3 |
 *
 * Attributes: `eps`, `momentum` (train); `activation`, `slope` (grad).
 */

const groups = (threads: number) => spread(Math.ceil(threads / 64));

/** An [M, C] activation's slices for the statistics programs, and the buffer of their per-slice pairs. */
function slicing(backend: WebGpuBackendInternals, z: TensorInfo): { rows: number; channels: number; chunk: number; slices: number; partial: TensorInfo } {
  const channels = z.shape[z.shape.length - 1];
  const rows = z.shape.reduce((a, b) => a * b, 1) / channels;
  const chunk = batchNormChunk(rows);
  const slices = Math.ceil(rows / chunk);
  return { rows, channels, chunk, slices, partial: newTensor(backend, [slices, channels, 2]) };
}

function train(backend: WebGpuBackendInternals, inputs: Record<string, TensorInfo>, attrs: { eps: number; momentum: number }): TensorInfo[] {
  const { z, gamma, beta, runningMean, runningVar } = inputs;
  const { rows, channels, chunk, slices, partial } = slicing(backend, z);
  const stats = newTensor(backend, [2, channels]);
  const meanOut = newTensor(backend, [channels]);
  const varOut = newTensor(backend, [channels]);
  const y = newTensor(backend, z.shape);
  runProgram(backend, STATS, { outputs: [partial], inputs: [z], uniforms: [rows, channels, chunk, slices], workgroups: groups(slices * channels) });
  runProgram(backend, FINALIZE, {
    outputs: [stats, meanOut, varOut],
    inputs: [partial, runningMean, runningVar],
    uniforms: [rows, channels, chunk, slices, attrs.eps, attrs.momentum],
    workgroups: groups(channels),
  });
  backend.disposeData(partial.dataId);
  runProgram(backend, APPLY, { outputs: [y], inputs: [z, stats, gamma, beta], uniforms: [rows * channels, channels], workgroups: groups(rows * channels) });
  return [y, stats, meanOut, varOut];
}

function gatedGrad(backend: WebGpuBackendInternals, inputs: Record<string, TensorInfo>, attrs: { activation: boolean; slope: number }): TensorInfo[] {
  const { dy, z, raw, stats, gamma } = inputs;
  const { rows, channels, chunk, slices, partial } = slicing(backend, z);
  const dgamma = newTensor(backend, [channels]);
  const dbeta = newTensor(backend, [channels]);
  const draw = newTensor(backend, raw.shape);
  runProgram(backend, GRAD_STATS, { outputs: [partial], inputs: [dy, z, stats], uniforms: [rows, channels, chunk, slices], workgroups: groups(slices * channels) });
  runProgram(backend, GRAD_FINALIZE, { outputs: [dgamma, dbeta], inputs: [partial], uniforms: [channels, slices], workgroups: groups(channels) });
  backend.disposeData(partial.dataId);
  runProgram(backend, GATED_GRAD, {
    outputs: [draw],
    inputs: [dy, raw, stats, gamma, dgamma, dbeta],
    uniforms: [rows, channels, attrs.activation ? 1 : 0, attrs.slope],
    workgroups: groups(rows * channels),
  });
  return [draw, dgamma, dbeta];
}

/** The batch-norm kernels, for tf.registerKernel. */
export const BATCH_NORM_KERNELS: readonly KernelConfig[] = [
  {
    kernelName: 'BgfillBatchNormTrain',
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) =>
      train(backend as unknown as WebGpuBackendInternals, inputs as unknown as Record<string, TensorInfo>, attrs as unknown as { eps: number; momentum: number }),
  },
  {
    kernelName: 'BgfillGatedBatchNormGrad',
    backendName: 'webgpu',
    kernelFunc: ({ inputs, backend, attrs }) =>
      gatedGrad(backend as unknown as WebGpuBackendInternals, inputs as unknown as Record<string, TensorInfo>, attrs as unknown as { activation: boolean; slope: number }),
  },
];

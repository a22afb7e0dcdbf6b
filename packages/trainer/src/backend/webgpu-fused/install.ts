import * as tf from '@tensorflow/tfjs';
import { invalidParameter } from '@bgfill/core';
import { setGatedConvOverride, setLeakyConvOverride } from '../../model/layer-overrides.js';
import { setAdamKernel } from '../../train/adam.js';
import { adamInPlace } from './adam-kernel.js';
import { BATCH_NORM_KERNELS } from './batch-norm-kernels.js';
import { CONV_KERNELS } from './conv-kernels.js';
import { fusedGatedConvTraining } from './gated-conv-op.js';
import { fusedLeakyConv } from './leaky-conv-op.js';
import { SIGMA_GRADIENT_KERNEL } from './sigma-gradient.js';

/** How training runs on the webgpu backend: tfjs's kernels as composed by the model (`stock`), or bgfill's fused ones. */
export type WebGpuKernels = 'stock' | 'fused';
export const WEBGPU_KERNEL_CHOICES: readonly WebGpuKernels[] = ['stock', 'fused'];

let registered = false;
let active: WebGpuKernels = 'stock';

/**
 * Register the fused kernels with tfjs for the webgpu backend (idempotent). They exist alongside tfjs's own and change
 * nothing until the fused path calls them.
 * @example registerFusedKernels(); tf.getKernel('BgfillGatedConv2D', 'webgpu') // → defined
 */
export function registerFusedKernels(): void {
  if (registered) return;
  for (const kernel of [...CONV_KERNELS, ...BATCH_NORM_KERNELS, SIGMA_GRADIENT_KERNEL]) if (!tf.getKernel(kernel.kernelName, kernel.backendName)) tf.registerKernel(kernel);
  registered = true;
}

const onWebGpu = <A extends unknown[], R>(f: (...args: A) => R | undefined) => (...args: A): R | undefined => (tf.getBackend() === 'webgpu' ? f(...args) : undefined);

/**
 * Select the kernels training uses on the webgpu backend from now on. `fused` installs bgfill's fused layers into the
 * model (model/layer-overrides.ts); they act only while the webgpu backend is current, so other backends are never
 * affected. `stock` (the default) removes them: the model's own composition of tfjs kernels, bit for bit as before.
 * @example useWebGpuKernels('fused');
 */
export function useWebGpuKernels(kernels: WebGpuKernels): void {
  if (!WEBGPU_KERNEL_CHOICES.includes(kernels)) throw invalidParameter('webgpu kernels', `one of ${WEBGPU_KERNEL_CHOICES.join(', ')}`, kernels);
  if (kernels === 'fused') registerFusedKernels();
  setGatedConvOverride(kernels === 'fused' ? onWebGpu(fusedGatedConvTraining) : undefined);
  setLeakyConvOverride(kernels === 'fused' ? onWebGpu(fusedLeakyConv) : undefined);
  setAdamKernel(kernels === 'fused' ? adamInPlace : undefined);
  active = kernels;
}

/** The kernels training uses on the webgpu backend now. */
export function webGpuKernels(): WebGpuKernels {
  return active;
}

import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2DBackpropFilterKernel } from './conv-filter-gradient.js';
import { meanGradient, sumGradient } from './reduction-gradients.js';

/**
 * Kernels bgfill adds to backends that lack them, as (kernel, backend) pairs. tfjs-backend-wasm 4.22 has no
 * Conv2DBackpropFilter, which every convolution's weight gradient needs; its Conv2DBackpropInput exists, and the
 * generator has no depthwise convolutions, so nothing else is missing for training (the trainer tests check a
 * full generator gradient on wasm).
 */
export const BGFILL_KERNELS: ReadonlyArray<{ kernelName: string; backendName: string; create: () => KernelConfig }> = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', create: () => conv2DBackpropFilterKernel('wasm') },
];

let gradientsRegistered = false;

/**
 * Register bgfill's kernels and gradient overrides. Idempotent: a kernel is added only where the backend has
 * none, and the Mean/Sum gradients are replaced once. Call before computing gradients (initBackend does).
 * @example
 * registerBgfillKernels();
 * tf.getKernel('Conv2DBackpropFilter', 'wasm') // → defined
 */
export function registerBgfillKernels(): void {
  for (const { kernelName, backendName, create } of BGFILL_KERNELS) {
    if (tf.getKernel(kernelName, backendName) === undefined) tf.registerKernel(create());
  }
  if (!gradientsRegistered) {
    tf.registerGradient(meanGradient);
    tf.registerGradient(sumGradient);
    gradientsRegistered = true;
  }
}

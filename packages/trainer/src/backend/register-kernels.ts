import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2DBackpropFilterKernel } from './conv-filter-gradient.js';
import { meanGradient, sumGradient } from './reduction-gradients.js';
import { spaceBatchKernels } from './space-batch-kernels.js';

/**
 * Kernels bgfill adds to backends that lack them. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, which every
 * convolution's weight gradient needs; its Conv2DBackpropInput exists, and the generator has no depthwise
 * convolutions, so nothing else is missing for training (the kernel tests run a full generator gradient on wasm).
 */
export const BGFILL_KERNELS: ReadonlyArray<{ kernelName: string; backendName: string; create: () => KernelConfig }> = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', create: () => conv2DBackpropFilterKernel('wasm') },
];

/**
 * Kernels bgfill replaces because the backend's own is far slower than it needs to be: wasm's SpaceToBatchND and
 * BatchToSpaceND (every dilated convolution of the generator runs through both), see space-batch-kernels.ts.
 */
export const BGFILL_REPLACED_KERNELS: ReadonlyArray<{ kernelName: string; backendName: string }> = [
  { kernelName: 'SpaceToBatchND', backendName: 'wasm' },
  { kernelName: 'BatchToSpaceND', backendName: 'wasm' },
];

let gradientsRegistered = false;
/** The kernel functions bgfill installed, to recognise them (idempotency). */
const installed = new Set<unknown>();

function replaceSpaceBatchKernels(backendName: string): void {
  const s2b = tf.getKernel('SpaceToBatchND', backendName);
  const b2s = tf.getKernel('BatchToSpaceND', backendName);
  if (!s2b || !b2s || installed.has(s2b.kernelFunc)) return;
  for (const kernel of spaceBatchKernels(backendName, s2b, b2s)) {
    tf.unregisterKernel(kernel.kernelName, backendName);
    tf.registerKernel(kernel);
    installed.add(kernel.kernelFunc);
  }
}

/**
 * Register bgfill's kernels and gradient overrides. Idempotent: a missing kernel is added once, a replaced kernel
 * is replaced once, and the Mean/Sum gradients are replaced once. Call before running models (initBackend does);
 * the wasm replacements need @tensorflow/tfjs-backend-wasm imported (its kernels registered) first.
 * @example
 * registerBgfillKernels();
 * tf.getKernel('Conv2DBackpropFilter', 'wasm') // → defined
 */
export function registerBgfillKernels(): void {
  for (const { kernelName, backendName, create } of BGFILL_KERNELS) {
    if (tf.getKernel(kernelName, backendName) === undefined) tf.registerKernel(create());
  }
  replaceSpaceBatchKernels('wasm');
  if (!gradientsRegistered) {
    tf.registerGradient(meanGradient);
    tf.registerGradient(sumGradient);
    gradientsRegistered = true;
  }
}

import * as tf from '@tensorflow/tfjs';
import { CONV_KERNELS } from './conv-kernels.js';

let registered = false;

/**
 * Register the fused kernels with tfjs for the webgpu backend (idempotent). They exist alongside tfjs's own and change
 * nothing until the fused path calls them.
 * @example registerFusedKernels(); tf.getKernel('BgfillGatedConv2D', 'webgpu') // → defined
 */
export function registerFusedKernels(): void {
  if (registered) return;
  for (const kernel of CONV_KERNELS) if (!tf.getKernel(kernel.kernelName, kernel.backendName)) tf.registerKernel(kernel);
  registered = true;
}

import * as tf from '@tensorflow/tfjs';
import { invalidParameter } from '@bgfill/core';
import { setGatedConvOverride, setLeakyConvOverride } from '../../model/layer-overrides.js';
import { registerAdamUpdate, setPreferredAdamUpdate } from '../../train/adam-strategy.js';
import { FUSED_ADAM_UPDATE, fusedAdam } from './adam-kernel.js';
import { BATCH_NORM_KERNELS } from './batch-norm-kernels.js';
import { CONV_KERNELS } from './conv-kernels.js';
import { fusedGatedConvTraining } from './gated-conv-op.js';
import { WEBGPU_KERNEL_CHOICES, resolveWebGpuKernels, type WebGpuKernels } from './kernel-choice.js';
import { fusedLeakyConv } from './leaky-conv-op.js';
import { SIGMA_GRADIENT_KERNEL } from './sigma-gradient.js';


export type { WebGpuKernels } from './kernel-choice.js';

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
  registerAdamUpdate(FUSED_ADAM_UPDATE, fusedAdam);
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
  // Adam objects made from now on on webgpu use the fused update (adam-strategy.ts; BGFILL_ADAM_UPDATE still overrides).
  setPreferredAdamUpdate('webgpu', kernels === 'fused' ? FUSED_ADAM_UPDATE : undefined);
  active = kernels;
}

/** The kernels training uses on the webgpu backend now. */
export function webGpuKernels(): WebGpuKernels {
  return active;
}

/**
 * Apply a training run's choice (`--kernels`, else BGFILL_WEBGPU_KERNELS, else stock) and say what it means on the
 * backend in use, through `log`.
 * @example selectWebGpuKernels(config.kernels, backend.name, log);
 */
export function selectWebGpuKernels(requested: string | null | undefined, backendName: string, log: (line: string) => void): WebGpuKernels {
  const kernels = resolveWebGpuKernels(requested);
  useWebGpuKernels(kernels);
  if (kernels === 'fused') {
    log(
      backendName === 'webgpu'
        ? 'webgpu kernels: fused (bgfill\'s fused WGSL training kernels; opt-in: checked against the cpu backend, not yet timed on a GPU)'
        : `webgpu kernels: fused has no effect on the ${backendName} backend`,
    );
  }
  return kernels;
}

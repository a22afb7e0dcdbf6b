import { BgfillError } from '@bgfill/core';

/**
 * Which kernels training uses on the webgpu backend — `stock`: tfjs's own, as the model composes them (the default);
 * `fused`: bgfill's fused WGSL kernels (this folder), opt-in until a GPU has timed them (see README.md). Kept free of
 * tfjs so that the training config can name the choices without loading TensorFlow.js.
 */
export type WebGpuKernels = 'stock' | 'fused';
export const WEBGPU_KERNEL_CHOICES = ['stock', 'fused'] as const satisfies readonly WebGpuKernels[];

/** The environment variable that selects the kernels for every entry point (benches included). */
export const WEBGPU_KERNELS_ENV = 'BGFILL_WEBGPU_KERNELS';

/**
 * The kernels asked for: `requested` when given, else BGFILL_WEBGPU_KERNELS, else `stock`. A bad value is a
 * BgfillError naming where it came from.
 * @example resolveWebGpuKernels(null, { BGFILL_WEBGPU_KERNELS: 'fused' }) // → 'fused'
 */
export function resolveWebGpuKernels(requested: string | null | undefined, env: NodeJS.ProcessEnv = process.env): WebGpuKernels {
  const [value, source] = requested != null ? [requested, '--kernels'] : [env[WEBGPU_KERNELS_ENV] || 'stock', WEBGPU_KERNELS_ENV];
  if (!(WEBGPU_KERNEL_CHOICES as readonly string[]).includes(value)) {
    throw new BgfillError(`${source}: expected one of ${WEBGPU_KERNEL_CHOICES.join(', ')}, got "${value}"`, { subject: source });
  }
  return value as WebGpuKernels;
}

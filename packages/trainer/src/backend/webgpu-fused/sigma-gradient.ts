import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';
import { newTensor, runProgram, type GpuProgramSpec, type WebGpuBackendInternals } from './gpu-program.js';

/**
 * The gradient of a spectrally normalised convolution's σ. With W_sn = W / σ, a layer whose kernel gradient (through
 * the division) is dW = dW_sn / σ has dL/dσ = −Σ dW_sn ⊙ W / σ² = −Σ dW ⊙ W / σ: one dot product, in one workgroup
 * (strided partial sums, then a tree in workgroup memory: a fixed order).
 *
 * Kernel BgfillSigmaGradient: inputs dw, w, scale (σ, one element); output dsigma (a scalar).
 */
const SIGMA_GRADIENT: GpuProgramSpec = {
  name: 'BgfillSigmaGradient',
  outputs: ['dsigma'],
  inputs: ['dw', 'w', 'scale'],
  uniforms: [['size', 'i32']],
  code: `
var<workgroup> sums : array<f32, 256>;
@compute @workgroup_size(256, 1, 1)
fn main(@builtin(local_invocation_index) t : u32) {
  var s = 0.0;
  for (var i = i32(t); i < u.size; i += 256) { s += dw[i] * w[i]; }
  sums[t] = s;
  workgroupBarrier();
  for (var half = 128u; half > 0u; half = half >> 1u) {
    if (t < half) { sums[t] += sums[t + half]; }
    workgroupBarrier();
  }
  if (t == 0u) { dsigma[0] = -sums[0] / scale[0]; }
}`,
};

export const SIGMA_GRADIENT_KERNEL: KernelConfig = {
  kernelName: 'BgfillSigmaGradient',
  backendName: 'webgpu',
  kernelFunc: ({ inputs, backend }) => {
    const b = backend as unknown as WebGpuBackendInternals;
    const { dw, w, scale } = inputs as unknown as Record<string, TensorInfo>;
    const dsigma = newTensor(b, []);
    runProgram(b, SIGMA_GRADIENT, { outputs: [dsigma], inputs: [dw, w, scale], uniforms: [dw.shape.reduce((a, c) => a * c, 1)], workgroups: [1, 1, 1] });
    return dsigma;
  },
};

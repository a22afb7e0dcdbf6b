// Backend selection, bgfill's custom kernels and gradient overrides.
export {
  type BackendName,
  type BackendRequest,
  BACKEND_PREFERENCE,
  BACKEND_DESCRIPTIONS,
  parseBackendRequest,
  candidatesFor,
} from './backend-name.js';
export { initBackend, type InitBackendOptions, type BackendInfo } from './init-backend.js';
export { registerBgfillKernels, BGFILL_KERNELS, BGFILL_REPLACED_KERNELS, useFilterGradient, filterGradientStrategy, FILTER_GRADIENT_STRATEGIES, type FilterGradientStrategy } from './register-kernels.js';
export { spaceToBatch4d, batchToSpace4d, spaceBatchKernels } from './space-batch-kernels.js';
export { conv2dFilterGradient, conv2DBackpropFilterKernel, filterGradientGeometry } from './conv-filter-gradient.js';
export { meanGradient, sumGradient } from './reduction-gradients.js';
export { defaultWasmThreads, MAX_WASM_THREADS } from './wasm-threads.js';

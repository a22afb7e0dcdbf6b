import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs';

/**
 * Identity for tfjs-backend-wasm that shares the input's buffer instead of copying it.
 *
 * tfjs saves the tensors a gradient will need by cloning them (engine.saveTensorsForBackwardMode → Identity), so a
 * training step runs Identity ~2 150 times on activations and weights (bench/train-step.ts dispatch counts).
 * tfjs-wasm 4.22's Identity copies each into a new heap allocation; the cpu and webgpu backends' Identity, and
 * tfjs-wasm's own Reshape, only count one more reference to the same buffer. Tensors are immutable (a Variable's
 * assign swaps its buffer, no kernel writes into an input), so sharing gives the same values without the copies.
 */

/** The part of tfjs-backend-wasm's BackendWasm this kernel uses. */
interface RefCountedBackend {
  incRef(dataId: object): void;
}

/**
 * The replacement, given the backend's own Identity (string tensors go to it).
 * @example tf.registerKernel(wasmIdentityKernel(tf.getKernel('Identity', 'wasm')!));
 */
export function wasmIdentityKernel(stock: KernelConfig): KernelConfig {
  return {
    kernelName: 'Identity',
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as TensorInfo;
      if (x.dtype === 'string') return stock.kernelFunc(args);
      (args.backend as unknown as RefCountedBackend).incRef(x.dataId);
      return { dataId: x.dataId, shape: x.shape, dtype: x.dtype };
    },
  };
}

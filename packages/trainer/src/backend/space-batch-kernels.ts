import * as tf from '@tensorflow/tfjs';
import type { KernelBackend, KernelConfig, KernelFunc, NamedAttrMap, TensorInfo } from '@tensorflow/tfjs';

/**
 * SpaceToBatchND and BatchToSpaceND for 4-D NHWC tensors with a 2-D block, as two rank-4 transposes.
 *
 * The generator's dilated convolutions are spaceToBatchND → conv2d → batchToSpaceND (model/conv.ts). tfjs-backend-wasm
 * 4.22 builds both ops as pad + one rank-6 transpose ([N, H/r, r, W/r, r, C] → [r, r, N, H/r, W/r, C]), and its
 * transpose of rank > 4 takes a slow general path: at 64×64×128, spaceToBatchND took 58–172 ms of CPU for r = 2…16
 * where a rank-4 transpose of the same tensor takes 5.6 ms and the 3×3 convolution itself 78 ms (bench/RESULTS.md).
 * The same permutation is two rank-4 transposes, merging axes that stay together:
 *
 *   [N, Hr, bh, (Wr·bw·C)]  —[2,0,1,3]→  [bh, N, Hr, (Wr·bw·C)]  =  [bh, (N·Hr·Wr), bw, C]  —[0,2,1,3]→  [bh, bw, (N·Hr·Wr), C]
 *
 * and batchToSpaceND is the inverse (the same two transposes backwards, then the crop). Other ranks and block
 * shapes go to the backend's own kernel.
 */

type Call = (name: string, inputs: Record<string, TensorInfo>, attrs: Record<string, unknown>) => TensorInfo;

function caller(backendName: string, backend: KernelBackend): Call {
  return (name, inputs, attrs) => {
    const kernel = tf.getKernel(name, backendName);
    if (!kernel) throw new Error(`bgfill ${name}: backend ${backendName} has no ${name} kernel`);
    return kernel.kernelFunc({ inputs, backend, attrs: attrs as unknown as NamedAttrMap }) as TensorInfo;
  };
}

/** Run `steps` in order, each taking the previous result; intermediate results are released. */
function chain(backend: KernelBackend, input: TensorInfo, steps: Array<(t: TensorInfo) => TensorInfo>): TensorInfo {
  let current = input;
  for (const step of steps) {
    const next = step(current);
    if (current !== input) backend.disposeData(current.dataId);
    current = next;
  }
  return current;
}

/**
 * spaceToBatchND(x [N, H, W, C], [bh, bw], [[pt, pb], [pl, pr]]) → [bh·bw·N, (H+pt+pb)/bh, (W+pl+pr)/bw, C].
 * Exported for tests; `backendName` names whose Transpose/Reshape/PadV2 kernels to use.
 * @example const blocks = spaceToBatch4d('wasm', tf.backend(), x, [4, 4], [[4, 4], [4, 4]]);
 */
export function spaceToBatch4d(backendName: string, backend: KernelBackend, x: TensorInfo, block: [number, number], paddings: [[number, number], [number, number]]): TensorInfo {
  const call = caller(backendName, backend);
  const [n, h, w, c] = x.shape;
  const [bh, bw] = block;
  const hp = h + paddings[0][0] + paddings[0][1];
  const wp = w + paddings[1][0] + paddings[1][1];
  const hr = hp / bh;
  const wr = wp / bw;
  const padded = paddings.flat().some((p) => p !== 0);
  return chain(backend, x, [
    (t) => (padded ? call('PadV2', { x: t }, { paddings: [[0, 0], ...paddings, [0, 0]], constantValue: 0 }) : call('Reshape', { x: t }, { shape: t.shape })),
    (t) => call('Reshape', { x: t }, { shape: [n, hr, bh, wr * bw * c] }),
    (t) => call('Transpose', { x: t }, { perm: [2, 0, 1, 3] }),
    (t) => call('Reshape', { x: t }, { shape: [bh, n * hr * wr, bw, c] }),
    (t) => call('Transpose', { x: t }, { perm: [0, 2, 1, 3] }),
    (t) => call('Reshape', { x: t }, { shape: [bh * bw * n, hr, wr, c] }),
  ]);
}

/**
 * batchToSpaceND(x [bh·bw·N, Hr, Wr, C], [bh, bw], [[ct, cb], [cl, cr]]) → [N, Hr·bh − ct − cb, Wr·bw − cl − cr, C].
 * @example const y = batchToSpace4d('wasm', tf.backend(), blocks, [4, 4], [[0, 0], [0, 0]]);
 */
export function batchToSpace4d(backendName: string, backend: KernelBackend, x: TensorInfo, block: [number, number], crops: [[number, number], [number, number]]): TensorInfo {
  const call = caller(backendName, backend);
  const [b, hr, wr, c] = x.shape;
  const [bh, bw] = block;
  const n = b / (bh * bw);
  const cropped = crops.flat().some((p) => p !== 0);
  return chain(backend, x, [
    (t) => call('Reshape', { x: t }, { shape: [bh, bw, n * hr * wr, c] }),
    (t) => call('Transpose', { x: t }, { perm: [0, 2, 1, 3] }),
    (t) => call('Reshape', { x: t }, { shape: [bh, n, hr, wr * bw * c] }),
    (t) => call('Transpose', { x: t }, { perm: [1, 2, 0, 3] }),
    (t) => call('Reshape', { x: t }, { shape: [n, hr * bh, wr * bw, c] }),
    (t) =>
      cropped
        ? call('Slice', { x: t }, { begin: [0, crops[0][0], crops[1][0], 0], size: [n, hr * bh - crops[0][0] - crops[0][1], wr * bw - crops[1][0] - crops[1][1], c] })
        : call('Reshape', { x: t }, { shape: t.shape }),
  ]);
}

interface BlockAttrs {
  blockShape: number[];
  paddings?: number[][];
  crops?: number[][];
}

function isFastCase(x: TensorInfo, attrs: BlockAttrs): boolean {
  return x.shape.length === 4 && attrs.blockShape.length === 2 && x.dtype === 'float32';
}

/**
 * Kernel configs replacing `original` (the backend's own kernels) on the 4-D, 2-D-block case.
 * @example for (const k of spaceBatchKernels('wasm', tf.getKernel('SpaceToBatchND', 'wasm')!, tf.getKernel('BatchToSpaceND', 'wasm')!)) …
 */
export function spaceBatchKernels(backendName: string, originalS2B: KernelConfig, originalB2S: KernelConfig): KernelConfig[] {
  const s2b: KernelFunc = (args) => {
    const x = args.inputs.x as TensorInfo;
    const attrs = args.attrs as unknown as BlockAttrs;
    if (!isFastCase(x, attrs)) return originalS2B.kernelFunc(args);
    return spaceToBatch4d(backendName, args.backend as KernelBackend, x, attrs.blockShape as [number, number], attrs.paddings as [[number, number], [number, number]]);
  };
  const b2s: KernelFunc = (args) => {
    const x = args.inputs.x as TensorInfo;
    const attrs = args.attrs as unknown as BlockAttrs;
    if (!isFastCase(x, attrs)) return originalB2S.kernelFunc(args);
    return batchToSpace4d(backendName, args.backend as KernelBackend, x, attrs.blockShape as [number, number], attrs.crops as [[number, number], [number, number]]);
  };
  return [
    { kernelName: 'SpaceToBatchND', backendName, kernelFunc: s2b },
    { kernelName: 'BatchToSpaceND', backendName, kernelFunc: b2s },
  ];
}

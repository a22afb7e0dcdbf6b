import { backend_util, slice_util, util, type KernelBackend, type KernelConfig, type NamedAttrMap, type TensorInfo } from '@tensorflow/tfjs';

/**
 * Slice and SplitV for tfjs-backend-wasm that read only what they copy.
 *
 * tfjs-backend-wasm 4.22's Slice starts with `backend.readSync(x)`, which copies the whole input out of the wasm
 * heap, and its SplitV is one such Slice per piece: splitting an n-element vector into k pieces copies k·n elements.
 * The flat Adam update splits the generator's 6.0 M parameters into 217 pieces: 2.6 s of SplitV per update on two
 * cores (tf.profile, bench/RESULTS.md), where copying the pieces takes milliseconds. These kernels copy from a view
 * of the heap instead, row by row for strided slices; the values are the same (a copy either way).
 */

/** The part of tfjs-backend-wasm's BackendWasm these kernels use. */
interface WasmHeapBackend {
  makeOutput(shape: number[], dtype: TensorInfo['dtype']): TensorInfo;
  typedArrayFromHeap(t: TensorInfo): Float32Array | Int32Array | Uint8Array;
}

/** Copy the box [begin, begin + size) of x (shape `shape`) into out, contiguous runs of the last axis at a time. */
function copyBox(x: ArrayLike<number> & { subarray(a: number, b: number): ArrayLike<number> }, shape: readonly number[], begin: readonly number[], size: readonly number[], out: { set(a: ArrayLike<number>, offset: number): void }): void {
  const rank = shape.length;
  const strides = util.computeStrides(shape as number[]);
  const run = size[rank - 1];
  const rows = util.sizeFromShape(size as number[]) / run;
  const index = new Array<number>(Math.max(0, rank - 1)).fill(0);
  for (let row = 0; row < rows; row++) {
    let offset = begin[rank - 1];
    for (let d = 0; d < rank - 1; d++) offset += (begin[d] + index[d]) * strides[d];
    out.set(x.subarray(offset, offset + run), row * run);
    for (let d = rank - 2; d >= 0; d--) {
      if (++index[d] < size[d]) break;
      index[d] = 0;
    }
  }
}

/** x[begin : begin + size] on the wasm heap (shapes already resolved). */
function sliceOnHeap(backend: WasmHeapBackend, x: TensorInfo, begin: number[], size: number[]): TensorInfo {
  const out = backend.makeOutput(size, x.dtype);
  if (util.sizeFromShape(size) === 0) return out;
  // Views only after makeOutput: its allocation may grow the heap, which detaches earlier views.
  const xVals = backend.typedArrayFromHeap(x);
  const outVals = backend.typedArrayFromHeap(out);
  if (x.shape.length === 0) outVals.set(xVals);
  else if (slice_util.isSliceContinous(x.shape, begin, size)) {
    const start = slice_util.computeFlatOffset(begin, util.computeStrides(x.shape));
    outVals.set(xVals.subarray(start, start + util.sizeFromShape(size)));
  } else copyBox(xVals, x.shape, begin, size, outVals);
  return out;
}

/** A wasm kernel on the heap for numeric tensors; string tensors go to the backend's own kernel. */
function heapKernel(stock: KernelConfig, body: (backend: WasmHeapBackend, x: TensorInfo, attrs: NamedAttrMap) => TensorInfo | TensorInfo[]): KernelConfig {
  return {
    kernelName: stock.kernelName,
    backendName: 'wasm',
    kernelFunc: (args) => {
      const x = args.inputs.x as TensorInfo;
      return x.dtype === 'string' ? stock.kernelFunc(args) : body(args.backend as unknown as WasmHeapBackend, x, args.attrs ?? {});
    },
  };
}

/**
 * The replacements, given the backend's own Slice and SplitV.
 * @example for (const k of wasmSliceKernels(tf.getKernel('Slice', 'wasm')!, tf.getKernel('SplitV', 'wasm')!)) tf.registerKernel(k);
 */
export function wasmSliceKernels(stockSlice: KernelConfig, stockSplit: KernelConfig): KernelConfig[] {
  const slice = heapKernel(stockSlice, (backend, x, attrs) => {
    const { begin, size } = attrs as unknown as { begin: number | number[]; size: number | number[] };
    const [b, s] = slice_util.parseSliceParams(x, begin, size);
    return sliceOnHeap(backend, x, b, s);
  });
  const split = heapKernel(stockSplit, (backend, x, attrs) => {
    const { numOrSizeSplits, axis } = attrs as unknown as { numOrSizeSplits: number | number[]; axis: number | number[] };
    const ax = util.parseAxisParam(axis, x.shape)[0];
    const begin = new Array<number>(x.shape.length).fill(0);
    return backend_util.prepareSplitSize(x, numOrSizeSplits, ax).map((n) => {
      const size = [...x.shape];
      size[ax] = n;
      const piece = sliceOnHeap(backend, x, [...begin], size);
      begin[ax] += n;
      return piece;
    });
  });
  return [slice, split];
}

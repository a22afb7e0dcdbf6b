import { DTYPE_BYTES, elementCount, weightDataFromBytes, weightDataView, type WeightDType, type WeightTensor } from './weight-tensor.js';

/** PyTorch storage class names (as pickled: `torch.FloatStorage`, …) and the dtypes they hold. */
export const STORAGE_DTYPES: Readonly<Record<string, WeightDType>> = {
  FloatStorage: 'float32',
  DoubleStorage: 'float64',
  HalfStorage: 'float16',
  BFloat16Storage: 'bfloat16',
  LongStorage: 'int64',
  IntStorage: 'int32',
  ShortStorage: 'int16',
  CharStorage: 'int8',
  ByteStorage: 'uint8',
  BoolStorage: 'bool',
  UntypedStorage: 'uint8',
};

/** `torch.float32`-style dtype globals (used by `_rebuild_tensor_v3`). */
export const TORCH_DTYPES: Readonly<Record<string, WeightDType>> = {
  float32: 'float32',
  float: 'float32',
  float64: 'float64',
  double: 'float64',
  float16: 'float16',
  half: 'float16',
  bfloat16: 'bfloat16',
  int64: 'int64',
  long: 'int64',
  int32: 'int32',
  int: 'int32',
  int16: 'int16',
  short: 'int16',
  int8: 'int8',
  uint8: 'uint8',
  bool: 'bool',
};

/**
 * A storage referenced by a checkpoint: its element type, and its bytes once read. A legacy-format view storage
 * points at its root with an element offset.
 * @example
 * new TorchStorage('float32', '0', 3200)
 */
export class TorchStorage {
  bytes: Uint8Array | undefined;
  constructor(
    /** The dtype, or the storage class name when it is one this reader cannot convert (complex, quantised). */
    readonly dtype: WeightDType | { unsupported: string },
    readonly key: string,
    readonly numel: number,
    readonly root: TorchStorage | null = null,
    readonly elementOffset = 0,
  ) {}
}

/**
 * A tensor as `torch._utils._rebuild_tensor_v2` describes it: a strided view of a storage.
 * @example
 * new TorchTensor(storage, 0, [8, 4, 5, 5], [100, 25, 5, 1])
 */
export class TorchTensor {
  constructor(
    readonly storage: TorchStorage,
    readonly offset: number,
    readonly shape: readonly number[],
    readonly stride: readonly number[],
    /** Overrides the storage's dtype (`_rebuild_tensor_v3` over an untyped storage). */
    readonly dtypeOverride: WeightDType | null = null,
  ) {}
}

/**
 * Copy a checkpoint tensor into a contiguous {@link WeightTensor} (PyTorch layout), honouring storage offset and
 * strides (non-contiguous views are gathered element by element). float64 becomes float32 (the generator's type).
 * Throws an Error with the reason when the storage is missing, too short, or of an unsupported type.
 * @example
 * materialize(tensor) // → { shape: [32, 4, 5, 5], dtype: 'float32', data: Float32Array(3200), layout: 'pytorch' }
 */
export function materialize(tensor: TorchTensor): WeightTensor {
  let storage = tensor.storage;
  let elementOffset = tensor.offset;
  while (storage.root) {
    elementOffset += storage.elementOffset;
    storage = storage.root;
  }
  const dtype = tensor.dtypeOverride ?? tensor.storage.dtype;
  if (typeof dtype !== 'string') throw new Error(`unsupported storage type ${dtype.unsupported}`);
  const bytes = storage.bytes;
  if (!bytes) throw new Error(`storage ${storage.key} has no data in the file`);
  const size = DTYPE_BYTES[dtype];
  const shape = [...tensor.shape];
  const count = elementCount(shape);
  if (tensor.stride.length !== shape.length) throw new Error(`stride ${tensor.stride} does not match shape ${shape}`);
  if (shape.some((d) => !Number.isSafeInteger(d) || d < 0) || tensor.stride.some((s) => !Number.isSafeInteger(s) || s < 0)) {
    throw new Error(`bad shape ${shape} or stride ${tensor.stride}`);
  }
  const lastIndex = count === 0 ? elementOffset - 1 : elementOffset + shape.reduce((acc, d, i) => acc + (d - 1) * tensor.stride[i], 0);
  if (elementOffset < 0 || (lastIndex + 1) * size > bytes.length) {
    throw new Error(`tensor of shape [${shape}] at offset ${elementOffset} overruns storage ${storage.key} (${bytes.length} bytes)`);
  }
  let contiguous = true;
  for (let i = shape.length - 1, expected = 1; i >= 0; i--) {
    if (shape[i] !== 1 && tensor.stride[i] !== expected) contiguous = false;
    expected *= shape[i];
  }
  let out: Uint8Array;
  if (contiguous) {
    out = bytes.subarray(elementOffset * size, (elementOffset + count) * size);
  } else {
    out = new Uint8Array(count * size);
    const index = new Array<number>(shape.length).fill(0);
    for (let j = 0; j < count; j++) {
      let src = elementOffset;
      for (let a = 0; a < shape.length; a++) src += index[a] * tensor.stride[a];
      out.set(bytes.subarray(src * size, src * size + size), j * size);
      for (let a = shape.length - 1; a >= 0; a--) {
        if (++index[a] < shape[a]) break;
        index[a] = 0;
      }
    }
  }
  // A contiguous tensor that owns its whole storage (the usual state_dict case) is a view of the unzipped record;
  // one sharing a storage with others gets its own copy (a gathered one already is), so that no two tensors alias.
  const whole = contiguous && elementOffset === 0 && count * size === bytes.length && storage === tensor.storage;
  const data = whole || !contiguous ? weightDataView(out, dtype) : weightDataFromBytes(out, dtype);
  if (dtype === 'float64') return { shape, dtype: 'float32', data: Float32Array.from(data as Float64Array), layout: 'pytorch' };
  return { shape, dtype, data, layout: 'pytorch' };
}

import { bfloat16ArrayToFloat32, halfArrayToFloat32 } from './float16.js';

/** Element types a weight file may hold. */
export type WeightDType = 'float32' | 'float16' | 'bfloat16' | 'float64' | 'int64' | 'int32' | 'int16' | 'int8' | 'uint8' | 'bool';

/**
 * Element storage per dtype: float16 and bfloat16 as their raw 16-bit patterns (Uint16Array), int64 as BigInt64Array,
 * bool as Uint8Array (0/1).
 */
export type WeightData = Float32Array | Float64Array | Uint16Array | BigInt64Array | Int32Array | Int16Array | Int8Array | Uint8Array;

/**
 * Where the axes of a convolution kernel (the rank-4 tensors) lie: 'pytorch' = OIHW (out, in, kh, kw), as in
 * `.pth` and `.safetensors` files; 'tfjs' = HWIO (kh, kw, in, out), as tf.conv2d takes it. Tensors of other ranks
 * are the same in both layouts.
 */
export type WeightLayout = 'pytorch' | 'tfjs';

/** One named tensor of a weight file, on the CPU, row-major. */
export interface WeightTensor {
  shape: number[];
  dtype: WeightDType;
  data: WeightData;
  layout: WeightLayout;
}

/** Named tensors, in file order (a state_dict). */
export type WeightMap = Map<string, WeightTensor>;

/** Bytes per element of each dtype. */
export const DTYPE_BYTES: Readonly<Record<WeightDType, number>> = {
  float32: 4,
  float16: 2,
  bfloat16: 2,
  float64: 8,
  int64: 8,
  int32: 4,
  int16: 2,
  int8: 1,
  uint8: 1,
  bool: 1,
};

/**
 * Number of elements of a shape (1 for a scalar).
 * @example
 * elementCount([32, 4, 5, 5]) // → 3200
 */
export function elementCount(shape: readonly number[]): number {
  return shape.reduce((a, b) => a * b, 1);
}

/**
 * An empty typed array of the storage type for `dtype`.
 * @example
 * allocateWeightData('int64', 1) // → BigInt64Array [0n]
 */
export function allocateWeightData(dtype: WeightDType, length: number): WeightData {
  switch (dtype) {
    case 'float32':
      return new Float32Array(length);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(length);
    case 'float64':
      return new Float64Array(length);
    case 'int64':
      return new BigInt64Array(length);
    case 'int32':
      return new Int32Array(length);
    case 'int16':
      return new Int16Array(length);
    case 'int8':
      return new Int8Array(length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(length);
  }
}

/** Host byte order; the readers and writers here assume little-endian data, as torch and safetensors write. */
export const HOST_IS_LITTLE_ENDIAN = new Uint8Array(new Uint16Array([1]).buffer)[0] === 1;

/**
 * Copy little-endian bytes into a new, aligned typed array of `dtype`.
 * @example
 * weightDataFromBytes(new Uint8Array([0, 0, 128, 63]), 'float32') // → Float32Array [1]
 */
export function weightDataFromBytes(bytes: Uint8Array, dtype: WeightDType): WeightData {
  if (!HOST_IS_LITTLE_ENDIAN) throw new Error('weight files are little-endian; big-endian hosts are not supported');
  const size = DTYPE_BYTES[dtype];
  if (bytes.byteLength % size !== 0) throw new Error(`${bytes.byteLength} bytes is not a whole number of ${dtype} elements`);
  const data = allocateWeightData(dtype, bytes.byteLength / size);
  new Uint8Array(data.buffer, data.byteOffset, data.byteLength).set(bytes);
  return data;
}

/**
 * The elements of little-endian bytes as a typed array of `dtype`: a view of the same memory when the bytes are
 * aligned for it (no copy; the view keeps the whole underlying buffer alive), else an aligned copy.
 * @example
 * weightDataView(fileBytes.subarray(begin, end), 'float32')
 */
export function weightDataView(bytes: Uint8Array, dtype: WeightDType): WeightData {
  const size = DTYPE_BYTES[dtype];
  if (!HOST_IS_LITTLE_ENDIAN || bytes.byteOffset % size !== 0 || bytes.byteLength % size !== 0) return weightDataFromBytes(bytes, dtype);
  const length = bytes.byteLength / size;
  switch (dtype) {
    case 'float32':
      return new Float32Array(bytes.buffer, bytes.byteOffset, length);
    case 'float16':
    case 'bfloat16':
      return new Uint16Array(bytes.buffer, bytes.byteOffset, length);
    case 'float64':
      return new Float64Array(bytes.buffer, bytes.byteOffset, length);
    case 'int64':
      return new BigInt64Array(bytes.buffer, bytes.byteOffset, length);
    case 'int32':
      return new Int32Array(bytes.buffer, bytes.byteOffset, length);
    case 'int16':
      return new Int16Array(bytes.buffer, bytes.byteOffset, length);
    case 'int8':
      return new Int8Array(bytes.buffer, bytes.byteOffset, length);
    case 'uint8':
    case 'bool':
      return new Uint8Array(bytes.buffer, bytes.byteOffset, length);
  }
}

/**
 * The bytes of a tensor's data (a view, little-endian on the supported hosts).
 * @example
 * weightBytes(tensor).length // → elementCount(tensor.shape) · DTYPE_BYTES[tensor.dtype]
 */
export function weightBytes(tensor: WeightTensor): Uint8Array {
  return new Uint8Array(tensor.data.buffer, tensor.data.byteOffset, tensor.data.byteLength);
}

/**
 * A tensor's values as float32 (float16/bfloat16 decoded, float64 rounded, integers converted).
 * @example
 * toFloat32({ shape: [1], dtype: 'int64', data: new BigInt64Array([3n]), layout: 'pytorch' }) // → Float32Array [3]
 */
export function toFloat32(tensor: WeightTensor): Float32Array {
  const { data, dtype } = tensor;
  if (dtype === 'float32') return data as Float32Array;
  if (dtype === 'float16') return halfArrayToFloat32(data as Uint16Array);
  if (dtype === 'bfloat16') return bfloat16ArrayToFloat32(data as Uint16Array);
  if (data instanceof BigInt64Array) return Float32Array.from(data, (v) => Number(v));
  return Float32Array.from(data as ArrayLike<number>);
}

/** Axis permutations between OIHW and HWIO. */
const TO_TFJS = [2, 3, 1, 0] as const;
const TO_PYTORCH = [3, 2, 0, 1] as const;

/**
 * Permute a row-major rank-4 array: output axis a is input axis perm[a].
 * @example
 * permute4(data, [o, i, h, w], [2, 3, 1, 0]) // OIHW → HWIO
 */
export function permute4<T extends WeightData>(data: T, shape: readonly number[], perm: readonly number[]): T {
  const outShape = perm.map((p) => shape[p]);
  const inStrides = [shape[1] * shape[2] * shape[3], shape[2] * shape[3], shape[3], 1];
  const s = perm.map((p) => inStrides[p]);
  const out = new (data.constructor as new (length: number) => T)(data.length);
  // Float32 (every kernel) gets a loop of its own, so V8 reads one element kind there (several times faster).
  if (data instanceof Float32Array) {
    permuteFloat32(data, out as Float32Array, outShape, s);
    return out;
  }
  const src = data as unknown as { [i: number]: number | bigint };
  const dst = out as unknown as { [i: number]: number | bigint };
  let j = 0;
  for (let a = 0; a < outShape[0]; a++) {
    for (let b = 0; b < outShape[1]; b++) {
      for (let c = 0; c < outShape[2]; c++) {
        let i = a * s[0] + b * s[1] + c * s[2];
        for (let d = 0; d < outShape[3]; d++, i += s[3]) dst[j++] = src[i];
      }
    }
  }
  return out;
}

function permuteFloat32(src: Float32Array, dst: Float32Array, outShape: readonly number[], s: readonly number[]): void {
  const [n0, n1, n2, n3] = outShape;
  const [s0, s1, s2, s3] = s;
  let j = 0;
  for (let a = 0; a < n0; a++) {
    for (let b = 0; b < n1; b++) {
      for (let c = 0; c < n2; c++) {
        let i = a * s0 + b * s1 + c * s2;
        for (let d = 0; d < n3; d++, i += s3) dst[j++] = src[i];
      }
    }
  }
}

/**
 * A shape as it reads in `layout`, given it in PyTorch layout.
 * @example
 * shapeInLayout([32, 4, 5, 5], 'tfjs') // → [5, 5, 4, 32]
 */
export function shapeInLayout(pytorchShape: readonly number[], layout: WeightLayout): number[] {
  return pytorchShape.length === 4 && layout === 'tfjs' ? TO_TFJS.map((p) => pytorchShape[p]) : [...pytorchShape];
}

/**
 * The same tensor in another layout (rank-4 tensors are transposed; others only retagged).
 * @example
 * toLayout(oihwKernel, 'tfjs').shape // [o, i, h, w] → [h, w, i, o]
 */
export function toLayout(tensor: WeightTensor, layout: WeightLayout): WeightTensor {
  if (tensor.layout === layout) return tensor;
  if (tensor.shape.length !== 4) return { ...tensor, shape: [...tensor.shape], layout };
  const perm = layout === 'tfjs' ? TO_TFJS : TO_PYTORCH;
  return { shape: perm.map((p) => tensor.shape[p]), dtype: tensor.dtype, data: permuteLayout(tensor.data, tensor.shape, tensor.layout, layout), layout };
}

/**
 * A tensor's values moved from one layout to the other: rank-4 data permuted into a new array (a plain index
 * permutation in JavaScript, several times cheaper than a tfjs transpose on the cpu backend), other ranks returned
 * as they are. `shape` is the tensor's shape in `from`.
 * @example permuteLayout(kernel, [32, 4, 5, 5], 'pytorch', 'tfjs') // the values as a [5, 5, 4, 32] kernel
 */
export function permuteLayout<T extends WeightData>(data: T, shape: readonly number[], from: WeightLayout, to: WeightLayout): T {
  if (from === to || shape.length !== 4) return data;
  return permute4(data, shape, to === 'tfjs' ? TO_TFJS : TO_PYTORCH);
}

/**
 * Every tensor of a map in one layout.
 * @example
 * mapToLayout(await readTorchStateDict('g.pth'), 'tfjs')
 */
export function mapToLayout(weights: WeightMap, layout: WeightLayout): WeightMap {
  return new Map([...weights].map(([name, tensor]) => [name, toLayout(tensor, layout)]));
}

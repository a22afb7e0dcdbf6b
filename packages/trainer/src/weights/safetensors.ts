import { atomicWriteFile, badFile, invalidParameter } from '@bgfill/core';
import { readSource } from './torch-reader.js';
import { DTYPE_BYTES, elementCount, toLayout, weightBytes, weightDataView, type WeightDType, type WeightMap } from './weight-tensor.js';

/**
 * The safetensors format (huggingface/safetensors, docs "format"): an 8-byte little-endian header length N, N
 * bytes of JSON `{ name: { dtype, shape, data_offsets: [begin, end] }, "__metadata__": { string: string } }`
 * (offsets relative to the byte buffer after the header), then the byte buffer. Tensors are row-major,
 * little-endian. Files here always hold PyTorch layout (OIHW kernels), like every PyTorch-exported safetensors.
 */

const TO_SAFETENSORS: Readonly<Record<WeightDType, string>> = {
  float32: 'F32',
  float16: 'F16',
  bfloat16: 'BF16',
  float64: 'F64',
  int64: 'I64',
  int32: 'I32',
  int16: 'I16',
  int8: 'I8',
  uint8: 'U8',
  bool: 'BOOL',
};
const FROM_SAFETENSORS: Readonly<Record<string, WeightDType>> = Object.fromEntries(
  Object.entries(TO_SAFETENSORS).map(([k, v]) => [v, k as WeightDType]),
);

/** Header size limit, as the reference implementation's (100 MB). */
const MAX_HEADER_BYTES = 100_000_000;

/**
 * Read a `.safetensors` file (or bytes): weights in file order (tagged PyTorch layout) and the `__metadata__`.
 * Tensor data are views of the file's bytes where alignment allows (treat them as read-only).
 * Validates the header (dtypes, shapes, offsets in bounds, sizes matching, no overlaps) and names the file in errors.
 * @example
 * const { weights, metadata } = await readSafetensors('model.safetensors');
 */
export async function readSafetensors(input: string | Uint8Array): Promise<{ weights: WeightMap; metadata: Record<string, string> }> {
  const { bytes, source } = await readSource(input, 'safetensors');
  return parseSafetensors(bytes, source);
}

/**
 * Parse safetensors bytes (see {@link readSafetensors}); `source` is named in errors.
 * @example
 * const { weights } = parseSafetensors(bytes, 'upload.safetensors');
 */
export function parseSafetensors(bytes: Uint8Array, source: string): { weights: WeightMap; metadata: Record<string, string> } {
  const fail = (reason: string): never => {
    throw badFile(source, `not a valid safetensors file (${reason})`);
  };
  if (bytes.length < 8) fail('shorter than the 8-byte header length');
  const headerLength = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  if (headerLength > BigInt(Math.min(MAX_HEADER_BYTES, bytes.length - 8))) fail(`header length ${headerLength} exceeds the file`);
  const headerEnd = 8 + Number(headerLength);
  let header: unknown;
  try {
    header = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(8, headerEnd)));
  } catch {
    return fail('header is not UTF-8 JSON');
  }
  if (header === null || typeof header !== 'object' || Array.isArray(header)) return fail('header is not a JSON object');
  const buffer = bytes.subarray(headerEnd);
  const metadata: Record<string, string> = {};
  const entries: Array<{ name: string; dtype: WeightDType; shape: number[]; begin: number; end: number }> = [];
  for (const [name, value] of Object.entries(header as Record<string, unknown>)) {
    if (name === '__metadata__') {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) fail('__metadata__ is not an object');
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
        if (typeof v !== 'string') fail(`metadata ${k} is not a string`);
        metadata[k] = v as string;
      }
      continue;
    }
    const info = value as { dtype?: unknown; shape?: unknown; data_offsets?: unknown };
    const dtype = FROM_SAFETENSORS[String(info?.dtype)];
    if (!dtype) fail(`tensor ${name} has unsupported dtype ${JSON.stringify(info?.dtype)}`);
    const shape = info.shape;
    if (!Array.isArray(shape) || !shape.every((d) => Number.isSafeInteger(d) && d >= 0)) fail(`tensor ${name} has a bad shape`);
    const offsets = info.data_offsets;
    if (!Array.isArray(offsets) || offsets.length !== 2 || !offsets.every((o) => Number.isSafeInteger(o) && o >= 0)) {
      fail(`tensor ${name} has bad data_offsets`);
    }
    const [begin, end] = offsets as number[];
    if (begin > end || end > buffer.length) fail(`tensor ${name} data [${begin}, ${end}) lies outside the ${buffer.length}-byte buffer`);
    if (end - begin !== elementCount(shape as number[]) * DTYPE_BYTES[dtype]) {
      fail(`tensor ${name} has ${end - begin} bytes for shape [${shape}] of ${dtype}`);
    }
    entries.push({ name, dtype, shape: shape as number[], begin, end });
  }
  const byOffset = [...entries].sort((a, b) => a.begin - b.begin || a.end - b.end);
  for (let i = 1; i < byOffset.length; i++) {
    if (byOffset[i].begin < byOffset[i - 1].end) fail(`tensors ${byOffset[i - 1].name} and ${byOffset[i].name} overlap`);
  }
  const weights: WeightMap = new Map();
  for (const { name, dtype, shape, begin, end } of entries) {
    // Views into the file's bytes where aligned (the usual case: 8-byte-padded header, packed tensors).
    weights.set(name, { shape, dtype, data: weightDataView(buffer.subarray(begin, end), dtype), layout: 'pytorch' });
  }
  return { weights, metadata };
}

/**
 * Encode weights as safetensors bytes: tensors sorted by name, packed without gaps, header padded with spaces to
 * a multiple of 8 bytes (so every tensor starts 8-byte aligned). tfjs-layout kernels are written in PyTorch layout.
 * @example
 * const bytes = encodeSafetensors(weights, { format: 'pt' });
 */
export function encodeSafetensors(weights: WeightMap, metadata: Record<string, string> = {}): Uint8Array {
  const header: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(metadata)) {
    if (typeof v !== 'string') throw invalidParameter(`metadata ${k}`, 'a string', v);
  }
  if (Object.keys(metadata).length > 0) header.__metadata__ = metadata;
  const names = [...weights.keys()].sort();
  const chunks: Uint8Array[] = [];
  let offset = 0;
  for (const name of names) {
    if (name === '__metadata__') throw invalidParameter('tensor name', 'a name other than __metadata__', name);
    const tensor = toLayout(weights.get(name)!, 'pytorch');
    const data = weightBytes(tensor);
    if (data.length !== elementCount(tensor.shape) * DTYPE_BYTES[tensor.dtype]) {
      throw invalidParameter(`tensor ${name}`, `${elementCount(tensor.shape)} ${tensor.dtype} values for shape [${tensor.shape}]`, `${data.length} bytes`);
    }
    header[name] = { dtype: TO_SAFETENSORS[tensor.dtype], shape: tensor.shape, data_offsets: [offset, offset + data.length] };
    chunks.push(data);
    offset += data.length;
  }
  let json = JSON.stringify(header);
  const jsonBytes = new TextEncoder().encode(json);
  const padded = Math.ceil(jsonBytes.length / 8) * 8;
  json += ' '.repeat(padded - jsonBytes.length);
  const out = new Uint8Array(8 + padded + offset);
  new DataView(out.buffer).setBigUint64(0, BigInt(padded), true);
  out.set(new TextEncoder().encode(json), 8);
  let pos = 8 + padded;
  for (const chunk of chunks) {
    out.set(chunk, pos);
    pos += chunk.length;
  }
  return out;
}

/**
 * Write weights (and string metadata) to a `.safetensors` file atomically (temporary file, fsync, rename).
 * @example
 * await writeSafetensors('out/model.safetensors', weights, { epoch: '12' });
 */
export async function writeSafetensors(path: string, weights: WeightMap, metadata: Record<string, string> = {}): Promise<void> {
  await atomicWriteFile(path, encodeSafetensors(weights, metadata));
}

/**
 * NPY format version 1.0 (numpy's `.npy`), written directly: the magic string "\x93NUMPY", version bytes 1 0, a
 * little-endian uint16 header length, then an ASCII Python dict literal
 * `{'descr': '<f4', 'fortran_order': False, 'shape': (…), }` padded with spaces and ended by a newline so that
 * the data starts at a multiple of 64 bytes, then the raw little-endian float32 values in C order.
 * (Format described in numpy's `numpy/lib/format.py` documentation.)
 */

const MAGIC = [0x93, 0x4e, 0x55, 0x4d, 0x50, 0x59]; // \x93NUMPY

/**
 * Encode a float32 array of the given shape (C order) as an NPY v1.0 file.
 * @example await atomicWriteFile('out.npy', encodeNpy(raw, [1, 256, 256, 3]));
 */
export function encodeNpy(values: Float32Array, shape: readonly number[]): Uint8Array {
  const count = shape.reduce((a, b) => a * b, 1);
  if (count !== values.length || shape.some((d) => !Number.isInteger(d) || d < 0)) {
    throw new Error(`encodeNpy: shape [${shape.join(', ')}] does not hold ${values.length} values`);
  }
  const shapeText = shape.length === 1 ? `(${shape[0]},)` : `(${shape.join(', ')})`;
  let header = `{'descr': '<f4', 'fortran_order': False, 'shape': ${shapeText}, }`;
  const unpadded = MAGIC.length + 2 + 2 + header.length + 1;
  header += ' '.repeat((64 - (unpadded % 64)) % 64) + '\n';
  if (header.length > 0xffff) throw new Error('encodeNpy: header too long for NPY v1.0');
  const prefix = MAGIC.length + 4;
  const out = new Uint8Array(prefix + header.length + values.length * 4);
  out.set(MAGIC, 0);
  out[6] = 1;
  out[7] = 0;
  new DataView(out.buffer).setUint16(8, header.length, true);
  for (let i = 0; i < header.length; i++) out[prefix + i] = header.charCodeAt(i);
  const view = new DataView(out.buffer, prefix + header.length);
  for (let i = 0; i < values.length; i++) view.setFloat32(i * 4, values[i], true);
  return out;
}

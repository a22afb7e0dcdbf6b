import { crc32c as nativeCrc32c } from '@node-rs/crc32';

/**
 * CRC-32C (Castagnoli), hardware-accelerated (SSE4.2 / ARMv8 CRC instructions) through @node-rs/crc32.
 * Pass the previous result as `initial` to continue over more data.
 * @example crc32c(Buffer.from('123456789')) === 0xe3069283
 */
export function crc32c(data: Uint8Array, initial = 0): number {
  return nativeCrc32c(data, initial) >>> 0;
}

/** TensorFlow's mask delta (tensorflow/core/lib/hash/crc32c.h, `kMaskDelta`). */
export const CRC_MASK_DELTA = 0xa282ead8;

/**
 * TFRecord's masked CRC: rotate right by 15 bits and add a constant, so that a CRC stored inside CRC'd data does not
 * cancel out. `((crc >>> 15) | (crc << 17)) + 0xa282ead8` modulo 2^32.
 * @example maskCrc(crc32c(bytes)) // the value TFRecord stores after the data
 */
export function maskCrc(crc: number): number {
  return ((((crc >>> 15) | (crc << 17)) >>> 0) + CRC_MASK_DELTA) >>> 0;
}

/** Inverse of {@link maskCrc}. */
export function unmaskCrc(masked: number): number {
  const rot = (masked - CRC_MASK_DELTA) >>> 0;
  return ((rot >>> 17) | (rot << 15)) >>> 0;
}

/**
 * The masked CRC-32C of `data`, as stored in TFRecord framing.
 * @example maskedCrc32c(lengthBytes) // the 4 bytes after a record's 8-byte length
 */
export function maskedCrc32c(data: Uint8Array): number {
  return maskCrc(crc32c(data));
}

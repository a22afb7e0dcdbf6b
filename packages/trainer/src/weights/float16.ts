/**
 * IEEE 754 half precision (binary16) and bfloat16 conversions for weight files.
 * Half: 1 sign, 5 exponent (bias 15), 10 mantissa bits. bfloat16: the top 16 bits of a float32.
 */

/**
 * Decode one binary16 value given as its 16-bit pattern.
 * @example
 * halfToFloat(0x3c00) // → 1
 */
export function halfToFloat(bits: number): number {
  const sign = bits & 0x8000 ? -1 : 1;
  const exponent = (bits >> 10) & 0x1f;
  const mantissa = bits & 0x3ff;
  if (exponent === 0) return sign * mantissa * 2 ** -24; // subnormal (or zero)
  if (exponent === 0x1f) return mantissa === 0 ? sign * Infinity : NaN;
  return sign * (1 + mantissa / 1024) * 2 ** (exponent - 15);
}

/**
 * Decode an array of binary16 patterns to float32.
 * @example
 * halfArrayToFloat32(Uint16Array.of(0x3c00, 0xc000)) // → Float32Array [1, -2]
 */
export function halfArrayToFloat32(bits: Uint16Array): Float32Array {
  const out = new Float32Array(bits.length);
  for (let i = 0; i < bits.length; i++) out[i] = halfToFloat(bits[i]);
  return out;
}

/**
 * Decode an array of bfloat16 patterns to float32 (exact: bfloat16 is a truncated float32).
 * @example
 * bfloat16ArrayToFloat32(Uint16Array.of(0x3f80)) // → Float32Array [1]
 */
export function bfloat16ArrayToFloat32(bits: Uint16Array): Float32Array {
  const words = new Uint32Array(bits.length);
  for (let i = 0; i < bits.length; i++) words[i] = bits[i] << 16;
  return new Float32Array(words.buffer);
}

/**
 * Encode a number as binary16, rounding to nearest even; overflow gives ±Infinity.
 * @example
 * floatToHalf(1) // → 0x3c00
 */
export function floatToHalf(value: number): number {
  const f32 = new Float32Array([value]);
  const x = new Uint32Array(f32.buffer)[0];
  const sign = (x >>> 16) & 0x8000;
  const exponent = (x >>> 23) & 0xff;
  let mantissa = x & 0x7fffff;
  if (exponent === 0xff) return sign | 0x7c00 | (mantissa ? 0x200 : 0);
  let e = exponent - 127 + 15;
  if (e >= 0x1f) return sign | 0x7c00;
  if (e <= 0) {
    if (e < -10) return sign;
    mantissa |= 0x800000;
    const shift = 14 - e;
    const half = mantissa >>> shift;
    const rest = mantissa & ((1 << shift) - 1);
    const midpoint = 1 << (shift - 1);
    const rounded = rest > midpoint || (rest === midpoint && (half & 1)) ? half + 1 : half;
    return sign | rounded;
  }
  const half = (e << 10) | (mantissa >>> 13);
  const rest = mantissa & 0x1fff;
  const rounded = rest > 0x1000 || (rest === 0x1000 && (half & 1)) ? half + 1 : half;
  e = rounded >> 10;
  return sign | (e >= 0x1f ? 0x7c00 : rounded);
}

/**
 * The generator's value range: 8-bit pixels v map to v / 127.5 − 1 in −1…1, and back by rounding
 * (x + 1) · 127.5 and clamping to 0…255. The round trip of any 8-bit value is exact.
 */

/**
 * 8-bit values (any layout) to the network's −1…1 range.
 * @example toNetRange(new Uint8Array([0, 255])) // → Float32Array [-1, 1]
 */
export function toNetRange(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 127.5 - 1;
  return out;
}

/**
 * Network values back to 8-bit: round((x + 1) · 127.5), clamped to 0…255 (NaN becomes 0).
 * @example fromNetRange(new Float32Array([-1, 0, 1, 3])) // → Uint8Array [0, 128, 255, 255]
 */
export function fromNetRange(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.round((values[i] + 1) * 127.5);
    out[i] = v > 255 ? 255 : v > 0 ? v : 0;
  }
  return out;
}

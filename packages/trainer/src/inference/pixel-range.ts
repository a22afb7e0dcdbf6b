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

/** How a network's values and 8-bit pixels convert into each other (each architecture has its own). */
export interface PixelCodec {
  /** The value range the network sees, for messages and docs, e.g. '−1…1'. */
  readonly range: string;
  /** Its width (max − min): differences divided by it are on the 0…1 scale. */
  readonly span: number;
  /** 8-bit values (any layout) to network values. */
  toNet(pixels: Uint8Array): Float32Array;
  /** Network values back to 8-bit. */
  fromNet(values: Float32Array): Uint8Array;
}

/** InpaintSANet's codec: v / 127.5 − 1, back by rounding (toNetRange / fromNetRange). */
export const SIGNED_UNIT_PIXELS: PixelCodec = Object.freeze({ range: '−1…1', span: 2, toNet: toNetRange, fromNet: fromNetRange });

/**
 * 8-bit values to 0…1 as torchvision's `to_tensor` computes them: the float32 quotient v / 255.
 * @example toUnitRange(new Uint8Array([0, 255])) // → Float32Array [0, 1]
 */
export function toUnitRange(pixels: Uint8Array): Float32Array {
  const out = new Float32Array(pixels.length);
  // v / 255 in float64 then rounded to float32 equals the float32 division: v / 255 is never a float32 midpoint.
  for (let i = 0; i < pixels.length; i++) out[i] = pixels[i] / 255;
  return out;
}

/**
 * 0…1 values to 8-bit as torchvision's `save_image` does, in float32: x · 255 + 0.5, clamped to 0…255, truncated
 * (NaN becomes 0).
 * @example fromUnitRange(new Float32Array([0, 0.5, 1, 2])) // → Uint8Array [0, 128, 255, 255]
 */
export function fromUnitRange(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) {
    const v = Math.fround(Math.fround(values[i] * 255) + 0.5);
    out[i] = v >= 255 ? 255 : v > 0 ? Math.trunc(v) : 0;
  }
  return out;
}

/** RFR-Net's codec (the authors' test path): to_tensor's v / 255 in, save_image's quantisation out. */
export const UNIT_PIXELS: PixelCodec = Object.freeze({ range: '0…1', span: 1, toNet: toUnitRange, fromNet: fromUnitRange });

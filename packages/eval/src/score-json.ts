import { z } from 'zod';

/**
 * JSON has no Infinity or NaN (JSON.stringify writes null, losing which it was). PSNR is +Infinity for identical
 * pixels and a mean over nothing is NaN, so score files write them as the strings "Infinity", "-Infinity" and "NaN".
 */
export const NON_FINITE = ['Infinity', '-Infinity', 'NaN'] as const;

/**
 * A JSON.stringify replacer that writes non-finite numbers as strings.
 * @example JSON.stringify({ psnr: Infinity }, nonFiniteReplacer) // '{"psnr":"Infinity"}'
 */
export function nonFiniteReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'number' && !Number.isFinite(value) ? String(value) : value;
}

/**
 * A copy of `value` with non-finite numbers turned into strings (for `atomicWriteJson`).
 * @example encodeNonFinite([1, NaN]) // [1, 'NaN']
 */
export function encodeNonFinite<T>(value: T): unknown {
  return JSON.parse(JSON.stringify(value, nonFiniteReplacer));
}

/** A zod schema for a number written by `nonFiniteReplacer`: a JSON number or one of the three strings. */
export const jsonNumber = z.union([z.number(), z.enum(NON_FINITE).transform((s) => Number(s))]);

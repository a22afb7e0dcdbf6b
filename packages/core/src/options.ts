import { invalidParameter } from './errors.js';

/**
 * A whole number in [min, max], from a command-line string.
 * @example parseIntegerOption('1000', '--count', 1, 10_000_000) // 1000
 */
export function parseIntegerOption(text: string, name: string, min: number, max: number): number {
  const trimmed = text.trim();
  const value = /^[+-]?\d+$/.test(trimmed) ? Number(trimmed) : Number.NaN;
  if (!Number.isSafeInteger(value) || value < min || value > max) {
    throw invalidParameter(name, `integer between ${min} and ${max}`, text);
  }
  return value;
}

/**
 * A number in [min, max] (e.g. a threshold), from a command-line string.
 * @example parseNumberOption('0.1', '--threshold', 0, 0.999) // 0.1
 */
export function parseNumberOption(text: string, name: string, min: number, max: number): number {
  const value = text.trim() === '' ? Number.NaN : Number(text);
  if (!Number.isFinite(value) || value < min || value > max) throw invalidParameter(name, `number between ${min} and ${max}`, text);
  return value;
}

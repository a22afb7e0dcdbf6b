/** What a backend loader reports: ready (with a one-line description) or unavailable (with a one-line reason). */
export type LoadResult = { ok: true; detail: string } | { ok: false; reason: string };

/**
 * The first line of an error's message, without the path noise of native-module errors.
 * @example firstLine(new Error('addon not found\n  at …')) // → 'addon not found'
 */
export function firstLine(err: unknown): string {
  const message = err instanceof Error ? err.message : String(err);
  return (message.split('\n').find((line) => line.trim() !== '') ?? message).trim();
}

/**
 * Errors a user can act on. The CLI prints their message alone (no stack trace) and exits with code 2.
 * Every package reports bad input through these, so messages read the same everywhere.
 */
export class BgfillError extends Error {
  override name = 'BgfillError';
  /** The file or parameter the error is about, when there is one. */
  readonly subject: string | undefined;
  constructor(message: string, options: { subject?: string; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.subject = options.subject;
  }
}

/** Describe a received value briefly for an error message. */
export function describeValue(value: unknown): string {
  if (typeof value === 'string') return JSON.stringify(value);
  if (value === null || value === undefined) return String(value);
  if (typeof value === 'number' || typeof value === 'boolean' || typeof value === 'bigint') return String(value);
  if (Array.isArray(value)) return `array of length ${value.length}`;
  return typeof value;
}

/**
 * The one helper for a bad parameter: names it, says what was expected and what arrived.
 * @example throw invalidParameter('size', 'positive integer', -3)
 */
export function invalidParameter(name: string, expected: string, actual: unknown): BgfillError {
  return new BgfillError(`Expected ${expected} for ${name} but received ${describeValue(actual)}`, { subject: name });
}

/** A bad input file: names the file and the reason. */
export function badFile(file: string, reason: string, cause?: unknown): BgfillError {
  return new BgfillError(`${file}: ${reason}`, { subject: file, cause });
}

/** Message of any thrown value, for reports (rejects lists, skip logs). */
export function errorMessage(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

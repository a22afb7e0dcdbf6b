import { BgfillError, errorMessage } from '@bgfill/core';
import type { JobProblem } from './jobs.js';

/**
 * A file that failed, as the batch commands record it: the file, and the error's message without the file name it
 * starts with (`ENOTDIR: not a directory, open 'afile/x.png'`, not `failed: ENOTDIR …`).
 * @example problemOf('photos/a.png', badFile('photos/a.png', 'not a readable image')) // { file: 'photos/a.png', reason: 'not a readable image' }
 */
export function problemOf(file: string, err: unknown): JobProblem {
  const message = err instanceof BgfillError ? err.message : errorMessage(err);
  return { file, reason: message.startsWith(`${file}: `) ? message.slice(file.length + 2) : message };
}

/** The line a batch command prints for a file it skips (once, when it happens). */
export function skippedLine(problem: JobProblem): string {
  return `skipped ${problem.file}: ${problem.reason}`;
}

export interface FinishBatchOptions {
  /** The closing line (`inpainted 8 of 11 images, 3 failed`). */
  headline: string;
  /** What the inputs are called, singular (`image`, `photo`). */
  noun: string;
  /** Print the summary as one JSON document on stdout. */
  json?: boolean;
  log: (line: string) => void;
}

/**
 * How `bgfill inpaint`, `bgfill segment` and `bgfill upscale` end: the closing line; under `--json` the summary, as one JSON document
 * on stdout, whether or not files failed; then, when any file failed, a BgfillError (exit 2) once everything else is
 * done. The failed files are not listed again: each was printed once, as `skipped <file>: <reason>`, when it failed,
 * and the JSON has them in `failed`.
 * @example finishBatch(summary, { headline: 'segmented 2 of 3 photos, 1 failed', noun: 'photo', json: true, log });
 */
export function finishBatch(summary: { readonly total: number; readonly failed: readonly JobProblem[] }, options: FinishBatchOptions): void {
  options.log(options.headline);
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (summary.failed.length > 0) {
    const noun = summary.total === 1 ? options.noun : `${options.noun}s`;
    throw new BgfillError(`${summary.failed.length} of ${summary.total} ${noun} failed (listed above)`);
  }
}

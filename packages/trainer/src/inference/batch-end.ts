import { BgfillError } from '@bgfill/core';
import type { JobProblem } from './jobs.js';

/** What every batch command's summary holds. */
export interface BatchTally {
  total: number;
  /** Outputs that existed already (an earlier, interrupted run): kept. */
  existing: string[];
  failed: JobProblem[];
}

export interface EndBatchOptions {
  /** Print the summary as JSON on stdout, also when some items failed (before the error). */
  json?: boolean | undefined;
  /** Clauses between the existing and the failed count, e.g. `2 with nothing found`. */
  notes?: string[];
  /** What the items are, plural (default `images`). */
  noun?: string;
}

/**
 * End a batch command: log one tally line (`headline`, then how many were already done, `notes`, how many failed),
 * write the summary as JSON on stdout with `json` — whatever the outcome, so a script always gets it — then list
 * each failure and throw a BgfillError (exit 2) when any item failed.
 * @example return endBatch(summary, `upscaled 3 of 4 images`, { json: true }, log); // throws: 1 of 4 images failed
 */
export function endBatch<S extends BatchTally>(summary: S, headline: string, options: EndBatchOptions, log: (line: string) => void): S {
  const parts = [headline];
  if (summary.existing.length > 0) parts.push(`${summary.existing.length} already done`);
  parts.push(...(options.notes ?? []));
  if (summary.failed.length > 0) parts.push(`${summary.failed.length} failed`);
  log(parts.join(', '));
  if (options.json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
  if (summary.failed.length > 0) {
    for (const f of summary.failed) log(`  failed: ${f.file}: ${f.reason}`);
    throw new BgfillError(`${summary.failed.length} of ${summary.total} ${options.noun ?? 'images'} failed (listed above)`);
  }
  return summary;
}

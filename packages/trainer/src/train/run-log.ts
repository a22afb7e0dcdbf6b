import { open, readFile, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';
import { atomicWriteFile } from '@bgfill/core';

/**
 * `RUN/log.jsonl`: one JSON object per line, for plotting. Step lines `{type:"step", epoch, step, lr, …losses}`,
 * epoch lines `{type:"epoch", epoch, step, …mean losses, checkpoint}`, a `{type:"start", step, backend, resumed}`
 * line each time the run starts or resumes, and a `{type:"stop", step, reason}` line when a loss goes non-finite.
 * A resumed run first cuts the log back to the last checkpoint (dropping the lines of the lost partial epoch
 * and any half-written last line), so the final log has each step exactly once.
 */
export interface LogEntry {
  type: 'step' | 'epoch' | 'start' | 'stop';
  step: number;
  [field: string]: unknown;
}

export const LOG_FILE = 'log.jsonl';

/** Parse a log, skipping a torn last line; keeps entries with `step <= throughStep`. */
export function parseLog(text: string, throughStep = Infinity): LogEntry[] {
  const out: LogEntry[] = [];
  for (const line of text.split('\n')) {
    if (!line.trim()) continue;
    let entry: LogEntry;
    try {
      entry = JSON.parse(line) as LogEntry;
    } catch {
      continue; // a line cut by a kill
    }
    if (typeof entry.step === 'number' && entry.step <= throughStep) out.push(entry);
  }
  return out;
}

export class RunLog {
  private constructor(private readonly handle: FileHandle) {}

  /**
   * Open the run's log for appending. With `truncateAfterStep`, entries after that global step are removed
   * first (atomically), as when resuming from a checkpoint taken at that step.
   * @example const log = await RunLog.open('run', { truncateAfterStep: 40 });
   */
  static async open(runDir: string, options: { truncateAfterStep?: number } = {}): Promise<RunLog> {
    const path = join(runDir, LOG_FILE);
    if (options.truncateAfterStep !== undefined) {
      const text = await readFile(path, 'utf8').catch(() => '');
      const kept = parseLog(text, options.truncateAfterStep);
      await atomicWriteFile(path, kept.map((e) => `${JSON.stringify(e)}\n`).join(''));
    }
    return new RunLog(await open(path, 'a'));
  }

  async append(entry: LogEntry): Promise<void> {
    await this.handle.write(`${JSON.stringify(entry)}\n`);
  }

  async close(): Promise<void> {
    await this.handle.sync().catch(() => undefined);
    await this.handle.close();
  }
}

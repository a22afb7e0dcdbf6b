// What the bench scripts share: their command-line values, process CPU time, and the GPU benches' result log.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/**
 * The value after `--name` on the command line, or `fallback` when it is absent or empty.
 * @example const size = Number(arg('size', '256'));
 */
export function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

/** Process CPU seconds so far, user + system, all threads (steadier than wall time on a shared machine). */
export function cpuSeconds(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * Lines stamped with the seconds since the call, written before the promise resolves (a process.exit after them
 * loses nothing), and entries rewritten to `outDir/file` as JSON after each one (a run killed at its time limit
 * keeps what it measured).
 * @example const { print, record } = resultLog('gpu-out', 'gpu-results.json');
 */
export function resultLog(outDir: string, file: string): { print: (line: string) => Promise<void>; record: (entry: Record<string, unknown>) => void } {
  const t0 = performance.now();
  const results: Record<string, unknown>[] = [];
  return {
    print: (line) =>
      new Promise<void>((done) => process.stdout.write(`[${((performance.now() - t0) / 1000).toFixed(0).padStart(4)} s] ${line}\n`, () => done())),
    record: (entry) => {
      results.push(entry);
      mkdirSync(outDir, { recursive: true });
      writeFileSync(join(outDir, file), JSON.stringify(results, null, 1));
    },
  };
}

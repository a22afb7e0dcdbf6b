import cliProgress from 'cli-progress';

/** A progress reporter: a bar on a terminal, silence elsewhere (CI logs, pipes, tests). */
export interface Progress {
  tick(n?: number, payload?: Record<string, string | number>): void;
  stop(): void;
}

export interface ProgressOptions {
  /** Shown before the bar, e.g. "masks". */
  label: string;
  total: number;
  /** Force on or off; default: on when stderr is a TTY and CI is unset. */
  enabled?: boolean;
  /** Extra `{name}` fields for the format, e.g. " loss {loss}". */
  extraFormat?: string;
}

export function createProgress(options: ProgressOptions): Progress {
  const enabled = options.enabled ?? (process.stderr.isTTY === true && !process.env.CI);
  if (!enabled) return { tick() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${options.label} [{bar}] {percentage}% | {value}/{total} | {rate}/s | ETA {eta_formatted}${options.extraFormat ?? ''}`,
      stream: process.stderr,
      hideCursor: true,
      etaBuffer: 50,
      fps: 5,
    },
    cliProgress.Presets.shades_classic,
  );
  const started = Date.now();
  let done = 0;
  bar.start(options.total, 0, { rate: '0' });
  return {
    tick(n = 1, payload = {}) {
      done += n;
      const seconds = (Date.now() - started) / 1000;
      bar.update(done, { ...payload, rate: seconds > 0 ? (done / seconds).toFixed(1) : '0' });
    },
    stop() {
      bar.stop();
    },
  };
}

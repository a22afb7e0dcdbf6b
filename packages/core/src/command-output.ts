/**
 * What a command prints, the same way in every command: human lines go to stdout, or to stderr under `--json`, where
 * stdout carries only the machine-readable summary (one JSON document) so that `bgfill … --json > summary.json` and
 * pipes into `jq` work while the human lines stay visible. Warnings and skip notes always go to stderr.
 */
export interface CommandOutput {
  /** True under `--json`. */
  readonly json: boolean;
  /** A human line (a trailing newline is added). */
  info(line: string): void;
  /** A warning or note for the user, always on stderr, prefixed `bgfill: `. */
  warn(line: string): void;
  /** The command's summary: printed as JSON on stdout under `--json`, ignored otherwise (the human lines said it). */
  result(summary: unknown): void;
}

/**
 * @example const out = commandOutput({ json: opts.json });
 * out.info(`wrote ${n} masks`); out.result({ written: n });
 */
export function commandOutput(options: { json?: boolean }): CommandOutput {
  const json = options.json === true;
  return {
    json,
    info(line) {
      (json ? process.stderr : process.stdout).write(`${line}\n`);
    },
    warn(line) {
      process.stderr.write(`bgfill: ${line}\n`);
    },
    result(summary) {
      if (json) process.stdout.write(`${JSON.stringify(summary, null, 2)}\n`);
    },
  };
}

/**
 * The `progress` option for a library call from a command's `--no-progress` (commander sets `progress: false`):
 * false turns the bar off; otherwise undefined, so the bar follows the terminal (on a TTY, off in CI and pipes).
 */
export function progressOption(opts: { progress?: boolean }): false | undefined {
  return opts.progress === false ? false : undefined;
}

/** The two options every long-running command takes, with one wording everywhere. */
export function addOutputOptions<T extends { option(flags: string, description?: string): T }>(command: T, json = 'print a JSON summary on stdout (the human lines go to stderr)'): T {
  return command.option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)').option('--json', json);
}

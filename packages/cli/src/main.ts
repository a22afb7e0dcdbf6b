import { Command, CommanderError } from 'commander';
import { BgfillError } from '@bgfill/core';
import { registerCommands } from './commands.js';

/** `bgfill masks bank build`: the words that run `command`. */
function commandPath(command: Command): string {
  const names: string[] = [];
  for (let c: Command | null = command; c; c = c.parent) names.unshift(c.name());
  return names.join(' ');
}

/**
 * The parser's own usage errors (unknown option, missing argument or required option, a value outside its choices,
 * an unknown command) read like every other user error: `bgfill: <message>`, then the command's `--help` to run, and
 * exit code 2 (main maps the CommanderError). Applied to every command, however it was added.
 */
function reportUsageErrors(command: Command): void {
  command
    .exitOverride()
    .configureOutput({ outputError: (text, write) => write(`bgfill: ${text.replace(/^error: /, '')}`) })
    .showHelpAfterError(`(run \`${commandPath(command)} --help\` for usage)`);
  for (const sub of command.commands) reportUsageErrors(sub);
}

/** Build the `bgfill` program with every package's subcommands. */
export function createProgram(): Command {
  const program = new Command('bgfill')
    .description('Train and choose background-inpainting networks: masks → dataset → train → eval.')
    .version('0.1.0')
    // Options belong to the command they follow: `bgfill eval pair --out x` must not hand --out to `bgfill eval`.
    .enablePositionalOptions();
  registerCommands(program);
  reportUsageErrors(program);
  return program;
}

/** Run the CLI; returns the exit code. User errors print their message only; bugs print a stack. */
export async function main(argv: readonly string[]): Promise<number> {
  // `bgfill … | head` closes the pipe early: that is the reader's choice, not an error.
  process.stdout.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'EPIPE') process.exit(0);
    throw err;
  });
  const program = createProgram();
  try {
    await program.parseAsync([...argv]);
    return 0;
  } catch (err) {
    // Help and --version end with code 0; a usage error (unknown or missing option, bad value) is a user error: 2.
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2;
    if (err instanceof BgfillError) {
      process.stderr.write(`bgfill: ${err.message}\n`);
      return 2;
    }
    process.stderr.write(`bgfill: internal error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`);
    return 1;
  }
}

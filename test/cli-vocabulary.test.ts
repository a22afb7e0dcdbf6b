// One vocabulary across the command line: every long-running command takes --no-progress and --json, and a mask
// recipe is --masks everywhere (the real binary's --help is what users read, so that is what is checked).
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const BGFILL = fileURLToPath(new URL('../packages/cli/bin/bgfill.js', import.meta.url));
const run = promisify(execFile);

async function help(command: readonly string[]): Promise<string> {
  return (await run(process.execPath, [BGFILL, ...command, '--help'])).stdout;
}

const LONG_COMMANDS: readonly (readonly string[])[] = [
  ['masks', 'generate'],
  ['dataset', 'build'],
  ['dataset', 'verify'],
  ['eval'],
  ['inpaint'],
  ['train'],
  ['demo'],
  ['segment'],
  ['upscale'],
  ['masks', 'bank', 'build'],
];

for (const command of LONG_COMMANDS) {
  test(`bgfill ${command.join(' ')} takes --no-progress and --json`, async (t) => {
    const text = await help(command);
    t.regex(text, /--no-progress\b/);
    t.regex(text, /--json\b/);
  });
}

test('a mask recipe is --masks on every command that takes one; --strategy is no longer shown', async (t) => {
  for (const command of [['masks', 'generate'], ['masks', 'preview'], ['dataset', 'build'], ['train'], ['demo']]) {
    const text = await help(command);
    t.regex(text, /--masks <recipe>/, command.join(' '));
    t.notRegex(text, /--strategy\b/, command.join(' '));
  }
});

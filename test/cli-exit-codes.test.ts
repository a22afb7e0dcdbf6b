// The `bgfill` command's exit codes, as documented: 0 for success, --help and --version; 2 for user errors, usage
// errors from the argument parser included (unknown or missing option, a value outside its choices); 1 for bugs.
import test from 'ava';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const BGFILL = fileURLToPath(new URL('../packages/cli/bin/bgfill.js', import.meta.url));

function bgfill(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BGFILL, ...args], (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test('usage errors exit 2 with the parser\'s message; --help and --version exit 0', async (t) => {
  const unknown = await bgfill('masks', 'strategies', '--sizee', '3');
  t.is(unknown.code, 2);
  t.regex(unknown.stderr, /unknown option '--sizee'/);
  const missing = await bgfill('inpaint', '--image', 'a.png');
  t.is(missing.code, 2);
  t.regex(missing.stderr, /required option '--out <path>' not specified/);
  const choice = await bgfill('demo', '--backend', 'onnx');
  t.is(choice.code, 2);
  t.regex(choice.stderr, /argument 'onnx' is invalid/);
  const command = await bgfill('nosuch');
  t.is(command.code, 2);
  t.regex(command.stderr, /unknown command 'nosuch'/);
  const help = await bgfill('masks', '--help');
  t.is(help.code, 0);
  t.regex(help.stdout, /Usage: bgfill masks/);
  const version = await bgfill('--version');
  t.is(version.code, 0);
  t.regex(version.stdout, /^\d+\.\d+\.\d+/);
});

test('a user error from a command exits 2 with one line naming the file', async (t) => {
  const r = await bgfill('masks', 'stats', 'no/such/folder');
  t.is(r.code, 2);
  t.regex(r.stderr, /^bgfill: .*no\/such\/folder/);
  t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
});

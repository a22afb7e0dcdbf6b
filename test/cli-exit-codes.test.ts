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

test('usage errors exit 2 as `bgfill: <message>` and the command\'s --help to run, on every level; --help and --version exit 0', async (t) => {
  const cases: Array<[string[], string, string]> = [
    [['masks', 'strategies', '--sizee', '3'], "unknown option '--sizee'", 'bgfill masks strategies'],
    [['inpaint', '--image', 'a.png'], "required option '--out <path>' not specified", 'bgfill inpaint'],
    [['demo', '--backend', 'onnx'], "option '--backend <name>' argument 'onnx' is invalid.", 'bgfill demo'],
    [['masks', 'bank', 'build', '--maps'], "option '--maps <paths...>' argument missing", 'bgfill masks bank build'],
    [['masks', 'stats'], "missing required argument 'paths'", 'bgfill masks stats'],
    [['nosuch'], "unknown command 'nosuch'", 'bgfill'],
    [['--frobnicate'], "unknown option '--frobnicate'", 'bgfill'],
  ];
  for (const [args, message, command] of cases) {
    const r = await bgfill(...args);
    t.is(r.code, 2, args.join(' '));
    t.true(r.stderr.startsWith(`bgfill: ${message}`), `${args.join(' ')}: ${r.stderr}`);
    t.regex(r.stderr, new RegExp(`\\n\\(run \`${command} --help\` for usage\\)\\n$`), args.join(' '));
    t.notRegex(r.stderr, /^error: /m, 'not the parser\'s own prefix');
  }
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

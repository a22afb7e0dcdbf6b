// The `bgfill` command's exit codes, as documented: 0 for success, --help and --version; 2 for user errors, usage
// errors from the argument parser included (unknown or missing option, a value outside its choices); 1 for bugs.
import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';

const BGFILL = fileURLToPath(new URL('../packages/cli/bin/bgfill.js', import.meta.url));

function bgfill(...args: string[]): Promise<{ code: number; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BGFILL, ...args], { env: { ...process.env, CI: '1' } }, (err, stdout, stderr) => {
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

/** The README's exit code for `command` when some inputs are bad and the others done (its "Exit codes" table). */
function documentedCode(readme: string, command: string): number {
  const section = readme.slice(readme.indexOf('## Exit codes'), readme.indexOf('\n## ', readme.indexOf('## Exit codes') + 1));
  const row = section.split('\n').find((line) => line.startsWith('| ') && line.split('|')[1].includes(`\`${command}\``));
  const code = row === undefined ? undefined : /^\s*\**(\d)/.exec(row.split('|')[2])?.[1];
  if (code === undefined) throw new Error(`README.md: no exit code row for ${command}`);
  return Number(code);
}

test('a batch with one bad input among good ones exits as the README says, command by command', async (t) => {
  const readme = await readFile(fileURLToPath(new URL('../README.md', import.meta.url)), 'utf8');
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-exit-codes-'));
  const folders = ['images', 'masks', 'targets'].map((f) => join(dir, f));
  await Promise.all(folders.map((f) => mkdir(f)));
  const [images, masks, targets] = folders;
  const grey = (value: number, channels: 1 | 3) => sharp(Buffer.alloc(32 * 32 * channels, value), { raw: { width: 32, height: 32, channels } }).png();
  const hole = Buffer.alloc(32 * 32);
  for (let y = 8; y < 24; y++) hole.fill(255, y * 32 + 10, y * 32 + 20);
  await grey(90, 3).toFile(join(images, 'a.png'));
  await grey(100, 3).toFile(join(targets, 'a.png'));
  await sharp(hole, { raw: { width: 32, height: 32, channels: 1 } }).png().toFile(join(masks, 'a.png'));
  for (const f of folders) await writeFile(join(f, 'b.png'), 'not an image');
  const runs: Array<[string, string[]]> = [
    ['inpaint', ['inpaint', '--method', 'mean', '--image', images, '--mask', masks, '--out', join(dir, 'filled'), '--no-progress']],
    ['upscale', ['upscale', '--image', images, '--out', join(dir, 'big'), '--model', 'slim', '--scale', '2', '--backend', 'wasm', '--no-progress']],
    ['masks stats', ['masks', 'stats', masks]],
    ['masks bank build', ['masks', 'bank', 'build', '--maps', masks, '--out', join(dir, 'bank'), '--no-progress']],
    ['eval pair', ['eval', 'pair', '--pred', images, '--target', targets, '--no-progress']],
  ];
  for (const [command, args] of runs) {
    const r = await bgfill(...args);
    t.is(r.code, documentedCode(readme, command), `${command}: ${r.stderr}`);
    t.regex(r.stdout + r.stderr, /b\.png/, `${command} names the bad file`);
  }
});

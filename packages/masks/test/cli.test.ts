// Spawns the real `bgfill` command (node packages/cli/bin/bgfill.js) on temporary folders.
import test from 'ava';
import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { generateMaskFolder, maskFileName, type MaskSetStats } from '../src/generate-folder.js';
import { STRATEGY_NAMES } from '../src/registry.js';

const repo = fileURLToPath(new URL('../../..', import.meta.url));
const bin = join(repo, 'packages/cli/bin/bgfill.js');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function bgfill(args: string[], cwd = repo): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { cwd, env: { ...process.env, CI: '1' } });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    child.on('error', reject);
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bgfill-cli-'));
}

test('generate writes the masks and stats.json, byte-identical to the library, and prints the histogram', async (t) => {
  const root = await tempDir();
  const out = join(root, 'masks');
  const run = await bgfill(['masks', 'generate', '--masks', 'person-box+scribble:0-3', '--count', '12', '--size', '40x32', '--seed', '9', '--out', out, '--concurrency', '2']);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, /person-box\+scribble:0-3: 12 masks 40x32 .*\(12 written, 0 kept, 0 rewritten\)/);
  t.regex(run.stdout, /\(0\.5,0\.6\]/);
  const stats = JSON.parse(await readFile(join(out, 'stats.json'), 'utf8')) as MaskSetStats;
  t.true(stats.complete);
  t.is(stats.count, 12);
  const lib = join(root, 'lib');
  await generateMaskFolder({ config: 'person-box+scribble:0-3', out: lib, count: 12, size: { width: 40, height: 32 }, seed: '9' });
  for (let i = 0; i < 12; i++) {
    t.deepEqual(await readFile(join(out, maskFileName(i, 6))), await readFile(join(lib, maskFileName(i, 6))));
  }
});

test('an interrupted run resumes to exactly the uninterrupted result', async (t) => {
  const root = await tempDir();
  const out = join(root, 'killed');
  // Big masks make each one slow enough (PNG encoding of 1024×1024) to stop the run part-way without many files.
  const count = 120;
  const args = ['masks', 'generate', '--masks', 'person-box', '--count', String(count), '--size', '1024', '--seed', 'k', '--out', out, '--concurrency', '1'];
  const child = spawn(process.execPath, [bin, ...args], { cwd: repo, env: { ...process.env, CI: '1' } });
  const exited = new Promise((resolve) => child.on('close', resolve));
  // Kill it once some masks are on disk.
  for (let i = 0; i < 3000; i++) {
    await new Promise((r) => setTimeout(r, 10));
    const names = await readdir(out).catch(() => []);
    if (names.length > 10) break;
  }
  child.kill('SIGKILL');
  await exited;
  const partial = (await readdir(out)).filter((n) => n.startsWith('mask-')).length;
  const before = JSON.parse(await readFile(join(out, 'stats.json'), 'utf8')) as MaskSetStats;
  t.false(before.complete, `killed after ${partial} masks`);
  const run = await bgfill(args);
  t.is(run.code, 0, run.stderr);
  t.regex(run.stdout, new RegExp(`\\((\\d+) written, (\\d+) kept, 0 rewritten\\)`));
  const reference = join(root, 'reference');
  await generateMaskFolder({ config: 'person-box', out: reference, count, size: { width: 1024, height: 1024 }, seed: 'k' });
  const names = (await readdir(reference)).sort();
  t.deepEqual((await readdir(out)).sort(), names);
  for (const name of names) t.deepEqual(await readFile(join(out, name)), await readFile(join(reference, name)), name);
});

test('bad input exits 2 with a message naming the problem (other limits: cli-options.test.ts)', async (t) => {
  const out = join(await tempDir(), 'x');
  const cases: Array<[string[], RegExp]> = [
    [['--masks', 'blobs', '--count', '3'], /unknown strategy "blobs"; allowed: person-box, scribble, box, irregular, outpaint, silhouette/],
    [['--masks', 'box', '--count', '0'], /integer between 1 and 10000000 for --count but received "0"/],
    [['--masks', 'box', '--count', '2', '--size', '-16x16'], /--size but received "-16x16"/],
    [['--masks', '@/nonexistent/recipe.json', '--count', '2'], /nonexistent\/recipe\.json: cannot read the mask config file/],
  ];
  for (const [args, re] of cases) {
    const run = await bgfill(['masks', 'generate', ...args, '--out', out]);
    t.is(run.code, 2, args.join(' '));
    t.regex(run.stderr, re);
    t.notRegex(run.stderr, /at .*\.ts:\d+/, 'no stack trace');
  }
  await t.throwsAsync(readdir(out), { code: 'ENOENT' }, 'nothing written');
});

test('a folder with other content is refused unless --overwrite', async (t) => {
  const out = await tempDir();
  await writeFile(join(out, 'holiday.jpg'), 'not mine to delete');
  const args = ['masks', 'generate', '--masks', 'box', '--count', '3', '--size', '16', '--out', out];
  const refused = await bgfill(args);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /refusing to write there: other content: holiday\.jpg\. Use --overwrite/);
  const forced = await bgfill([...args, '--overwrite']);
  t.is(forced.code, 0, forced.stderr);
  t.deepEqual((await readdir(out)).sort(), ['holiday.jpg', 'mask-000000.png', 'mask-000001.png', 'mask-000002.png', 'stats.json']);
});

test('stats reads any folder of masks (16-bit, other sizes) and reports unreadable files', async (t) => {
  const dir = await tempDir();
  const half = new Uint16Array(10 * 10);
  half.fill(65535, 0, 50);
  await sharp(half, { raw: { width: 10, height: 10, channels: 1 } }).toColourspace('grey16').png().toFile(join(dir, 'a.png'));
  const quarter = new Uint8Array(20 * 10);
  quarter.fill(255, 0, 50);
  await sharp(quarter, { raw: { width: 20, height: 10, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'b.png'));
  await writeFile(join(dir, 'c.png'), 'text');
  const table = await bgfill(['masks', 'stats', dir]);
  t.is(table.code, 0, table.stderr);
  t.regex(table.stdout, /\(0\.2,0\.3\]\s+1\s+50\.0%/);
  t.regex(table.stdout, /\(0\.4,0\.5\]\s+1\s+50\.0%/);
  t.regex(table.stdout, /2 masks: mean 0\.3750/);
  t.regex(table.stderr, /skipped .*c\.png: not a readable image/);
  const json = await bgfill(['masks', 'stats', dir, '--json']);
  const parsed = JSON.parse(json.stdout) as { files: Array<{ ratio: number }>; skipped: unknown[]; summary: { mean: number } };
  t.deepEqual(parsed.files.map((f) => f.ratio), [0.5, 0.25]);
  t.is(parsed.skipped.length, 1);
  const none = await bgfill(['masks', 'stats', join(dir, 'c.png')]);
  t.is(none.code, 2);
  t.regex(none.stderr, /no readable mask image/);
});

test('preview refuses to replace a file unless --overwrite, writes only .png names, and skips unreadable photos', async (t) => {
  const root = await tempDir();
  const sheet = join(root, 'sheet.png');
  await writeFile(sheet, 'keep me');
  const base = ['masks', 'preview', '--masks', 'box', '--count', '4', '--size', '16'];
  const refused = await bgfill([...base, '--out', sheet]);
  t.is(refused.code, 2);
  t.regex(refused.stderr, /sheet\.png: exists; pass --overwrite to replace it/);
  t.is(await readFile(sheet, 'utf8'), 'keep me', 'untouched');
  const jpg = await bgfill([...base, '--out', join(root, 'sheet.jpg')]);
  t.is(jpg.code, 2);
  t.regex(jpg.stderr, /sheet\.jpg: the contact sheet is written as PNG: give a \.png file name/);
  const generated = await bgfill(['masks', 'generate', '--masks', 'box', '--count', '2', '--size', '16', '--out', join(root, 'm'), '--preview', join(root, 'm.webp')]);
  t.is(generated.code, 2);
  t.regex(generated.stderr, /--preview .*m\.webp: the contact sheet is written as PNG/);
  // Photos: one good, one truncated; the good one is drawn under every mask, the bad one is named and skipped.
  const photos = join(root, 'photos');
  await mkdir(photos);
  await sharp({ create: { width: 20, height: 20, channels: 3, background: { r: 200, g: 30, b: 30 } } }).png().toFile(join(photos, 'a.png'));
  await writeFile(join(photos, 'b.png'), (await readFile(join(photos, 'a.png'))).subarray(0, 40));
  const over = await bgfill([...base, '--images', photos, '--out', sheet, '--overwrite']);
  t.is(over.code, 0, over.stderr);
  t.regex(over.stderr, /skipped .*b\.png: not a readable image/);
  t.is((over.stderr.match(/skipped/g) ?? []).length, 1, 'named once');
  const meta = await sharp(sheet).metadata();
  t.is(meta.format, 'png');
});

test('preview draws a contact sheet from a recipe or a folder; strategies lists every strategy; help shows an example', async (t) => {
  const root = await tempDir();
  const sheet = join(root, 'sheet.png');
  const run = await bgfill(['masks', 'preview', '--masks', 'irregular:thick', '--count', '6', '--size', '30', '--columns', '3', '--out', sheet]);
  t.is(run.code, 0, run.stderr);
  const meta = await sharp(sheet).metadata();
  t.is(meta.width, 3 * 30 + 2);
  t.is(meta.height, 2 * 30 + 1);
  const list = await bgfill(['masks', 'strategies']);
  t.is(list.code, 0);
  for (const name of STRATEGY_NAMES) t.regex(list.stdout, new RegExp(`^${name}\\b`, 'm'));
  const help = await bgfill(['masks', 'generate', '--help']);
  t.regex(help.stdout, /\(default: "256"\)/);
  t.regex(help.stdout, /Example:\n {2}\$ bgfill masks generate/);
});

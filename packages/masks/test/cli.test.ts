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
  t.regex(jpg.stderr, /sheet\.jpg: the contact sheet \(--out\) is written as \.png: give a file name ending in \.png/);
  const generated = await bgfill(['masks', 'generate', '--masks', 'box', '--count', '2', '--size', '16', '--out', join(root, 'm'), '--preview', join(root, 'm.webp')]);
  t.is(generated.code, 2);
  t.regex(generated.stderr, /m\.webp: the contact sheet \(--preview\) is written as \.png/);
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

test('generate --json prints the summary on stdout and the human lines on stderr; --no-progress is accepted beside --progress <at>', async (t) => {
  const root = await tempDir();
  const viaMasks = await bgfill(['masks', 'generate', '--masks', 'box', '--count', '3', '--size', '16', '--seed', '2', '--out', join(root, 'a'), '--json', '--no-progress']);
  t.is(viaMasks.code, 0, viaMasks.stderr);
  const summary = JSON.parse(viaMasks.stdout) as { count: number; written: number; label: string; out: string };
  t.like(summary, { count: 3, written: 3, label: 'box', out: join(root, 'a') });
  t.regex(viaMasks.stderr, /box: 3 masks 16x16/, 'the human line goes to stderr under --json');
  const viaAlias = await bgfill(['masks', 'generate', '--strategy', 'box', '--count', '3', '--size', '16', '--seed', '2', '--out', join(root, 'b')]);
  t.is(viaAlias.code, 0, viaAlias.stderr);
  t.regex(viaAlias.stdout, /box: 3 masks 16x16/);
  for (const name of ['mask-000000.png', 'mask-000001.png', 'mask-000002.png']) {
    t.deepEqual(await readFile(join(root, 'b', name)), await readFile(join(root, 'a', name)), name);
  }
  // --progress <at> and --no-progress are independent, in either order: the training point is kept (and reported).
  for (const [k, flags] of [['--progress', '4', '--no-progress'], ['--no-progress', '--progress', '4']].entries()) {
    const out = join(root, `ramp${k}`);
    const ramp = await bgfill(['masks', 'generate', '--masks', 'box>dilate:ramp(2,8,0,8)', ...flags, '--count', '2', '--size', '16', '--out', out, '--json']);
    t.is(ramp.code, 0, ramp.stderr);
    t.like(JSON.parse(ramp.stdout), { trainingProgress: { epoch: 4 }, labelAt: 'box>dilate:5' }, flags.join(' '));
    t.deepEqual((JSON.parse(await readFile(join(out, 'stats.json'), 'utf8')) as MaskSetStats).trainingProgress, { epoch: 4 });
  }
  t.like(JSON.parse(viaMasks.stdout), { trainingProgress: null });
  // preview draws no bar: its help does not offer --no-progress.
  const previewHelp = await bgfill(['masks', 'preview', '--help']);
  t.notRegex(previewHelp.stdout, /no-progress/);
});

test('bank build → generate with person-bank and a ramp at --progress → stats with shapes → compare, all from the command line', async (t) => {
  const root = await tempDir();
  const maps = join(root, 'maps');
  await mkdir(maps);
  // Two soft maps (8-bit grey): a person-like blob each, plus a speck that is too small to keep.
  for (const [k, w, h] of [[0, 90, 120], [1, 120, 80]] as const) {
    const px = new Uint8Array(w * h);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) if (((x - w / 2) / 12) ** 2 + ((y - h / 2) / (h / 3)) ** 2 < 1) px[y * w + x] = 180;
    px[2 * w + 2] = 255;
    await sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toFile(join(maps, `m${k}.png`));
  }
  const bankDir = join(root, 'bank');
  const built = await bgfill(['masks', 'bank', 'build', '--maps', maps, '--threshold', '0.1', '--out', bankDir, '--json']);
  t.is(built.code, 0, built.stderr);
  const summary = JSON.parse(built.stdout) as { outlines: number; dropped: { small: number; spanning: number }; sha256: string };
  t.is(summary.outlines, 2);
  t.deepEqual(summary.dropped, { small: 2, spanning: 0 });
  t.regex(built.stderr, /2 outlines from 2 maps/);
  const recipe = `person-bank:${bankDir}(dilate=ramp(0,8,0,8))+scribble:0-1`;
  const early = join(root, 'early');
  const gen = await bgfill(['masks', 'generate', '--masks', recipe, '--progress', 'epoch=2', '--count', '8', '--size', '64', '--out', early]);
  t.is(gen.code, 0, gen.stderr);
  t.regex(gen.stdout, new RegExp(`at epoch=2 = person-bank:${bankDir}\\(dilate=2\\)\\+scribble:0-1: 8 masks`));
  t.regex(gen.stdout, /hole shape +mean/);
  t.regex(gen.stdout, new RegExp(`bank ${bankDir}: 2 outlines, sha256 ${summary.sha256}`));
  const stats = JSON.parse(await readFile(join(early, 'stats.json'), 'utf8')) as MaskSetStats;
  t.deepEqual(stats.trainingProgress, { epoch: 2 });
  t.is(stats.banks?.[0].sha256, summary.sha256);
  t.is(stats.shape?.height.count, 8);
  const late = join(root, 'late');
  t.is((await bgfill(['masks', 'generate', '--masks', recipe, '--count', '8', '--size', '64', '--out', late])).code, 0);
  const shown = await bgfill(['masks', 'stats', early]);
  t.regex(shown.stdout, /aspect h\/w/);
  const compared = await bgfill(['masks', 'compare', early, late, '--json']);
  t.is(compared.code, 0, compared.stderr);
  const report = JSON.parse(compared.stdout) as { a: { count: number }; distances: Array<{ variable: string; wasserstein1: number; meanA: number; meanB: number }> };
  t.is(report.a.count, 8);
  const ratio = report.distances.find((d) => d.variable === 'hole ratio');
  // The end of the ramp dilates by 8 instead of 2: bigger holes, at a positive distance.
  t.true((ratio?.meanB ?? 0) > (ratio?.meanA ?? 1));
  t.true((ratio?.wasserstein1 ?? 0) > 0);
  const table = await bgfill(['masks', 'compare', early, late]);
  t.regex(table.stdout, /variable +mean A +mean B +W1 +KS +KS p/);
});

test('bank build: the bank bytes do not depend on how --maps is spelled or where it runs; a bad --out is refused before any work', async (t) => {
  const root = await tempDir();
  const maps = join(root, 'maps');
  await mkdir(join(maps, 'more'), { recursive: true });
  for (const [file, w, h] of [['a.png', 60, 80], ['b.png', 80, 60]] as const) {
    const px = new Uint8Array(w * h);
    for (let y = h / 4; y < (3 * h) / 4; y++) for (let x = w / 3; x < (2 * w) / 3; x++) px[y * w + x] = 200;
    await sharp(px, { raw: { width: w, height: h, channels: 1 } }).png().toFile(join(maps, file));
  }
  await writeFile(join(maps, 'junk.png'), 'not an image');
  const spellings: Array<[string[], string]> = [
    [['maps'], root],
    [['./maps/'], root],
    [[maps], repo],
    [['.'], maps],
    [['..'], join(maps, 'more')],
    [['maps/*.png'], root],
    [['maps/b.png', join(maps, 'a.png'), './maps/junk.png'], root],
  ];
  const banks: Buffer[] = [];
  for (const [k, [spelling, cwd]] of spellings.entries()) {
    const out = join(root, `bank${k}`);
    const run = await bgfill(['masks', 'bank', 'build', '--maps', ...spelling, '--out', out, '--no-progress'], cwd);
    t.is(run.code, 0, `${spelling.join(' ')} from ${cwd}: ${run.stderr}`);
    banks.push(await readFile(join(out, 'bank.bgbank')));
  }
  for (const [k, bytes] of banks.entries()) t.deepEqual(bytes, banks[0], `--maps ${spellings[k][0].join(' ')} from ${spellings[k][1]}`);
  for (const name of ['a.png', 'b.png', 'junk.png']) t.true(banks[0].includes(Buffer.from(`"file":"${name}"`)), `${name} named relative to the maps`);
  t.false(banks[0].includes(Buffer.from(root)), 'no absolute path in the bank');

  await writeFile(join(root, 'afile'), 'x');
  const refusals: Array<[string, RegExp]> = [
    [join(root, 'afile', 'bank'), /^bgfill: --out .*afile.bank: cannot be created: .*afile is a file, not a folder/m],
    [join(root, 'afile'), /^bgfill: --out .*afile: exists and is not a folder/m],
    [join(maps, 'bank'), /^bgfill: --out .*bank: is inside the input folder .*maps \(every file under it is read\); write outside it/m],
    [maps, /^bgfill: --out .*maps: is the input folder/m],
    [root, /^bgfill: --out .*: contains the input folder .*maps/m],
    ...(process.platform === 'linux' ? [['/proc/sys/bgfill-bank', /^bgfill: --out \/proc\/sys\/bgfill-bank: cannot be written: no write access to \/proc\/sys/m] as [string, RegExp]] : []),
  ];
  for (const [out, message] of refusals) {
    const run = await bgfill(['masks', 'bank', 'build', '--maps', maps, '--out', out, '--no-progress']);
    t.is(run.code, 2, out);
    t.regex(run.stderr, message);
    t.notRegex(run.stderr, /\n\s+at /, 'no stack trace');
  }
  t.deepEqual((await readdir(maps)).sort(), ['a.png', 'b.png', 'junk.png', 'more'], 'nothing written into the maps');
});

test('--strategy still works on generate and preview (hidden, with a note); --masks and --strategy together or neither are refused', async (t) => {
  const root = await tempDir();
  const old = await bgfill(['masks', 'generate', '--strategy', 'box', '--count', '2', '--size', '16', '--out', join(root, 'a')]);
  t.is(old.code, 0, old.stderr);
  t.regex(old.stderr, /note: --strategy is now called --masks/);
  const both = await bgfill(['masks', 'preview', '--strategy', 'box', '--masks', 'box', '--out', join(root, 's.png')]);
  t.is(both.code, 2);
  t.regex(both.stderr, /give the mask recipe once: --masks/);
  const none = await bgfill(['masks', 'generate', '--count', '2', '--out', join(root, 'b')]);
  t.is(none.code, 2);
  t.regex(none.stderr, /required option '--masks <recipe>' not specified/);
  const help = await bgfill(['masks', 'generate', '--help']);
  t.notRegex(help.stdout, /--strategy/);
  t.regex(help.stdout, /--progress <at>/);
  const bankHelp = await bgfill(['masks', 'bank', 'build', '--help']);
  t.regex(bankHelp.stdout, /\(default: "0\.1"\)/);
  t.regex(bankHelp.stdout, /Example:\n {2}\$ bgfill masks bank build/);
});

import test from 'ava';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { maskFolderStats } from '../src/folder-stats.js';
import { generateMaskFolder, maskFileName, type MaskSetStats } from '../src/generate-folder.js';
import { generateMask } from '../src/generate.js';
import { holeRatio } from '../src/mask.js';
import { maskFromImage, maskToPng } from '../src/png.js';
import { holeRatioHistogram, HOLE_RATIO_BINS } from '../src/stats.js';

const size = { width: 48, height: 40 };
const recipe = 'person-box+scribble:0-3';

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bgfill-folder-'));
}

async function folderBytes(dir: string): Promise<Map<string, string>> {
  const out = new Map<string, string>();
  for (const name of (await readdir(dir)).sort()) {
    if (name.endsWith('.png')) out.set(name, (await readFile(join(dir, name))).toString('base64'));
  }
  return out;
}

test('writes mask-000000.png … as 8-bit grey 0/255 equal to generateMask, and a complete stats.json', async (t) => {
  const out = join(await tempDir(), 'masks');
  const result = await generateMaskFolder({ config: recipe, out, count: 30, size, seed: 'x', concurrency: 3 });
  t.is(result.written, 30);
  const names = (await readdir(out)).sort();
  t.deepEqual(names, [...Array.from({ length: 30 }, (_, i) => maskFileName(i, 6)), 'stats.json']);
  const stats = JSON.parse(await readFile(join(out, 'stats.json'), 'utf8')) as MaskSetStats;
  t.true(stats.complete);
  t.is(stats.label, recipe);
  t.is(stats.seed, 'x');
  t.deepEqual(stats.size, size);
  t.is(stats.count, 30);
  for (let i = 0; i < 30; i++) {
    const file = await readFile(join(out, maskFileName(i, 6)));
    const meta = await sharp(file).metadata();
    t.is(meta.channels, 1);
    t.is(meta.depth, 'uchar');
    const expected = generateMask(recipe, size, 'x', i);
    t.deepEqual(file, await maskToPng(expected), `mask ${i}`);
    t.is(stats.ratios?.[i], holeRatio(expected));
  }
  t.deepEqual(stats.summary?.histogram, holeRatioHistogram(stats.ratios ?? []));
  // The folder reads back with the same statistics.
  const read = await maskFolderStats(out);
  t.deepEqual(read.files.map((f) => f.ratio), stats.ratios);
  t.deepEqual(read.summary, stats.summary);
});

test('bytes do not depend on concurrency', async (t) => {
  const root = await tempDir();
  await generateMaskFolder({ config: recipe, out: join(root, 'a'), count: 40, size, seed: 5, concurrency: 1 });
  await generateMaskFolder({ config: recipe, out: join(root, 'b'), count: 40, size, seed: 5, concurrency: 8 });
  t.deepEqual(await folderBytes(join(root, 'a')), await folderBytes(join(root, 'b')));
});

test('resume keeps good masks, rewrites damaged ones, fills missing ones and removes stale temp files', async (t) => {
  const root = await tempDir();
  const reference = join(root, 'reference');
  await generateMaskFolder({ config: recipe, out: reference, count: 25, size, seed: 2 });
  const out = join(root, 'resumed');
  await generateMaskFolder({ config: recipe, out, count: 25, size, seed: 2 });
  // Simulate an interrupted run: stats incomplete, files missing, one truncated, a temp file left behind.
  const stats = JSON.parse(await readFile(join(out, 'stats.json'), 'utf8')) as MaskSetStats;
  await writeFile(join(out, 'stats.json'), JSON.stringify({ ...stats, complete: false, summary: undefined, ratios: undefined }));
  for (const i of [3, 17, 24]) await rm(join(out, maskFileName(i, 6)));
  const damaged = await readFile(join(out, maskFileName(5, 6)));
  await writeFile(join(out, maskFileName(5, 6)), damaged.subarray(0, 20));
  await writeFile(join(out, `.${maskFileName(3, 6)}.1234.deadbeef.tmp`), 'partial');
  const result = await generateMaskFolder({ config: recipe, out, count: 25, size, seed: 2 });
  t.is(result.written, 3);
  t.is(result.rewritten, 1);
  t.is(result.kept, 21);
  t.deepEqual(await folderBytes(out), await folderBytes(reference));
  t.false((await readdir(out)).some((n) => n.endsWith('.tmp')));
  t.deepEqual(await readFile(join(out, 'stats.json')), await readFile(join(reference, 'stats.json')));
});

test('a larger count extends a finished run', async (t) => {
  const root = await tempDir();
  const out = join(root, 'grow');
  await generateMaskFolder({ config: recipe, out, count: 10, size, seed: 3 });
  const result = await generateMaskFolder({ config: recipe, out, count: 16, size, seed: 3 });
  t.is(result.kept, 10);
  t.is(result.written, 6);
  await generateMaskFolder({ config: recipe, out: join(root, 'direct'), count: 16, size, seed: 3 });
  t.deepEqual(await folderBytes(out), await folderBytes(join(root, 'direct')));
});

test('refuses other content and other runs unless overwrite; overwrite keeps foreign files', async (t) => {
  const root = await tempDir();
  const out = join(root, 'busy');
  await generateMaskFolder({ config: recipe, out, count: 8, size, seed: 1 });
  await t.throwsAsync(generateMaskFolder({ config: 'box', out, count: 8, size, seed: 1 }), {
    instanceOf: BgfillError,
    message: /busy: refusing to write there: it holds masks of another run \(recipe person-box\+scribble:0-3 there, box here\)\. Use --overwrite/,
  });
  await t.throwsAsync(generateMaskFolder({ config: recipe, out, count: 8, size, seed: 2 }), { message: /another run \(seed 1 there, 2 here\)\./ });
  await t.throwsAsync(generateMaskFolder({ config: recipe, out, count: 8, size: { width: 40, height: 40 }, seed: 2, balanced: true }), {
    message: /another run \(seed 1 there, 2 here; size 48x40 there, 40x40 here; balanced no there, yes \(--max-attempts 200\) here\)\./,
  });
  await t.throwsAsync(generateMaskFolder({ config: recipe, out, count: 4, size, seed: 1 }), {
    message: /mask files beyond this run: mask-000004\.png/,
  });
  await writeFile(join(out, 'notes.txt'), 'mine');
  await t.throwsAsync(generateMaskFolder({ config: recipe, out, count: 8, size, seed: 1 }), { message: /other content: notes\.txt/ });
  const result = await generateMaskFolder({ config: 'box', out, count: 4, size, seed: 1, overwrite: true });
  t.is(result.removed, 4);
  t.is(result.rewritten + result.kept, 4);
  t.is(await readFile(join(out, 'notes.txt'), 'utf8'), 'mine');
  for (let i = 0; i < 4; i++) t.deepEqual(await readFile(join(out, maskFileName(i, 6))), await maskToPng(generateMask('box', size, 1, i)));
  await writeFile(join(root, 'file'), '');
  await t.throwsAsync(generateMaskFolder({ config: recipe, out: join(root, 'file'), count: 1, size, seed: 1 }), {
    message: /file: exists and is not a folder/,
  });
  await t.throwsAsync(generateMaskFolder({ config: recipe, out: join(root, 'file', 'sub'), count: 1, size, seed: 1 }), {
    instanceOf: BgfillError,
    message: /sub: cannot be created: .*file is a file, not a folder$/,
  });
});

test('a changed run is refused naming what differs: the training point, the bank', async (t) => {
  const root = await tempDir();
  const out = join(root, 'ramp');
  const ramp = 'box>dilate:ramp(0,4,0,8)';
  await generateMaskFolder({ config: ramp, out, count: 2, size, seed: 1, trainingProgress: { epoch: 4 } });
  await t.throwsAsync(generateMaskFolder({ config: ramp, out, count: 2, size, seed: 1 }), {
    message: /another run \(training point epoch=4 there, the ramps' end values here\)\./,
  });
  await t.throwsAsync(generateMaskFolder({ config: ramp, out, count: 2, size, seed: 1, trainingProgress: { epoch: 2, step: 10 } }), {
    message: /another run \(training point epoch=4 there, epoch=2,step=10 here\)\./,
  });
  await t.notThrowsAsync(generateMaskFolder({ config: ramp, out, count: 3, size, seed: 1, trainingProgress: { epoch: 4 } }), 'the same run extends');
});

test('bad counts, sizes and concurrency are refused before anything is written', async (t) => {
  const out = join(await tempDir(), 'never');
  for (const count of [0, -1, 1.5, 10_000_001]) {
    await t.throwsAsync(generateMaskFolder({ config: 'box', out, count, size, seed: 1 }), { instanceOf: BgfillError, message: /count/ });
  }
  await t.throwsAsync(generateMaskFolder({ config: 'box', out, count: 1, size: { width: 0, height: 4 }, seed: 1 }), { message: /size\.width/ });
  await t.throwsAsync(generateMaskFolder({ config: 'box', out, count: 1, size, seed: 1, concurrency: 0 }), { message: /concurrency/ });
  await t.throwsAsync(generateMaskFolder({ config: 'nope', out, count: 1, size, seed: 1 }), { message: /unknown strategy "nope"/ });
  await t.throwsAsync(readdir(out), { code: 'ENOENT' });
});

test('a balanced run spreads masks evenly over the six bins and records misses', async (t) => {
  const out = join(await tempDir(), 'balanced');
  const result = await generateMaskFolder({ config: 'person-box', out, count: 24, size: { width: 64, height: 64 }, seed: 4, balanced: true });
  const h = result.stats.summary?.histogram ?? {};
  for (const bin of HOLE_RATIO_BINS) t.is(h[bin.label], 4, bin.label);
  t.deepEqual(result.stats.balanceMisses, []);
  for (let i = 0; i < 24; i += 5) {
    const m = await maskFromImage(join(out, maskFileName(i, 6)));
    t.is(result.stats.ratios?.[i], holeRatio(m));
  }
  const missed = await generateMaskFolder({ config: 'box:0', out: join(out, '..', 'missed'), count: 3, size, seed: 4, balanced: true, maxAttempts: 2 });
  t.deepEqual(missed.stats.balanceMisses, [0, 1, 2]);
});

test('a preview sheet is written beside the masks', async (t) => {
  const root = await tempDir();
  await generateMaskFolder({ config: recipe, out: join(root, 'm'), count: 5, size, seed: 1, preview: join(root, 'sheet.png') });
  const meta = await sharp(join(root, 'sheet.png')).metadata();
  // 5 masks → 3 columns, 2 rows, 1-px separators.
  t.is(meta.width, 3 * 48 + 2);
  t.is(meta.height, 2 * 40 + 1);
});

test('a preview sheet inside the output folder is part of the run: a rerun, an extension and a run without --preview go on', async (t) => {
  const out = join(await tempDir(), 'pv');
  const preview = join(out, 'sheet.png');
  await generateMaskFolder({ config: recipe, out, count: 4, size, seed: 1, preview });
  t.is((JSON.parse(await readFile(join(out, 'stats.json'), 'utf8')) as MaskSetStats).preview, 'sheet.png');
  t.like(await generateMaskFolder({ config: recipe, out, count: 4, size, seed: 1, preview }), { kept: 4, written: 0 });
  t.like(await generateMaskFolder({ config: recipe, out, count: 6, size, seed: 1, preview }), { kept: 4, written: 2 });
  t.like(await generateMaskFolder({ config: recipe, out, count: 6, size, seed: 1 }), { kept: 6 });
  await writeFile(join(out, 'other.png'), 'x');
  await t.throwsAsync(generateMaskFolder({ config: recipe, out, count: 6, size, seed: 1, preview }), { message: /other content: other\.png\./ });
});

// `bgfill eval pair` in-process: the command registered on a fresh program with captured output, on real files in
// temporary folders built from the fixtures.
import test from 'ava';
import { copyFile, mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Command } from 'commander';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { readRgbImage } from '../src/image-io.js';
import { registerEvalCommands } from '../src/cli.js';
import { msssim } from '../src/metrics/msssim.js';
import { evaluatePairs, formatPairTable, matchPairs } from '../src/pair.js';
import { EXTRA, FIXTURES, VALUES, crop, fixture } from './fixtures/metrics-pairs/fixtures.js';

interface JsonReport {
  pairs: Array<Record<string, number | string | null>>;
  summary: Record<string, { mean: number | null; std: number | null; n: number; infinite: number }>;
  skipped: Array<{ file: string; reason: string }>;
}

async function run(args: string[]): Promise<{ out: string; err: string }> {
  let out = '';
  let err = '';
  // As packages/cli/src/main.ts builds it: positional options, so `eval pair --out` reaches pair, not `eval --out`.
  const program = new Command('bgfill').enablePositionalOptions().exitOverride();
  registerEvalCommands(program, { stdout: (s) => (out += s), stderr: (s) => (err += s) });
  await program.parseAsync(['node', 'bgfill', ...args]);
  return { out, err };
}

/** pred/ and target/ folders: the six fixture pairs by index name, plus problem files. */
async function makeFolders(): Promise<{ root: string; pred: string; target: string; masks: string }> {
  const root = await mkdtemp(join(tmpdir(), 'bgfill-eval-pair-'));
  const pred = join(root, 'pred');
  const target = join(root, 'target');
  const masks = join(root, 'masks');
  await Promise.all([mkdir(pred), mkdir(target), mkdir(masks)]);
  for (const [i, p] of VALUES.pairs.entries()) {
    const name = String(i).padStart(2, '0');
    await copyFile(join(FIXTURES, p.ref), join(target, `${name}.png`));
    if (i === 2) {
      // Matched by name without extension: a lossless WebP prediction for a PNG target.
      await sharp(join(FIXTURES, p.dist)).webp({ lossless: true }).toFile(join(pred, `${name}.webp`));
    } else {
      await copyFile(join(FIXTURES, p.dist), join(pred, `${name}.png`));
    }
  }
  await copyFile(join(FIXTURES, EXTRA.mask), join(masks, '03.png'));
  await writeFile(join(pred, 'broken.png'), 'not an image');
  await copyFile(join(FIXTURES, '00_ref.png'), join(target, 'broken.png'));
  const small = crop(await fixture('00_blur.png'), [0, 0, 128, 96]);
  await sharp(small.data, { raw: { width: 128, height: 96, channels: 3 } }).png().toFile(join(pred, 'small.png'));
  await copyFile(join(FIXTURES, '00_ref.png'), join(target, 'small.png'));
  await copyFile(join(FIXTURES, '00_ref.png'), join(pred, 'only-pred.png'));
  await copyFile(join(FIXTURES, '00_ref.png'), join(target, 'only-target.png'));
  await writeFile(join(pred, 'notes.txt'), 'ignored: not an image extension');
  return { root, pred, target, masks };
}

const folders = makeFolders();

test('folders: pairs matched by name, values equal torchmetrics’, problems skipped with reasons', async (t) => {
  const { pred, target } = await folders;
  const { out, err } = await run(['eval', 'pair', '--pred', pred, '--target', target, '--json']);
  const report: JsonReport = JSON.parse(out);
  t.deepEqual(report.pairs.map((p) => p.name), ['00', '01', '02', '03', '04', '05']);
  for (const [i, ref] of VALUES.pairs.entries()) {
    const row = report.pairs[i];
    t.true(Math.abs((row.l1 as number) - ref.l1) < 1e-6, `l1 ${row.name}`);
    t.true(Math.abs((row.ssim as number) - ref.ssim) < 1e-4, `ssim ${row.name}`);
    t.true(Math.abs((row.msssim as number) - ref.msssim) < 1e-4, `msssim ${row.name}`);
    if (ref.psnr === null) t.is(row.psnr, null);
    else t.true(Math.abs((row.psnr as number) - ref.psnr) < 1e-3, `psnr ${row.name}`);
  }
  t.true((report.pairs[2].pred as string).endsWith('02.webp'));
  // Summary: mean and population std of the rows, computed here independently; infinite PSNR counted apart.
  const ssims = VALUES.pairs.map((p) => p.ssim);
  const mean = ssims.reduce((a, b) => a + b, 0) / ssims.length;
  t.true(Math.abs(report.summary.ssim.mean! - mean) < 1e-9, `mean ssim ${report.summary.ssim.mean} vs ${mean}`);
  const std = Math.sqrt(ssims.reduce((a, b) => a + (b - mean) ** 2, 0) / ssims.length);
  t.true(Math.abs(report.summary.ssim.std! - std) < 1e-9, `std ssim ${report.summary.ssim.std} vs ${std}`);
  const finitePsnr = VALUES.pairs.filter((p) => p.psnr !== null).map((p) => p.psnr!);
  t.deepEqual([report.summary.psnr.n, report.summary.psnr.infinite], [5, 1]);
  const meanPsnr = finitePsnr.reduce((a, b) => a + b, 0) / 5;
  t.true(Math.abs(report.summary.psnr.mean! - meanPsnr) < 1e-3, `mean psnr ${report.summary.psnr.mean} vs ${meanPsnr}`);
  t.false('l1Hole' in report.summary);
  t.deepEqual([(report as unknown as { msssim: { scales: number } }).msssim.scales, (report as unknown as { notes: string[] }).notes], [5, []], 'standard scales, no note');

  const skipped = Object.fromEntries(report.skipped.map((s) => [s.file, s.reason]));
  t.regex(skipped[join(pred, 'broken.png')], /^not a readable image/);
  t.is(skipped[join(pred, 'small.png')], `size mismatch: ${join(pred, 'small.png')} is 128×96 but ${join(target, 'small.png')} is 256×256`);
  t.is(skipped[join(pred, 'only-pred.png')], `no target named only-pred.* in ${target}`);
  t.is(skipped[join(target, 'only-target.png')], `no prediction named only-target.* in ${pred}`);
  t.is(report.skipped.length, 4);
  t.regex(err, /^skipped 4 files:\n/);
  t.true(err.includes(`${join(pred, 'broken.png')}: not a readable image`), err);
});

test('folders: identical JSON whatever the concurrency, and --out writes the same report atomically', async (t) => {
  const { root, pred, target } = await folders;
  const outFile = join(root, 'reports', 'scores.json');
  const one = await run(['eval', 'pair', '--pred', pred, '--target', target, '--json', '--concurrency', '1']);
  const four = await run(['eval', 'pair', '--pred', pred, '--target', target, '--json', '--concurrency', '4', '--out', outFile]);
  t.is(one.out, four.out);
  t.deepEqual(JSON.parse(await readFile(outFile, 'utf8')), JSON.parse(four.out));
  t.deepEqual(await readdir(join(root, 'reports')), ['scores.json']);
});

test('masks: a folder matched by name (pairs without a mask are skipped), or one file for every pair', async (t) => {
  const { pred, target, masks } = await folders;
  const byName: JsonReport = JSON.parse((await run(['eval', 'pair', '--pred', pred, '--target', target, '--mask', masks, '--json'])).out);
  t.deepEqual(byName.pairs.map((p) => p.name), ['03']);
  const hole = EXTRA.hole.find((h) => h.dist === '03_holeblur.png')!;
  t.true(Math.abs((byName.pairs[0].l1Hole as number) - hole.l1Hole) < 1e-12);
  t.true(Math.abs((byName.pairs[0].psnrHole as number) - hole.psnrHole!) < 1e-9);
  t.is(byName.pairs[0].holeRatio, hole.holePixels / 65536);
  t.true(byName.skipped.some((s) => s.file === join(pred, '00.png') && s.reason === `no mask named 00.* in ${masks}`));

  const oneMask: JsonReport = JSON.parse(
    (await run(['eval', 'pair', '--pred', pred, '--target', target, '--mask', join(FIXTURES, EXTRA.mask), '--json'])).out,
  );
  t.is(oneMask.pairs.length, 6);
  for (const [i, h] of EXTRA.hole.entries()) {
    t.true(Math.abs((oneMask.pairs[i].l1Hole as number) - h.l1Hole) < 1e-12);
    t.is(oneMask.pairs[i].psnrHole, h.psnrHole === null ? null : oneMask.pairs[i].psnrHole);
  }
  t.is(oneMask.summary.psnrHole.infinite, 1);
});

test('one pair: table with every metric; errors name the files (size mismatch, unreadable, mixed kinds)', async (t) => {
  const { root, pred, target } = await folders;
  const { out } = await run([
    'eval', 'pair', '--pred', join(FIXTURES, '03_holeblur.png'), '--target', join(FIXTURES, '03_ref.png'), '--mask', join(FIXTURES, EXTRA.mask),
  ]);
  const lines = out.trimEnd().split('\n');
  t.is(lines.length, 2);
  t.deepEqual(lines[0].split(/\s{2,}/), ['pair', 'L1', 'PSNR dB', 'SSIM', 'MS-SSIM', 'L1 hole', 'PSNR hole']);
  const cells = lines[1].split(/\s{2,}/);
  const ref = VALUES.pairs[3];
  t.is(cells[0], '03_holeblur.png');
  t.is(cells[1], ref.l1.toFixed(6));
  t.is(cells[2], ref.psnr!.toFixed(3));
  t.is(cells[3], ref.ssim.toFixed(6));
  t.is(cells[4], ref.msssim.toFixed(6));

  const small = join(pred, 'small.png');
  await t.throwsAsync(run(['eval', 'pair', '--pred', small, '--target', join(target, 'small.png')]), {
    instanceOf: BgfillError,
    message: `size mismatch: ${small} is 128×96 but ${join(target, 'small.png')} is 256×256`,
  });
  await t.throwsAsync(run(['eval', 'pair', '--pred', join(pred, 'broken.png'), '--target', join(target, 'broken.png')]), {
    instanceOf: BgfillError,
    message: new RegExp(`^${join(pred, 'broken.png').replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}: not a readable image`),
  });
  await t.throwsAsync(run(['eval', 'pair', '--pred', join(pred, '00.png'), '--target', target]), {
    instanceOf: BgfillError,
    message: /must both be files or both be folders/,
  });
  await t.throwsAsync(run(['eval', 'pair', '--pred', join(root, 'nope.png'), '--target', target]), {
    instanceOf: BgfillError,
    message: /nope\.png: no such file or folder \(given as --pred\)/,
  });
  const emptyDir = join(root, 'empty');
  await mkdir(emptyDir, { recursive: true });
  await t.throwsAsync(evaluatePairs({ pred: emptyDir, target: emptyDir }), { instanceOf: BgfillError, message: /no pair could be scored/ });
});

test('small images: as many MS-SSIM scales as fit, one count for every pair, with a note; an explicit --scales that does not fit names the flags', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'bgfill-eval-small-'));
  const a = crop(await fixture('00_blur.png'), [10, 10, 64, 64]);
  const b = crop(await fixture('00_ref.png'), [10, 10, 64, 64]);
  const pa = join(root, 'a.png');
  const pb = join(root, 'b.png');
  await sharp(a.data, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(pa);
  await sharp(b.data, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(pb);
  // 64×64 allows 4 scales with the 11-pixel window (5 need 96×96): the value is the 4-scale MS-SSIM of the metric
  // function (checked against torchmetrics elsewhere), not the 3-scale one.
  const four = msssim(a, b, { scales: 4 });
  t.not(four.toFixed(6), msssim(a, b, { scales: 3 }).toFixed(6));
  const table = await run(['eval', 'pair', '--pred', pa, '--target', pb]);
  t.regex(table.out, new RegExp(`^a\\.png\\s+\\S+\\s+\\S+\\s+\\S+\\s+${four.toFixed(6)}$`, 'm'));
  t.regex(table.out, /^MS-SSIM over 4 of the 5 standard scales \(weights renormalised\): the images are 64×64, and 5 scales with a 11-pixel window need 96×96; .*\(--scales sets it\)$/m);
  const json = await run(['eval', 'pair', '--pred', pa, '--target', pb, '--json']);
  const report = JSON.parse(json.out) as JsonReport & { msssim: { scales: number; windowSize: number }; notes: string[] };
  t.deepEqual(report.msssim, { scales: 4, windowSize: 11 });
  t.is(report.pairs[0].msssim, four);
  t.is(report.notes.length, 1);
  t.is(json.err, `note: ${report.notes[0]}\n`);

  // Asked for explicitly: the count is kept, and a pair too small for it is an error in CLI terms.
  const err = await t.throwsAsync(run(['eval', 'pair', '--pred', pa, '--target', pb, '--scales', '5']), { instanceOf: BgfillError });
  t.is(
    err!.message,
    `${pa}: MS-SSIM with 5 scales and a 11-pixel window needs images of at least 96×96 pixels; got 64×64: ` +
      'use --scales 4 or fewer, a smaller --window, or leave --scales out to use as many scales as fit',
  );
  await t.throwsAsync(run(['eval', 'pair', '--pred', pa, '--target', pb, '--scales', '6']), { message: /--scales must be at most 5/ });
  const three = JSON.parse((await run(['eval', 'pair', '--pred', pa, '--target', pb, '--scales', '3', '--json'])).out) as typeof report;
  t.is(three.pairs[0].msssim, msssim(a, b, { scales: 3 }));
  t.deepEqual([three.msssim.scales, three.notes], [3, []]);
  // The library API names its own options.
  await t.throwsAsync(evaluatePairs({ pred: pa, target: pb, msssim: { scales: 5 } }), {
    instanceOf: BgfillError,
    message: /got 64×64: use msssim\.scales 4 or fewer, a smaller msssim\.windowSize, or leave msssim\.scales out/,
  });

  // Folders: the smallest pair sets one count for all, so the 256×256 pair is scored over 4 scales too.
  const p = join(root, 'p');
  const q = join(root, 'q');
  await Promise.all([mkdir(p), mkdir(q)]);
  await Promise.all([copyFile(pa, join(p, 'x.png')), copyFile(pb, join(q, 'x.png'))]);
  await Promise.all([copyFile(join(FIXTURES, '00_blur.png'), join(p, 'y.png')), copyFile(join(FIXTURES, '00_ref.png'), join(q, 'y.png'))]);
  const both = JSON.parse((await run(['eval', 'pair', '--pred', p, '--target', q, '--json', '--concurrency', '4'])).out) as typeof report;
  t.is(both.msssim.scales, 4);
  t.is(both.pairs[0].msssim, four);
  const y = msssim(await fixture('00_blur.png'), await fixture('00_ref.png'), { scales: 4 });
  t.is(both.pairs[1].msssim, y);
  t.true(Math.abs(y - VALUES.pairs[0].msssim) > 1e-4, 'differs from the 5-scale value');
  t.regex(both.notes[0], /^MS-SSIM over 4 of the 5 standard scales \(weights renormalised\) for every pair: the smallest pair, x, is 64×64/);
});

test('images too small for any scale with the window: skipped in folders with the --window that fits', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'bgfill-eval-tiny-'));
  const p = join(root, 'p');
  const q = join(root, 'q');
  await Promise.all([mkdir(p), mkdir(q)]);
  const tiny = crop(await fixture('00_ref.png'), [0, 0, 4, 4]);
  await sharp(tiny.data, { raw: { width: 4, height: 4, channels: 3 } }).png().toFile(join(p, 't.png'));
  await copyFile(join(p, 't.png'), join(q, 't.png'));
  await Promise.all([copyFile(join(FIXTURES, '00_blur.png'), join(p, 'y.png')), copyFile(join(FIXTURES, '00_ref.png'), join(q, 'y.png'))]);
  const { out, err } = await run(['eval', 'pair', '--pred', p, '--target', q, '--json']);
  const report = JSON.parse(out) as JsonReport & { msssim: { scales: number } };
  // The 4×4 pair cannot be scored at all with the 11-pixel window, so it does not lower the count for the others.
  t.is(report.msssim.scales, 5);
  t.true(Math.abs((report.pairs[0].msssim as number) - VALUES.pairs[0].msssim) < 1e-4);
  t.deepEqual(report.skipped, [
    { file: join(p, 't.png'), reason: 'SSIM and MS-SSIM with a 11-pixel window need images of at least 6×6 pixels; got 4×4: use --window 7 or smaller' },
  ]);
  t.regex(err, /skipped 1 file/);
});

test('matchPairs: ambiguous names are reported, and the table marks infinite PSNR and its note', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'bgfill-eval-match-'));
  const p = join(root, 'p');
  const q = join(root, 'q');
  await Promise.all([mkdir(p), mkdir(q)]);
  await copyFile(join(FIXTURES, '05_same.png'), join(p, 'x.png'));
  await copyFile(join(FIXTURES, '05_same.png'), join(p, 'x.webp'));
  await copyFile(join(FIXTURES, '05_ref.png'), join(q, 'x.png'));
  await copyFile(join(FIXTURES, '05_same.png'), join(p, 'y.png'));
  await copyFile(join(FIXTURES, '05_ref.png'), join(q, 'y.png'));
  await copyFile(join(FIXTURES, '04_bright.png'), join(p, 'z.png'));
  await copyFile(join(FIXTURES, '04_ref.png'), join(q, 'z.png'));
  const m = await matchPairs(p, q);
  t.deepEqual(m.pairs.map((x) => x.name), ['y', 'z']);
  t.true(m.skipped.some((s) => s.file === join(p, 'x.png') && /2 prediction files are named x\.\*/.test(s.reason)));
  const table = formatPairTable(await evaluatePairs({ pred: p, target: q }));
  t.regex(table, /^y\s+0\.000000\s+inf\s+1\.000000\s+1\.000000$/m);
  t.regex(table, /^mean \(n=2\)/m);
  t.regex(table, /PSNR dB: 1 pair is identical \(inf\), left out of mean and std/);
});

test('folders at concurrency 4: every unreadable file reports its own reason (libvips shares one error buffer), run after run', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'bgfill-eval-reasons-'));
  const p = join(root, 'p');
  const q = join(root, 'q');
  await Promise.all([mkdir(p), mkdir(q)]);
  const ref = await fixture('00_ref.png');
  const raw = { raw: { width: ref.width, height: ref.height, channels: 3 as const } };
  const jpeg = await sharp(ref.data, raw).jpeg({ quality: 90 }).toBuffer();
  const png = await sharp(ref.data, raw).png().toBuffer();
  const bad = new Map<string, RegExp>();
  for (let i = 0; i < 16; i++) {
    const name = String(i).padStart(2, '0');
    await writeFile(join(q, `${name}.png`), png);
    if (i % 4 === 1) {
      await writeFile(join(p, `${name}.jpg`), jpeg.subarray(0, Math.floor(jpeg.length * (0.3 + i / 40)))); // truncated JPEG
      bad.set(join(p, `${name}.jpg`), /^not a readable image \(VipsJpeg: premature end of JPEG image\)$/);
    } else if (i % 8 === 3) {
      await writeFile(join(p, `${name}.png`), png.subarray(0, Math.floor(png.length / 2))); // truncated PNG
      bad.set(join(p, `${name}.png`), /^not a readable image \(.+\)$/);
    } else {
      await writeFile(join(p, `${name}.jpg`), jpeg);
    }
  }
  // Each bad file's reason read alone, one at a time: what every concurrent run must report.
  const alone = new Map<string, string>();
  for (const file of bad.keys()) {
    const err = await t.throwsAsync(readRgbImage(file), { instanceOf: BgfillError });
    alone.set(file, err!.message.slice(`${file}: `.length));
  }
  for (const [file, reason] of alone) {
    t.regex(reason, bad.get(file)!, file);
    t.false(/Unknown error/.test(reason), reason);
  }
  for (let round = 0; round < 6; round++) {
    const report = await evaluatePairs({ pred: p, target: q, concurrency: 4 });
    t.is(report.rows.length, 16 - bad.size);
    t.deepEqual(new Map(report.skipped.map((s) => [s.file, s.reason])), alone, `round ${round}`);
  }
});

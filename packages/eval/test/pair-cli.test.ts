// The real `bgfill` executable (node packages/cli/bin/bgfill.js) on the fixtures, compared to torchmetrics' values.
import test from 'ava';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { EXTRA, FIXTURES, VALUES } from './fixtures/metrics-pairs/fixtures.js';

const ROOT = fileURLToPath(new URL('../../..', import.meta.url));
const BIN = join(ROOT, 'packages', 'cli', 'bin', 'bgfill.js');

async function bgfill(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await promisify(execFile)(process.execPath, [BIN, ...args], { cwd: ROOT, env: { ...process.env, CI: '1' } });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

test('bgfill eval pair --json on two folders of the six fixture pairs reproduces torchmetrics’ values', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'bgfill-eval-cli-'));
  await Promise.all([mkdir(join(root, 'pred')), mkdir(join(root, 'gt'))]);
  for (const [i, p] of VALUES.pairs.entries()) {
    await copyFile(join(FIXTURES, p.dist), join(root, 'pred', `${i}.png`));
    await copyFile(join(FIXTURES, p.ref), join(root, 'gt', `${i}.png`));
  }
  const r = await bgfill(['eval', 'pair', '--pred', join(root, 'pred'), '--target', join(root, 'gt'), '--json']);
  t.is(r.code, 0, r.stderr);
  const report = JSON.parse(r.stdout) as { pairs: Array<Record<string, number | null | string>>; summary: Record<string, { n: number; infinite: number }> };
  t.is(report.pairs.length, VALUES.pairs.length);
  for (const [i, ref] of VALUES.pairs.entries()) {
    const row = report.pairs[i];
    t.is(row.name, String(i));
    t.true(Math.abs((row.l1 as number) - ref.l1) < 1e-6, `${ref.dist} l1`);
    t.true(Math.abs((row.ssim as number) - ref.ssim) < 1e-4, `${ref.dist} ssim`);
    t.true(Math.abs((row.msssim as number) - ref.msssim) < 1e-4, `${ref.dist} msssim`);
    if (ref.psnr === null) t.is(row.psnr, null, 'infinite PSNR is null in JSON');
    else t.true(Math.abs((row.psnr as number) - ref.psnr) < 1e-3, `${ref.dist} psnr`);
  }
  t.deepEqual(report.summary.psnr, { ...report.summary.psnr, n: 5, infinite: 1 });
});

test('bgfill eval pair on one pair with a mask prints the table; a size mismatch exits 2 naming both files', async (t) => {
  const r = await bgfill([
    'eval', 'pair', '--pred', join(FIXTURES, '03_holeblur.png'), '--target', join(FIXTURES, '03_ref.png'), '--mask', join(FIXTURES, EXTRA.mask),
  ]);
  t.is(r.code, 0, r.stderr);
  const [header, row] = r.stdout.trimEnd().split('\n');
  t.deepEqual(header.split(/\s{2,}/), ['pair', 'L1', 'PSNR dB', 'SSIM', 'MS-SSIM', 'L1 hole', 'PSNR hole']);
  const hole = EXTRA.hole[3];
  const ref = VALUES.pairs[3];
  t.deepEqual(row.split(/\s{2,}/), [
    '03_holeblur.png',
    ref.l1.toFixed(6),
    ref.psnr!.toFixed(3),
    ref.ssim.toFixed(6),
    ref.msssim.toFixed(6),
    hole.l1Hole.toFixed(6),
    hole.psnrHole!.toFixed(3),
  ]);

  const root = await mkdtemp(join(tmpdir(), 'bgfill-eval-cli-'));
  const small = join(root, 'small.png');
  await sharp({ create: { width: 100, height: 80, channels: 3, background: '#336699' } }).png().toFile(small);
  const target = join(FIXTURES, '03_ref.png');
  const mismatch = await bgfill(['eval', 'pair', '--pred', small, '--target', target]);
  t.is(mismatch.code, 2);
  t.is(mismatch.stderr, `bgfill: size mismatch: ${small} is 100×80 but ${target} is 256×256\n`);
  const missing = await bgfill(['eval', 'pair', '--pred', small, '--target', join(root, 'missing.png')]);
  t.is(missing.code, 2);
  t.is(missing.stderr, `bgfill: ${join(root, 'missing.png')}: no such file or folder (given as --target)\n`);
});

test('bgfill eval pair --out naming a folder (or a path below a file) exits 2 before scoring, and writes nothing', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'bgfill-eval-cli-out-'));
  const out = join(root, 'out');
  await mkdir(out);
  const pred = join(FIXTURES, VALUES.pairs[0].dist);
  const target = join(FIXTURES, VALUES.pairs[0].ref);
  const r = await bgfill(['eval', 'pair', '--pred', pred, '--target', target, '--out', out]);
  t.is(r.code, 2);
  t.is(r.stdout, '', 'no table: nothing was scored');
  t.is(r.stderr, `bgfill: ${out}: is a folder; --out takes the file the JSON report is written to (e.g. ${join(out, 'scores.json')})\n`);
  t.deepEqual(await readdir(out), [], 'no temporary file left in the folder');
  const file = join(root, 'file.json');
  await writeFile(file, '{}');
  const below = await bgfill(['eval', 'pair', '--pred', pred, '--target', target, '--out', join(file, 'scores.json')]);
  t.is(below.code, 2);
  t.is(below.stderr, `bgfill: ${join(file, 'scores.json')}: cannot be created: ${file} is a file, not a folder\n`);
  t.deepEqual((await readdir(root)).sort(), ['file.json', 'out']);
  // The folder form of the command takes a file too, and a missing file in a new folder is fine.
  const ok = await bgfill(['eval', 'pair', '--pred', pred, '--target', target, '--out', join(out, 'new', 'scores.json'), '--json']);
  t.is(ok.code, 0, ok.stderr);
  t.deepEqual(await readdir(join(out, 'new')), ['scores.json']);
});

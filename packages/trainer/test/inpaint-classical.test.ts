// `bgfill inpaint --method telea|ns|mean`: classical fills without a checkpoint, through the real command line, on
// the cv2.inpaint fixtures of @bgfill/eval (real photos, person-shaped holes): the written PNG inside the hole is
// cv2's output, outside it the input; folders with a bad file skip and report it; net-only options are refused.
import test from 'ava';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { readMaskImage, readRgbImage } from '@bgfill/eval';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../cli/bin/bgfill.js', import.meta.url));
const FIXTURES = fileURLToPath(new URL('../../eval/test/fixtures/classical/', import.meta.url));

async function bgfill(args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return run(process.execPath, [bin, ...args], { env: { ...process.env, CI: '1' } }).then(
    ({ stdout, stderr }) => ({ code: 0, stdout, stderr }),
    (e: { code: number; stdout: string; stderr: string }) => e,
  );
}

test('--method telea / ns writes cv2.inpaint\'s fill inside the hole and the input outside it, with --radius', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-inpaint-classical-'));
  for (const method of ['telea', 'ns']) {
    const out = join(dir, `${method}.png`);
    const r = await bgfill(['inpaint', '--method', method, '--radius', '3', '--image', `${FIXTURES}01-image.png`, '--mask', `${FIXTURES}01-mask.png`, '--out', out]);
    t.is(r.code, 0, r.stderr);
    t.regex(r.stderr, new RegExp(`${method}: filled 1 of 1 image`));
    const [image, mask, filled, reference] = await Promise.all([readRgbImage(`${FIXTURES}01-image.png`), readMaskImage(`${FIXTURES}01-mask.png`), readRgbImage(out), readRgbImage(`${FIXTURES}01-${method}.png`)]);
    let differing = 0;
    for (let p = 0; p < mask.data.length; p++) {
      for (let c = 0; c < 3; c++) {
        const want = mask.data[p] ? reference.data[p * 3 + c] : image.data[p * 3 + c];
        if (filled.data[p * 3 + c] !== want) differing++;
      }
    }
    t.is(differing, 0, method);
  }
});

test('--save-mask writes the hole as filled: --mask-from thresholded and dilated, 255 inside; the fill changes only those pixels', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-inpaint-classical-'));
  const out = join(dir, 'mean.png');
  const saved = join(dir, 'hole.png');
  const r = await bgfill(['inpaint', '--method', 'mean', '--image', `${FIXTURES}01-image.png`, '--mask-from', `${FIXTURES}01-mask.png`, '--dilate', '2', '--out', out, '--save-mask', saved]);
  t.is(r.code, 0, r.stderr);
  const [image, given, hole, filled] = await Promise.all([readRgbImage(`${FIXTURES}01-image.png`), readMaskImage(`${FIXTURES}01-mask.png`), readMaskImage(saved), readRgbImage(out)]);
  const count = (m: Uint8Array) => m.reduce((n, v) => n + (v ? 1 : 0), 0);
  t.true(count(hole.data) > count(given.data), 'dilated: larger than the given hole');
  t.true(given.data.every((v, p) => !v || hole.data[p]), 'dilated: holds the given hole');
  let outside = 0;
  for (let p = 0; p < hole.data.length; p++) for (let c = 0; c < 3; c++) if (!hole.data[p] && filled.data[p * 3 + c] !== image.data[p * 3 + c]) outside++;
  t.is(outside, 0, 'nothing outside the saved hole changed');
  const seg = await bgfill(['inpaint', '--method', 'telea', '--image', `${FIXTURES}01-image.png`, '--segment', 'u2net.pth', '--out', join(dir, 'x.png')]);
  t.is(seg.code, 2);
  t.regex(seg.stderr, /--segment .*--mask-from/);
});

test('folders: images matched to masks by name, a bad image skipped and reported (exit 2), reruns keep outputs', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-inpaint-classical-'));
  await mkdir(join(dir, 'images'));
  await mkdir(join(dir, 'masks'));
  for (const id of ['02', '06']) {
    await copyFile(`${FIXTURES}${id}-image.png`, join(dir, 'images', `${id}.png`));
    await copyFile(`${FIXTURES}${id}-mask.png`, join(dir, 'masks', `${id}.png`));
  }
  await writeFile(join(dir, 'images', 'bad.png'), 'not a png');
  await copyFile(`${FIXTURES}02-mask.png`, join(dir, 'masks', 'bad.png'));
  const args = ['inpaint', '--method', 'mean', '--image', join(dir, 'images'), '--mask', join(dir, 'masks'), '--out', join(dir, 'out')];
  const first = await bgfill(args);
  t.is(first.code, 2);
  t.regex(first.stderr, /skipped .*bad\.png: /);
  t.regex(first.stderr, /mean: filled 2 of 3 images, 1 failed/);
  const [image, mask, out] = await Promise.all([readRgbImage(join(dir, 'images', '06.png')), readMaskImage(join(dir, 'masks', '06.png')), readRgbImage(join(dir, 'out', '06.png'))]);
  const holeColours = new Set<string>();
  for (let p = 0; p < mask.data.length; p++) {
    if (mask.data[p]) holeColours.add(out.data.subarray(p * 3, p * 3 + 3).join(','));
    else t.deepEqual([...out.data.subarray(p * 3, p * 3 + 3)], [...image.data.subarray(p * 3, p * 3 + 3)]);
  }
  t.is(holeColours.size, 1, 'one border colour fills the hole');
  const second = await bgfill([...args, '--json']);
  t.regex(second.stderr, /2 already done/);
  t.is(second.code, 2);
  const summary = JSON.parse(second.stdout) as { existing: string[]; failed: Array<{ file: string }> };
  t.is(summary.existing.length, 2, '--json prints the summary also when an image failed');
  t.deepEqual(summary.failed.map((f) => f.file), [join(dir, 'images', 'bad.png')]);
  t.is(second.stderr.split('bad.png').length - 1, 1, 'the bad image is printed once');
});

test('net-only options and a missing --checkpoint are refused with exit 2, naming the option', async (t) => {
  const common = ['--image', `${FIXTURES}01-image.png`, '--mask', `${FIXTURES}01-mask.png`, '--out', join(tmpdir(), 'never.png')];
  const tiles = await bgfill(['inpaint', '--method', 'telea', '--tiles', '2x2', ...common]);
  t.is(tiles.code, 2);
  t.regex(tiles.stderr, /--tiles applies to a network; --method telea fills without one/);
  // Large photos: a classical fill needs no shrinking or tiling, so --large (other than its default) and --upscaler are refused.
  const large = await bgfill(['inpaint', '--method', 'telea', '--large', 'scale', ...common]);
  t.is(large.code, 2);
  t.regex(large.stderr, /--large applies to a network; --method telea fills without one: it fills photos of any size at full resolution/);
  const upscaler = await bgfill(['inpaint', '--method', 'mean', '--upscaler', 'bicubic', ...common]);
  t.is(upscaler.code, 2);
  t.regex(upscaler.stderr, /--upscaler applies to a network; --method mean/);
  const both = await bgfill(['inpaint', '--method', 'ns', '--checkpoint', 'g.pth', ...common]);
  t.regex(both.stderr, /--checkpoint applies to a network/);
  const radius = await bgfill(['inpaint', '--method', 'telea', '--radius', '0', ...common]);
  t.is(radius.code, 2);
  t.regex(radius.stderr, /--radius/);
  const none = await bgfill(['inpaint', ...common]);
  t.is(none.code, 2);
  t.regex(none.stderr, /--checkpoint is required \(or --method telea\|ns/);
  const unknown = await bgfill(['inpaint', '--method', 'blur', ...common]);
  t.regex(unknown.stderr, /--method/);
});

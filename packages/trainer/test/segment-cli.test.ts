// `bgfill segment` and `bgfill inpaint --segment` end to end on real files: the maps the authors' script writes,
// batches, bad photos skipped and listed, --json, resuming, backends agreeing, photos where nothing is found, and the
// bad inputs (missing weights, a non-U²-Net file, an unreadable photo).
import test from 'ava';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { readRgbImage } from '@bgfill/eval';
import { maskFromImage } from '@bgfill/masks';
import { initBackend } from '../src/backend/init-backend.js';
import { runInpaintCommand } from '../src/inference/run-inpaint.js';
import { runSegmentCommand, type SegmentSummary } from '../src/segment/run-segment.js';
import { readTorchStateDict } from '../src/weights/torch-reader.js';
import { writeSafetensors } from '../src/weights/safetensors.js';
import { toFloat32 } from '../src/weights/weight-tensor.js';
import { fixturePath } from './fixtures/parity/load-fixture.js';
import { readRaw, u2netFixture } from './fixtures/u2net/load-fixture.js';

const bin = fileURLToPath(new URL('../../cli/bin/bgfill.js', import.meta.url));
const WEIGHTS = u2netFixture('u2netp-half.pth');
const GENERATOR = fixturePath('main.pth');
let dir: string;
let photos: string;
/** U2NETP whose fused map is sigmoid(… − 40): it finds nothing anywhere. */
let blind: string;
const quiet = () => {};

function bgfill(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, CI: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

/** A map PNG as written: its size, whether its three channels are equal, and one channel. */
async function readMap(path: string): Promise<{ width: number; height: number; grey: boolean; data: Uint8Array }> {
  const { data, info } = await sharp(path).raw().toBuffer({ resolveWithObject: true });
  const one = new Uint8Array(info.width * info.height);
  let grey = info.channels === 3;
  for (let i = 0; i < one.length; i++) {
    one[i] = data[i * info.channels];
    if (data[i * 3 + 1] !== one[i] || data[i * 3 + 2] !== one[i]) grey = false;
  }
  return { width: info.width, height: info.height, grey, data: one };
}

function maxDiff(a: Uint8Array, b: Uint8Array): number {
  let m = 0;
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]));
  return m;
}

test.before(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'bgfill-segment-cli-'));
  photos = join(dir, 'photos');
  await mkdir(photos);
  await copyFile(u2netFixture('photo.png'), join(photos, 'street.png'));
  await sharp(u2netFixture('photo.png')).resize(120, 68).jpeg({ quality: 92 }).toFile(join(photos, 'small.v2.jpg'));
  await writeFile(join(photos, 'broken.png'), 'not an image');
  const weights = await readTorchStateDict(WEIGHTS);
  const float = new Map([...weights].map(([k, v]) => [k, v.dtype === 'float16' ? { ...v, dtype: 'float32' as const, data: toFloat32(v) } : v]));
  float.set('outconv.bias', { shape: [1], dtype: 'float32', data: Float32Array.of(-40), layout: 'pytorch' });
  blind = join(dir, 'blind.safetensors');
  await writeSafetensors(blind, float);
});

test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test.serial('bgfill segment: the authors\' maps (<name>.png, RGB grey, photo size), the broken photo listed, --json on stdout, exit 2', async (t) => {
  const out = join(dir, 'maps');
  const r = await bgfill('segment', '--checkpoint', WEIGHTS, '--image', photos, '--out', out, '--backend', 'onnx', '--threads', '1', '--json', '--no-progress');
  t.is(r.code, 2, r.stderr);
  const summary = JSON.parse(r.stdout) as SegmentSummary;
  t.like(summary, { backend: 'onnx', variant: 'U2NETP', total: 3, noPerson: [] });
  t.deepEqual(summary.written.sort(), [join(out, 'small.v2.png'), join(out, 'street.png')]);
  t.deepEqual(summary.failed.map((f) => f.file), [join(photos, 'broken.png')]);
  t.regex(summary.failed[0].reason, /not a readable image/);
  t.regex(r.stderr, /backend: onnx/);
  t.regex(r.stderr, /skipped .*broken\.png: not a readable image/);
  t.is(r.stderr.split('broken.png').length - 1, 1, 'the broken photo is named once, not again in a list at the end');
  t.notRegex(r.stderr, /\n\s+at /, 'no stack trace');
  t.deepEqual((await readdir(out)).sort(), ['small.v2.png', 'street.png'], 'no temporary files left');
  const street = await readMap(join(out, 'street.png'));
  t.like(street, { width: 160, height: 90, grey: true });
  t.true(maxDiff(street.data, await readRaw(u2netFixture('pipeline-map.u8'), 'u8')) <= 1, 'the fixture\'s map within 1 grey level');
  t.like(await readMap(join(out, 'small.v2.png')), { width: 120, height: 68, grey: true });
});

test.serial('a rerun keeps the maps (resume); --overwrite redoes them with the same bytes; batches give the same maps', async (t) => {
  const out = join(dir, 'maps');
  const before = await readFile(join(out, 'street.png'));
  const mtime = (await stat(join(out, 'street.png'))).mtimeMs;
  const again = await t.throwsAsync(runSegmentCommand({ checkpoint: WEIGHTS, image: photos, out, backend: 'onnx', threads: '1' }, quiet), { instanceOf: BgfillError });
  t.regex(again.message, /1 of 3 photos failed/);
  t.is((await stat(join(out, 'street.png'))).mtimeMs, mtime, 'kept, not rewritten');
  await t.throwsAsync(runSegmentCommand({ checkpoint: WEIGHTS, image: photos, out, backend: 'onnx', threads: '1', overwrite: true }, quiet));
  t.not((await stat(join(out, 'street.png'))).mtimeMs, mtime, 'rewritten');
  t.deepEqual(await readFile(join(out, 'street.png')), before, 'the same bytes');
  const redo = join(dir, 'maps-batch');
  await t.throwsAsync(runSegmentCommand({ checkpoint: WEIGHTS, image: photos, out: redo, backend: 'onnx', threads: '1', batchSize: '3' }, quiet));
  t.deepEqual(await readFile(join(redo, 'street.png')), before, 'a batch of 2 photos (+1 unreadable) gives the same bytes');
});

test.serial('any backend: tfjs-wasm writes the same maps as onnx within 1 grey level', async (t) => {
  const out = join(dir, 'maps-wasm');
  const summary = await runSegmentCommand({ checkpoint: WEIGHTS, image: join(photos, 'street.png'), out: join(out, 'street.png'), backend: 'wasm' }, quiet);
  t.is(summary.backend, 'wasm');
  const wasm = await readMap(join(out, 'street.png'));
  const onnx = await readMap(join(dir, 'maps', 'street.png'));
  t.true(maxDiff(wasm.data, onnx.data) <= 1);
});

test.serial('a photo where nothing is found: warned and listed, its map still written (as the authors do)', async (t) => {
  const lines: string[] = [];
  const out = join(dir, 'blind.png');
  const summary = await runSegmentCommand({ checkpoint: blind, image: join(photos, 'street.png'), out, backend: 'onnx' }, (l) => lines.push(l));
  t.deepEqual(summary.noPerson, [join(photos, 'street.png')]);
  t.true(lines.some((l) => /warning: .*street\.png: nothing found \(the fused map peaks at 0\.000 < 0\.5/.test(l)), lines.join('\n'));
  t.like(await readMap(out), { width: 160, height: 90 });
});

test.serial('bad inputs: missing weights, an InpaintSANet file, a missing photo folder: exit 2 naming the file, nothing written', async (t) => {
  const out = join(dir, 'never');
  const missing = await bgfill('segment', '--checkpoint', join(dir, 'u2net_human_seg.pth'), '--image', photos, '--out', out, '--backend', 'onnx');
  t.is(missing.code, 2);
  t.regex(missing.stderr, /u2net_human_seg\.pth: no such file \(U²-Net weights are published at https:\/\/github\.com\/xuebinqin\/U-2-Net/);
  await t.throwsAsync(runSegmentCommand({ checkpoint: GENERATOR, image: photos, out, backend: 'onnx' }, quiet), {
    instanceOf: BgfillError,
    message: /main\.pth: not U²-Net weights .*an InpaintSANet generator/,
  });
  await t.throwsAsync(runSegmentCommand({ checkpoint: WEIGHTS, image: join(dir, 'nope'), out, backend: 'onnx' }, quiet), { instanceOf: BgfillError, message: /nope: no such file or folder/ });
  await t.throwsAsync(runSegmentCommand({ checkpoint: WEIGHTS, image: photos, out, batchSize: '0' }, quiet), { instanceOf: BgfillError, message: /--batch-size/ });
  await t.throwsAsync(stat(out), { code: 'ENOENT' });
});

test.serial('an --out that is the photo folder, a photo, a folder holding the photos, or under a file is refused before any work; the photos are untouched', async (t) => {
  const before = await Promise.all(['street.png', 'small.v2.jpg'].map((f) => readFile(join(photos, f))));
  const afile = join(dir, 'afile');
  await writeFile(afile, 'x');
  const cases: Array<[string[], RegExp]> = [
    [['--image', photos, '--out', photos, '--overwrite'], /^bgfill: --out .*photos: is the input folder; write to a folder of its own\n/],
    [['--image', photos, '--out', dir], /^bgfill: --out .*: contains the input folder .*photos; write to a folder of its own\n/],
    [['--image', join(photos, 'street.png'), '--out', join(photos, 'street.png'), '--overwrite'], /^bgfill: --out .*street\.png: is the input .*street\.png; write the output elsewhere\n/],
    [['--image', join(photos, 'street.png'), '--out', `${photos}/`, '--overwrite'], /^bgfill: --out .*street\.png: is the input .*street\.png/],
    [['--image', photos, '--out', join(afile, 'maps')], /^bgfill: --out .*afile\/maps: cannot be created: .*afile is a file, not a folder\n/],
    [['--image', join(photos, 'street.png'), '--out', join(afile, 'map.png')], /^bgfill: --out .*afile\/map\.png: cannot be created: .*afile is a file, not a folder\n/],
  ];
  for (const [args, refusal] of cases) {
    const r = await bgfill('segment', '--checkpoint', WEIGHTS, ...args, '--backend', 'onnx', '--no-progress');
    t.is(r.code, 2, args.join(' '));
    t.regex(r.stderr, refusal);
    t.notRegex(r.stderr, /backend:/, 'refused before the engine starts');
  }
  t.deepEqual(await Promise.all(['street.png', 'small.v2.jpg'].map((f) => readFile(join(photos, f)))), before);
  t.deepEqual((await readdir(photos)).sort(), ['broken.png', 'small.v2.jpg', 'street.png']);
});

test.serial('a map that cannot be written is one failure, its reason the system\'s message without a doubled prefix', async (t) => {
  const out = join(dir, 'maps-blocked');
  await mkdir(join(out, 'street.png'), { recursive: true });
  const lines: string[] = [];
  const error = await t.throwsAsync(runSegmentCommand({ checkpoint: WEIGHTS, image: photos, out, backend: 'onnx', overwrite: true }, (l) => lines.push(l)));
  t.is(error?.message, '2 of 3 photos failed (listed above)');
  const named = lines.filter((l) => l.includes('street.png'));
  t.is(named.length, 1, lines.join('\n'));
  t.regex(named[0], /^skipped .*street\.png: E[A-Z]+: /);
  t.notRegex(named[0], /failed: /);
});

test.serial('bgfill segment --help shows the defaults and an example', async (t) => {
  const r = await bgfill('segment', '--help');
  t.is(r.code, 0);
  t.regex(r.stdout, /--backend <name>.*\(default: "auto"\)/s);
  t.regex(r.stdout, /Example:\n {2}\$ bgfill segment --checkpoint u2net_human_seg\.pth --image photos\/ --out maps\//);
});

test.serial("inpaint --segment (by default the study's --threshold 0.1 --dilate 10): the same hole and bytes as segment + --mask-from; --save-mask writes it; --json with a failure", async (t) => {
  const image = join(photos, 'street.png');
  const holes = join(dir, 'holes');
  const r = await bgfill('inpaint', '--checkpoint', GENERATOR, '--image', photos, '--segment', WEIGHTS, '--out', join(dir, 'filled'), '--save-mask', holes, '--backend', 'onnx', '--threads', '1', '--json');
  t.is(r.code, 2, 'the broken photo fails the run, after the others are filled');
  const summary = JSON.parse(r.stdout) as { failed: Array<{ file: string; reason: string }>; written: string[]; noPerson: string[]; emptyHole: string[] };
  t.deepEqual(summary.failed.map((f) => f.file), [join(photos, 'broken.png')]);
  t.is(summary.written.length, 2);
  t.deepEqual([summary.noPerson, summary.emptyHole], [[], []]);
  t.regex(r.stderr, /bgfill: 1 of 3 images failed/);
  t.is(r.stderr.split('broken.png').length - 1, 1, 'the broken photo is named once');
  // The two-step way with the maps bgfill segment wrote (same engine).
  await runInpaintCommand({ checkpoint: GENERATOR, image, maskFrom: join(dir, 'maps', 'street.png'), threshold: '0.1', dilate: '10', out: join(dir, 'two-step.png'), saveMask: join(dir, 'two-step-hole.png'), backend: 'onnx', threads: '1' }, quiet);
  t.deepEqual(await readFile(join(holes, 'street.png')), await readFile(join(dir, 'two-step-hole.png')), 'the same hole mask');
  t.deepEqual(await readFile(join(dir, 'filled', 'street.png')), await readFile(join(dir, 'two-step.png')), 'the same filled photo');
  // The hole is the map above 0.1 · 255, grown by 10 pixels (3×3 square, 10 times); outside it the photo is unchanged.
  const hole = await maskFromImage(join(holes, 'street.png'));
  const map = await readMap(join(dir, 'maps', 'street.png'));
  const above = map.data.map((v) => (v > 25.5 ? 1 : 0));
  t.true(above.every((v, i) => v === 0 || hole.data[i] === 1), 'every pixel above the threshold is in the hole');
  t.true(hole.data.reduce((a, b) => a + b, 0) > above.reduce((a, b) => a + b, 0), 'dilated');
  const photo = await readRgbImage(image);
  const filled = await readRgbImage(join(dir, 'filled', 'street.png'));
  let outside = 0;
  for (let p = 0; p < hole.data.length; p++) if (!hole.data[p]) for (let c = 0; c < 3; c++) outside = Math.max(outside, Math.abs(photo.data[p * 3 + c] - filled.data[p * 3 + c]));
  t.is(outside, 0, 'no pixel changes outside the hole');
});

test.serial('inpaint --segment on a photo where nothing is found: a warning, the photo copied unchanged, an empty saved mask, no failure', async (t) => {
  const lines: string[] = [];
  const out = join(dir, 'copied.png');
  const summary = await runInpaintCommand(
    { checkpoint: GENERATOR, image: join(photos, 'street.png'), segment: blind, threshold: '0.1', dilate: '10', out, saveMask: join(dir, 'copied-hole.png'), backend: 'onnx' },
    (l) => lines.push(l),
  );
  t.deepEqual(summary.written, [out]);
  t.true(lines.some((l) => /warning: .*street\.png: the segmenter found nothing .*copied unchanged/.test(l)), lines.join('\n'));
  t.deepEqual((await readRgbImage(out)).data, (await readRgbImage(join(photos, 'street.png'))).data);
  t.true((await maskFromImage(join(dir, 'copied-hole.png'))).data.every((v) => v === 0));
});

test.serial('inpaint --segment on a tiny photo whose map has nothing above --threshold: an empty hole, told as such (not "nothing found")', async (t) => {
  const tiny = join(dir, 'tiny.png');
  await sharp(u2netFixture('photo.png')).resize(1, 1).png().toFile(tiny);
  const lines: string[] = [];
  const out = join(dir, 'tiny-filled.png');
  const summary = await runInpaintCommand({ checkpoint: GENERATOR, image: tiny, segment: WEIGHTS, threshold: '0.6', out, backend: 'onnx' }, (l) => lines.push(l));
  t.deepEqual([summary.noPerson, summary.emptyHole], [[], [tiny]]);
  t.deepEqual(lines.filter((l) => l.startsWith('warning')), [`warning: ${tiny}: the hole is empty at --threshold 0.6: the photo is copied unchanged (a lower --threshold takes more of the map)`]);
  t.deepEqual((await readRgbImage(out)).data, (await readRgbImage(tiny)).data);
  const segmented = await runSegmentCommand({ checkpoint: WEIGHTS, image: tiny, out: join(dir, 'tiny-map.png'), backend: 'onnx' }, quiet);
  t.deepEqual(segmented.noPerson, [], 'segment agrees: something was found');
});

test.serial('inpaint --segment: refused with --mask, and missing or non-U²-Net weights named (exit 2, nothing written)', async (t) => {
  const image = join(photos, 'street.png');
  await t.throwsAsync(runInpaintCommand({ checkpoint: GENERATOR, image, segment: WEIGHTS, mask: image, out: join(dir, 'x.png') }, quiet), {
    instanceOf: BgfillError,
    message: /exactly one of --mask .*, --mask-from .* and --segment/,
  });
  const r = await bgfill('inpaint', '--checkpoint', GENERATOR, '--image', image, '--segment', join(dir, 'gone.pth'), '--out', join(dir, 'x.png'), '--backend', 'onnx');
  t.is(r.code, 2);
  t.regex(r.stderr, /gone\.pth: no such file/);
  await t.throwsAsync(runInpaintCommand({ checkpoint: GENERATOR, image, segment: GENERATOR, out: join(dir, 'x.png'), backend: 'onnx' }, quiet), {
    instanceOf: BgfillError,
    message: /not U²-Net weights/,
  });
  await t.throwsAsync(stat(join(dir, 'x.png')), { code: 'ENOENT' });
});

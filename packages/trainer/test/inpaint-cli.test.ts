// `bgfill inpaint` end to end on real files: folders matched by name with bad inputs skipped and reported,
// resuming, byte-identical reruns, --mask-from, single files with strategies and --save-raw, --non-strict.
import test, { type ExecutionContext } from 'ava';
import { execFile } from 'node:child_process';
import { mkdir, mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { BgfillError, rngFor } from '@bgfill/core';
import { dilate, maskFromImage, type Mask } from '@bgfill/masks';
import { readRgbImage, type RgbImage } from '@bgfill/eval';
import { initBackend } from '../src/backend/init-backend.js';
import { generatorWeights, loadGenerator, saveGeneratorCheckpoint } from '../src/weights/checkpoint.js';
import { writeSafetensors } from '../src/weights/safetensors.js';
import { inpaint } from '../src/inference/inpaint.js';
import { batchLimit, runInpaintCommand } from '../src/inference/run-inpaint.js';
import type { InpaintCommandOptions } from '../src/inference/inpaint-command.js';
import { decodeOnnxModel } from '../src/onnx/onnx-proto.js';
import { OnnxEngine } from '../src/onnx/onnx-engine.js';
import { judgeExportCheck, runExportOnnxCommand } from '../src/onnx/run-export.js';
import { fixturePath } from './fixtures/parity/load-fixture.js';
import { calibratedGenerator } from './fixtures/inference-generator.js';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../../cli/bin/bgfill.js', import.meta.url));
let dir: string;
let checkpoint: string;

async function writeRgb(path: string, width: number, height: number, seed: string): Promise<Uint8Array> {
  const rng = rngFor('inpaint-cli-test', seed);
  const data = new Uint8Array(width * height * 3);
  for (let p = 0; p < width * height; p++) {
    const x = p % width;
    data.set([Math.round((255 * x) / width), rng.int(0, 255), 128], p * 3);
  }
  const img = sharp(data, { raw: { width, height, channels: 3 } });
  await (path.endsWith('.jpg') ? img.jpeg({ quality: 90 }) : img.png()).toFile(path);
  return data;
}

/** A grey mask image: 255 inside [x0, x1) × [y0, y1), else 0. */
async function writeRectMask(path: string, width: number, height: number, x0: number, y0: number, x1: number, y1: number): Promise<void> {
  const data = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = 255;
  await sharp(data, { raw: { width, height, channels: 1 } }).png().toFile(path);
}

test.before(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'bgfill-inpaint-cli-'));
  checkpoint = join(dir, 'g.safetensors');
  const generator = calibratedGenerator({ cnum: 4 }, 2);
  await saveGeneratorCheckpoint(checkpoint, generator);
  generator.dispose();
  await mkdir(join(dir, 'images'));
  await mkdir(join(dir, 'masks'));
  await writeRgb(join(dir, 'images', 'a.png'), 40, 32, 'a');
  await writeRgb(join(dir, 'images', 'b.jpg'), 36, 28, 'b');
  await writeFile(join(dir, 'images', 'c.png'), 'this is not a PNG');
  await writeRgb(join(dir, 'images', 'd.png'), 24, 24, 'd');
  await writeRgb(join(dir, 'images', 'e.png'), 30, 30, 'e');
  await writeRectMask(join(dir, 'masks', 'a.png'), 40, 32, 8, 6, 30, 24);
  await writeRectMask(join(dir, 'masks', 'b.png'), 36, 28, 4, 4, 20, 20);
  await writeRectMask(join(dir, 'masks', 'c.png'), 40, 32, 8, 6, 30, 24);
  await writeRectMask(join(dir, 'masks', 'e.png'), 20, 20, 2, 2, 10, 10);
});

test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test.serial('folders: good images inpainted, a corrupt image, a missing mask and a wrong-size mask reported; exit code 2', async (t) => {
  const out = join(dir, 'out');
  const result = await run(process.execPath, [bin, 'inpaint', '--checkpoint', checkpoint, '--image', join(dir, 'images'), '--mask', join(dir, 'masks'), '--out', out, '--backend', 'wasm', '--json'], {
    env: { ...process.env, CI: '1' },
  }).then(
    () => ({ code: 0, stderr: '', stdout: '' }),
    (err: { code: number; stderr: string; stdout: string }) => ({ code: err.code, stderr: err.stderr, stdout: err.stdout }),
  );
  t.log(result.stderr);
  t.is(result.code, 2);
  // --json: one JSON document on stdout, printed although images failed.
  const summary = JSON.parse(result.stdout) as { total: number; written: string[]; failed: Array<{ file: string; reason: string }> };
  t.is(summary.total, 5);
  t.deepEqual(summary.written, [join(out, 'a.png'), join(out, 'b.png')]);
  t.deepEqual(summary.failed.map((f) => f.file).sort(), [join(dir, 'images', 'c.png'), join(dir, 'images', 'd.png'), join(dir, 'masks', 'e.png')]);
  t.false('noPerson' in summary, 'noPerson only with --segment');
  for (const name of ['images/c.png', 'images/d.png', 'masks/e.png']) t.is(result.stderr.split(name).length - 1, 1, `${name} is named once`);
  t.regex(result.stderr, /skipped .*images\/c\.png: not a readable image/);
  t.regex(result.stderr, /skipped .*images\/d\.png: no mask named "d\.\*"/);
  t.regex(result.stderr, /skipped .*masks\/e\.png: mask is 20×20 but the image is 30×30/);
  t.regex(result.stderr, /inpainted 2 of 5 images, 3 failed/);
  t.regex(result.stderr, /bgfill: 3 of 5 images failed/);
  for (const name of ['a', 'b']) t.true((await stat(join(out, `${name}.png`))).isFile());
  for (const name of ['c', 'd', 'e']) await t.throwsAsync(stat(join(out, `${name}.png`)));
  // Outside the hole the output is the input, pixel for pixel (the output is PNG, so lossless).
  const input = await readRgbImage(join(dir, 'images', 'a.png'));
  const output = await readRgbImage(join(out, 'a.png'));
  const mask = await maskFromImage(join(dir, 'masks', 'a.png'));
  t.is(output.width, 40);
  t.is(output.height, 32);
  assertFilledOnlyInHole(t, input, output, mask);
});

test.serial('a rerun keeps finished outputs (resume); --overwrite redoes them byte for byte', async (t) => {
  const out = join(dir, 'out');
  const before = await stat(join(out, 'a.png'));
  const bytesBefore = await readFile(join(out, 'a.png'));
  const lines: string[] = [];
  const options: InpaintCommandOptions = { checkpoint, image: join(dir, 'images'), mask: join(dir, 'masks'), out, backend: 'wasm', progress: false };
  await t.throwsAsync(runInpaintCommand(options, (l) => lines.push(l)), { instanceOf: BgfillError, message: '3 of 5 images failed (listed above)' });
  t.true(lines.includes('2 outputs already exist: kept (--overwrite to redo)'), lines.join('\n'));
  t.is((await stat(join(out, 'a.png'))).mtimeMs, before.mtimeMs);
  await t.throwsAsync(runInpaintCommand({ ...options, overwrite: true }, () => {}), { instanceOf: BgfillError });
  t.deepEqual(await readFile(join(out, 'a.png')), bytesBefore, 'same inputs, same bytes');
});

test.serial('same-size images go through the network together: the same bytes as one at a time (wasm and onnx), sizes mixed, a bad file between', async (t) => {
  const images = join(dir, 'batch-images');
  const masks = join(dir, 'batch-masks');
  await mkdir(images);
  await mkdir(masks);
  // Names sort into runs of sizes: 5 of 40×32, 2 of 36×28, a broken file, 3 of 40×32 again.
  const plan: Array<[string, number, number]> = [
    ['p01', 40, 32], ['p02', 40, 32], ['p03', 40, 32], ['p04', 40, 32], ['p05', 40, 32],
    ['p06', 36, 28], ['p07', 36, 28], ['p09', 40, 32], ['p10', 40, 32], ['p11', 40, 32],
  ];
  for (const [name, w, h] of plan) {
    await writeRgb(join(images, `${name}.png`), w, h, name);
    await writeRectMask(join(masks, `${name}.png`), w, h, 3 + (name.charCodeAt(2) % 5), 4, w - 9, h - 6);
  }
  await writeFile(join(images, 'p08.png'), 'not an image');
  await writeRectMask(join(masks, 'p08.png'), 40, 32, 8, 6, 30, 24);
  for (const backend of ['wasm', 'onnx']) {
    const outputs: Record<string, Buffer[]> = {};
    for (const batchSize of ['1', '3', '8']) {
      const out = join(dir, `batch-out-${backend}-${batchSize}`);
      const lines: string[] = [];
      const options: InpaintCommandOptions = { checkpoint, image: images, mask: masks, out, backend, batchSize, threads: '1', progress: false };
      await t.throwsAsync(runInpaintCommand(options, (l) => lines.push(l)), { message: '1 of 11 images failed (listed above)' });
      t.true(lines.some((l) => /skipped .*p08\.png: not a readable image/.test(l)), lines.join('\n'));
      outputs[batchSize] = await Promise.all(plan.map(([name]) => readFile(join(out, `${name}.png`))));
    }
    for (const batchSize of ['3', '8']) {
      plan.forEach(([name], i) => t.deepEqual(outputs[batchSize][i], outputs['1'][i], `${backend}, ${name}: --batch-size ${batchSize} vs 1`));
    }
  }
  t.is(batchLimit(256, 256, 8), 8);
  t.is(batchLimit(256, 256, 64), 16, 'at 256² the attention scores of 16 images fill 1 GiB');
  t.is(batchLimit(512, 512, 8), 1);
  t.is(batchLimit(250, 250, 64), 17, 'padded to 252²: 3 969 positions, 17 images in 1 GiB');
});

test.serial('--mask-from: the hole is the segmentation map thresholded, resized and dilated by @bgfill/masks', async (t) => {
  // A soft 20×16 "person probability" map for a 40×32 image: a blob with graded edges.
  const seg = new Uint8Array(20 * 16);
  for (let y = 0; y < 16; y++) for (let x = 0; x < 20; x++) seg[y * 20 + x] = Math.max(0, Math.round(255 - 40 * Math.hypot(x - 9, y - 8)));
  const segPath = join(dir, 'seg.png');
  await sharp(seg, { raw: { width: 20, height: 16, channels: 1 } }).png().toFile(segPath);
  const out = join(dir, 'from-seg.png');
  const lines: string[] = [];
  await runInpaintCommand(
    { checkpoint, image: join(dir, 'images', 'a.png'), maskFrom: segPath, threshold: '0.1', dilate: '3', out, backend: 'wasm', progress: false },
    (line) => lines.push(line),
  );
  t.false(lines.some((l) => l.startsWith('warning:')), 'same aspect ratio (20×16 → 40×32): no warning');
  // A map of another aspect ratio is stretched with a warning naming both sizes.
  const square = join(dir, 'seg-square.png');
  await sharp(seg.subarray(0, 16 * 16), { raw: { width: 16, height: 16, channels: 1 } }).png().toFile(square);
  const warned: string[] = [];
  await runInpaintCommand(
    { checkpoint, image: join(dir, 'images', 'a.png'), maskFrom: square, threshold: '0.1', out: join(dir, 'from-square.png'), backend: 'wasm', progress: false },
    (line) => warned.push(line),
  );
  t.true(warned.some((l) => /^warning: .*seg-square\.png: 16×16 stretched to the image's 40×32 \(aspect ratios differ/.test(l)), warned.join('\n'));
  // A map that is hole everywhere (an inverted mask, say) is filled but warned about.
  const everything = join(dir, 'seg-all.png');
  await sharp(Buffer.alloc(20 * 16, 255), { raw: { width: 20, height: 16, channels: 1 } }).png().toFile(everything);
  const all: string[] = [];
  await runInpaintCommand(
    { checkpoint, image: join(dir, 'images', 'a.png'), maskFrom: everything, out: join(dir, 'from-all.png'), backend: 'wasm', progress: false },
    (line) => all.push(line),
  );
  t.true(all.some((l) => /^warning: .*seg-all\.png: the hole covers 100\.0 % of .*a\.png \(an inverted mask\? white = hole\)/.test(l)), all.join('\n'));
  const image = await readRgbImage(join(dir, 'images', 'a.png'));
  const hole = dilate(await maskFromImage(segPath, { threshold: 0.1, size: { width: 40, height: 32 } }), { iterations: 3 });
  const generator = await loadGenerator(checkpoint);
  const expected = await inpaint(generator, image, hole);
  generator.dispose();
  const got = await readRgbImage(out);
  t.deepEqual(got.data, expected.data);
  let inside = 0;
  for (let p = 0; p < hole.data.length; p++) inside += hole.data[p];
  t.true(inside > 100 && inside < 40 * 32, `a real hole (${inside} px)`);
});

test.serial('a single image with passes, erosion, tiles and --save-raw writes both files', async (t) => {
  const out = join(dir, 'single', 'a-filled.jpg');
  const raw = join(dir, 'single', 'a.npy');
  const summary = await runInpaintCommand(
    { checkpoint, image: join(dir, 'images', 'a.png'), mask: join(dir, 'masks', 'a.png'), out, saveRaw: raw, passes: '2', erode: '3', tiles: '2x2', backend: 'wasm', progress: false },
    () => {},
  );
  t.deepEqual(summary.written, [out]);
  const meta = await sharp(out).metadata();
  t.is(meta.format, 'jpeg');
  t.is(meta.width, 40);
  const npy = await readFile(raw);
  const headerLength = npy.readUInt16LE(8);
  t.regex(npy.subarray(10, 10 + headerLength).toString('latin1'), /'shape': \(1, 32, 40, 3\)/);
  t.is(npy.length, 10 + headerLength + 32 * 40 * 3 * 4);
});

test.serial('--non-strict loads a checkpoint with an unexpected key and prints the warning; strict refuses it', async (t) => {
  const generator = await loadGenerator(checkpoint);
  const weights = await generatorWeights(generator);
  generator.dispose();
  weights.set('extra_head.weight', { shape: [2], dtype: 'float32', data: new Float32Array([1, 2]), layout: 'pytorch' });
  const odd = join(dir, 'extra.safetensors');
  await writeSafetensors(odd, weights);
  const base = { checkpoint: odd, image: join(dir, 'images', 'a.png'), mask: join(dir, 'masks', 'a.png'), backend: 'wasm', progress: false };
  await t.throwsAsync(runInpaintCommand({ ...base, out: join(dir, 'strict.png') }, () => {}), { instanceOf: BgfillError, message: /extra_head\.weight/ });
  const lines: string[] = [];
  await runInpaintCommand({ ...base, out: join(dir, 'lenient.png'), nonStrict: true }, (l) => lines.push(l));
  t.true(lines.some((l) => l.startsWith('warning: ') && l.includes('extra_head.weight')), lines.join('\n'));
  t.true((await stat(join(dir, 'lenient.png'))).isFile());
});

test.serial('a PyTorch .pth state_dict works as --checkpoint (the parity fixture, saved by torch 1.13)', async (t) => {
  const pth = fileURLToPath(new URL('./fixtures/parity/main.pth', import.meta.url));
  const out = join(dir, 'from-pth.png');
  const summary = await runInpaintCommand(
    { checkpoint: pth, image: join(dir, 'images', 'a.png'), mask: join(dir, 'masks', 'a.png'), out, backend: 'wasm', progress: false },
    () => {},
  );
  t.deepEqual(summary.written, [out]);
  const input = await readRgbImage(join(dir, 'images', 'a.png'));
  const output = await readRgbImage(out);
  const mask = await maskFromImage(join(dir, 'masks', 'a.png'));
  assertFilledOnlyInHole(t, input, output, mask);
});

test.serial('U²-Net weights given as --checkpoint are named for what they are, with where they go, not listed key by key (exit 2)', async (t) => {
  const u2net = fileURLToPath(new URL('./fixtures/u2net/u2netp-half.pth', import.meta.url));
  const out = join(dir, 'from-u2net.png');
  const args = ['inpaint', '--checkpoint', u2net, '--image', join(dir, 'images', 'a.png'), '--mask', join(dir, 'masks', 'a.png'), '--out', out, '--backend', 'wasm', '--no-progress'];
  const err = await t.throwsAsync(run(process.execPath, [bin, ...args]));
  const failed = err as unknown as { code: number; stderr: string };
  t.is(failed.code, 2);
  t.regex(failed.stderr, /^bgfill: .*u2netp-half\.pth: this looks like U²-Net segmentation weights, not an inpainting generator; pass it to --segment \(bgfill inpaint\) or to bgfill segment --checkpoint$/m);
  t.notRegex(failed.stderr, /missing key|unknown key/);
  await t.throwsAsync(stat(out), undefined, 'nothing written');
});

/** Outside the hole the output equals the input exactly; inside it, something changed. */
function assertFilledOnlyInHole(t: ExecutionContext, input: RgbImage, output: RgbImage, mask: Mask): void {
  let changed = 0;
  for (let p = 0; p < mask.width * mask.height; p++) {
    for (let c = 0; c < 3; c++) {
      if (mask.data[p] === 0) t.is(output.data[3 * p + c], input.data[3 * p + c]);
      else if (output.data[3 * p + c] !== input.data[3 * p + c]) changed++;
    }
  }
  t.true(changed > 0);
}

test.serial('output paths: a folder of images never turns a file name into a folder; a single image\'s --save-raw is a .npy file or a folder', async (t) => {
  const images = join(dir, 'images');
  const masks = join(dir, 'masks');
  const root = await mkdtemp(join(tmpdir(), 'bgfill-inpaint-paths-'));
  const base = { checkpoint, image: images, mask: masks, backend: 'wasm', progress: false };
  await t.throwsAsync(runInpaintCommand({ ...base, out: join(root, 'filled.png') }), {
    instanceOf: BgfillError,
    message: /--out .*filled\.png: must be a folder when --image is a folder \(this reads as a file name; give a folder such as out\/\)/,
  });
  await t.throwsAsync(runInpaintCommand({ ...base, out: join(root, 'o'), saveRaw: join(root, 'raw.npy') }), {
    instanceOf: BgfillError,
    message: /--save-raw .*raw\.npy: must be a folder when --image is a folder/,
  });
  const single = { ...base, image: join(images, 'a.png'), mask: join(masks, 'a.png'), out: join(root, 'a.png') };
  await t.throwsAsync(runInpaintCommand({ ...single, saveRaw: join(root, 'sr.txt') }), {
    instanceOf: BgfillError,
    message: /--save-raw .*sr\.txt: the file name must end in \.npy \(or give a folder, ending in \/\)/,
  });
  t.deepEqual(await readdir(root), [], 'nothing was created');
});

test.serial('output paths that are (or hold) the inputs, side outputs on --out, and paths under a file are refused before any work', async (t) => {
  const images = join(dir, 'images');
  const masks = join(dir, 'masks');
  const root = await mkdtemp(join(tmpdir(), 'bgfill-inpaint-overlap-'));
  const afile = join(root, 'afile');
  await writeFile(afile, 'x');
  const before = await readFile(join(images, 'a.png'));
  const base = { checkpoint, image: images, mask: masks, backend: 'wasm', progress: false, overwrite: true };
  const single = { ...base, image: join(images, 'a.png'), mask: join(masks, 'a.png') };
  const cases: Array<[InpaintCommandOptions, RegExp]> = [
    [{ ...base, out: images }, /^--out .*images: is the input folder; write to a folder of its own$/],
    [{ ...base, out: masks }, /^--out .*masks: is the input folder/],
    [{ ...base, out: dir }, /^--out .*: contains the input folder .*images/],
    [{ ...base, out: join(root, 'o'), saveMask: images }, /^--save-mask .*images: is the input folder/],
    [{ ...base, out: join(root, 'o'), saveMask: join(root, 'o') }, /^--save-mask .*o: is also --out's folder; give each output its own folder$/],
    [{ ...base, out: join(root, 'o'), saveRaw: `${root}/o/` }, /^--save-raw .*o\/: is also --out's folder/],
    [{ ...base, out: join(afile, 'o') }, /^--out .*afile\/o: cannot be created: .*afile is a file, not a folder$/],
    [{ ...base, out: join(root, 'o'), saveMask: join(afile, 'm') }, /^--save-mask .*afile\/m: cannot be created: .*afile is a file, not a folder$/],
    [{ ...single, out: join(images, 'a.png') }, /^--out .*images\/a\.png: is the input .*images\/a\.png; write the output elsewhere$/],
    [{ ...single, out: `${images}/` }, /^--out .*images\/a\.png: is the input/],
    [{ ...single, out: join(root, 'a.png'), saveMask: join(masks, 'a.png') }, /^--save-mask .*masks\/a\.png: is the input .*masks\/a\.png/],
    [{ ...single, out: join(root, 'a.png'), saveMask: join(root, 'a.png') }, /^--save-mask .*a\.png: is also --out's file; give each output its own file$/],
    [{ ...single, out: join(root, 'a.png'), saveMask: `${root}/` }, /^--save-mask .*a\.png: is also --out's file/],
    [{ ...single, out: join(afile, 'a.png') }, /^--out .*afile\/a\.png: cannot be created/],
  ];
  for (const [options, refusal] of cases) {
    const lines: string[] = [];
    await t.throwsAsync(runInpaintCommand(options, (l) => lines.push(l)), { instanceOf: BgfillError, message: refusal });
    t.deepEqual(lines, [], 'refused before the engine starts');
  }
  // Through the binary: exit 2, one line, the photo untouched.
  const r = await run(process.execPath, [bin, 'inpaint', '--checkpoint', checkpoint, '--image', images, '--mask', masks, '--out', images, '--overwrite'], { env: { ...process.env, CI: '1' } }).catch(
    (err: { code: number; stderr: string }) => err,
  );
  t.like(r, { code: 2 });
  t.regex(r.stderr, /^bgfill: --out .*images: is the input folder; write to a folder of its own\n/);
  t.deepEqual(await readFile(join(images, 'a.png')), before);
  t.deepEqual(await readdir(root), ['afile'], 'nothing was created');
});

test.serial('with --large tiles, an image too large for one network run is tiled automatically when --tiles is not given, with a note', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'bgfill-inpaint-large-'));
  const [width, height] = [600, 520]; // (600·520/16)² · 4 bytes ≈ 1.4 GiB of attention scores in one run
  const pixels = Buffer.alloc(width * height * 3);
  for (let p = 0; p < pixels.length; p++) pixels[p] = (p * 13 + (p >> 7)) % 256;
  const hole = Buffer.alloc(width * height);
  for (let y = 200; y < 330; y++) for (let x = 250; x < 340; x++) hole[y * width + x] = 255;
  const imagePath = join(root, 'big.png');
  const maskPath = join(root, 'big-mask.png');
  await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toFile(imagePath);
  await sharp(hole, { raw: { width, height, channels: 1 } }).png().toFile(maskPath);
  const lines: string[] = [];
  const out = join(root, 'filled.png');
  // (--large auto would choose scale: this hole spans 25 % of the height; large-photo.test.ts covers that)
  await runInpaintCommand({ checkpoint, image: imagePath, mask: maskPath, out, backend: 'wasm', progress: false, large: 'tiles' }, (l) => lines.push(l));
  t.true(lines.some((l) => /big\.png: 600×520 is above about 512×512 for one network run: inpainting in 2×2 tiles \(--tiles to choose\)/.test(l)), lines.join('\n'));
  const generator = await loadGenerator(checkpoint);
  const expected = await inpaint(generator, await readRgbImage(imagePath), await maskFromImage(maskPath), { tiles: 'auto' });
  generator.dispose();
  t.deepEqual((await readRgbImage(out)).data, expected.data, 'the same as --tiles auto');
});

test('options are checked before anything loads', async (t) => {
  const base = { checkpoint: 'nowhere.safetensors', image: 'nowhere.png', out: 'o.png' };
  await t.throwsAsync(runInpaintCommand({ ...base, mask: 'm.png', maskFrom: 's.png' }), { instanceOf: BgfillError, message: /exactly one of --mask/ });
  await t.throwsAsync(runInpaintCommand({ ...base, mask: 'm.png', tiles: '0x2' }), { instanceOf: BgfillError, message: /for tiles/ });
  await t.throwsAsync(runInpaintCommand({ ...base, mask: 'm.png', threshold: '1.5' }), { instanceOf: BgfillError, message: /--threshold/ });
  await t.throwsAsync(runInpaintCommand({ ...base, mask: 'm.png', passes: '0' }), { instanceOf: BgfillError, message: /--passes/ });
  await t.throwsAsync(runInpaintCommand({ ...base, mask: 'm.png', backend: 'gpu' }), { instanceOf: BgfillError, message: /--backend/ });
  await t.throwsAsync(runInpaintCommand({ ...base, mask: 'm.png' }), { instanceOf: BgfillError, message: /nowhere\.png: no such file or folder/ });
});

test.serial('--backend onnx end to end: onnxruntime fills the hole, known pixels unchanged, within a level of tfjs', async (t) => {
  const out = join(dir, 'onnx', 'a.png');
  const { stderr } = await run(process.execPath, [bin, 'inpaint', '--backend', 'onnx', '--threads', '1', '--checkpoint', checkpoint, '--image', join(dir, 'images', 'a.png'), '--mask', join(dir, 'masks', 'a.png'), '--out', out], {
    env: { ...process.env, CI: '1' },
  });
  t.regex(stderr, /backend: onnx \(onnxruntime 1\.30\.0, CPU execution provider, 1 thread\)/);
  t.regex(stderr, /inpainted 1 of 1 image/);
  const input = await readRgbImage(join(dir, 'images', 'a.png'));
  const output = await readRgbImage(out);
  const mask = await maskFromImage(join(dir, 'masks', 'a.png'));
  assertFilledOnlyInHole(t, input, output, mask);
  const generator = await loadGenerator(checkpoint);
  const expected = await inpaint(generator, input, mask);
  generator.dispose();
  let worst = 0;
  for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(expected.data[i] - output.data[i]));
  t.true(worst <= 1, `${worst} levels from the tfjs result`);
});

test.serial('bgfill export onnx writes a file onnxruntime runs, with the checkpoint’s weights under their state_dict names', async (t) => {
  const out = join(dir, 'export', 'g.onnx');
  const { stderr } = await run(process.execPath, [bin, 'export', 'onnx', '--checkpoint', checkpoint, '--out', out], { env: { ...process.env, CI: '1' } });
  t.regex(stderr, /wrote .*g\.onnx \(.* MiB, generator \(cnum 4, 4 input channels, gate spatial\), opset 17\)/);
  t.regex(stderr, /check: onnxruntime matches TensorFlow\.js \(wasm\) within \S+ on a 64×64 input/);
  const bytes = new Uint8Array(await readFile(out));
  const model = decodeOnnxModel(bytes);
  const generator = await loadGenerator(checkpoint);
  const weights = await generatorWeights(generator);
  const conv = model.graph.initializers.find((i) => i.name === 'coarse_net.0.conv2d.weight');
  t.deepEqual(conv?.dims, [4, 4, 5, 5]);
  t.deepEqual(new Float32Array(conv!.rawData.slice().buffer), weights.get('coarse_net.0.conv2d.weight')!.data);
  t.is(model.metadata['bgfill.source'], 'g.safetensors');
  // The written file, run through the engine, agrees with the checkpoint on tfjs.
  const engine = await OnnxEngine.fromModel(bytes, generator.config, { threads: 1 });
  const input = await readRgbImage(join(dir, 'images', 'b.jpg'));
  const mask = await maskFromImage(join(dir, 'masks', 'b.png'));
  const viaFile = await inpaint(engine, input, mask, { raw: true });
  const viaTfjs = await inpaint(generator, input, mask, { raw: true });
  let worst = 0;
  for (let i = 0; i < viaTfjs.raw!.length; i++) worst = Math.max(worst, Math.abs(viaTfjs.raw![i] - viaFile.raw![i]));
  t.true(worst < 1e-4, `max |diff| ${worst}`);
  await engine.dispose();
  generator.dispose();
  t.deepEqual((await readdir(join(dir, 'export'))).sort(), ['g.onnx'], 'no temporary files left');
});

test('the export check: a match within 1e-3; beyond it, inconclusive within 10× the net\'s float32 sensitivity, else a mismatch', (t) => {
  t.is(judgeExportCheck(4e-4, 0), 'match');
  t.is(judgeExportCheck(2e-3, 5e-4), 'inconclusive');
  t.is(judgeExportCheck(2e-3, 1e-6), 'mismatch');
  t.is(judgeExportCheck(Number.NaN, 1), 'mismatch', 'NaN never passes');
});

test.serial('bgfill export onnx on a net that amplifies float32 rounding: written, with the check called inconclusive and why', async (t) => {
  // The coordinate-attention parity fixture: random weights, chaotic in float32 at 64² (PyTorch fp32 vs fp64 differ by ~4e-2).
  const out = join(dir, 'chaotic.onnx');
  const lines: string[] = [];
  const summary = await runExportOnnxCommand({ checkpoint: fixturePath('variant-coord.safetensors'), out }, (l) => lines.push(l));
  t.true('maxAbsDiff' in summary.check);
  if (!('maxAbsDiff' in summary.check)) return;
  t.log(`max |onnx − tfjs| ${summary.check.maxAbsDiff.toExponential(2)}, float32 sensitivity ${summary.check.sensitivity.toExponential(2)}`);
  t.true(summary.check.sensitivity > 0, 'the probe moves the outputs');
  t.is(judgeExportCheck(summary.check.maxAbsDiff, summary.check.sensitivity), 'inconclusive', 'refused as a bgfill bug before');
  t.true(lines.some((l) => /^check inconclusive: onnxruntime and TensorFlow\.js differ by .*float32 rounding is amplified/.test(l)), lines.join('\n'));
  t.true((await stat(out)).size > 0, 'written');
});

test.serial('bgfill export onnx: a bad or missing checkpoint and a wrong --out are refused naming the file, nothing written', async (t) => {
  const bad = join(dir, 'export-errors', 'broken.pth');
  await mkdir(join(dir, 'export-errors'), { recursive: true });
  await writeFile(bad, 'this is not a checkpoint');
  const fail = (args: string[]) =>
    run(process.execPath, [bin, 'export', 'onnx', ...args], { env: { ...process.env, CI: '1' } }).then(
      () => ({ code: 0, stderr: '' }),
      (err: { code: number; stderr: string }) => ({ code: err.code, stderr: err.stderr }),
    );
  const out = join(dir, 'export-errors', 'm.onnx');
  const broken = await fail(['--checkpoint', bad, '--out', out]);
  t.is(broken.code, 2);
  t.regex(broken.stderr, /^bgfill: .*export-errors\/broken\.pth: /m);
  const missing = await fail(['--checkpoint', join(dir, 'nowhere.safetensors'), '--out', out]);
  t.is(missing.code, 2);
  t.regex(missing.stderr, /nowhere\.safetensors/);
  const wrongOut = await fail(['--checkpoint', checkpoint, '--out', join(dir, 'export-errors', 'm.bin')]);
  t.is(wrongOut.code, 2);
  t.regex(wrongOut.stderr, /--out .*m\.bin: the file name must end in \.onnx/);
  t.deepEqual(await readdir(join(dir, 'export-errors')), ['broken.pth'], 'no output, no temporary file');
});

test.serial('bgfill export onnx --non-strict exports a checkpoint with an extra key (warning); strict names the key', async (t) => {
  const generator = await loadGenerator(checkpoint);
  const weights = await generatorWeights(generator);
  generator.dispose();
  weights.set('extra_head.weight', { shape: [2], dtype: 'float32', data: new Float32Array([1, 2]), layout: 'pytorch' });
  const odd = join(dir, 'extra-export.safetensors');
  await writeSafetensors(odd, weights);
  const lines: string[] = [];
  await t.throwsAsync(runExportOnnxCommand({ checkpoint: odd, out: join(dir, 'strict.onnx') }, (l) => lines.push(l)), {
    instanceOf: BgfillError,
    message: /extra-export\.safetensors[^]*extra_head\.weight/,
  });
  const summary = await runExportOnnxCommand({ checkpoint: odd, out: join(dir, 'lenient.onnx'), nonStrict: true, check: false }, (l) => lines.push(l));
  t.true(lines.some((l) => l.startsWith('warning: ') && l.includes('extra_head.weight')), lines.join('\n'));
  t.deepEqual(summary.check, { skipped: '--no-check' });
  t.false(decodeOnnxModel(new Uint8Array(await readFile(join(dir, 'lenient.onnx')))).graph.initializers.some((i) => i.name === 'extra_head.weight'));
});

test('bgfill export onnx --help shows the options, defaults and an example', async (t) => {
  const { stdout } = await run(process.execPath, [bin, 'export', 'onnx', '--help']);
  t.regex(stdout, /--checkpoint <file>/);
  t.regex(stdout, /--non-strict/);
  t.regex(stdout, /Example:\n {2}\$ bgfill export onnx --checkpoint \S+ --out \S+\.onnx/);
  const inpaintHelp = await run(process.execPath, [bin, 'inpaint', '--help']);
  t.regex(inpaintHelp.stdout, /auto, onnx-webgpu, webgpu, tensorflow, onnx, wasm or cpu/);
});

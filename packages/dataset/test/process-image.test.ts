import test from 'ava';
import { join } from 'node:path';
import { readFile, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import {
  DEFAULT_PROCESS_OPTIONS,
  InputRejected,
  planGeometry,
  processImage,
  readInput,
  type ProcessOptions,
} from '../src/process-image.js';
import { makeBadInputs, patternJpeg, patternPixels, tempDir } from './helpers.js';

const opts = (o: Partial<ProcessOptions> = {}): ProcessOptions => ({ ...DEFAULT_PROCESS_OPTIONS, size: 64, ...o });

async function rgbOf(bytes: Buffer): Promise<{ data: Buffer; width: number; height: number; channels: number }> {
  const { data, info } = await sharp(bytes).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height, channels: info.channels };
}

function pixel(img: { data: Buffer; width: number; channels: number }, x: number, y: number): number[] {
  const i = (y * img.width + x) * img.channels;
  return [...img.data.subarray(i, i + img.channels)];
}

function near(t: { true(v: boolean, m?: string): void }, got: number[], want: number[], tol: number, what: string): void {
  t.true(got.every((v, i) => Math.abs(v - want[i]) <= tol), `${what}: got ${got} want ${want} ±${tol}`);
}

test('an input already at the target size and format passes through byte for byte', async (t) => {
  const jpeg = await patternJpeg(64, 64, 1);
  const out = await processImage(jpeg, 'k', opts());
  t.true(out.passthrough);
  t.is(out.encoded, jpeg);
  t.deepEqual([out.width, out.height, out.format], [64, 64, 'jpeg']);
  // The same image as PNG with a JPEG target is re-encoded; as PNG with a PNG target it passes.
  const png = await sharp(jpeg).png().toBuffer();
  t.false((await processImage(png, 'k', opts())).passthrough);
  t.true((await processImage(png, 'k', opts({ format: 'png' }))).passthrough);
});

test('an embedded sRGB profile still passes through; a Display P3 profile is converted', async (t) => {
  const base = sharp(patternPixels(64, 64, 2), { raw: { width: 64, height: 64, channels: 3 } });
  const srgb = await base.clone().withIccProfile('srgb').jpeg().toBuffer();
  const p3 = await base.clone().withIccProfile('p3').jpeg().toBuffer();
  t.truthy((await sharp(srgb).metadata()).icc);
  t.true((await processImage(srgb, 'k', opts())).passthrough);
  const converted = await processImage(p3, 'k', opts());
  t.false(converted.passthrough);
  t.falsy((await sharp(converted.encoded).metadata()).icc, 'output is plain sRGB (no profile)');
});

test('EXIF orientation is applied: a stored landscape with orientation 6 comes out portrait, stored-left on top', async (t) => {
  // Stored 96×64: left half red, right half blue. Orientation 6 = rotate 90° clockwise to display.
  const w = 96;
  const h = 64;
  const raw = Buffer.alloc(w * h * 3);
  for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) raw.set(x < w / 2 ? [255, 0, 0] : [0, 0, 255], (y * w + x) * 3);
  const stored = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).withMetadata({ orientation: 6 }).png().toBuffer();
  const out = await processImage(stored, 'k', opts({ keepSize: true, format: 'png' }));
  t.false(out.passthrough);
  const img = await rgbOf(out.encoded);
  t.deepEqual([img.width, img.height], [64, 96]);
  t.deepEqual(pixel(img, 32, 5), [255, 0, 0], 'top is the stored left (red)');
  t.deepEqual(pixel(img, 32, 90), [0, 0, 255], 'bottom is the stored right (blue)');
  t.is((await sharp(out.encoded).metadata()).orientation, undefined, 'no orientation tag left to apply twice');
  // The same as an EXIF-rotated JPEG (lossy, so colours within a tolerance).
  const jpeg = await sharp(raw, { raw: { width: w, height: h, channels: 3 } }).withMetadata({ orientation: 6 }).jpeg({ quality: 95 }).toBuffer();
  t.is((await sharp(jpeg).metadata()).orientation, 6);
  const fromJpeg = await rgbOf((await processImage(jpeg, 'k', opts({ keepSize: true }))).encoded);
  t.deepEqual([fromJpeg.width, fromJpeg.height], [64, 96]);
  near(t, pixel(fromJpeg, 32, 5), [255, 0, 0], 40, 'JPEG top');
  near(t, pixel(fromJpeg, 32, 90), [0, 0, 255], 40, 'JPEG bottom');
});

test('CMYK JPEG becomes sRGB RGB of about the same colour', async (t) => {
  const rgb = await sharp({ create: { width: 80, height: 80, channels: 3, background: { r: 40, g: 120, b: 200 } } }).png().toBuffer();
  const cmyk = await sharp(rgb).toColourspace('cmyk').jpeg({ quality: 100 }).toBuffer();
  t.is((await sharp(cmyk).metadata()).space, 'cmyk');
  const out = await processImage(cmyk, 'k', opts({ format: 'png' }));
  const img = await rgbOf(out.encoded);
  t.is(img.channels, 3);
  t.deepEqual([img.width, img.height], [64, 64]);
  near(t, pixel(img, 30, 30), [40, 120, 200], 24, 'CMYK round trip');
});

test('16-bit PNG becomes 8-bit with the same values', async (t) => {
  // An 8-bit pattern widened to 16 bits (v × 257) must come back as the same 8-bit values.
  const pixels = patternPixels(64, 64, 4);
  const png16 = await sharp(pixels, { raw: { width: 64, height: 64, channels: 3 } }).toColourspace('rgb16').png().toBuffer();
  const meta = await sharp(png16).metadata();
  t.is(meta.depth, 'ushort');
  t.is(png16[24], 16, 'the input really holds 16-bit samples (IHDR bit depth)');
  const out = await processImage(png16, 'k', opts({ format: 'png' }));
  t.false(out.passthrough);
  const img = await rgbOf(out.encoded);
  t.is(img.channels, 3);
  t.deepEqual(img.data, pixels);
});

test('grayscale (8- and 16-bit) becomes 3 equal channels', async (t) => {
  for (const space of ['b-w', 'grey16'] as const) {
    const grey = await sharp(patternPixels(64, 64, 5), { raw: { width: 64, height: 64, channels: 3 } }).toColourspace(space).png().toBuffer();
    t.is((await sharp(grey).metadata()).channels, 1);
    const img = await rgbOf((await processImage(grey, 'k', opts({ format: 'png' }))).encoded);
    t.is(img.channels, 3);
    for (const [x, y] of [[0, 0], [20, 40], [63, 63]]) {
      const [r, g, b] = pixel(img, x, y);
      t.true(r === g && g === b, `${space} pixel ${x},${y} is grey`);
    }
  }
});

test('alpha is flattened onto the chosen colour', async (t) => {
  const w = 64;
  const raw = Buffer.alloc(w * w * 4);
  for (let y = 0; y < w; y++) for (let x = 0; x < w; x++) raw.set(x < 32 ? [255, 0, 0, 0] : [0, 0, 255, 255], (y * w + x) * 4);
  const rgba = await sharp(raw, { raw: { width: w, height: w, channels: 4 } }).png().toBuffer();
  const img = await rgbOf((await processImage(rgba, 'k', opts({ format: 'png', flatten: '#00ff00' }))).encoded);
  t.is(img.channels, 3);
  t.deepEqual(pixel(img, 5, 5), [0, 255, 0], 'transparent → flatten colour');
  t.deepEqual(pixel(img, 60, 5), [0, 0, 255], 'opaque kept');
});

test('resize + centre crop matches an OpenCV INTER_AREA reference (fixtures)', async (t) => {
  for (const name of ['400x300', '150x260']) {
    const input = await readFile(new URL(`fixtures/resize-${name}.png`, import.meta.url));
    const expected = await rgbOf(await readFile(new URL(`fixtures/resize-${name}-expected-64.png`, import.meta.url)));
    const ours = await rgbOf((await processImage(input, 'k', opts({ format: 'png' }))).encoded);
    t.deepEqual([ours.width, ours.height], [64, 64]);
    let diff = 0;
    for (let i = 0; i < ours.data.length; i++) diff += Math.abs(ours.data[i] - expected.data[i]);
    t.true(diff / ours.data.length < 3, `${name}: mean abs difference ${(diff / ours.data.length).toFixed(2)} to OpenCV`);
  }
});

test('planGeometry: centre crop arithmetic, seeded random crops within bounds', (t) => {
  const g = planGeometry(130, 71, 'k', opts());
  t.deepEqual(g, { resized: { width: 117, height: 64 }, crop: { left: 26, top: 0, width: 64, height: 64 }, upscale: null });
  t.deepEqual(planGeometry(64, 64, 'k', opts()), { resized: null, crop: null, upscale: null });
  t.deepEqual(planGeometry(64, 200, 'k', opts()), { resized: null, crop: { left: 0, top: 68, width: 64, height: 64 }, upscale: null });
  const lefts = new Set<number>();
  for (let i = 0; i < 30; i++) {
    const a = planGeometry(300, 200, `key-${i}`, opts({ crop: 'random', seed: 5 }));
    const b = planGeometry(300, 200, `key-${i}`, opts({ crop: 'random', seed: 5 }));
    t.deepEqual(a, b, 'same key and seed, same crop');
    t.true(a.crop!.left >= 0 && a.crop!.left + 64 <= a.resized!.width && a.crop!.top === 0);
    lefts.add(a.crop!.left);
  }
  t.true(lefts.size > 10, 'keys spread the crops');
  t.notDeepEqual(
    [0, 1, 2, 3].map((i) => planGeometry(300, 200, `key-${i}`, opts({ crop: 'random', seed: 5 })).crop!.left),
    [0, 1, 2, 3].map((i) => planGeometry(300, 200, `key-${i}`, opts({ crop: 'random', seed: 6 })).crop!.left),
    'another seed, other crops',
  );
});

test('tiny images are rejected under --min-size, or upscaled when asked', async (t) => {
  const tiny = await sharp(patternPixels(20, 30, 1), { raw: { width: 20, height: 30, channels: 3 } }).png().toBuffer();
  const err = await t.throwsAsync(processImage(tiny, 'k', opts(), 'tiny.png'), { instanceOf: InputRejected });
  t.is(err?.code, 'too-small');
  t.regex(err?.message ?? '', /^tiny\.png: image is 20×30, shorter side under --min-size 64/);
  const up = await processImage(tiny, 'k', opts({ upscale: true }));
  t.deepEqual([up.width, up.height, up.sourceWidth, up.sourceHeight, up.upscale], [64, 64, 20, 30, 3.2]);
  const kept = await processImage(tiny, 'k', opts({ upscale: true, keepSize: true }));
  t.deepEqual([kept.width, kept.height, kept.upscale], [64, 96, 3.2], 'keep-size upscales the shorter side to --min-size');
});

test('by default an image whose shorter side is under --size is rejected with its size, not enlarged', async (t) => {
  // A real photo (samples/scenes) reduced to 100×80, as a small web image would be.
  const small = await sharp(new URL('../../../samples/scenes/005-forest-path.jpg', import.meta.url).pathname).resize(100, 80, { fit: 'fill' }).jpeg().toBuffer();
  const options = opts({ size: 256, minSize: 64 });
  const err = await t.throwsAsync(processImage(small, 'k', options, 'photos/small.jpg'), { instanceOf: InputRejected });
  t.is(err?.code, 'too-small');
  t.is(err?.message, 'photos/small.jpg: image is 100×80, shorter side 80 under --size 256: it would be enlarged 3.20× (use --upscale to accept and record the factor, or --keep-size)');
  const up = await processImage(small, 'k', { ...options, upscale: true });
  t.deepEqual([up.width, up.height, up.sourceWidth, up.sourceHeight, up.upscale], [256, 256, 100, 80, 3.2]);
  t.true(up.analysis!.signals.topOctave < 0.05, `an enlarged photo has almost no energy in its top octave (${up.analysis!.signals.topOctave})`);
  const kept = await processImage(small, 'k', { ...options, keepSize: true });
  t.deepEqual([kept.width, kept.height, kept.upscale, kept.passthrough], [100, 80, null, true], '--keep-size keeps it as it is (here byte for byte)');
  // At or above --size: downscaled, no factor recorded, source size kept.
  const big = await processImage(await patternJpeg(300, 256, 3), 'k', options);
  t.deepEqual([big.width, big.height, big.sourceWidth, big.sourceHeight, big.upscale], [256, 256, 300, 256, null]);
});

test('the stored bytes are the same with or without measuring (the crop is encoded from the decoded frame)', async (t) => {
  for (const [input, o] of [
    [await patternJpeg(300, 200, 4), opts()],
    [await patternJpeg(300, 200, 4), opts({ crop: 'random', seed: 3 })],
    [await sharp(patternPixels(90, 150, 5), { raw: { width: 90, height: 150, channels: 3 } }).png().toBuffer(), opts({ format: 'png' })],
  ] as const) {
    const measured = await processImage(input, 'k', o);
    const plain = await processImage(input, 'k', { ...o, analyse: false });
    t.true(Buffer.from(measured.encoded).equals(Buffer.from(plain.encoded)));
    t.truthy(measured.analysis);
    t.is(plain.analysis, null);
  }
});

test('every bad input is rejected with a code and a reason naming the file', async (t) => {
  const dir = await tempDir(t);
  const bad = await makeBadInputs(dir);
  const expected: Record<string, [string, RegExp]> = {
    empty: ['empty', /empty file/],
    truncated: ['decode-error', /premature end|truncat/i],
    text: ['not-an-image', /not an image/],
    dangling: ['missing', /dangling symlink/],
    fifo: ['not-a-file', /FIFO/],
    directory: ['not-a-file', /directory/],
    bomb: ['too-many-pixels', /20000×20000 = 400000000 pixels, over --max-pixels 100000000/],
    tiny: ['too-small', /shorter side under --min-size/],
  };
  for (const [kind, rel] of Object.entries(bad)) {
    const err = await t.throwsAsync(
      readInput(join(dir, rel), rel).then((bytes) => processImage(bytes, 'k', opts(), rel)),
      { instanceOf: InputRejected },
      kind,
    );
    t.is(String(err?.code), expected[kind][0], kind);
    t.regex(err?.message ?? '', expected[kind][1], kind);
    t.true(err?.message.startsWith(`${rel}: `), `${kind} message names the file`);
  }
});

test('a truncated JPEG is caught even when it would pass through', async (t) => {
  const dir = await tempDir(t);
  const good = await patternJpeg(64, 64, 3);
  await writeFile(join(dir, 'cut.jpg'), good.subarray(0, good.length - 200));
  const bytes = await readInput(join(dir, 'cut.jpg'));
  const meta = await sharp(bytes).metadata();
  t.deepEqual([meta.width, meta.height], [64, 64], 'the header alone looks like a pass-through candidate');
  await t.throwsAsync(processImage(bytes, 'k', opts()), { instanceOf: InputRejected });
});

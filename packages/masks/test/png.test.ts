import test from 'ava';
import { mkdtemp, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError, rngFor } from '@bgfill/core';
import type { Mask } from '../src/mask.js';
import { maskFromImage, maskToPng } from '../src/png.js';
import { resizeNearest } from '../src/resize.js';

function randomMask(width: number, height: number, seed: number): Mask {
  const rng = rngFor(seed, 'png-test');
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rng.chance(0.3) ? 1 : 0;
  return { width, height, data };
}

test('maskToPng writes an 8-bit one-channel PNG of 0/255 that decodes back to the mask', async (t) => {
  const mask = randomMask(37, 21, 1);
  const png = await maskToPng(mask);
  const meta = await sharp(png).metadata();
  t.is(meta.format, 'png');
  t.is(meta.channels, 1);
  t.is(meta.depth, 'uchar');
  t.is(meta.width, 37);
  t.is(meta.height, 21);
  const raw = await sharp(png).toColourspace('b-w').raw().toBuffer();
  t.deepEqual([...raw], [...mask.data].map((v) => v * 255));
  t.deepEqual((await maskFromImage(png)).data, mask.data);
  t.deepEqual(await maskToPng(mask), png, 'same mask, same bytes');
});

test('maskFromImage thresholds 8-bit soft values at value/255 > threshold', async (t) => {
  const values = new Uint8Array(256);
  for (let i = 0; i < 256; i++) values[i] = i;
  const png = await sharp(values, { raw: { width: 16, height: 16, channels: 1 } }).toColourspace('b-w').png().toBuffer();
  for (const threshold of [0, 0.1, 0.5, 0.99]) {
    const mask = await maskFromImage(png, { threshold });
    t.deepEqual([...mask.data], [...values].map((v) => (v / 255 > threshold ? 1 : 0)), `threshold ${threshold}`);
  }
  t.is((await maskFromImage(png)).data.reduce((a, b) => a + b, 0), 128, 'default 0.5 keeps 128…255');
});

test('maskFromImage reads 16-bit PNGs at full precision', async (t) => {
  // Values straddling the 0.5 threshold closer than one 8-bit step: only 16-bit reading separates them.
  const values = new Uint16Array([0, 32767, 32768, 65535, 6553, 6554, 1, 65534]);
  const png = await sharp(values, { raw: { width: 4, height: 2, channels: 1 } }).toColourspace('grey16').png().toBuffer();
  t.is((await sharp(png).metadata()).depth, 'ushort');
  t.deepEqual([...(await maskFromImage(png)).data], [0, 0, 1, 1, 0, 0, 0, 1]);
  t.deepEqual([...(await maskFromImage(png, { threshold: 0.1 })).data], [0, 1, 1, 1, 0, 1, 0, 1]);
});

test('maskFromImage reads colour images by luminance, an alpha that varies as the mask, and JPEG', async (t) => {
  const rgba = await sharp({ create: { width: 3, height: 2, channels: 4, background: { r: 255, g: 255, b: 255, alpha: 0 } } })
    .png()
    .toBuffer();
  t.deepEqual([...(await maskFromImage(rgba)).data], [1, 1, 1, 1, 1, 1], 'a uniform alpha is ignored');
  // A hole painted white on a transparent layer, and a person cutout (colour photo, alpha = person): the alpha decides.
  const painted = Buffer.alloc(3 * 2 * 4);
  for (let i = 0; i < 6; i++) painted.set([255, 255, 255, i === 1 || i === 4 ? 255 : 0], i * 4);
  t.deepEqual([...(await maskFromImage(await sharp(painted, { raw: { width: 3, height: 2, channels: 4 } }).png().toBuffer())).data], [0, 1, 0, 0, 1, 0]);
  const cutout = Buffer.alloc(3 * 2 * 4);
  for (let i = 0; i < 6; i++) cutout.set([40 * i, 200 - 30 * i, 90, i < 3 ? 230 : 10], i * 4);
  t.deepEqual([...(await maskFromImage(await sharp(cutout, { raw: { width: 3, height: 2, channels: 4 } }).png().toBuffer())).data], [1, 1, 1, 0, 0, 0]);
  const mask = randomMask(40, 24, 4);
  const pixels = Uint8Array.from(mask.data, (v) => v * 255);
  const jpg = await sharp(pixels, { raw: { width: 40, height: 24, channels: 1 } }).jpeg({ quality: 95 }).toBuffer();
  const back = await maskFromImage(jpg);
  let wrong = 0;
  for (let i = 0; i < back.data.length; i++) wrong += back.data[i] !== mask.data[i] ? 1 : 0;
  t.true(wrong / back.data.length < 0.02, `JPEG artefacts flipped ${wrong} pixels`);
});

test('maskFromImage resizes by nearest neighbour after thresholding', async (t) => {
  const mask = randomMask(5, 3, 2);
  const png = await maskToPng(mask);
  const big = await maskFromImage(png, { size: { width: 15, height: 6 } });
  for (let y = 0; y < 6; y++) {
    for (let x = 0; x < 15; x++) t.is(big.data[y * 15 + x], mask.data[Math.floor(y / 2) * 5 + Math.floor(x / 3)]);
  }
  const small = resizeNearest(big, { width: 5, height: 3 });
  t.deepEqual(small.data, mask.data, 'integer down-scale samples the centre pixel of each block');
});

test('resizeNearest agrees with sharp nearest for integer factors', async (t) => {
  const mask = randomMask(24, 18, 3);
  const pixels = Uint8Array.from(mask.data, (v) => v * 255);
  for (const size of [
    { width: 48, height: 36 },
    { width: 8, height: 6 },
  ]) {
    const ours = resizeNearest(mask, size);
    const theirs = await sharp(pixels, { raw: { width: 24, height: 18, channels: 1 } })
      .resize(size.width, size.height, { kernel: 'nearest', fit: 'fill' })
      .toColourspace('b-w')
      .raw()
      .toBuffer();
    t.deepEqual([...ours.data], [...theirs].map((v) => (v > 127 ? 1 : 0)), `${size.width}x${size.height}`);
  }
});

test('maskFromImage names the file and the reason for bad inputs', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-png-'));
  await writeFile(join(dir, 'text.png'), 'this is not an image\n');
  await writeFile(join(dir, 'empty.png'), '');
  await mkdir(join(dir, 'folder.png'));
  const cases: Array<[string, RegExp]> = [
    ['text.png', /text\.png: not a readable image/],
    ['empty.png', /empty\.png: empty file/],
    ['missing.png', /missing\.png: no such file/],
    ['folder.png', /folder\.png: is a directory/],
  ];
  for (const [file, message] of cases) {
    await t.throwsAsync(maskFromImage(join(dir, file)), { instanceOf: BgfillError, message });
  }
  await t.throwsAsync(maskFromImage(Buffer.alloc(0)), { instanceOf: BgfillError, message: /empty buffer/ });
  const png = await maskToPng(randomMask(2, 2, 1));
  await t.throwsAsync(maskFromImage(png, { threshold: 1 }), { instanceOf: BgfillError, message: /threshold/ });
  await t.throwsAsync(maskFromImage(png, { size: { width: 0, height: 3 } }), { instanceOf: BgfillError, message: /size\.width/ });
});

test('an unreadable mask file is refused with its own reason even while many others decode at once', async (t) => {
  // libvips has one error buffer per process: without the decode lock, concurrent reads lost or swapped reasons.
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-png-race-'));
  const files: string[] = [];
  for (let i = 0; i < 24; i++) {
    const rng = rngFor('race', i);
    const pixels = Buffer.from(Array.from({ length: 96 * 96 }, () => rng.int(0, 255)));
    const png = await sharp(pixels, { raw: { width: 96, height: 96, channels: 1 } }).png().toBuffer();
    const file = join(dir, `${i}.png`);
    await writeFile(file, i % 3 === 0 ? png.subarray(0, 200 + 10 * i) : png);
    files.push(file);
  }
  const outcome = async (file: string) => maskFromImage(file).then(() => 'ok', (err: Error) => err.message);
  const alone: string[] = [];
  for (const file of files) alone.push(await outcome(file));
  t.is(alone.filter((o) => o !== 'ok').length, 8);
  for (let round = 0; round < 3; round++) t.deepEqual(await Promise.all(files.map(outcome)), alone, `round ${round}: same reasons as one at a time`);
});

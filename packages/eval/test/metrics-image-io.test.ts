// readRgbImage / readMaskImage on real files: the fixtures against OpenCV's decoding (sha256 of the pixels), and
// files of other kinds written by sharp (alpha, grey, 16-bit, JPEG, CMYK, EXIF rotation, broken files).
import test from 'ava';
import { createHash } from 'node:crypto';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { readMaskImage, readRgbImage } from '../src/image-io.js';
import { l1 } from '../src/metrics/l1.js';
import { EXTRA, FIXTURES } from './fixtures/metrics-pairs/fixtures.js';

const dir = mkdtemp(join(tmpdir(), 'bgfill-eval-io-'));

test('fixtures decode to exactly the pixels OpenCV decodes', async (t) => {
  for (const [name, expected] of Object.entries(EXTRA.decoded)) {
    const img = await readRgbImage(join(FIXTURES, name));
    t.is(img.width, expected.width);
    t.is(img.height, expected.height);
    t.is(img.channels, 3);
    t.is(img.data.length, img.width * img.height * 3);
    t.is(createHash('sha256').update(img.data).digest('hex'), expected.sha256, name);
  }
});

/** A 7×5 RGB test pattern with distinct values. */
function pattern(): Uint8Array {
  return Uint8Array.from({ length: 7 * 5 * 3 }, (_, i) => (i * 37 + 11) % 256);
}

test('alpha is dropped (not composited), grey becomes three equal channels, 16-bit becomes 8-bit', async (t) => {
  const d = await dir;
  const rgb = pattern();
  const rgba = new Uint8Array(7 * 5 * 4);
  for (let i = 0; i < 35; i++) {
    rgba.set(rgb.subarray(i * 3, i * 3 + 3), i * 4);
    rgba[i * 4 + 3] = i * 7; // varying alpha, including 0
  }
  await sharp(rgba, { raw: { width: 7, height: 5, channels: 4 } }).png().toFile(join(d, 'rgba.png'));
  t.deepEqual((await readRgbImage(join(d, 'rgba.png'))).data, rgb);

  const grey = Uint8Array.from({ length: 35 }, (_, i) => i * 7);
  await sharp(grey, { raw: { width: 7, height: 5, channels: 1 } }).png().toFile(join(d, 'grey.png'));
  const g = await readRgbImage(join(d, 'grey.png'));
  t.is(g.channels, 3);
  t.deepEqual(g.data, Uint8Array.from({ length: 105 }, (_, i) => grey[Math.floor(i / 3)]));

  const wide = Uint16Array.from(rgb, (v) => v * 257);
  await sharp(wide, { raw: { width: 7, height: 5, channels: 3 } })
    .toColourspace('rgb16')
    .png()
    .toFile(join(d, 'rgb16.png'));
  t.is((await sharp(join(d, 'rgb16.png')).metadata()).depth, 'ushort');
  t.deepEqual((await readRgbImage(join(d, 'rgb16.png'))).data, rgb);
});

test('JPEG, CMYK JPEG and EXIF-rotated JPEG read as upright sRGB', async (t) => {
  const d = await dir;
  const src = await readRgbImage(join(FIXTURES, '01_ref.png'));
  const raw = { raw: { width: src.width, height: src.height, channels: 3 as const } };
  await sharp(src.data, raw).jpeg({ quality: 95 }).toFile(join(d, 'plain.jpg'));
  const jpg = await readRgbImage(join(d, 'plain.jpg'));
  t.true(l1(jpg, src) < 0.01, `jpeg l1 ${l1(jpg, src)}`);

  await sharp(src.data, raw).toColourspace('cmyk').jpeg({ quality: 95 }).toFile(join(d, 'cmyk.jpg'));
  t.is((await sharp(join(d, 'cmyk.jpg')).metadata()).space, 'cmyk');
  const cmyk = await readRgbImage(join(d, 'cmyk.jpg'));
  t.is(cmyk.channels, 3);
  t.true(l1(cmyk, src) < 0.05, `cmyk l1 ${l1(cmyk, src)}`);

  // Stored rotated 90° counter-clockwise with EXIF orientation 6 (display: rotate 90° clockwise) → reads upright.
  const crop = await sharp(src.data, raw).extract({ left: 0, top: 0, width: 200, height: 120 }).raw().toBuffer();
  await sharp(crop, { raw: { width: 200, height: 120, channels: 3 } })
    .rotate(-90)
    .withMetadata({ orientation: 6 })
    .jpeg({ quality: 95 })
    .toFile(join(d, 'exif6.jpg'));
  const meta = await sharp(join(d, 'exif6.jpg')).metadata();
  t.is(meta.orientation, 6);
  t.is(meta.width, 120);
  const upright = await readRgbImage(join(d, 'exif6.jpg'));
  t.is(upright.width, 200);
  t.is(upright.height, 120);
  t.true(l1(upright, { data: new Uint8Array(crop), width: 200, height: 120, channels: 3 }) < 0.02);
});

test('unreadable inputs are BgfillErrors naming the file and the reason', async (t) => {
  const d = await dir;
  await writeFile(join(d, 'text.png'), 'this is not a png\n');
  await writeFile(join(d, 'empty.png'), '');
  const truncated = await sharp(pattern(), { raw: { width: 7, height: 5, channels: 3 } }).png().toBuffer();
  await writeFile(join(d, 'truncated.png'), truncated.subarray(0, truncated.length - 20));
  await mkdir(join(d, 'folder.png'), { recursive: true });
  const cases: Array<[string, RegExp]> = [
    [join(d, 'missing.png'), /missing\.png: no such file$/],
    [join(d, 'text.png'), /text\.png: not a readable image/],
    [join(d, 'empty.png'), /empty\.png: empty file \(0 bytes\)$/],
    [join(d, 'truncated.png'), /truncated\.png: not a readable image/],
    [join(d, 'folder.png'), /folder\.png: is a directory, not an image$/],
  ];
  for (const [file, message] of cases) {
    const err = await t.throwsAsync(readRgbImage(file), { instanceOf: BgfillError, message });
    t.is(err!.subject, file);
    await t.throwsAsync(readMaskImage(file), { instanceOf: BgfillError, message });
  }
});

test('readMaskImage: hole where value / max > 0.5, for 0/255, soft 8-bit and 16-bit masks', async (t) => {
  const d = await dir;
  const values = Uint8Array.from([0, 1, 127, 128, 200, 255]);
  await sharp(values, { raw: { width: 6, height: 1, channels: 1 } }).png().toFile(join(d, 'soft.png'));
  const m = await readMaskImage(join(d, 'soft.png'));
  t.deepEqual([m.width, m.height], [6, 1]);
  t.deepEqual([...m.data], [0, 0, 0, 1, 1, 1]);
  const wide = Uint16Array.from([0, 32767, 32768, 65535]);
  await sharp(wide, { raw: { width: 4, height: 1, channels: 1 } }).toColourspace('grey16').png().toFile(join(d, 'm16.png'));
  t.is((await sharp(join(d, 'm16.png')).metadata()).depth, 'ushort');
  t.deepEqual([...(await readMaskImage(join(d, 'm16.png'))).data], [0, 0, 1, 1]);
  const fixtureMask = await readMaskImage(join(FIXTURES, EXTRA.mask));
  t.is(fixtureMask.data.reduce((a, b) => a + b, 0), EXTRA.hole[0].holePixels);
});

import test from 'ava';
import sharp from 'sharp';
import { BgfillError, rngFor } from '@bgfill/core';
import type { Mask } from '../src/mask.js';
import { contactSheet, contactSheetPng, type RgbImage } from '../src/preview.js';

function randomMask(width: number, height: number, seed: number): Mask {
  const rng = rngFor(seed, 'preview-test');
  return { width, height, data: Uint8Array.from({ length: width * height }, () => (rng.chance(0.4) ? 1 : 0)) };
}

function pixel(img: RgbImage, x: number, y: number): number[] {
  const o = (y * img.width + x) * 3;
  return [img.data[o], img.data[o + 1], img.data[o + 2]];
}

test('masks are tiled row by row with 1-px grey separators, holes white on black', (t) => {
  const masks = Array.from({ length: 5 }, (_, k) => randomMask(7, 4, k));
  const sheet = contactSheet(masks);
  // ⌈√5⌉ = 3 columns, 2 rows.
  t.is(sheet.width, 3 * 7 + 2);
  t.is(sheet.height, 2 * 4 + 1);
  for (let k = 0; k < 5; k++) {
    const ox = (k % 3) * 8;
    const oy = Math.floor(k / 3) * 5;
    for (let y = 0; y < 4; y++) {
      for (let x = 0; x < 7; x++) {
        const v = masks[k].data[y * 7 + x] * 255;
        t.deepEqual(pixel(sheet, ox + x, oy + y), [v, v, v]);
      }
    }
  }
  for (let y = 0; y < sheet.height; y++) t.deepEqual(pixel(sheet, 7, y), [128, 128, 128], 'vertical separator');
  for (let x = 0; x < sheet.width; x++) t.deepEqual(pixel(sheet, x, 4), [128, 128, 128], 'horizontal separator');
  // The sixth cell is empty: background grey.
  t.deepEqual(pixel(sheet, 2 * 8 + 3, 5 + 2), [128, 128, 128]);
});

test('over images, holes are tinted magenta and known pixels show the photo', (t) => {
  const mask = randomMask(6, 5, 1);
  const rng = rngFor('photo');
  const image: RgbImage = { width: 6, height: 5, data: Uint8Array.from({ length: 90 }, () => rng.int(0, 255)) };
  const sheet = contactSheet([mask], { images: [image], columns: 1 });
  for (let i = 0; i < 30; i++) {
    const photo = [0, 1, 2].map((c) => image.data[i * 3 + c]);
    const expected = mask.data[i] ? photo.map((v, c) => Math.round(0.4 * v + 0.6 * [255, 0, 255][c])) : photo;
    t.deepEqual(pixel(sheet, i % 6, Math.floor(i / 6)), expected);
  }
});

test('smaller masks are padded with black in a cell sized for the largest', (t) => {
  const sheet = contactSheet([randomMask(4, 4, 1), { width: 2, height: 3, data: new Uint8Array(6).fill(1) }], { columns: 2 });
  t.is(sheet.width, 9);
  t.is(sheet.height, 4);
  t.deepEqual(pixel(sheet, 5, 0), [255, 255, 255]);
  t.deepEqual(pixel(sheet, 7, 0), [0, 0, 0], 'padding right of the small mask');
  t.deepEqual(pixel(sheet, 5, 3), [0, 0, 0], 'padding below it');
});

test('the PNG decodes to the sheet', async (t) => {
  const masks = [randomMask(9, 9, 2), randomMask(9, 9, 3)];
  const { data, info } = await sharp(await contactSheetPng(masks)).raw().toBuffer({ resolveWithObject: true });
  t.is(info.channels, 3);
  t.deepEqual(new Uint8Array(data), contactSheet(masks).data);
});

test('bad requests are BgfillErrors', (t) => {
  const m = randomMask(4, 4, 1);
  t.throws(() => contactSheet([]), { instanceOf: BgfillError, message: /no masks/ });
  t.throws(() => contactSheet([m, m], { images: [{ width: 4, height: 4, data: new Uint8Array(48) }] }), { message: /at least 2 images/ });
  t.throws(() => contactSheet([m], { images: [{ width: 5, height: 4, data: new Uint8Array(60) }] }), { message: /images\[0\].*5×4/ });
  t.throws(() => contactSheet([m], { columns: 0 }), { message: /columns/ });
});

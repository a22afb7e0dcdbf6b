import test from 'ava';
import { mkdir, mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { createMaskGenerator } from '../src/generate.js';
import { dilate } from '../src/morphology.js';
import { maskFromImage } from '../src/png.js';
import { resolveMaskPaths } from '../src/from-files.js';

const size = { width: 40, height: 30 };

/** A folder with every kind of file the strategy must cope with, written by sharp (and by hand for the bad ones). */
async function makeFolder(): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-from-files-'));
  // a: 8-bit, 40×30, a filled rectangle.
  const a = new Uint8Array(40 * 30);
  for (let y = 5; y < 20; y++) a.fill(255, y * 40 + 8, y * 40 + 30);
  await sharp(a, { raw: { width: 40, height: 30, channels: 1 } }).toColourspace('b-w').png().toFile(join(dir, 'a.png'));
  // b: 16-bit, 20×15 (wrong size), a horizontal gradient 0…65535: soft values.
  const b = new Uint16Array(20 * 15);
  for (let y = 0; y < 15; y++) for (let x = 0; x < 20; x++) b[y * 20 + x] = Math.round((x / 19) * 65535);
  await sharp(b, { raw: { width: 20, height: 15, channels: 1 } }).toColourspace('grey16').png().toFile(join(dir, 'b.png'));
  // c: an RGB JPEG, 80×60 (twice the size), a white disk.
  const c = Buffer.alloc(80 * 60 * 3);
  for (let y = 0; y < 60; y++) for (let x = 0; x < 80; x++) if ((x - 40) ** 2 + (y - 30) ** 2 < 400) c.fill(255, (y * 80 + x) * 3, (y * 80 + x) * 3 + 3);
  await sharp(c, { raw: { width: 80, height: 60, channels: 3 } }).jpeg({ quality: 95 }).toFile(join(dir, 'c.jpg'));
  // Bad ones: text named .png, an empty file; a JSON file that a folder scan ignores.
  await writeFile(join(dir, 'd-text.png'), 'not an image at all\n');
  await writeFile(join(dir, 'e-empty.png'), '');
  await writeFile(join(dir, 'stats.json'), '{}\n');
  return dir;
}

test('a folder yields its images sorted; unreadable files are skipped with the reason', async (t) => {
  const dir = await makeFolder();
  const gen = await createMaskGenerator({ strategy: 'from-files', paths: dir });
  t.deepEqual(
    gen.skipped.map((s) => [s.file.slice(dir.length + 1), s.reason.split(' (')[0]]),
    [
      ['d-text.png', 'not a readable image'],
      ['e-empty.png', 'empty file'],
    ],
  );
  const files = ['a.png', 'b.png', 'c.jpg'].map((f) => join(dir, f));
  for (let i = 0; i < 7; i++) {
    const expected = await maskFromImage(files[i % 3], { size, threshold: 0.5 });
    t.deepEqual(gen.generate(size, 'any seed', i).data, expected.data, `mask ${i} is file ${i % 3}`);
  }
});

test('threshold, resize and dilate apply to every file; the seed does not matter for integer indices', async (t) => {
  const dir = await makeFolder();
  const gen = await createMaskGenerator({ strategy: 'from-files', paths: join(dir, '*.png'), threshold: 0.1, dilate: 2, kernel: 'cross' });
  t.is(gen.skipped.length, 2);
  const b = await maskFromImage(join(dir, 'b.png'), { threshold: 0.1, size });
  t.deepEqual(gen.generate(size, 1, 1).data, dilate(b, { iterations: 2, kernel: 'cross' }).data);
  t.deepEqual(gen.generate(size, 2, 1).data, gen.generate(size, 1, 1).data);
  // Gradient at 16 bits: with threshold 0.1 about 90 % of the columns are hole (before dilation).
  const ratio = b.data.reduce((s, v) => s + v, 0) / b.data.length;
  t.true(Math.abs(ratio - 0.9) < 0.06, `hole ratio ${ratio}`);
});

test('a string key picks a file from the seed, reproducibly', async (t) => {
  const dir = await makeFolder();
  const gen = await createMaskGenerator(`from-files:'${dir}'`);
  const picked = new Set<string>();
  for (const key of ['img/0001', 'img/0002', 'img/0003', 'img/0004', 'img/0005', 'img/0006']) {
    const m = gen.generate(size, 9, key);
    t.deepEqual(gen.generate(size, 9, key).data, m.data);
    picked.add(Buffer.from(m.data).toString('base64'));
  }
  t.true(picked.size >= 2, 'keys spread over the files');
});

test('paths that match nothing are listed; no usable file at all is an error naming the paths', async (t) => {
  const dir = await makeFolder();
  const { files, skipped } = await resolveMaskPaths([join(dir, 'a.png'), join(dir, 'nope.png'), join(dir, '*.tif'), dir]);
  t.deepEqual(files, [join(dir, 'a.png'), join(dir, 'b.png'), join(dir, 'c.jpg'), join(dir, 'd-text.png'), join(dir, 'e-empty.png')]);
  t.deepEqual(skipped, [
    { file: join(dir, 'nope.png'), reason: 'no such file or folder' },
    { file: join(dir, '*.tif'), reason: 'pattern matched no files' },
  ]);
  const empty = join(dir, 'empty-folder');
  await mkdir(empty);
  await t.throwsAsync(createMaskGenerator({ strategy: 'from-files', paths: [join(dir, 'd-text.png'), join(dir, 'e-empty.png'), empty] }), {
    instanceOf: BgfillError,
    message: /from-files: no usable mask image in .*d-text\.png.*e-empty\.png.*empty-folder.*not a readable image.*empty file/,
  });
});

test('from-files inside a union and a mix is loaded once and composes', async (t) => {
  const dir = await makeFolder();
  const gen = await createMaskGenerator(`from-files:'${join(dir, 'a.png')}'+box:0`);
  const a = await maskFromImage(join(dir, 'a.png'), { size });
  t.deepEqual(gen.generate(size, 3, 0).data, a.data, 'union with an empty box is the file');
  const mixed = await createMaskGenerator(`from-files:'${join(dir, 'a.png')}'*1|box:0*1`);
  let fromFile = 0;
  for (let i = 0; i < 200; i++) fromFile += Buffer.compare(Buffer.from(mixed.generate(size, 3, i).data), Buffer.from(a.data)) === 0 ? 1 : 0;
  t.true(fromFile > 70 && fromFile < 130, `${fromFile} of 200 from the file`);
});

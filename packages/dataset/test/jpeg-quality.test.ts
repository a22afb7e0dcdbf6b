// JPEG quality from DQT segments: OpenCV- and sharp-encoded files at known qualities.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { estimateJpegQuality, estimateQualityFromTables, ijgTables, readQuantTables } from '../src/jpeg-quality.js';

const fixtures = new URL('./fixtures/quality/', import.meta.url);
const scenes = new URL('../../../samples/scenes/', import.meta.url);

test('libjpeg scaling: quality 50 is the Annex K table, 75 and 100 as libjpeg writes them', (t) => {
  const [l50, c50] = ijgTables(50);
  t.deepEqual(l50.slice(0, 8), [16, 11, 10, 16, 24, 40, 51, 61]);
  t.deepEqual(c50.slice(0, 8), [17, 18, 24, 47, 99, 99, 99, 99]);
  // libjpeg at quality 75: scale 50 %, (v·50 + 50) / 100 rounded down.
  t.deepEqual(ijgTables(75)[0].slice(0, 8), [8, 6, 5, 8, 12, 20, 26, 31]);
  t.true(ijgTables(100).every((table) => table.every((v) => v === 1)));
  t.is(Math.max(...ijgTables(1)[0]), 255, 'baseline tables clamp at 255');
});

test('files written by OpenCV (libjpeg-turbo) at known qualities are read back exactly', async (t) => {
  const expected = JSON.parse(await readFile(new URL('expected.json', fixtures), 'utf8')) as { jpeg: Array<{ file: string; quality: number }> };
  for (const { file, quality } of expected.jpeg) {
    t.deepEqual(estimateJpegQuality(await readFile(new URL(file, fixtures))), { quality, exact: true }, file);
  }
});

test("sharp's encoder: the estimate is within ±5 of the quality setting, for 4:2:0 and 4:4:4, 30–100", async (t) => {
  const photo = await sharp(await readFile(new URL('021-green-hills.jpg', scenes))).resize(64, 64).raw().toBuffer();
  const worst = { error: 0, at: '' };
  for (const subsampling of ['4:2:0', '4:4:4'] as const) {
    for (let q = 30; q <= 100; q += 5) {
      const bytes = await sharp(photo, { raw: { width: 64, height: 64, channels: 3 } }).jpeg({ quality: q, chromaSubsampling: subsampling }).toBuffer();
      const estimate = estimateJpegQuality(bytes);
      t.truthy(estimate);
      const error = Math.abs(estimate!.quality - q);
      if (error > worst.error) Object.assign(worst, { error, at: `${subsampling} q${q} → ${estimate!.quality}` });
      t.true(error <= 5, `${subsampling} quality ${q}: estimated ${estimate!.quality}`);
    }
  }
  t.log(`largest error over sharp qualities 30–100: ${worst.error}${worst.at ? ` (${worst.at})` : ''}`);
});

test('tables of another encoder give the nearest IJG quality; non-JPEG input gives null', async (t) => {
  // Annex K tables scaled by hand by 0.4 (not an IJG quality): nearest is 80 (scale 40 %).
  const values = ijgTables(50).map((table) => table.map((v) => Math.max(1, Math.round(v * 0.4))));
  const estimate = estimateQualityFromTables(values.map((v, id) => ({ id, values: v })));
  t.true(Math.abs(estimate!.quality - 80) <= 1, `${estimate!.quality}`);
  t.is(estimateJpegQuality(await sharp({ create: { width: 8, height: 8, channels: 3, background: '#808080' } }).png().toBuffer()), null);
  t.is(estimateJpegQuality(Buffer.from([0xff, 0xd8, 0xff, 0xdb, 0x00])), null, 'truncated before any table');
  t.is(readQuantTables(Buffer.from('not a jpeg')), null);
});

import test from 'ava';
import { mkdir, mkdtemp, readdir, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError, rngFor } from '@bgfill/core';
import { buildBank } from '../src/bank/build.js';
import { components, outlineBitmap } from '../src/bank/components.js';
import { BANK_FILE, decodeBank, encodeBank } from '../src/bank/format.js';
import { loadBank } from '../src/bank/load.js';
import type { Mask } from '../src/mask.js';

const tempDir = () => mkdtemp(join(tmpdir(), 'bank-'));

function randomMask(width: number, height: number, p: number, seed: number): Mask {
  const rng = rngFor(seed, 'components-test');
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rng.chance(p) ? 1 : 0;
  return { width, height, data };
}

/** Reference labelling: flood fill from each unlabelled hole pixel in raster order, 8 neighbours. */
function floodLabels(m: Mask): Int32Array {
  const labels = new Int32Array(m.data.length).fill(-1);
  let next = 0;
  for (let start = 0; start < m.data.length; start++) {
    if (m.data[start] === 0 || labels[start] >= 0) continue;
    const stack = [start];
    labels[start] = next;
    while (stack.length) {
      const p = stack.pop()!;
      const x = p % m.width;
      const y = (p - x) / m.width;
      for (let dy = -1; dy <= 1; dy++) {
        for (let dx = -1; dx <= 1; dx++) {
          const xx = x + dx;
          const yy = y + dy;
          if (xx < 0 || yy < 0 || xx >= m.width || yy >= m.height) continue;
          const q = yy * m.width + xx;
          if (m.data[q] !== 0 && labels[q] < 0) {
            labels[q] = next;
            stack.push(q);
          }
        }
      }
    }
    next++;
  }
  return labels;
}

test('components equal a flood fill with 8 neighbours (order, boxes, pixels) on random masks', (t) => {
  for (const [w, h, p, seed] of [
    [23, 17, 0.3, 1],
    [40, 31, 0.45, 2],
    [1, 30, 0.5, 3],
    [30, 1, 0.5, 4],
    [64, 48, 0.6, 5],
  ] as const) {
    const m = randomMask(w, h, p, seed);
    const labels = floodLabels(m);
    const found = components(m);
    const count = Math.max(-1, ...labels) + 1;
    t.is(found.length, count, `${w}x${h} p=${p}`);
    found.forEach((c, k) => {
      // The component's own pixels, drawn back into the image, are exactly the flood fill's label k.
      const bitmap = outlineBitmap(c.rows);
      const mine = new Uint8Array(m.data.length);
      for (let y = 0; y < bitmap.height; y++) for (let x = 0; x < bitmap.width; x++) mine[(c.y + y) * w + c.x + x] = bitmap.data[y * bitmap.width + x];
      const theirs = Uint8Array.from(labels, (l) => (l === k ? 1 : 0));
      t.deepEqual(Buffer.from(mine), Buffer.from(theirs), `${w}x${h} component ${k}`);
      t.is(c.rows.area, theirs.reduce((a, v) => a + v, 0));
    });
  }
});

test('diagonal neighbours join, 4-separated blobs do not, and a box holds only its own component', (t) => {
  // . # . . #
  // # . . # .
  // . . . . .
  // # # # # #   (a bar under everything, touching nothing above it diagonally? it touches row 1 only through row 2: no)
  const rows = ['.#..#', '#..#.', '.....', '#####'];
  const data = Uint8Array.from(rows.join('').split(''), (ch) => (ch === '#' ? 1 : 0));
  const found = components({ width: 5, height: 4, data });
  t.deepEqual(
    found.map((c) => [c.x, c.y, c.rows.width, c.rows.height, c.rows.area]),
    [
      [0, 0, 2, 2, 2], // (1,0) and (0,1) touch diagonally
      [3, 0, 2, 2, 2], // (4,0) and (3,1)
      [0, 3, 5, 1, 5],
    ],
  );
  // Values other than 1 count as hole.
  t.is(components({ width: 3, height: 1, data: Uint8Array.of(255, 0, 7) }).length, 2);
});

function sampleOutlines() {
  const m = randomMask(50, 40, 0.55, 9);
  return components(m).slice(0, 12);
}

test('a bank file round-trips its outlines and records their boxes; its digest is the SHA-256 of the file', async (t) => {
  const found = sampleOutlines();
  const bytes = encodeBank(
    {
      threshold: 0.1,
      minArea: 0,
      sources: [{ file: 'a.png', width: 50, height: 40 }],
      skipped: [],
      dropped: { small: 0, spanning: 0 },
      outlines: found.map((c, k) => ({ source: 0, component: k, x: c.x, y: c.y, width: c.rows.width, height: c.rows.height, area: c.rows.area, aspect: c.rows.height / c.rows.width })),
    },
    found.map((c) => c.rows),
  );
  const bank = decodeBank(bytes, 'mem.bgbank');
  t.is(bank.outlines.length, found.length);
  bank.outlines.forEach((o, k) => t.deepEqual(Buffer.from(outlineBitmap(o).data), Buffer.from(outlineBitmap(found[k].rows).data)));
  const { createHash } = await import('node:crypto');
  t.is(bank.sha256, createHash('sha256').update(bytes).digest('hex'));
  t.is(bytes.subarray(0, 6).toString('latin1'), 'BGBANK');
});

test('a non-bank, truncated, altered, future-version or empty bank file is refused with a reason naming the file', (t) => {
  const found = sampleOutlines();
  const header = {
    threshold: 0.1,
    minArea: 0,
    sources: [{ file: 'a.png', width: 50, height: 40 }],
    skipped: [],
    dropped: { small: 0, spanning: 0 },
  };
  const entries = found.map((c, k) => ({ source: 0, component: k, x: c.x, y: c.y, width: c.rows.width, height: c.rows.height, area: c.rows.area, aspect: 1 }));
  const good = encodeBank({ ...header, outlines: entries }, found.map((c) => c.rows));
  const refuse = (bytes: Uint8Array, pattern: RegExp) => {
    const err = t.throws(() => decodeBank(bytes, 'x.bgbank'), { instanceOf: BgfillError });
    t.regex(err?.message ?? '', /^x\.bgbank: /);
    t.regex(err?.message ?? '', pattern);
  };
  refuse(Buffer.from('\x89PNG\r\n\x1a\n not a bank at all'), /not a person bank/);
  refuse(good.subarray(0, good.length - 3), /truncated or padded person bank/);
  refuse(good.subarray(0, 30), /truncated person bank \(its header is cut short\)/);
  const altered = Buffer.from(good);
  altered[altered.length - 1] ^= 0x01;
  refuse(altered, /damaged person bank \(its outlines do not match the checksum/);
  const future = Buffer.from(good);
  future.writeUInt16LE(2, 6);
  refuse(future, /format version 2; this bgfill reads version 1/);
  refuse(encodeBank({ ...header, outlines: [] }, []), /empty person bank: it holds no outline/);
  // A lying area (header altered consistently with its checksum) is caught when the runs are decoded.
  const liar = encodeBank({ ...header, outlines: entries.map((e, k) => (k === 0 ? { ...e, area: e.area + 1 } : e)) }, found.map((c) => c.rows));
  refuse(liar, /outline 0 is damaged \(its runs cover/);
});

/** A grey map: background 0, with rectangles of given values (soft: any value 0…max). */
async function writeMap(file: string, width: number, height: number, rects: Array<[number, number, number, number, number]>, bits: 8 | 16 = 8): Promise<void> {
  const max = bits === 8 ? 255 : 65535;
  const data = bits === 8 ? new Uint8Array(width * height) : new Uint16Array(width * height);
  for (const [x, y, w, h, v] of rects) for (let yy = y; yy < y + h; yy++) data.fill(Math.round(v * max), yy * width + x, yy * width + x + w);
  // A Uint16Array is read by sharp as 16-bit samples.
  const img = sharp(data, { raw: { width, height, channels: 1 } });
  await (bits === 16 ? img.toColourspace('grey16').png() : img.png()).toFile(file);
}

test('bank build keeps persons, drops small and frame-spanning components (counted), skips unreadable maps, and is byte-identical at any concurrency', async (t) => {
  const root = await tempDir();
  const maps = join(root, 'maps');
  await mkdir(maps);
  // Map a (8-bit, 120x90): a person 20x60 at 0.9; a speck 3x3 (0.1 % of the map: small); a faint blob at 0.05 (below threshold).
  await writeMap(join(maps, 'a.png'), 120, 90, [[10, 15, 20, 60, 0.9], [80, 10, 3, 3, 0.9], [60, 30, 20, 20, 0.05]]);
  // Map b (16-bit, 64x100): a person touching the top border only (kept), a bar spanning top to bottom (dropped).
  await writeMap(join(maps, 'b.png'), 64, 100, [[5, 0, 15, 70, 0.45], [50, 0, 6, 100, 1]], 16);
  // Map c (8-bit, 200x50): a band spanning left to right (dropped) and two persons joined diagonally into one.
  await writeMap(join(maps, 'c.png'), 200, 50, [[0, 40, 200, 5, 1], [100, 2, 10, 20, 0.6], [110, 22, 10, 15, 0.6]]);
  await writeFile(join(maps, 'd.png'), 'this is not an image');
  const out1 = join(root, 'bank1');
  const r1 = await buildBank({ maps, out: out1, threshold: 0.1, minArea: 0.002, concurrency: 1 });
  t.is(r1.maps, 3);
  t.is(r1.outlines, 3);
  t.deepEqual(r1.dropped, { small: 1, spanning: 2 });
  t.deepEqual(r1.skipped.map((s) => s.file), [join(maps, 'd.png')]);
  const bank = await loadBank(out1);
  t.deepEqual(
    bank.header.outlines.map((o) => [bank.header.sources[o.source].file, o.x, o.y, o.width, o.height, o.area]),
    [
      ['a.png', 10, 15, 20, 60, 1200],
      ['b.png', 5, 0, 15, 70, 1050],
      ['c.png', 100, 2, 20, 35, 10 * 20 + 10 * 15],
    ],
  );
  t.deepEqual(bank.header.sources.map((s) => [s.width, s.height]), [[120, 90], [64, 100], [200, 50]]);
  t.deepEqual(bank.header.skipped.map((s) => s.file), ['d.png'], 'named in the bank as its sources are: relative to the maps');
  t.deepEqual((await readdir(out1)).sort(), [BANK_FILE, 'contact-sheet.png']);
  const sheet = await sharp(join(out1, 'contact-sheet.png')).metadata();
  t.is(sheet.width, 3 * 96 + 2);
  // Same maps, another concurrency: the same bytes.
  const out4 = join(root, 'bank4');
  const r4 = await buildBank({ maps, out: out4, threshold: 0.1, minArea: 0.002, concurrency: 4 });
  t.is(r4.sha256, r1.sha256);
  t.deepEqual(await readFile(join(out4, BANK_FILE)), await readFile(join(out1, BANK_FILE)));
  // A higher threshold drops map b's person (0.45 is not above 0.5).
  const high = await buildBank({ maps, out: join(root, 'bank-high'), threshold: 0.5, minArea: 0.002 });
  t.is(high.outlines, 2);
  // An existing bank is kept unless --overwrite.
  const again = await t.throwsAsync(buildBank({ maps, out: out1 }), { instanceOf: BgfillError });
  t.regex(again?.message ?? '', /already holds a bank \(bank\.bgbank\); pass --overwrite/);
});

test('bank build refuses maps it cannot read at all, and writes no empty bank', async (t) => {
  const root = await tempDir();
  const junk = join(root, 'junk');
  await mkdir(junk);
  await writeFile(join(junk, 'x.png'), 'not a png');
  const none = await t.throwsAsync(buildBank({ maps: junk, out: join(root, 'o1') }), { instanceOf: BgfillError });
  t.regex(none?.message ?? '', /no readable segmentation map \(.*x\.png: /);
  const missing = await t.throwsAsync(buildBank({ maps: join(root, 'nowhere'), out: join(root, 'o2') }), { instanceOf: BgfillError });
  t.regex(missing?.message ?? '', /no readable segmentation map .*no such file or folder/);
  const tiny = join(root, 'tiny');
  await mkdir(tiny);
  await writeMap(join(tiny, 'a.png'), 100, 100, [[10, 10, 2, 2, 1], [0, 50, 100, 3, 1]]);
  const empty = await t.throwsAsync(buildBank({ maps: tiny, out: join(root, 'o3') }), { instanceOf: BgfillError });
  t.regex(empty?.message ?? '', /no person outline kept from 1 map \(1 components under --min-area 0\.002, 1 touching two opposite borders\); an empty bank is not written/);
  t.deepEqual(await readdir(root).then((e) => e.sort()), ['junk', 'tiny']);
  await t.throwsAsync(buildBank({ maps: tiny, out: join(root, 'o4'), minArea: 1.5 }), { message: /--min-area/ });
});

test('loading names the problem: no bank at the path, a folder without bank.bgbank, a file that is not a bank', async (t) => {
  const root = await tempDir();
  await t.throwsAsync(loadBank(join(root, 'nope.bgbank')), { instanceOf: BgfillError, message: /no such bank file or folder \(make one with `bgfill masks bank build`\)/ });
  await t.throwsAsync(loadBank(root), { instanceOf: BgfillError, message: /bank\.bgbank: no bank here/ });
  await writeFile(join(root, 'fake.bgbank'), JSON.stringify({ format: 'bgfill-bank' }));
  await t.throwsAsync(loadBank(join(root, 'fake.bgbank')), { instanceOf: BgfillError, message: /fake\.bgbank: not a person bank/ });
});

/**
 * person-bank against OpenCV (fixtures from test/fixtures/person-bank/make_fixtures.py, OpenCV 4.6): components of a
 * real U²-Net output map as cv2.connectedComponentsWithStats finds them, and outlines scaled, mirrored (cv2.flip),
 * placed and dilated (cv2.dilate) exactly as OpenCV draws them.
 */
import test from 'ava';
import { readFileSync } from 'node:fs';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildBank, sortComponents } from '../src/bank/build.js';
import { outlineRowsOf } from '../src/bank/components.js';
import { loadBank } from '../src/bank/load.js';
import type { Mask } from '../src/mask.js';
import { maskFromImage } from '../src/png.js';
import { drawPersonBank } from '../src/strategies/person-bank.js';

const dir = fileURLToPath(new URL('./fixtures/person-bank/', import.meta.url));

interface ComponentCase {
  threshold: number;
  minArea: number;
  width: number;
  height: number;
  components: Array<{ x: number; y: number; width: number; height: number; area: number; fate: 'kept' | 'small' | 'spanning' }>;
}

interface PlacementCase {
  outline: string;
  outlineWidth: number;
  outlineHeight: number;
  bitmap: string;
  imageWidth: number;
  imageHeight: number;
  left: number;
  top: number;
  width: number;
  height: number;
  flip: boolean;
  iterations: number;
  kernel: 'cross' | 'square';
  expected: string;
}

const fixtures = JSON.parse(readFileSync(join(dir, 'cases.json'), 'utf8')) as {
  opencv: string;
  components: ComponentCase[];
  placements: PlacementCase[];
};

/** numpy.packbits layout: MSB first, row-major, zero-padded at the end. */
function unpack(b64: string, width: number, height: number): Mask {
  const bytes = Buffer.from(b64, 'base64');
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
  return { width, height, data };
}

const key = (c: { x: number; y: number; width: number; height: number; area: number }) => `${c.y},${c.x} ${c.width}x${c.height} ${c.area}`;

for (const c of fixtures.components) {
  test(`components of a real U²-Net map at threshold ${c.threshold} sort as OpenCV ${fixtures.opencv} finds them (8 and 16 bits)`, async (t) => {
    for (const file of ['u2net-map.png', 'u2net-map16.png']) {
      const mask = await maskFromImage(join(dir, file), { threshold: c.threshold });
      t.deepEqual([mask.width, mask.height], [c.width, c.height]);
      const sorted = sortComponents(mask, c.minArea);
      const kept = sorted.kept.map((k) => key({ x: k.x, y: k.y, width: k.rows.width, height: k.rows.height, area: k.rows.area })).sort();
      t.deepEqual(kept, c.components.filter((x) => x.fate === 'kept').map(key).sort(), file);
      t.is(sorted.small, c.components.filter((x) => x.fate === 'small').length, `${file}: small`);
      t.is(sorted.spanning, c.components.filter((x) => x.fate === 'spanning').length, `${file}: spanning`);
    }
  });
}

test('a bank built from the real map holds its kept components with their boxes and areas', async (t) => {
  const c = fixtures.components[0];
  const out = await mkdtemp(join(tmpdir(), 'bank-real-'));
  const result = await buildBank({ maps: join(dir, 'u2net-map.png'), out, threshold: c.threshold, minArea: c.minArea, sheetCount: 0 });
  const bank = await loadBank(out);
  const expected = c.components.filter((x) => x.fate === 'kept');
  t.is(result.outlines, expected.length);
  t.deepEqual(bank.header.outlines.map(key).sort(), expected.map(key).sort());
  t.deepEqual(result.dropped, { small: c.components.filter((x) => x.fate === 'small').length, spanning: 1 });
  for (const [k, entry] of bank.header.outlines.entries()) {
    t.is(bank.outlines[k].area, entry.area);
    t.is(entry.aspect, entry.height / entry.width);
  }
});

for (const c of fixtures.placements) {
  const what = `${c.outline} → ${c.width}×${c.height} at (${c.left}, ${c.top}) in ${c.imageWidth}×${c.imageHeight}${c.flip ? ', mirrored' : ''}, dilate ${c.kernel} ×${c.iterations}`;
  test(`person-bank draws like cv2 (nearest, cv2.flip, cv2.dilate): ${what}`, (t) => {
    const outline = outlineRowsOf(unpack(c.bitmap, c.outlineWidth, c.outlineHeight));
    const layout = { outline: 0, left: c.left, top: c.top, width: c.width, height: c.height, flip: c.flip };
    const got = drawPersonBank({ width: c.imageWidth, height: c.imageHeight }, layout, [outline], c.iterations, c.kernel);
    const expected = unpack(c.expected, c.imageWidth, c.imageHeight);
    t.true(expected.data.some((v) => v === 1), 'the case draws something');
    t.deepEqual(Buffer.from(got.data), Buffer.from(expected.data));
  });
}

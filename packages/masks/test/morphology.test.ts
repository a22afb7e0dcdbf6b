import test from 'ava';
import { readFileSync } from 'node:fs';
import { BgfillError, rngFor } from '@bgfill/core';
import type { Mask } from '../src/mask.js';
import { dilate, erode, intersection, invert, union, type MorphKernel } from '../src/morphology.js';

interface FixtureCase {
  name: string;
  width: number;
  height: number;
  input: string;
  results: Array<{ op: 'erode' | 'dilate'; kernel: MorphKernel; iterations: number; output: string }>;
}

const fixtures = JSON.parse(readFileSync(new URL('./fixtures/morphology/cases.json', import.meta.url), 'utf8')) as {
  opencv: string;
  cases: FixtureCase[];
};

/** numpy.packbits layout: MSB first, row-major, zero-padded at the end. */
function unpack(b64: string, width: number, height: number): Uint8Array {
  const bytes = Buffer.from(b64, 'base64');
  const out = new Uint8Array(width * height);
  for (let i = 0; i < out.length; i++) out[i] = (bytes[i >> 3] >> (7 - (i & 7))) & 1;
  return out;
}

test('fixtures cover both kernels, both operations and iterations 1, 3, 10', (t) => {
  const combos = new Set(fixtures.cases.flatMap((c) => c.results.map((r) => `${r.op}/${r.kernel}/${r.iterations}`)));
  t.is(combos.size, 12);
  t.true(fixtures.cases.length >= 5);
});

for (const c of fixtures.cases) {
  test(`erode/dilate match OpenCV ${fixtures.opencv} byte for byte: ${c.name}`, (t) => {
    const mask: Mask = { width: c.width, height: c.height, data: unpack(c.input, c.width, c.height) };
    for (const r of c.results) {
      const fn = r.op === 'erode' ? erode : dilate;
      const got = fn(mask, { iterations: r.iterations, kernel: r.kernel });
      const expected = unpack(r.output, c.width, c.height);
      t.deepEqual(Buffer.from(got.data), Buffer.from(expected), `${r.op} ${r.kernel} ×${r.iterations}`);
    }
  });
}

function randomMask(width: number, height: number, p: number, seed: number): Mask {
  const rng = rngFor(seed, 'morphology-test');
  const data = new Uint8Array(width * height);
  for (let i = 0; i < data.length; i++) data[i] = rng.chance(p) ? 1 : 0;
  return { width, height, data };
}

/** Brute-force reference: the Chebyshev (square) or L1 (cross) ball of radius n, clipped to the image. */
function bruteDilate(m: Mask, n: number, kernel: MorphKernel): Uint8Array {
  const out = new Uint8Array(m.data.length);
  for (let y = 0; y < m.height; y++) {
    for (let x = 0; x < m.width; x++) {
      let v = 0;
      for (let dy = -n; dy <= n && !v; dy++) {
        for (let dx = -n; dx <= n && !v; dx++) {
          if (kernel === 'cross' && Math.abs(dx) + Math.abs(dy) > n) continue;
          const yy = y + dy;
          const xx = x + dx;
          if (yy < 0 || yy >= m.height || xx < 0 || xx >= m.width) continue;
          v = m.data[yy * m.width + xx];
        }
      }
      out[y * m.width + x] = v;
    }
  }
  return out;
}

test('dilation equals the clipped ball of radius n (brute force, byte and 4-pixel lanes), erosion is its dual', (t) => {
  for (const [w, h, p] of [
    [19, 23, 0.05],
    [40, 7, 0.3],
    [1, 12, 0.2],
    [64, 9, 0.08],
  ] as const) {
    const m = randomMask(w, h, p, w * h);
    for (const kernel of ['cross', 'square'] as const) {
      for (const n of [1, 2, 5]) {
        t.deepEqual(dilate(m, { iterations: n, kernel }).data, bruteDilate(m, n, kernel), `${w}x${h} ${kernel} ${n}`);
        t.deepEqual(erode(m, { iterations: n, kernel }).data, invert(dilate(invert(m), { iterations: n, kernel })).data);
      }
    }
  }
});

test('iterations 0 copies; opening never adds hole, closing never removes it', (t) => {
  const m = randomMask(31, 17, 0.4, 7);
  t.deepEqual(dilate(m, { iterations: 0 }).data, m.data);
  t.not(dilate(m, { iterations: 0 }).data, m.data);
  const opened = dilate(erode(m));
  const closed = erode(dilate(m));
  for (let i = 0; i < m.data.length; i++) {
    t.true(opened.data[i] <= m.data[i]);
    t.true(closed.data[i] >= m.data[i]);
  }
});

test('union, intersection and invert are pixelwise OR, AND and NOT', (t) => {
  const a = randomMask(13, 11, 0.5, 1);
  const b = randomMask(13, 11, 0.5, 2);
  const u = union(a, b);
  const i = intersection(a, b);
  const n = invert(a);
  for (let k = 0; k < a.data.length; k++) {
    t.is(u.data[k], a.data[k] | b.data[k]);
    t.is(i.data[k], a.data[k] & b.data[k]);
    t.is(n.data[k], 1 - a.data[k]);
  }
});

test('bad options and mismatched sizes throw BgfillError naming the parameter', (t) => {
  const m = randomMask(4, 4, 0.5, 3);
  t.throws(() => dilate(m, { iterations: -1 }), { instanceOf: BgfillError, message: /iterations/ });
  t.throws(() => erode(m, { iterations: 1.5 }), { instanceOf: BgfillError, message: /iterations/ });
  t.throws(() => erode(m, { kernel: 'disk' as MorphKernel }), { instanceOf: BgfillError, message: /kernel.*"disk"/ });
  t.throws(() => union(m, randomMask(5, 4, 0.5, 3)), { instanceOf: BgfillError, message: /5×4/ });
});

test('any non-zero byte counts as hole (255-valued masks, odd lengths)', (t) => {
  for (const [w, h] of [
    [16, 4],
    [7, 3],
  ] as const) {
    const m = randomMask(w, h, 0.3, w + h);
    const loud: Mask = { width: w, height: h, data: Uint8Array.from(m.data, (v, i) => v * [255, 1, 128, 2, 64][i % 5]) };
    for (const kernel of ['cross', 'square'] as const) {
      t.deepEqual(dilate(loud, { kernel, iterations: 2 }).data, dilate(m, { kernel, iterations: 2 }).data);
      t.deepEqual(erode(loud, { kernel }).data, erode(m, { kernel }).data);
    }
    t.deepEqual(invert(loud).data, invert(m).data);
  }
});

import test from 'ava';
import { rngFor } from '@bgfill/core';
import { boxRects, boxSchema, boxStrategy } from '../src/strategies/box.js';

test('every rectangle lies inside the margins with sizes in the asked ranges; the mask is their union', (t) => {
  const cases = [
    { size: { width: 256, height: 256 }, config: boxSchema.parse({ strategy: 'box' }) },
    {
      size: { width: 320, height: 180 },
      config: boxSchema.parse({ strategy: 'box', count: [2, 6], width: [0.2, 0.3], height: [0.05, 0.5], margin: 0.1 }),
    },
  ];
  for (const { size, config } of cases) {
    const m = Math.round(config.margin * Math.min(size.width, size.height));
    for (let i = 0; i < 100; i++) {
      const rects = boxRects(size, config, rngFor('box', i));
      t.true(rects.length >= config.count[0] && rects.length <= config.count[1]);
      for (const r of rects) {
        t.true(r.left >= m && r.top >= m, 'inside the top/left margin');
        t.true(r.left + r.width <= size.width - m && r.top + r.height <= size.height - m, 'inside the bottom/right margin');
        t.true(r.width >= Math.round(config.width[0] * size.width) && r.width <= Math.round(config.width[1] * size.width));
        t.true(
          r.height >= Math.round(config.height[0] * size.height) && r.height <= Math.round(config.height[1] * size.height),
        );
      }
      const mask = boxStrategy.generate(size, config, rngFor('box', i));
      let mismatches = 0;
      for (let y = 0; y < size.height; y++) {
        for (let x = 0; x < size.width; x++) {
          const inAny = rects.some((r) => x >= r.left && x < r.left + r.width && y >= r.top && y < r.top + r.height);
          if ((mask.data[y * size.width + x] === 1) !== inAny) mismatches++;
        }
      }
      t.is(mismatches, 0, `seed ${i}`);
    }
  }
});

test('one box: the hole is one filled rectangle whose measured size lies in range', (t) => {
  const config = boxSchema.parse({ strategy: 'box', count: [1, 1], width: [0.25, 0.5], height: [0.1, 0.2], margin: 0.05 });
  const widths = new Set<number>();
  for (let i = 0; i < 100; i++) {
    const mask = boxStrategy.generate({ width: 200, height: 100 }, config, rngFor('one-box', i));
    let x0 = Infinity;
    let x1 = -1;
    let y0 = Infinity;
    let y1 = -1;
    let n = 0;
    for (let y = 0; y < 100; y++) {
      for (let x = 0; x < 200; x++) {
        if (!mask.data[y * 200 + x]) continue;
        n++;
        x0 = Math.min(x0, x);
        x1 = Math.max(x1, x);
        y0 = Math.min(y0, y);
        y1 = Math.max(y1, y);
      }
    }
    const w = x1 - x0 + 1;
    const h = y1 - y0 + 1;
    t.is(n, w * h, 'a filled rectangle');
    t.true(w >= 50 && w <= 100, `width ${w}`);
    t.true(h >= 10 && h <= 20, `height ${h}`);
    t.true(x0 >= 5 && y0 >= 5 && x1 <= 194 && y1 <= 94, 'margin of round(0.05 × 100) = 5 px');
    widths.add(w);
  }
  t.true(widths.size > 20, 'sizes vary');
});

test('count 0 gives an empty mask; too small an image for its margins gives none instead of failing', (t) => {
  const none = boxStrategy.generate({ width: 64, height: 64 }, boxSchema.parse({ strategy: 'box', count: [0, 0] }), rngFor(1));
  t.true(none.data.every((v) => v === 0));
  const tight = boxSchema.parse({ strategy: 'box', margin: 0.49, width: [0, 0.01], height: [0, 0.01] });
  // round(0.49 × 2) = 1 px margin on each side of a 2 px tall image leaves no room.
  t.deepEqual(boxRects({ width: 1000, height: 2 }, tight, rngFor(2)), []);
  t.true(boxStrategy.generate({ width: 1000, height: 2 }, tight, rngFor(2)).data.every((v) => v === 0));
  // One row of room: boxes are 1 px tall, on row 1.
  const rows = boxRects({ width: 1000, height: 3 }, tight, rngFor(2)).map((r) => [r.top, r.height]);
  t.true(rows.length > 0 && rows.every(([top, h]) => top === 1 && h === 1));
});

test('determinism, and adding a box keeps the others', (t) => {
  const config = boxSchema.parse({ strategy: 'box' });
  let same = 0;
  for (let i = 0; i < 100; i++) {
    const a = boxStrategy.generate({ width: 128, height: 128 }, config, rngFor(5, i));
    const b = boxStrategy.generate({ width: 128, height: 128 }, config, rngFor(5, i));
    t.is(Buffer.compare(a.data, b.data), 0, 'identical bytes');
    if (Buffer.compare(a.data, boxStrategy.generate({ width: 128, height: 128 }, config, rngFor(5, i + 1)).data) === 0) same++;
  }
  t.is(same, 0);
  const two = boxSchema.parse({ strategy: 'box', count: [2, 2] });
  const four = boxSchema.parse({ strategy: 'box', count: [4, 4] });
  t.deepEqual(boxRects({ width: 128, height: 128 }, four, rngFor(9)).slice(0, 2), boxRects({ width: 128, height: 128 }, two, rngFor(9)));
});

test('schema: strict, ranges checked, errors name the field', (t) => {
  const paths = (input: unknown) => {
    const r = boxSchema.safeParse(input);
    t.false(r.success, JSON.stringify(input));
    return r.error?.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join() : i.path.join('.')));
  };
  t.deepEqual(paths({ strategy: 'box', width: [0.5, 0.2] }), ['width']);
  t.deepEqual(paths({ strategy: 'box', height: [0.1, 1.5] }), ['height.1']);
  t.deepEqual(paths({ strategy: 'box', count: [-1, 2] }), ['count.0']);
  t.deepEqual(paths({ strategy: 'box', margin: 0.3, width: [0.5, 0.6] }), ['width']);
  t.deepEqual(paths({ strategy: 'box', margin: 0.6 }), ['margin']);
  t.deepEqual(paths({ strategy: 'box', boxes: 2 }), ['boxes']);
});

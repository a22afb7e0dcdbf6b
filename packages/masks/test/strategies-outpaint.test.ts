import test from 'ava';
import type { Mask } from '../src/mask.js';
import { rngFor } from '@bgfill/core';
import { OUTPAINT_SIDES, outpaintMargins, outpaintSchema, outpaintStrategy } from '../src/strategies/outpaint.js';

/** The known (0) pixels, measured from the mask: their bounding box and whether they fill it exactly. */
function knownRegion(mask: Mask) {
  let x0 = Infinity;
  let x1 = -1;
  let y0 = Infinity;
  let y1 = -1;
  let n = 0;
  for (let y = 0; y < mask.height; y++) {
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x]) continue;
      n++;
      x0 = Math.min(x0, x);
      x1 = Math.max(x1, x);
      y0 = Math.min(y0, y);
      y1 = Math.max(y1, y);
    }
  }
  return { top: y0, left: x0, bottom: mask.height - 1 - y1, right: mask.width - 1 - x1, isRect: n === (x1 - x0 + 1) * (y1 - y0 + 1) };
}

test('the known area is exactly one rectangle whose margins lie in range, for every listed side', (t) => {
  const size = { width: 300, height: 200 };
  const config = outpaintSchema.parse({ strategy: 'outpaint', margin: [0.1, 0.3] });
  for (let i = 0; i < 150; i++) {
    const mask = outpaintStrategy.generate(size, config, rngFor('out', i));
    const known = knownRegion(mask);
    t.true(known.isRect, `seed ${i}`);
    t.deepEqual(known, { ...outpaintMargins(size, config, rngFor('out', i)), isRect: true });
    for (const side of OUTPAINT_SIDES) {
      const extent = side === 'top' || side === 'bottom' ? size.height : size.width;
      t.true(known[side] >= Math.round(0.1 * extent) && known[side] <= Math.round(0.3 * extent), `${side} = ${known[side]}`);
    }
  }
});

test('only the listed sides get holes; with probability < 1 at least one side always does', (t) => {
  const size = { width: 128, height: 128 };
  const config = outpaintSchema.parse({ strategy: 'outpaint', sides: ['left', 'bottom'], probability: 0.3 });
  const seen = { left: 0, bottom: 0, both: 0 };
  for (let i = 0; i < 300; i++) {
    const known = knownRegion(outpaintStrategy.generate(size, config, rngFor('out-sides', i)));
    t.true(known.isRect);
    t.is(known.top, 0);
    t.is(known.right, 0);
    t.true(known.left > 0 || known.bottom > 0, 'never an empty mask');
    if (known.left > 0) seen.left++;
    if (known.bottom > 0) seen.bottom++;
    if (known.left > 0 && known.bottom > 0) seen.both++;
    for (const v of [known.left, known.bottom]) t.true(v === 0 || (v >= 5 && v <= 32), `depth ${v}`);
  }
  // P(a side) = 0.3 + 0.49 × 0.5 = 0.545; P(both) = 0.09 (binomial sd ≈ 8.6 and 5 over 300).
  t.true(Math.abs(seen.left - 163.5) < 40 && Math.abs(seen.bottom - 163.5) < 40, JSON.stringify(seen));
  t.true(Math.abs(seen.both - 27) < 20, JSON.stringify(seen));
});

test('tiny images keep at least one known pixel', (t) => {
  const config = outpaintSchema.parse({ strategy: 'outpaint', margin: [0.49, 0.49] });
  for (const size of [{ width: 1, height: 1 }, { width: 2, height: 3 }, { width: 3, height: 1 }]) {
    const mask = outpaintStrategy.generate(size, config, rngFor('tiny'));
    t.true(mask.data.some((v) => v === 0), `${size.width}×${size.height}`);
    t.true(knownRegion(mask).isRect);
  }
});

test('determinism: same seed and path give identical bytes, different indices differ', (t) => {
  const config = outpaintSchema.parse({ strategy: 'outpaint' });
  let same = 0;
  for (let i = 0; i < 100; i++) {
    const a = outpaintStrategy.generate({ width: 96, height: 96 }, config, rngFor(3, i));
    const b = outpaintStrategy.generate({ width: 96, height: 96 }, config, rngFor(3, i));
    t.is(Buffer.compare(a.data, b.data), 0, 'identical bytes');
    if (Buffer.compare(a.data, outpaintStrategy.generate({ width: 96, height: 96 }, config, rngFor(3, i + 1)).data) === 0) same++;
  }
  t.true(same <= 1);
});

test('schema: defaults, strictness, errors name the field', (t) => {
  t.deepEqual(outpaintSchema.parse({ strategy: 'outpaint' }), {
    strategy: 'outpaint',
    sides: ['top', 'right', 'bottom', 'left'],
    margin: [0.04, 0.25],
    probability: 1,
  });
  const paths = (input: unknown) => {
    const r = outpaintSchema.safeParse(input);
    t.false(r.success, JSON.stringify(input));
    return r.error?.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join() : i.path.join('.')));
  };
  t.deepEqual(paths({ strategy: 'outpaint', sides: [] }), ['sides']);
  t.deepEqual(paths({ strategy: 'outpaint', sides: ['top', 'top'] }), ['sides']);
  t.deepEqual(paths({ strategy: 'outpaint', sides: ['up'] }), ['sides.0']);
  t.deepEqual(paths({ strategy: 'outpaint', margin: [0.1, 0.6] }), ['margin.1']);
  t.deepEqual(paths({ strategy: 'outpaint', probability: 2 }), ['probability']);
  t.deepEqual(paths({ strategy: 'outpaint', pad: 1 }), ['pad']);
});

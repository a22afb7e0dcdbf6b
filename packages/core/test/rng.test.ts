import test from 'ava';
import seedrandom from 'seedrandom';
import { rngFor, seedKey } from '../src/rng.js';

test('seedKey joins bgfill, the seed and the path with U+241F', (t) => {
  t.is(seedKey(42, ['mask', 7, 'part', 0]), 'bgfill\u241f42\u241fmask\u241f7\u241fpart\u241f0');
  t.is(seedKey('s', []), 'bgfill\u241fs');
});

test('a source is Alea seeded with its key; derive appends to the path', (t) => {
  const rng = rngFor('seed', 'mask', 3);
  const reference = seedrandom.alea(seedKey('seed', ['mask', 3]));
  for (let i = 0; i < 100; i++) t.is(rng.random(), reference());
  const child = rng.derive('part', 1);
  const childRef = seedrandom.alea(seedKey('seed', ['mask', 3, 'part', 1]));
  for (let i = 0; i < 10; i++) t.is(child.random(), childRef());
  t.is(rng.derive('part', 1).random(), seedrandom.alea(seedKey('seed', ['mask', 3, 'part', 1]))(), 'derive ignores position');
});

test('uniform, int, chance and normal are the documented transforms of the stream', (t) => {
  const a = rngFor(1, 'x');
  const ref = seedrandom.alea(seedKey(1, ['x']));
  t.is(a.uniform(2, 5), 2 + 3 * ref());
  t.is(a.int(1, 6), 1 + Math.floor(ref() * 6));
  t.is(a.chance(0.5), ref() < 0.5);
  // Box–Muller: cos sample first, the sin sample kept for the next call.
  const u = ref();
  const v = ref();
  const r = Math.sqrt(-2 * Math.log(u));
  t.is(a.normal(), r * Math.cos(2 * Math.PI * v));
  t.is(a.normal(), r * Math.sin(2 * Math.PI * v));
});

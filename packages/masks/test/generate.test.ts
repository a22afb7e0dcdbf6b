import test from 'ava';
import { createHash } from 'node:crypto';
import { parseMaskConfig } from '../src/config.js';
import { BgfillError, rngFor } from '@bgfill/core';
import { createMaskGenerator, generateMask } from '../src/generate.js';
import { createMask, holeRatio, type Mask } from '../src/mask.js';
import { dilate, invert, orInto } from '../src/morphology.js';
import { MASK_STRATEGIES } from '../src/registry.js';
import { hashesFromWorkers } from './helpers/worker-hashes.js';

const size = { width: 96, height: 80 };
const recipe = 'person-box+scribble:0-3*0.6|irregular:thick*0.2|box>dilate:2*0.2';
const N = 60;

function sha(mask: Mask): string {
  return createHash('sha256').update(mask.data).digest('hex');
}

/** Hashes of masks generated in the given order, returned sorted by index. */
function hashesInOrder(order: number[]): Array<[number, string]> {
  const out: Array<[number, string]> = order.map((i) => [i, sha(generateMask(recipe, size, 'det', i))]);
  return out.sort((a, b) => a[0] - b[0]);
}

test('mask i is the same whatever the order: forward, backward, shuffled', (t) => {
  const forward = [...Array(N).keys()];
  const backward = [...forward].reverse();
  const shuffled = [...forward];
  const rng = rngFor('shuffle');
  for (let i = shuffled.length - 1; i > 0; i--) {
    const j = rng.int(0, i);
    [shuffled[i], shuffled[j]] = [shuffled[j], shuffled[i]];
  }
  const a = hashesInOrder(forward);
  t.deepEqual(hashesInOrder(backward), a);
  t.deepEqual(hashesInOrder(shuffled), a);
  t.true(new Set(a.map(([, h]) => h)).size > N * 0.8, 'different indices give different masks');
});

test('mask i is the same in worker threads splitting the work', async (t) => {
  const expected = hashesInOrder([...Array(N).keys()]);
  const merged = await hashesFromWorkers({ config: recipe, seed: 'det', size }, N);
  t.is(merged.size, N);
  for (const [i, h] of expected) t.is(merged.get(i), h, `mask ${i}`);
});

test('different seeds give different masks; number and string indices share a source', (t) => {
  const a = generateMask('scribble', size, 1, 5);
  t.notDeepEqual(generateMask('scribble', size, 2, 5).data, a.data);
  t.deepEqual(generateMask('scribble', size, 1, '5').data, a.data);
  t.deepEqual(generateMask('scribble', size, '1', 5).data, a.data);
});

test('a plain strategy draws from rngFor(seed, "mask", index)', (t) => {
  for (const name of Object.keys(MASK_STRATEGIES) as Array<keyof typeof MASK_STRATEGIES>) {
    const config = parseMaskConfig(name);
    const strategy = MASK_STRATEGIES[name] as { generate(s: typeof size, c: unknown, r: ReturnType<typeof rngFor>): Mask };
    const expected = strategy.generate(size, config, rngFor('s', 'mask', 3));
    t.deepEqual(generateMask(config, size, 's', 3).data, expected.data, name);
  }
});

test('a union ORs its parts, each drawn from rng.derive("part", k)', (t) => {
  const parts = ['person-box', 'scribble:2', 'box'];
  for (let i = 0; i < 10; i++) {
    const rng = rngFor(7, 'mask', i);
    const expected = createMask(size);
    parts.forEach((p, k) => orInto(expected, generateMaskWith(p, rng.derive('part', k))));
    t.deepEqual(generateMask(parts.join('+'), size, 7, i).data, expected.data);
  }
});

function generateMaskWith(config: string, rng: ReturnType<typeof rngFor>): Mask {
  const c = parseMaskConfig(config);
  const strategy = MASK_STRATEGIES[c.strategy as keyof typeof MASK_STRATEGIES] as {
    generate(s: typeof size, c: unknown, r: ReturnType<typeof rngFor>): Mask;
  };
  return strategy.generate(size, c, rng);
}

test('a mix picks components in proportion to their weights', (t) => {
  // box:0 is always empty and its inverse always full, so the hole ratio tells which component was drawn.
  const n = 4000;
  let full = 0;
  for (let i = 0; i < n; i++) full += holeRatio(generateMask('box:0*1|box:0>invert*3', { width: 4, height: 4 }, 'mix', i));
  const p = 0.75;
  const sd = Math.sqrt(n * p * (1 - p));
  t.true(Math.abs(full - n * p) < 4 * sd, `${full} of ${n} full masks, expected ${n * p} ± ${4 * sd}`);
});

test('post steps apply to the generated mask in order', (t) => {
  for (let i = 0; i < 5; i++) {
    const base = generateMask('scribble', size, 3, i);
    t.deepEqual(generateMask('scribble>dilate:2', size, 3, i).data, dilate(base, { iterations: 2 }).data);
    t.deepEqual(
      generateMask('scribble>dilate(iterations=1,kernel=cross)>invert', size, 3, i).data,
      invert(dilate(base, { iterations: 1, kernel: 'cross' })).data,
    );
  }
});

test('the generator carries the config and its canonical label', async (t) => {
  const gen = await createMaskGenerator('person-box + scribble:0-3');
  t.is(gen.label, 'person-box+scribble:0-3');
  t.deepEqual(gen.config, parseMaskConfig('person-box+scribble:0-3'));
  t.deepEqual(gen.skipped, []);
  t.deepEqual(gen.generate(size, 1, 0).data, generateMask('person-box+scribble:0-3', size, 1, 0).data);
});

test('bad sizes, indices and from-files in generateMask throw BgfillError', (t) => {
  t.throws(() => generateMask('box', { width: 0, height: 5 }, 1, 0), { instanceOf: BgfillError, message: /size\.width/ });
  t.throws(() => generateMask('box', { width: 5, height: -2 }, 1, 0), { instanceOf: BgfillError, message: /size\.height/ });
  t.throws(() => generateMask('box', { width: 16385, height: 5 }, 1, 0), { instanceOf: BgfillError, message: /16384/ });
  t.throws(() => generateMask('box', size, 1, -1), { instanceOf: BgfillError, message: /index/ });
  t.throws(() => generateMask('box', size, 1, 0.5), { instanceOf: BgfillError, message: /index/ });
  t.throws(() => generateMask("from-files:'x/*.png'", size, 1, 0), { instanceOf: BgfillError, message: /createMaskGenerator/ });
});

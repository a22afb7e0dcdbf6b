import test from 'ava';
import { ZodError } from 'zod';
import { createMask, type Mask } from '../src/mask.js';
import { rngFor } from '@bgfill/core';
import {
  boundsArea,
  personBoxBounds,
  personBoxSchema,
  personBoxStrategy,
  type PersonBoxConfig,
} from '../src/strategies/person-box.js';

const SIZE = { width: 256, height: 256 };
const compatible: PersonBoxConfig = personBoxSchema.parse({ strategy: 'person-box' });

/** Number of hole pixels. Reads four 0/1 bytes per step: their sum is the top byte of word × 0x01010101. */
function holeCount(mask: Mask): number {
  const { data } = mask;
  const words = data.byteOffset % 4 === 0 ? Math.floor(data.length / 4) : 0;
  const view = new Uint32Array(data.buffer, data.byteOffset, words);
  let n = 0;
  for (let i = 0; i < words; i++) n += Math.imul(view[i], 0x01010101) >>> 24;
  for (let i = words * 4; i < data.length; i++) n += data[i];
  return n;
}

/** Rows and columns that contain a hole pixel, and whether the hole is exactly their cross product. */
function holeExtent(mask: Mask) {
  const rows: number[] = [];
  const cols = new Set<number>();
  for (let y = 0; y < mask.height; y++) {
    let any = false;
    for (let x = 0; x < mask.width; x++) {
      if (mask.data[y * mask.width + x]) {
        any = true;
        cols.add(x);
      }
    }
    if (any) rows.push(y);
  }
  const c = [...cols].sort((a, b) => a - b);
  const isRect =
    holeCount(mask) === rows.length * c.length &&
    (rows.length === 0 || rows[rows.length - 1] - rows[0] + 1 === rows.length) &&
    (c.length === 0 || c[c.length - 1] - c[0] + 1 === c.length);
  return { rows, cols: c, isRect };
}

// ---------- The hole-ratio distribution, against exact enumeration of the recipe ----------

/** erf by Abramowitz & Stegun 7.1.26 (|error| ≤ 1.5e-7), odd extension for x < 0. */
function erf(x: number): number {
  const sign = x < 0 ? -1 : 1;
  const a = Math.abs(x);
  const t = 1 / (1 + 0.3275911 * a);
  const poly = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429))));
  return sign * (1 - poly * Math.exp(-a * a));
}
const Phi = (x: number) => 0.5 * (1 + erf(x / Math.SQRT2));

/** P(H = h) for H = int(min(|z| · 128/3, 128)), z ~ N(0, 1): P(3h/128 ≤ |z| < 3(h+1)/128); P(H = 128) = P(|z| ≥ 3). */
function marginLaw(): number[] {
  const p: number[] = [];
  for (let h = 0; h < 128; h++) p.push(2 * (Phi((3 * (h + 1)) / 128) - Phi((3 * h) / 128)));
  p.push(2 * (1 - Phi(3)));
  return p;
}

/** Bins: {0}, (0,0.01], (0.01,0.1], (0.1,0.2], …, (0.5,0.6], (0.6,1]; by hole pixel count out of 65536. */
const EDGES = [0.01, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 1];
function binOf(holePixels: number): number {
  if (holePixels === 0) return 0;
  const ratio = holePixels / 65536;
  for (let b = 0; b < EDGES.length; b++) if (ratio <= EDGES[b]) return b + 1;
  throw new Error(`ratio ${ratio} out of range`);
}

test('compatible mode reproduces the recipe hole-ratio distribution (20,000 masks vs exact enumeration)', (t) => {
  const law = marginLaw();
  t.true(Math.abs(law.reduce((a, b) => a + b, 0) - 1) < 1e-6, 'the margin law sums to 1');
  const expected = new Array<number>(EDGES.length + 1).fill(0);
  for (let H = 0; H <= 128; H++) {
    for (let W = 0; W <= 128; W++) expected[binOf((256 - 2 * H) * (2 * W))] += law[H] * law[W];
  }
  const N = 20_000;
  const observed = new Array<number>(EDGES.length + 1).fill(0);
  for (let i = 0; i < N; i++) {
    observed[binOf(holeCount(personBoxStrategy.generate(SIZE, compatible, rngFor('pb-distribution', i))))]++;
  }
  let chi2 = 0;
  for (let b = 0; b < expected.length; b++) {
    const mean = N * expected[b];
    const sd = Math.sqrt(N * expected[b] * (1 - expected[b]));
    t.true(Math.abs(observed[b] - mean) <= 4 * sd + 1, `bin ${b}: observed ${observed[b]}, expected ${mean.toFixed(1)} ± ${sd.toFixed(1)}`);
    chi2 += (observed[b] - mean) ** 2 / mean;
  }
  // 9 bins → 8 degrees of freedom; P(χ²₈ > 26.12) = 0.001.
  t.true(chi2 < 26.12, `chi-square ${chi2.toFixed(2)}`);
  // Sanity on the enumeration itself: about 1.9 % of masks are empty (W = 0 when |z| < 3/128).
  t.true(Math.abs(expected[0] - (2 * Phi(3 / 128) - 1 + 2 * (1 - Phi(3)) * (1 - (2 * Phi(3 / 128) - 1)))) < 1e-6);
});

test('compatible mode: rows and columns of the hole are exactly H…255−H and 128−W…128+W−1 from two normal draws', (t) => {
  for (let i = 0; i < 300; i++) {
    const again = rngFor('pb-geometry', i);
    const z0 = again.normal();
    const z1 = again.normal();
    const H = Math.trunc(Math.min((Math.abs(z0) / 3) * 128, 128));
    const W = Math.trunc(Math.min((Math.abs(z1) / 3) * 128, 128));
    const mask = personBoxStrategy.generate(SIZE, compatible, rngFor('pb-geometry', i));
    const { rows, cols, isRect } = holeExtent(mask);
    t.true(isRect);
    if (H === 128 || W === 0) {
      t.is(rows.length, 0, `seed ${i}: H=${H} W=${W} gives an empty hole`);
      continue;
    }
    t.deepEqual([rows[0], rows[rows.length - 1]], [H, 255 - H], `seed ${i} rows`);
    t.deepEqual([cols[0], cols[cols.length - 1]], [128 - W, 128 + W - 1], `seed ${i} cols`);
    t.deepEqual(personBoxBounds(SIZE, compatible, rngFor('pb-geometry', i)), {
      top: H,
      bottom: 255 - H,
      left: 128 - W,
      right: 128 + W - 1,
    });
  }
});

test('compatible mode scales with the size: non-square and odd sides use their own half side', (t) => {
  for (const size of [{ width: 200, height: 120 }, { width: 77, height: 131 }]) {
    for (let i = 0; i < 100; i++) {
      const again = rngFor('pb-scale', i);
      const H = Math.trunc(Math.min((Math.abs(again.normal()) / 3) * (size.height / 2), size.height / 2));
      const W = Math.trunc(Math.min((Math.abs(again.normal()) / 3) * (size.width / 2), size.width / 2));
      const mask = personBoxStrategy.generate(size, compatible, rngFor('pb-scale', i));
      const expectedRows = Math.max(0, size.height - 2 * H);
      t.is(holeCount(mask), expectedRows * 2 * W, `${size.width}×${size.height} seed ${i}`);
      const { rows, cols } = holeExtent(mask);
      if (rows.length > 0) {
        t.is(rows[0], H);
        t.is(cols[0], Math.floor(size.width / 2) - W);
      }
    }
  }
});

// ---------- General mode ----------

test('general mode with default options follows the same law (per try)', (t) => {
  const general = personBoxSchema.parse({ strategy: 'person-box', mode: 'general' });
  for (let i = 0; i < 200; i++) {
    const rng = rngFor('pb-general', i);
    t.deepEqual(personBoxBounds(SIZE, general, rng), personBoxBounds(SIZE, compatible, rng.derive('try', 0)));
  }
});

test('general mode honours hole-ratio and aspect limits on the drawn mask', (t) => {
  const config = personBoxSchema.parse({
    strategy: 'person-box',
    mode: 'general',
    minHoleRatio: 0.15,
    maxHoleRatio: 0.4,
    aspect: [1.2, 3],
    jitter: 0.1,
  });
  for (let i = 0; i < 300; i++) {
    const mask = personBoxStrategy.generate(SIZE, config, rngFor('pb-limits', i));
    const ratio = holeCount(mask) / 65536;
    const { rows, cols, isRect } = holeExtent(mask);
    t.true(isRect);
    t.true(ratio >= 0.15 && ratio <= 0.4, `seed ${i}: ratio ${ratio}`);
    const aspect = rows.length / cols.length;
    t.true(aspect >= 1.2 && aspect <= 3, `seed ${i}: aspect ${aspect}`);
  }
});

test('general mode: impossible limits fall back to the nearest try, deterministically, without throwing', (t) => {
  const config = personBoxSchema.parse({
    strategy: 'person-box',
    mode: 'general',
    minHoleRatio: 0.9,
    aspect: [20, 30],
    maxTries: 20,
  });
  // Documented fallback: the try with the smallest violation = ratio shortfall + log-aspect distance.
  const violation = (b: ReturnType<typeof personBoxBounds>) => {
    const area = boundsArea(b);
    if (area === 0) return Infinity;
    const aspect = (b.bottom - b.top + 1) / (b.right - b.left + 1);
    return Math.max(0, 0.9 - area / 65536) + (aspect < 20 ? Math.log(20 / aspect) : aspect > 30 ? Math.log(aspect / 30) : 0);
  };
  for (let i = 0; i < 20; i++) {
    const a = personBoxStrategy.generate(SIZE, config, rngFor('pb-impossible', i));
    const b = personBoxStrategy.generate(SIZE, config, rngFor('pb-impossible', i));
    t.is(Buffer.compare(a.data, b.data), 0, 'identical bytes');
    const kept = personBoxBounds(SIZE, config, rngFor('pb-impossible', i));
    t.is(holeCount(a), boundsArea(kept));
    // Each try of general mode with default sigmas is the compatible law drawn from rng.derive('try', k).
    const tries = Array.from({ length: 20 }, (_, k) =>
      personBoxBounds(SIZE, compatible, rngFor('pb-impossible', i).derive('try', k)),
    );
    const best = Math.min(...tries.map(violation));
    t.is(violation(kept), best);
    t.deepEqual(kept, tries.find((b) => violation(b) === best));
  }
});

test('general mode: jitter moves the centre around the image centre, sigmas act per axis', (t) => {
  const jittered = personBoxSchema.parse({ strategy: 'person-box', mode: 'general', jitter: 0.2, sigmaWidth: 0.6 });
  let sumX = 0;
  let sumY = 0;
  let n = 0;
  const centres = new Set<string>();
  for (let i = 0; i < 400; i++) {
    const b = personBoxBounds(SIZE, jittered, rngFor('pb-jitter', i));
    if (boundsArea(b) === 0) continue;
    t.true(b.top >= 0 && b.left >= 0 && b.bottom <= 255 && b.right <= 255);
    sumX += (b.left + b.right + 1) / 2;
    sumY += (b.top + b.bottom + 1) / 2;
    centres.add(`${b.left + b.right},${b.top + b.bottom}`);
    n++;
  }
  t.true(centres.size > 100, 'centres vary');
  // Centre offsets are uniform in ±0.2·256 (sd ≈ 29.6 px); clipping is symmetric, so the mean stays near 128.
  t.true(Math.abs(sumX / n - 128) < 8, `mean x ${sumX / n}`);
  t.true(Math.abs(sumY / n - 128) < 8, `mean y ${sumY / n}`);

  const fullHeight = personBoxSchema.parse({ strategy: 'person-box', mode: 'general', sigmaHeight: 0 });
  const noWidth = personBoxSchema.parse({ strategy: 'person-box', mode: 'general', sigmaWidth: 0 });
  for (let i = 0; i < 50; i++) {
    const b = personBoxBounds(SIZE, fullHeight, rngFor('pb-sigma', i));
    if (boundsArea(b) > 0) t.deepEqual([b.top, b.bottom], [0, 255]);
    t.is(boundsArea(personBoxBounds(SIZE, noWidth, rngFor('pb-sigma', i))), 0);
  }
});

// ---------- Determinism and schema ----------

test('same seed and path give identical bytes; different indices give different masks', (t) => {
  const general = personBoxSchema.parse({ strategy: 'person-box', mode: 'general', jitter: 0.05 });
  for (const config of [compatible, general]) {
    let same = 0;
    for (let i = 0; i < 200; i++) {
      const a = personBoxStrategy.generate(SIZE, config, rngFor(42, 'train', i));
      const b = personBoxStrategy.generate(SIZE, config, rngFor(42, 'train', i));
      t.is(Buffer.compare(a.data, b.data), 0, 'identical bytes');
      const c = personBoxStrategy.generate(SIZE, config, rngFor(42, 'train', i + 1));
      if (Buffer.compare(a.data, c.data) === 0) same++;
    }
    // Only the empty mask (≈ 2 % of draws) can repeat between neighbours by chance.
    t.true(same <= 10, `${same} identical neighbours`);
  }
});

test('schema: defaults, strictness, and errors that name the field', (t) => {
  t.deepEqual(personBoxSchema.parse({ strategy: 'person-box' }), { strategy: 'person-box', mode: 'compatible' });
  const pathOf = (input: unknown) => {
    const r = personBoxSchema.safeParse(input);
    t.false(r.success, JSON.stringify(input));
    t.true(r.error instanceof ZodError);
    return r.error?.issues.map((i) => (i.code === 'unrecognized_keys' ? i.keys.join() : i.path.join('.')));
  };
  t.deepEqual(pathOf({ strategy: 'person-box', mode: 'fancy' }), ['mode']);
  t.deepEqual(pathOf({ strategy: 'person-box', jitter: 0.1 }), ['jitter']);
  t.deepEqual(pathOf({ strategy: 'person-box', mode: 'general', aspect: [3, 1] }), ['aspect']);
  t.deepEqual(pathOf({ strategy: 'person-box', mode: 'general', maxTries: 0 }), ['maxTries']);
  t.deepEqual(pathOf({ strategy: 'person-box', mode: 'general', minHoleRatio: 0.6, maxHoleRatio: 0.5 }), ['minHoleRatio']);
  t.deepEqual(pathOf({ strategy: 'person-box', colour: 'red' }), ['colour']);
  t.deepEqual(pathOf({ strategy: 'box' }), ['strategy']);
});

test('generate writes only 0/1 into a mask of the requested size', (t) => {
  const mask = personBoxStrategy.generate({ width: 90, height: 40 }, compatible, rngFor(3));
  t.is(mask.data.length, 3600);
  t.true(mask.data.every((v) => v === 0 || v === 1));
  t.deepEqual(createMask({ width: 1, height: 1 }).data.length, 1);
});

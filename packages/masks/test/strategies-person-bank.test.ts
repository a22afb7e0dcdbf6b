import test from 'ava';
import { createHash } from 'node:crypto';
import { copyFile, mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BgfillError, rngFor } from '@bgfill/core';
import { outlineRowsOf, type OutlineRows } from '../src/bank/components.js';
import { bankFromBitmaps } from '../src/bank/build.js';
import { formatMaskConfig, parseMaskConfig } from '../src/index.js';
import { createMaskGenerator, createProceduralGenerator } from '../src/generate.js';
import { generateMaskFolder } from '../src/generate-folder.js';
import { createMask, type Mask } from '../src/mask.js';
import { paintOutline } from '../src/bank/paint.js';
import { dilate } from '../src/morphology.js';
import { holeShape } from '../src/shape-stats.js';
import { drawPersonBank, personBankLayout, personBankSchema } from '../src/strategies/person-bank.js';
import { hashesFromWorkers } from './helpers/worker-hashes.js';

const size = { width: 256, height: 256 };

function bitmap(width: number, height: number, draw: (x: number, y: number) => boolean): Mask {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data[y * width + x] = draw(x, y) ? 1 : 0;
  return { width, height, data };
}

/** Write a bank of these outlines to a temp file; returns its path. */
async function writeBank(outlines: Mask[], name = 'bank.bgbank'): Promise<string> {
  const file = join(await mkdtemp(join(tmpdir(), 'person-bank-')), name);
  await writeFile(file, bankFromBitmaps(outlines));
  return file;
}

const rectangles = () => [bitmap(20, 60, () => true), bitmap(30, 80, () => true), bitmap(16, 40, () => true)];
/** A person-ish, left–right asymmetric outline: a head, a body and one arm on the right. */
const person = () =>
  bitmap(30, 70, (x, y) => (x - 12) ** 2 + (y - 8) ** 2 < 49 || (Math.abs(x - 12) < 8 && y > 14 && y < 66) || (x > 19 && y > 20 && y < 26));

const sha = (m: Mask) => createHash('sha256').update(m.data).digest('hex');

/** Φ(x) from erf (Abramowitz & Stegun 7.1.26, |error| < 1.5e-7). */
function normalCdf(x: number): number {
  const z = Math.abs(x) / Math.SQRT2;
  const t = 1 / (1 + 0.3275911 * z);
  const erf = 1 - ((((1.061405429 * t - 1.453152027) * t + 1.421413741) * t - 0.284496736) * t + 0.254829592) * t * Math.exp(-z * z);
  return x >= 0 ? 0.5 * (1 + erf) : 0.5 * (1 - erf);
}

/**
 * P(height ≤ t) under the person-box law at side h with scale sigma: height = h − 2H, H = trunc(min(|z|·sigma·h/2, h/2)),
 * so H = k for |z| in [k / (sigma·h/2), (k+1) / (sigma·h/2)), and H = h/2 for |z| ≥ 1/sigma (h even).
 */
function lawCdf(h: number, sigma: number): (t: number) => number {
  const half = h / 2;
  const pH = (k: number) =>
    k >= half ? 2 * (1 - normalCdf(1 / sigma)) : 2 * (normalCdf(Math.min((k + 1) / (sigma * half), 1 / sigma)) - normalCdf(k / (sigma * half)));
  return (t) => {
    // height ≤ t ⇔ H ≥ (h − t) / 2
    let p = 0;
    for (let k = Math.max(0, Math.ceil((h - t) / 2)); k <= half; k++) p += pH(k);
    return Math.min(1, p);
  };
}

/** One-sample KS distance of integer samples against a CDF (both step at integers, so checking each value suffices). */
function ksAgainst(samples: number[], cdf: (t: number) => number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  let d = 0;
  for (let t = sorted[0] - 1; t <= sorted[sorted.length - 1]; t++) {
    let n = 0;
    while (n < sorted.length && sorted[n] <= t) n++;
    d = Math.max(d, Math.abs(n / sorted.length - cdf(t)));
  }
  return d;
}

test('outline heights follow the person-box law (KS against the exact law; a wrong law is rejected) and holes are centred', async (t) => {
  const bank = await writeBank(rectangles());
  const gen = await createMaskGenerator({ strategy: 'person-bank', bank, dilate: 0 });
  const n = 3000;
  const heights: number[] = [];
  for (let i = 0; i < n; i++) {
    const m = gen.generate(size, 'law', i);
    const s = holeShape(m);
    if (s.height === null) {
      heights.push(0);
      continue;
    }
    const h = Math.round(s.height * size.height);
    heights.push(h);
    // Vertically the box is centred exactly (margins H above and below); horizontally within half a pixel of w/2.
    t.true(Math.abs(s.centreY * size.height - size.height / 2) < 1e-9, `mask ${i} centre y`);
    const w = Math.round(s.width * size.width);
    const left = m.data.indexOf(1) % size.width;
    t.true(Math.abs(left + w / 2 - size.width / 2) <= 0.5, `mask ${i} centre x`);
  }
  const critical = 1.949 / Math.sqrt(n); // α = 0.001
  const d = ksAgainst(heights, lawCdf(size.height, 1 / 3));
  t.true(d < critical, `KS distance ${d.toFixed(4)} to the law (critical ${critical.toFixed(4)})`);
  const wrong = ksAgainst(heights, lawCdf(size.height, 1 / 2));
  t.true(wrong > 3 * critical, `a law with sigma 1/2 is far (${wrong.toFixed(4)})`);
  // `height` replaces the law by a uniform range.
  const ranged = await createMaskGenerator({ strategy: 'person-bank', bank, dilate: 0, height: [0.5, 0.75] });
  const hs = Array.from({ length: 1000 }, (_, i) => Math.round((holeShape(ranged.generate(size, 'r', i)).height ?? 0) * 256));
  t.true(Math.min(...hs) >= 128 && Math.max(...hs) <= 192);
  const uniform = (x: number) => Math.min(1, Math.max(0, (x + 0.5 - 128) / 64));
  t.true(ksAgainst(hs, uniform) < 1.949 / Math.sqrt(1000));
});

test('outlines keep their aspect and are mirrored with probability flip', async (t) => {
  const bank = await writeBank([person()]);
  const plain = personBankSchema.parse({ strategy: 'person-bank', bank, dilate: 0 });
  const outline = outlineRowsOf(person());
  let flipped = 0;
  const n = 600;
  for (let i = 0; i < n; i++) {
    const layout = personBankLayout(size, plain, [outline], rngFor('flip', i));
    if (layout.height > 0) t.true(Math.abs(layout.width / layout.height - 30 / 70) <= 1 / layout.height + 1e-9, 'aspect kept');
    if (layout.flip) flipped++;
  }
  t.true(Math.abs(flipped / n - 0.5) < 4 * Math.sqrt(0.25 / n), `${flipped} of ${n} mirrored`);
  for (const flip of [0, 1]) {
    const c = personBankSchema.parse({ strategy: 'person-bank', bank, flip });
    t.true(Array.from({ length: 50 }, (_, i) => personBankLayout(size, c, [outline], rngFor('f', i)).flip).every((f) => f === (flip === 1)));
  }
  // A mirrored mask is the mirror image of the unmirrored one (same layout otherwise), when centred in an even box.
  const layout = { outline: 0, left: 100, top: 40, width: 56, height: 130, flip: false };
  const a = drawPersonBank(size, layout, [outline], 0, 'square');
  const b = drawPersonBank(size, { ...layout, flip: true }, [outline], 0, 'square');
  for (let y = 0; y < 256; y++) for (let x = 100; x < 156; x++) if (a.data[y * 256 + x] !== b.data[y * 256 + (255 - x)]) return t.fail(`pixel ${x},${y}`);
});

test('dilating the outline box only equals dilating the whole mask, at any position (inside, cut by edges, outside)', async (t) => {
  const outline: OutlineRows = outlineRowsOf(person());
  const rng = rngFor('dilate-crop');
  const small = { width: 96, height: 72 };
  for (let k = 0; k < 60; k++) {
    const height = rng.int(1, 120);
    const width = rng.int(1, 70);
    const layout = { outline: 0, left: rng.int(-80, 110), top: rng.int(-100, 90), width, height, flip: rng.chance(0.5) };
    const iterations = rng.int(0, 12);
    const kernel = rng.chance(0.5) ? 'cross' : 'square';
    const plain = drawPersonBank(small, layout, [outline], 0, kernel);
    const expected = dilate(plain, { iterations, kernel });
    const got = drawPersonBank(small, layout, [outline], iterations, kernel);
    t.deepEqual(Buffer.from(got.data), Buffer.from(expected.data), `case ${k}: ${JSON.stringify(layout)} ${kernel} ×${iterations}`);
  }
});

test('the square dilation on bit rows equals dilate() on the painted mask for image widths around 32-pixel words', (t) => {
  const rng = rngFor('bit-rows');
  const blob = outlineRowsOf(bitmap(37, 29, (x, y) => ((x * 7 + y * 3) % 11 < 6 && (x + y) % 5 !== 0) || x === 36 || y === 0));
  for (const width of [1, 5, 31, 32, 33, 63, 64, 65, 96, 100]) {
    for (let k = 0; k < 12; k++) {
      const size = { width, height: rng.int(1, 60) };
      const layout = { outline: 0, left: rng.int(-40, width), top: rng.int(-40, size.height), width: rng.int(1, 90), height: rng.int(1, 70), flip: rng.chance(0.5) };
      const iterations = rng.int(0, 20);
      // Painted pixel by pixel (paintOutline, the fill path), then dilated by morphology's OpenCV-exact dilate.
      const painted = createMask(size);
      paintOutline(painted.data, width, width, size.height, blob, layout.left, layout.top, layout.width, layout.height, layout.flip);
      const expected = dilate(painted, { iterations, kernel: 'square' });
      const got = drawPersonBank(size, layout, [blob], iterations, 'square');
      t.deepEqual(Buffer.from(got.data), Buffer.from(expected.data), `${width}x${size.height} ${JSON.stringify(layout)} ×${iterations}`);
    }
  }
});

test('mask i is a pure function of (recipe, bank digest, seed, size, i): orders, worker threads, folders at any concurrency', async (t) => {
  const bank = await writeBank([person(), ...rectangles()]);
  const recipe = `person-bank:'${bank}'(jitter=0.05)+scribble:0-2`;
  const gen = await createMaskGenerator(recipe);
  const N = 40;
  const forward = Array.from({ length: N }, (_, i) => sha(gen.generate(size, 'p', i)));
  const backward = Array.from({ length: N }, (_, k) => N - 1 - k).map((i) => [i, sha(gen.generate(size, 'p', i))] as const);
  for (const [i, h] of backward) t.is(h, forward[i]);
  t.true(new Set(forward).size > N * 0.9);
  // A second generator (a fresh load of the same file) and a copy of the bank elsewhere draw the same masks.
  const copy = join(await mkdtemp(join(tmpdir(), 'bank-copy-')), 'other-name.bgbank');
  await copyFile(bank, copy);
  const again = await createMaskGenerator(`person-bank:'${copy}'(jitter=0.05)+scribble:0-2`);
  t.deepEqual(Array.from({ length: N }, (_, i) => sha(again.generate(size, 'p', i))), forward);
  t.is(again.banks[0].sha256, gen.banks[0].sha256);
  // Worker threads splitting the indices.
  const fromWorkers = await hashesFromWorkers({ config: recipe, seed: 'p', size, files: true }, N);
  t.is(fromWorkers.size, N);
  for (const [i, h] of fromWorkers) t.is(h, forward[i], `worker mask ${i}`);
  // Folders written at concurrency 1 and 4 are byte-identical, and stats.json records the bank's digest.
  const root = await mkdtemp(join(tmpdir(), 'bank-folders-'));
  const small = { width: 64, height: 48 };
  const r1 = await generateMaskFolder({ config: recipe, out: join(root, 'c1'), count: 24, size: small, seed: 3, concurrency: 1 });
  await generateMaskFolder({ config: recipe, out: join(root, 'c4'), count: 24, size: small, seed: 3, concurrency: 4 });
  for (const name of await readdir(join(root, 'c1'))) t.deepEqual(await readFile(join(root, 'c4', name)), await readFile(join(root, 'c1', name)), name);
  t.deepEqual(r1.stats.banks, [{ path: bank, sha256: gen.banks[0].sha256, outlines: 4 }]);
  const stats = JSON.parse(await readFile(join(root, 'c1', 'stats.json'), 'utf8'));
  t.is(stats.banks[0].sha256, createHash('sha256').update(await readFile(bank)).digest('hex'));
});

test('another bank (other content) gives other masks; a pinned digest refuses a changed bank; a folder resumed with a changed bank is refused', async (t) => {
  const bank = await writeBank([person()]);
  const before = await createMaskGenerator(`person-bank:'${bank}'`);
  const digest = before.banks[0].sha256;
  const pinned = `person-bank:'${bank}'(sha256=${digest})`;
  t.deepEqual(parseMaskConfig(formatMaskConfig(parseMaskConfig(pinned))), parseMaskConfig(pinned));
  await t.notThrowsAsync(createMaskGenerator(pinned));
  const root = await mkdtemp(join(tmpdir(), 'bank-resume-'));
  const small = { width: 64, height: 64 };
  await generateMaskFolder({ config: `person-bank:'${bank}'`, out: root, count: 6, size: small, seed: 1 });
  // Replace the bank with another one at the same path.
  await copyFile(await writeBank([bitmap(40, 40, (x, y) => (x - 20) ** 2 + (y - 20) ** 2 < 300)]), bank);
  const after = await createMaskGenerator(`person-bank:'${bank}'`);
  t.not(after.banks[0].sha256, digest);
  t.notDeepEqual(after.generate(size, 1, 0).data, before.generate(size, 1, 0).data);
  const err = await t.throwsAsync(createMaskGenerator(pinned), { instanceOf: BgfillError });
  t.regex(err?.message ?? '', new RegExp(`the bank changed: its SHA-256 is ${after.banks[0].sha256}, the recipe expects ${digest}`));
  const resumed = await t.throwsAsync(generateMaskFolder({ config: `person-bank:'${bank}'`, out: root, count: 6, size: small, seed: 1 }), { instanceOf: BgfillError });
  t.regex(resumed?.message ?? '', /refusing to write there: it holds masks of another run/);
});

test('person-bank mixes with everything: unions, weighted mixes, post steps; the short form round-trips', async (t) => {
  const bank = await writeBank([person()]);
  for (const recipe of [`person-bank:${bank}+scribble:0-3`, `person-box*0.5|person-bank:${bank}*0.5`, `(person-bank:${bank}(dilate=4)>erode:2)+box`]) {
    const config = parseMaskConfig(recipe);
    t.deepEqual(parseMaskConfig(formatMaskConfig(config)), config, recipe);
    const gen = await createMaskGenerator(recipe);
    t.true(gen.generate(size, 0, 0).data.some((v) => v === 1), recipe);
  }
  // Half the masks of the mix are person-box rectangles (a filled box), half are outlines (never a filled box).
  const mix = await createMaskGenerator(`person-box*0.5|person-bank:${bank}*0.5`);
  const n = 400;
  let boxes = 0;
  for (let i = 0; i < n; i++) {
    const s = holeShape(mix.generate(size, 'mix', i));
    if (s.height !== null && Math.abs(s.height * s.width - s.ratio) < 1e-12) boxes++;
  }
  t.true(Math.abs(boxes / n - 0.5) < 4 * Math.sqrt(0.25 / n), `${boxes} of ${n} boxes`);
});

test('a ramped dilation draws the mask of its value at each epoch, and its end value without progress', async (t) => {
  const bank = await writeBank([person()]);
  const ramped = await createMaskGenerator(`person-bank:${bank}(dilate=ramp(0,8,0,8))`);
  t.true(ramped.ramps);
  for (const epoch of [0, 1, 3, 8, 20]) {
    const fixed = await createMaskGenerator(`person-bank:${bank}(dilate=${Math.min(epoch, 8)})`);
    for (const i of [0, 5]) t.deepEqual(ramped.generate(size, 7, i, { epoch }).data, fixed.generate(size, 7, i).data, `epoch ${epoch} mask ${i}`);
    t.is(ramped.labelAt({ epoch }), `person-bank:${bank}(dilate=${Math.min(epoch, 8)})`);
  }
  const end = await createMaskGenerator(`person-bank:${bank}(dilate=8)`);
  t.deepEqual(ramped.generate(size, 7, 2).data, end.generate(size, 7, 2).data);
});

test('person-bank input errors: no bank, a non-bank file, a bank recipe without loading, bad options', async (t) => {
  await t.throwsAsync(createMaskGenerator('person-bank:/nonexistent/people.bgbank'), {
    instanceOf: BgfillError,
    message: /person-bank: \/nonexistent\/people\.bgbank: no such bank file or folder \(make one with `bgfill masks bank build`\)/,
  });
  const dir = await mkdtemp(join(tmpdir(), 'not-bank-'));
  await writeFile(join(dir, 'x.png'), 'PNG? no');
  await t.throwsAsync(createMaskGenerator(`person-bank:${join(dir, 'x.png')}`), { instanceOf: BgfillError, message: /x\.png: not a person bank/ });
  t.throws(() => createProceduralGenerator('person-bank:whatever.bgbank'), { instanceOf: BgfillError, message: /person-bank masks read files first/ });
  t.throws(() => parseMaskConfig('person-bank:b(sigma=0.5,height=0.2-0.4)'), { instanceOf: BgfillError, message: /either sigma \(the law\) or height/ });
  t.throws(() => parseMaskConfig('person-bank:b(dilate=2.5)'), { instanceOf: BgfillError, message: /dilate/ });
  t.throws(() => parseMaskConfig('person-bank'), { instanceOf: BgfillError, message: /bank/ });
});

// Properties of the buffer metrics (identity, symmetry, monotonic degradation, invariances), a brute-force 2-D
// re-implementation to check the separable filtering against, the aggregate, and the error messages.
import test from 'ava';
import sharp from 'sharp';
import { BgfillError, rngFor } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import { aggregate } from '../src/metrics/aggregate.js';
import { gaussianWindow } from '../src/metrics/gaussian.js';
import type { FloatImage, RgbImage } from '../src/metrics/image.js';
import { l1 } from '../src/metrics/l1.js';
import { msssim, msssimScaleValues, ssimWithMsssim } from '../src/metrics/msssim.js';
import { msssimMinimumSide, msssimScalesThatFit, resolveMsssimOptions, resolveSsimOptions, STANDARD_MSSSIM_WEIGHTS } from '../src/metrics/options.js';
import { metricsKernel } from '../src/metrics/metrics-kernel.js';
import type { SsimPass, SsimTerm } from '../src/metrics/ssim-pass.js';
import { pairMetrics } from '../src/metrics/pair-metrics.js';
import { psnr } from '../src/metrics/psnr.js';
import { ssim } from '../src/metrics/ssim.js';
import { crop, fixture } from './fixtures/metrics-pairs/fixtures.js';

function randomImage(width: number, height: number, seed: string, channels = 3): FloatImage {
  const rng = rngFor('metrics-test', seed);
  return { data: Float64Array.from({ length: width * height * channels }, () => rng.uniform(0, 255)), width, height, channels };
}

function randomRgb(width: number, height: number, seed: string): RgbImage {
  const rng = rngFor('metrics-test', seed);
  return { data: Uint8Array.from({ length: width * height * 3 }, () => rng.int(0, 255)), width, height, channels: 3 };
}

// ---------------------------------------------------------------------------------------------------------------
// A deliberately naive SSIM: full 2-D window, reflect indices looked up per tap, five separate moments with each
// variance clamped (torchmetrics' formula as written), no separability, no shared buffers.
function reflect(i: number, n: number): number {
  return i < 0 ? -i : i >= n ? 2 * (n - 1) - i : i;
}

function naiveSsimAndCs(x: FloatImage, y: FloatImage, windowSize: number, sigma: number, range: number): [number, number] {
  const g = gaussianWindow(windowSize, sigma);
  const p = (windowSize - 1) / 2;
  const c1 = (0.01 * range) ** 2;
  const c2 = (0.03 * range) ** 2;
  const { width: W, height: H, channels: C } = x;
  let ssimSum = 0;
  let csSum = 0;
  let csN = 0;
  for (let c = 0; c < C; c++) {
    for (let r = 0; r < H; r++) {
      for (let q = 0; q < W; q++) {
        let mx = 0, my = 0, mxx = 0, myy = 0, mxy = 0; // prettier-ignore
        for (let a = 0; a < windowSize; a++) {
          for (let b = 0; b < windowSize; b++) {
            const k = (reflect(r - p + a, H) * W + reflect(q - p + b, W)) * C + c;
            const w = g[a] * g[b];
            mx += w * x.data[k];
            my += w * y.data[k];
            mxx += w * x.data[k] * x.data[k];
            myy += w * y.data[k] * y.data[k];
            mxy += w * x.data[k] * y.data[k];
          }
        }
        const sx = Math.max(mxx - mx * mx, 0);
        const sy = Math.max(myy - my * my, 0);
        const sxy = mxy - mx * my;
        const cs = (2 * sxy + c2) / (sx + sy + c2);
        ssimSum += ((2 * mx * my + c1) / (mx * mx + my * my + c1)) * cs;
        if (r >= p && r < H - p && q >= p && q < W - p) {
          csSum += cs;
          csN++;
        }
      }
    }
  }
  return [ssimSum / (W * H * C), csSum / csN];
}

function naiveDownsample(img: FloatImage): FloatImage {
  const w = Math.floor(img.width / 2);
  const h = Math.floor(img.height / 2);
  const C = img.channels;
  const data = new Float64Array(w * h * C);
  for (let r = 0; r < h; r++)
    for (let q = 0; q < w; q++)
      for (let c = 0; c < C; c++) {
        const at = (rr: number, qq: number) => img.data[(rr * img.width + qq) * C + c];
        data[(r * w + q) * C + c] = (at(2 * r, 2 * q) + at(2 * r, 2 * q + 1) + at(2 * r + 1, 2 * q) + at(2 * r + 1, 2 * q + 1)) / 4;
      }
  return { data, width: w, height: h, channels: C };
}

test('separable SSIM equals a brute-force 2-D window on odd sizes, windows and channel counts', (t) => {
  const cases: Array<[number, number, number, number, number]> = [
    // width, height, channels, window, sigma
    [23, 17, 3, 11, 1.5],
    [19, 31, 1, 7, 1.0],
    [12, 9, 2, 5, 2.0],
    [6, 6, 3, 11, 1.5], // the smallest side reflect padding by 5 allows
  ];
  for (const [w, h, c, win, sigma] of cases) {
    const x = randomImage(w, h, `bx${w}${h}`, c);
    const y = randomImage(w, h, `by${w}${h}`, c);
    const [expected] = naiveSsimAndCs(x, y, win, sigma, 255);
    const got = ssim(x, y, { windowSize: win, sigma });
    t.true(Math.abs(got - expected) < 1e-12, `${w}×${h}×${c} window ${win}: ${got} vs ${expected}`);
  }
});

test('MS-SSIM scale values equal brute-force cs / SSIM on naively downsampled images', (t) => {
  const x = randomImage(53, 41, 'msx');
  const y = randomImage(53, 41, 'msy');
  // Correlated images, so the values are far from 0 and the relu does not hide anything.
  for (let i = 0; i < y.data.length; i++) y.data[i] = 0.7 * x.data[i] + 0.3 * y.data[i];
  const values = msssimScaleValues(y, x, { scales: 3, windowSize: 7, sigma: 1 });
  let a: FloatImage = y;
  let b: FloatImage = x;
  for (let s = 0; s < 3; s++) {
    const [s0, cs] = naiveSsimAndCs(a, b, 7, 1, 255);
    const expected = s === 2 ? s0 : cs;
    t.true(Math.abs(values[s] - expected) < 1e-12, `scale ${s}: ${values[s]} vs ${expected}`);
    a = naiveDownsample(a);
    b = naiveDownsample(b);
  }
  const w = resolveMsssimOptions({ scales: 3 }).weights;
  t.true(Math.abs(msssim(y, x, { scales: 3, windowSize: 7, sigma: 1 }) - values.reduce((p, v, i) => p * v ** w[i], 1)) < 1e-15);
});

test('identical images: SSIM 1, MS-SSIM 1, L1 0, PSNR Infinity, also inside a hole', async (t) => {
  const images = [await fixture('00_ref.png'), randomRgb(97, 131, 'same')];
  for (const img of images) {
    const copy: RgbImage = { ...img, data: img.data.slice() };
    t.true(Math.abs(ssim(img, copy) - 1) < 1e-12);
    t.true(Math.abs(msssim(img, copy) - 1) < 1e-12);
    t.is(l1(img, copy), 0);
    t.is(psnr(img, copy), Infinity);
    const mask: Mask = { width: img.width, height: img.height, data: new Uint8Array(img.width * img.height).fill(1, 0, img.width * 10) };
    const m = pairMetrics(img, copy, mask);
    t.is(m.l1Hole, 0);
    t.is(m.psnrHole, Infinity);
    t.is(m.psnr, Infinity);
  }
  // A flat image has zero variance everywhere: the stabilisers keep SSIM defined and equal to 1.
  const flat: RgbImage = { data: new Uint8Array(32 * 32 * 3).fill(77), width: 32, height: 32, channels: 3 };
  t.true(Math.abs(ssim(flat, { ...flat, data: flat.data.slice() }) - 1) < 1e-12);
});

test('SSIM, MS-SSIM, L1 and PSNR are symmetric', async (t) => {
  const pairs: Array<[RgbImage, RgbImage]> = [
    [await fixture('00_blur.png'), await fixture('00_ref.png')],
    [await fixture('02_noise.png'), await fixture('02_ref.png')],
    [randomRgb(100, 120, 'sa'), randomRgb(100, 120, 'sb')],
  ];
  for (const [a, b] of pairs) {
    t.is(ssim(a, b), ssim(b, a));
    t.is(msssim(a, b), msssim(b, a));
    t.is(l1(a, b), l1(b, a));
    t.is(psnr(a, b), psnr(b, a));
  }
});

async function blurred(img: RgbImage, sigma: number): Promise<RgbImage> {
  const data = await sharp(img.data, { raw: { width: img.width, height: img.height, channels: 3 } }).blur(sigma).raw().toBuffer();
  return { data: new Uint8Array(data), width: img.width, height: img.height, channels: 3 };
}

test('more blur (sharp Gaussian blur) gives lower SSIM / MS-SSIM / PSNR and higher L1', async (t) => {
  const ref = await fixture('01_ref.png');
  const sigmas = [1, 2, 4, 8, 16];
  const rows = [];
  for (const s of sigmas) {
    const b = await blurred(ref, s);
    rows.push({ s, ssim: ssim(b, ref), msssim: msssim(b, ref), l1: l1(b, ref), psnr: psnr(b, ref) });
  }
  for (let i = 1; i < rows.length; i++) {
    const [p, q] = [rows[i - 1], rows[i]];
    t.true(q.ssim < p.ssim, `ssim σ=${q.s} ${q.ssim} < σ=${p.s} ${p.ssim}`);
    t.true(q.msssim < p.msssim, `msssim σ=${q.s}`);
    t.true(q.l1 > p.l1, `l1 σ=${q.s}`);
    t.true(q.psnr < p.psnr, `psnr σ=${q.s}`);
  }
  t.true(rows[0].ssim < 1 && rows.at(-1)!.ssim > 0);
});

test('more noise (one seeded field, scaled) gives lower SSIM / MS-SSIM / PSNR and higher L1', async (t) => {
  const ref = await fixture('03_ref.png');
  const rng = rngFor('metrics-test', 'noise-field');
  const field = Float64Array.from({ length: ref.data.length }, () => rng.normal());
  let previous: { ssim: number; msssim: number; l1: number; psnr: number } | undefined;
  for (const sd of [2, 5, 10, 20, 40]) {
    const data = Uint8Array.from(ref.data, (v, i) => Math.min(255, Math.max(0, Math.round(v + sd * field[i]))));
    const noisy: RgbImage = { ...ref, data };
    const now = { ssim: ssim(noisy, ref), msssim: msssim(noisy, ref), l1: l1(noisy, ref), psnr: psnr(noisy, ref) };
    if (previous !== undefined) {
      t.true(now.ssim < previous.ssim, `ssim at sd ${sd}`);
      t.true(now.msssim < previous.msssim, `msssim at sd ${sd}`);
      t.true(now.l1 > previous.l1, `l1 at sd ${sd}`);
      t.true(now.psnr < previous.psnr, `psnr at sd ${sd}`);
    }
    previous = now;
  }
});

test('scale and channel properties: value scale with matching dataRange, RGB = mean of channels', async (t) => {
  const a = crop(await fixture('00_blur.png'), [0, 0, 128, 100]);
  const b = crop(await fixture('00_ref.png'), [0, 0, 128, 100]);
  const scaled = (img: RgbImage): FloatImage => ({ ...img, data: Float64Array.from(img.data, (v) => v / 255) });
  t.true(Math.abs(ssim(scaled(a), scaled(b), { dataRange: 1 }) - ssim(a, b)) < 1e-12);
  t.true(Math.abs(msssim(scaled(a), scaled(b), { dataRange: 1 }) - msssim(a, b)) < 1e-12);
  t.true(Math.abs(psnr(scaled(a), scaled(b), { dataRange: 1 }) - psnr(a, b)) < 1e-9);
  t.true(Math.abs(l1(scaled(a), scaled(b), undefined, { dataRange: 1 }) - l1(a, b)) < 1e-12);
  const channel = (img: RgbImage, c: number): FloatImage => ({
    data: Float64Array.from({ length: img.width * img.height }, (_, i) => img.data[i * 3 + c]),
    width: img.width,
    height: img.height,
    channels: 1,
  });
  const perChannel = [0, 1, 2].map((c) => ssim(channel(a, c), channel(b, c)));
  t.true(Math.abs(ssim(a, b) - (perChannel[0] + perChannel[1] + perChannel[2]) / 3) < 1e-14);
  // Shifting both images changes SSIM only through the luminance term: a global brightness offset is penalised.
  t.true(ssim(a, b) > ssim({ ...a, data: a.data.map((v) => Math.min(255, v + 40)) }, b));
});

test('gaussianWindow matches torchmetrics’ documented examples and is normalised', (t) => {
  const w3 = gaussianWindow(3, 1);
  // torchmetrics `_gaussian(3, 1)` docstring: tensor([[0.2741, 0.4519, 0.2741]])
  t.deepEqual([...w3].map((v) => v.toFixed(4)), ['0.2741', '0.4519', '0.2741']);
  // `_gaussian_kernel_2d(1, (5, 5), (1, 1))` docstring: centre 0.1621, corner 0.0030, edge-middle 0.0219
  const w5 = gaussianWindow(5, 1);
  t.is((w5[2] * w5[2]).toFixed(4), '0.1621');
  t.is((w5[0] * w5[0]).toFixed(4), '0.0030');
  t.is((w5[0] * w5[2]).toFixed(4), '0.0219');
  const w11 = gaussianWindow(11, 1.5);
  t.true(Math.abs(w11.reduce((a, b) => a + b, 0) - 1) < 1e-15);
  for (let i = 0; i < 11; i++) t.is(w11[i], w11[10 - i]);
});

test('halving averages 2×2 blocks and drops an odd last row and column, from each channel of an interleaved image', (t) => {
  // Channel c of a 5×3 three-channel image holds 10·i + c at pixel i.
  const image: FloatImage = { data: Float64Array.from({ length: 5 * 3 * 3 }, (_, k) => 10 * Math.floor(k / 3) + (k % 3)), width: 5, height: 3, channels: 3 };
  const o = resolveSsimOptions({ windowSize: 3, sigma: 1 });
  metricsKernel().ssimPass(image, image, o, gaussianWindow(3, 1), (pass) => {
    for (let c = 0; c < 3; c++) {
      const [x] = pass.channel(c);
      t.deepEqual([...pass.values(x)], Array.from({ length: 15 }, (_, i) => 10 * i + c));
      const half = pass.halve(x);
      t.is(half.width, 2);
      t.is(half.height, 1);
      t.deepEqual([...pass.values(half)], [(0 + 10 + 50 + 60) / 4 + c, (20 + 30 + 70 + 80) / 4 + c]);
    }
  });
  // 8-bit and float32 images give the same planes as float64 ones.
  const bytes: RgbImage = { data: Uint8Array.from(image.data), width: 5, height: 3, channels: 3 };
  const floats: FloatImage = { ...image, data: Float32Array.from(image.data) };
  for (const other of [bytes, floats]) {
    metricsKernel().ssimPass(other, image, o, gaussianWindow(3, 1), (pass) => {
      for (let c = 0; c < 3; c++) {
        const [x, y] = pass.channel(c);
        t.deepEqual(pass.values(x), pass.values(y));
        t.deepEqual(pass.values(pass.halve(x)), pass.values(pass.halve(y)));
      }
    });
  }
});

test('msssimMinimumSide is exactly the smallest side MS-SSIM accepts', (t) => {
  t.is(msssimMinimumSide(5, 11), 96);
  t.is(msssimMinimumSide(3, 11), 24);
  t.is(msssimMinimumSide(3, 7), 16);
  for (const windowSize of [3, 7, 11]) {
    for (let scales = 1; scales <= 5; scales++) {
      const min = msssimMinimumSide(scales, windowSize);
      const ok = randomImage(min, min + 3, `min${scales}${windowSize}`);
      const v = msssim(ok, randomImage(min, min + 3, `min2${scales}${windowSize}`), { scales, windowSize });
      t.true(Number.isFinite(v), `${scales} scales window ${windowSize} at ${min}`);
      const small = randomImage(min - 1, min + 3, 'small');
      const err = t.throws(() => msssim(small, small, { scales, windowSize }), { instanceOf: BgfillError });
      t.true(err!.message.includes(`at least ${min}×${min}`), err!.message);
    }
  }
});

test('msssimScalesThatFit: MS-SSIM runs with that many scales and refuses one more, at every side around the limits', (t) => {
  for (const windowSize of [3, 7, 11]) {
    const sides = new Set<number>();
    for (let scales = 1; scales <= 5; scales++) {
      const min = msssimMinimumSide(scales, windowSize);
      sides.add(min - 1).add(min).add(min + 1);
    }
    for (const side of [...sides].filter((s) => s >= 1).sort((a, b) => a - b)) {
      const fits = msssimScalesThatFit(side, windowSize);
      const a = randomImage(side, side + 2, `fit-a${side}`);
      const b = randomImage(side, side + 2, `fit-b${side}`);
      if (fits > 0) t.true(Number.isFinite(msssim(a, b, { scales: fits, windowSize })), `${fits} scales at ${side}, window ${windowSize}`);
      if (fits < 5) t.throws(() => msssim(a, b, { scales: fits + 1, windowSize }), { instanceOf: BgfillError }, `${fits + 1} scales at ${side}`);
    }
  }
  t.is(msssimScalesThatFit(64, 11), 4);
  t.is(msssimScalesThatFit(1000, 11), 5, 'never more than the five standard scales');
  t.is(msssimScalesThatFit(1000, 11, 8), 8);
});

test('too small for MS-SSIM: the error names the minimum size, the image size and what would fit', (t) => {
  const crop64 = randomRgb(64, 64, 'c64');
  const err = t.throws(() => msssim(crop64, crop64), { instanceOf: BgfillError });
  t.is(
    err!.message,
    'MS-SSIM with 5 scales and a 11-pixel window needs images of at least 96×96 pixels; got 64×64. ' +
      'Use 4 scales (e.g. { scales: 4 }) or a smaller windowSize.',
  );
  t.true(Number.isFinite(msssim(crop64, randomRgb(64, 64, 'c64b'), { scales: 4 })));
  t.throws(() => msssim(randomRgb(30, 30, 'c30'), randomRgb(30, 30, 'c30'), { windowSize: 7 }), {
    instanceOf: BgfillError,
    message: /needs images of at least 64×64 pixels; got 30×30\. Use 3 scales/,
  });
  const tiny = randomRgb(5, 40, 'tiny');
  t.throws(() => ssim(tiny, tiny), { instanceOf: BgfillError, message: /at least 6×6 pixels; got 5×40/ });
});

test('mismatched sizes and bad options are BgfillErrors that say what is wrong', (t) => {
  const a = randomRgb(100, 100, 'a');
  const b = randomRgb(100, 90, 'b');
  for (const f of [() => ssim(a, b), () => msssim(a, b), () => l1(a, b), () => psnr(a, b), () => pairMetrics(a, b)]) {
    t.throws(f, { instanceOf: BgfillError, message: 'pred and target differ in size: pred is 100×100 with 3 channels, target is 100×90 with 3 channels' });
  }
  const mask: Mask = { width: 50, height: 100, data: new Uint8Array(5000) };
  t.throws(() => l1(a, a, mask), { instanceOf: BgfillError, message: 'mask is 50×100 (5000 bytes) but the images are 100×100' });
  t.throws(() => ssim(a, a, { windowSize: 8 }), { instanceOf: BgfillError, message: /odd integer between 3 and 255 for windowSize but received 8/ });
  t.throws(() => ssim(a, a, { dataRange: 0 }), { instanceOf: BgfillError, message: /dataRange/ });
  t.throws(() => ssim(a, a, { sigma: -1 }), { instanceOf: BgfillError, message: /sigma/ });
  t.throws(() => msssim(a, a, { scales: 6 }), { instanceOf: BgfillError, message: /integer between 1 and 5 for scales/ });
  t.throws(() => msssim(a, a, { weights: [] }), { instanceOf: BgfillError, message: /weights/ });
  t.throws(() => msssim(a, a, { weights: [0.5, Number.NaN] }), { instanceOf: BgfillError, message: /weights\[1\]/ });
  t.throws(() => ssim({ ...a, data: a.data.subarray(1) }, a), { instanceOf: BgfillError, message: /pred\.data\.length/ });
});

test('scales: n uses the first n standard weights, normalised to sum 1 (all five unchanged)', (t) => {
  const w = resolveMsssimOptions({ scales: 3 }).weights;
  const sum = STANDARD_MSSSIM_WEIGHTS[0] + STANDARD_MSSSIM_WEIGHTS[1] + STANDARD_MSSSIM_WEIGHTS[2];
  t.deepEqual(w, [0.0448 / sum, 0.2856 / sum, 0.3001 / sum]);
  t.deepEqual(resolveMsssimOptions({}).weights, [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]);
  // All five: the published weights unchanged (they sum to 1.0001), so { scales: 5 } is torchmetrics' default.
  t.deepEqual(resolveMsssimOptions({ scales: 5 }).weights, [0.0448, 0.2856, 0.3001, 0.2363, 0.1333]);
});

test('a mask without hole pixels: L1/PSNR in the hole are NaN, pairMetrics leaves them out', (t) => {
  const a = randomRgb(100, 100, 'ea');
  const b = randomRgb(100, 100, 'eb');
  const empty: Mask = { width: 100, height: 100, data: new Uint8Array(10000) };
  t.true(Number.isNaN(l1(a, b, empty)));
  t.true(Number.isNaN(psnr(a, b, { mask: empty })));
  const m = pairMetrics(a, b, empty);
  t.is(m.holeRatio, 0);
  t.false('l1Hole' in m);
  t.false('psnrHole' in m);
  // A full mask gives the whole-image values.
  const full: Mask = { width: 100, height: 100, data: new Uint8Array(10000).fill(1) };
  const f = pairMetrics(a, b, full);
  t.is(f.l1Hole, f.l1);
  t.is(f.psnrHole, f.psnr);
  t.is(f.holeRatio, 1);
});

test('aggregate: population mean/std, Infinity counted apart, bad values rejected', (t) => {
  const a = aggregate([1, 2, 3, 4]);
  t.is(a.mean, 2.5);
  t.is(a.std, Math.sqrt(1.25));
  t.is(a.n, 4);
  t.is(a.infinite, 0);
  t.deepEqual(aggregate([30, 32, Infinity]), { mean: 31, std: 1, n: 2, infinite: 1 });
  t.deepEqual(aggregate([Infinity, Infinity]), { mean: Infinity, std: 0, n: 0, infinite: 2 });
  const none = aggregate([]);
  t.true(Number.isNaN(none.mean) && Number.isNaN(none.std) && none.n === 0);
  t.deepEqual(aggregate([0.25]), { mean: 0.25, std: 0, n: 1, infinite: 0 });
  t.throws(() => aggregate([1, Number.NaN]), { instanceOf: BgfillError, message: /values\[1\]/ });
  t.throws(() => aggregate([-Infinity]), { instanceOf: BgfillError });
  // Order does not matter: a compensated sum of 10 000 values in two orders.
  const rng = rngFor('metrics-test', 'agg');
  const values = Array.from({ length: 10000 }, () => rng.uniform(0, 1) * 10 ** rng.int(-3, 3));
  const reversed = [...values].reverse();
  const x = aggregate(values);
  const y = aggregate(reversed);
  t.true(Math.abs(x.mean - y.mean) <= Math.abs(x.mean) * 1e-15);
  // The textbook two-pass definition, summed plainly over the sorted values.
  const sorted = [...values].sort((p, q) => p - q);
  const mean = sorted.reduce((s, v) => s + v, 0) / sorted.length;
  t.true(Math.abs(x.mean - mean) < 1e-12 * mean);
  t.true(Math.abs(x.std - Math.sqrt(sorted.reduce((s, v) => s + (v - mean) ** 2, 0) / sorted.length)) < 1e-12 * x.std);
});

test('pairMetrics shares one filtering pass between SSIM and MS-SSIM: bit for bit what each computes alone', (t) => {
  for (const [w, h, seed] of [[96, 96, 'a'], [131, 100, 'b'], [200, 97, 'c']] as const) {
    const rng = rngFor('shared-pass', seed);
    const pred: RgbImage = { data: Uint8Array.from({ length: w * h * 3 }, () => rng.int(0, 255)), width: w, height: h, channels: 3 };
    const target: RgbImage = { data: Uint8Array.from(pred.data, (v) => Math.min(255, Math.max(0, v + rng.int(-40, 40)))), width: w, height: h, channels: 3 };
    const both = ssimWithMsssim(pred, target)!;
    t.is(both.ssim, ssim(pred, target));
    t.is(both.msssim, msssim(pred, target));
    const m = pairMetrics(pred, target);
    t.is(m.ssim, ssim(pred, target));
    t.is(m.msssim, msssim(pred, target));
    const three = ssimWithMsssim(pred, target, {}, { scales: 1 })!;
    t.is(three.msssim, msssim(pred, target, { scales: 1 }));
  }
  // Different settings are not shared (undefined), and pairMetrics computes each on its own.
  const img: RgbImage = { data: new Uint8Array(96 * 96 * 3).fill(9), width: 96, height: 96, channels: 3 };
  t.is(ssimWithMsssim(img, img, { windowSize: 7 }, {}), undefined);
  t.is(pairMetrics(img, img, undefined, { ssim: { windowSize: 7 } }).ssim, ssim(img, img, { windowSize: 7 }));
});

test('filtered only near differences: every moment filtered everywhere gives the same sums to rounding, holes at the borders too', (t) => {
  // Inpainted outputs equal the target outside the hole; ssimSums then filters only the pixels whose window meets a
  // difference and counts 1 for the rest (x ≡ y over the window: SSIM and contrast are exactly 1). Pairs that agree
  // outside random blobs (touching edges, rows with no difference, flat areas where a variance rounds below zero,
  // which the full pass turns into 1 − 1e-16 or so), 8-bit and float, window 11 (the unrolled filters) and 7.
  const sumsOf = (pred: FloatImage | RgbImage, target: FloatImage | RgbImage, c: number, o: ReturnType<typeof resolveSsimOptions>, term: SsimTerm, shortcut = true) =>
    metricsKernel().ssimPass(pred, target, o, gaussianWindow(o.windowSize, o.sigma), (pass: SsimPass) => pass.sums(...pass.channel(c), term), { shortcut });
  let checked = 0;
  for (let n = 0; n < 24; n++) {
    const rng = rngFor('shortcut', n);
    const w = rng.int(12, 70);
    const h = rng.int(12, 70);
    const float = n % 3 === 2;
    const flat = n % 4 === 1;
    const target = float ? randomImage(w, h, `st${n}`) : randomRgb(w, h, `st${n}`);
    if (flat) target.data.fill(float ? 87.25 : 87);
    const pred = { ...target, data: target.data.slice() } as FloatImage | RgbImage;
    for (let b = rng.int(0, 3); b > 0; b--) {
      const x0 = rng.int(-5, w - 1);
      const y0 = rng.int(-5, h - 1);
      const bw = rng.int(1, Math.ceil(w / 3));
      const bh = rng.int(1, Math.ceil(h / 3));
      for (let y = Math.max(0, y0); y < Math.min(h, y0 + bh); y++)
        for (let x = Math.max(0, x0); x < Math.min(w, x0 + bw); x++)
          for (let c = 0; c < 3; c++) pred.data[(y * w + x) * 3 + c] = float ? rng.uniform(0, 255) : rng.int(0, 255);
    }
    for (const windowSize of [11, 7]) {
      if (Math.min(w, h) <= windowSize) continue;
      const o = resolveSsimOptions({ windowSize });
      for (let c = 0; c < 3; c++) {
        const a = sumsOf(pred, target, c, o, 'both');
        const b = sumsOf(pred, target, c, o, 'both', false);
        const label = `case ${n} (${w}×${h}${float ? ', float' : ''}${flat ? ', flat' : ''}) window ${windowSize} channel ${c}`;
        t.is(a.ssim.count, b.ssim.count, label);
        t.is(a.cs.count, b.cs.count, label);
        // Sums of up to 70² terms near 1: the two agree to a few units in the last place of the sum.
        t.true(Math.abs(a.ssim.sum - b.ssim.sum) <= 1e-12 * b.ssim.count, `${label}: SSIM ${a.ssim.sum} against ${b.ssim.sum}`);
        t.true(Math.abs(a.cs.sum - b.cs.sum) <= 1e-12 * Math.max(1, b.cs.count), `${label}: cs ${a.cs.sum} against ${b.cs.sum}`);
        t.is(sumsOf(pred, target, c, o, 'cs').cs.sum, a.cs.sum);
        t.is(sumsOf(pred, target, c, o, 'ssim').ssim.sum, a.ssim.sum);
        // A pair without a difference is all ones without filtering anything.
        const same = sumsOf(target, target, c, o, 'both');
        t.deepEqual(same, { ssim: { sum: same.ssim.count, count: w * h }, cs: { sum: same.cs.count, count: (w - 2 * o.pad) * (h - 2 * o.pad) } });
        checked++;
      }
    }
    const [expected] = naiveSsimAndCs(pred as FloatImage, target as FloatImage, 11, 1.5, 255);
    if (Math.min(w, h) > 11) t.true(Math.abs(ssim(pred, target) - expected) < 1e-12, `case ${n}: ${ssim(pred, target)} vs brute force ${expected}`);
  }
  t.true(checked > 100);
  // Values so small their squares underflow: the shortcut turns itself off, and the sums stay those of the full pass.
  const tiny: FloatImage = { data: Float64Array.from({ length: 20 * 20 }, (_, i) => (i % 7) * 1e-160), width: 20, height: 20, channels: 1 };
  const other: FloatImage = { ...tiny, data: tiny.data.map((v, i) => (i < 20 ? v + 1e-159 : v)) };
  const o = resolveSsimOptions({ windowSize: 7, dataRange: 1e-157 });
  t.deepEqual(sumsOf(other, tiny, 0, o, 'both'), sumsOf(other, tiny, 0, o, 'both', false));
});

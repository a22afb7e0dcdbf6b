// Quality signals against NumPy / OpenCV references (test/fixtures/quality/make-quality-fixtures.py), and properties.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { boxReduce, imageSignals, laplacianVariance, luminance, referenceFactor, roundSignals, topOctaveRatio, type RgbPixels } from '../src/image-signals.js';

const fixtures = new URL('./fixtures/quality/', import.meta.url);
const scenes = new URL('../../../samples/scenes/', import.meta.url);

async function rgb(source: string | Buffer): Promise<RgbPixels> {
  const { data, info } = await sharp(source).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { width: info.width, height: info.height, data };
}

const close = (a: number, b: number, rel: number): boolean => Math.abs(a - b) <= rel * Math.max(1e-9, Math.abs(b));

test('every signal equals the NumPy / OpenCV reference on real photo crops', async (t) => {
  const expected = JSON.parse(await readFile(new URL('expected.json', fixtures), 'utf8')) as {
    images: Array<{ file: string; sharpness: number; topOctave: number; brightness: number; dynamicRange: number; colourfulness: number; entropy: number }>;
  };
  for (const e of expected.images) {
    const s = imageSignals(await rgb(new URL(e.file, fixtures).pathname));
    // float32 luminance on both sides; the sums run in float64, so agreement is to rounding.
    t.true(close(s.sharpness, e.sharpness, 1e-9), `${e.file} sharpness ${s.sharpness} vs OpenCV ${e.sharpness}`);
    t.true(close(s.topOctave, e.topOctave, 1e-9), `${e.file} top octave ${s.topOctave} vs NumPy FFT ${e.topOctave}`);
    t.true(close(s.brightness, e.brightness, 1e-12), `${e.file} brightness`);
    t.is(s.dynamicRange, e.dynamicRange, `${e.file} dynamic range`);
    t.true(close(s.colourfulness, e.colourfulness, 1e-9) || (e.colourfulness === 0 && s.colourfulness < 1e-9), `${e.file} colourfulness ${s.colourfulness}`);
    t.true(close(s.entropy, e.entropy, 1e-12), `${e.file} entropy`);
  }
});

test('flat images: no sharpness, no dynamic range, zero entropy, grey has no colour', (t) => {
  const flat = { width: 40, height: 30, data: new Uint8Array(40 * 30 * 3).fill(77) };
  const s = imageSignals(flat);
  t.deepEqual([s.sharpness, s.dynamicRange, s.entropy, s.colourfulness], [0, 0, 0, 0]);
  t.true(Math.abs(s.brightness - 77) < 1e-4);
  const red = { width: 8, height: 8, data: new Uint8Array(8 * 8 * 3).map((_, i) => (i % 3 === 0 ? 200 : 0)) };
  // μ_rg = 200, μ_yb = 100, no spread: M = 0.3·√(200² + 100²).
  t.true(Math.abs(imageSignals(red).colourfulness - 0.3 * Math.hypot(200, 100)) < 1e-9);
});

test('the top-octave ratio falls as a photo is enlarged from smaller copies; white noise sits near the bin-count ratio', async (t) => {
  const photo = await readFile(new URL('012-mountain-stream.jpg', scenes));
  const ratios: number[] = [];
  for (const side of [256, 128, 64]) {
    const enlarged = await sharp(await sharp(photo).resize(side, side).toBuffer()).resize(256, 256, { kernel: 'lanczos3' }).png().toBuffer();
    ratios.push(imageSignals(await rgb(enlarged)).topOctave);
  }
  t.log(`top-octave ratio of 012 at 1×, enlarged 2× and 4×: ${ratios.map((r) => r.toFixed(3)).join(', ')}`);
  t.true(ratios[0] > 0.15 && ratios[1] < 0.15 && ratios[2] < ratios[0] / 3, ratios.join(' '));
  // Uniform noise: flat spectrum, so top (bins 64…128) over next (bins 32…63) ≈ 65/32 (the Hann window blurs the edges).
  let s = 12345;
  const noise = new Uint8Array(256 * 256 * 3).map(() => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24));
  const r = topOctaveRatio({ width: 256, height: 256, data: luminance({ width: 256, height: 256, data: noise }) });
  t.true(Math.abs(r - 65 / 32) < 0.15, `noise ratio ${r}`);
});

test('sharpness is measured at the reference scale: a 2×-upsampled-by-replication image reads as its original', (t) => {
  // Each pixel of a 300×300 image repeated 2×2 gives 600×600, which is box-averaged by 2 back to the original exactly.
  let s = 7;
  const small = new Float32Array(300 * 300).map(() => ((s = (s * 1103515245 + 12345) >>> 0) >>> 24));
  const big = new Float32Array(600 * 600);
  for (let y = 0; y < 600; y++) for (let x = 0; x < 600; x++) big[y * 600 + x] = small[(y >> 1) * 300 + (x >> 1)];
  t.is(referenceFactor(600, 600), 2);
  t.is(referenceFactor(384, 500), 1, 'up to 1.5× the reference side, no reduction');
  const reduced = boxReduce({ width: 600, height: 600, data: big }, 2);
  t.deepEqual([reduced.width, reduced.height], [300, 300]);
  t.is(laplacianVariance(reduced), laplacianVariance({ width: 300, height: 300, data: small }));
});

test('stored signals are rounded to 5 significant figures', (t) => {
  const r = roundSignals({ sharpness: 1234.5678, topOctave: 0.123456789, brightness: 99.999999, dynamicRange: 200, colourfulness: 0, entropy: 7.123456 });
  t.deepEqual(r, { sharpness: 1234.6, topOctave: 0.12346, brightness: 100, dynamicRange: 200, colourfulness: 0, entropy: 7.1235 });
});

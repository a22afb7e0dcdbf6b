// Super-resolution: UpscalerJS' ESRGAN models loaded by bgfill against UpscalerJS' own upscale() (the `upscaler`
// package, run here as the reference), tiling that cannot change a byte where the receptive field allows, the
// receptive field itself, the custom layers, bicubic resampling against Pillow, and bad model files.
import test from 'ava';
import { copyFile, mkdir, mkdtemp, readFile, rm, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { initBackend } from '../src/backend/init-backend.js';
import { resizeBicubic, bicubicUpscaler } from '../src/upscale/bicubic.js';
import { loadEsrgan } from '../src/upscale/esrgan.js';
import { MultiplyBeta, pixelShuffleLayer, RESIDUAL_BETA } from '../src/upscale/esrgan-layers.js';
import { esrganModelPath, parseEsrganScale, parseEsrganSize, type EsrganScale, type EsrganSize } from '../src/upscale/esrgan-models.js';
import { receptiveField } from '../src/upscale/receptive-field.js';
import { parseUpscaleTile, planUpscaleTiles } from '../src/upscale/upscale-tiles.js';
import type { RgbImageLike } from '../src/inference/inpaint.js';
import { referenceUpscaler } from './fixtures/upscalerjs-reference.js';

const fixtures = new URL('./fixtures/bicubic/', import.meta.url);
const scene = new URL('../../../samples/scenes/012-mountain-stream.jpg', import.meta.url);
let dir: string;

test.before(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'bgfill-upscale-'));
});

test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function readPng(path: URL | string): Promise<RgbImageLike> {
  const { data, info } = await sharp(path instanceof URL ? path.pathname : path).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height };
}

/** A crop of a real photo (the sample scenes are 256×256). */
async function photoCrop(left: number, top: number, width: number, height: number): Promise<RgbImageLike> {
  const { data } = await sharp(scene.pathname).extract({ left, top, width, height }).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width, height };
}

function maxDifference(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let max = 0;
  for (let i = 0; i < a.length; i++) max = Math.max(max, Math.abs(a[i] - b[i]));
  return max;
}

function differingBytes(a: Uint8Array, b: Uint8Array): number {
  let n = 0;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) n++;
  return n;
}

// — Against UpscalerJS —

for (const [size, scale, crop] of [
  ['slim', 4, [100, 100, 24, 20]],
  ['medium', 3, [60, 150, 20, 16]],
  ['thick', 2, [180, 30, 16, 14]],
] as Array<[EsrganSize, EsrganScale, [number, number, number, number]]>) {
  test.serial(`esrgan-${size} ×${scale} equals UpscalerJS' upscale() on a photo crop within 1 grey level`, async (t) => {
    const image = await photoCrop(...crop);
    const reference = referenceUpscaler(size, scale);
    const expected = await reference.upscale(tf.tensor3d(Float32Array.from(image.data), [image.height, image.width, 3]), { output: 'tensor' });
    const values = await expected.data();
    t.deepEqual(expected.shape, [image.height * scale, image.width * scale, 3]);
    expected.dispose();
    await reference.dispose();
    // Loaded after the reference, so that its own layer classes (registered by its setup) are replaced by bgfill's.
    const ours = await loadEsrgan(size, scale, { tile: 8 });
    const out = await ours.upscale(image);
    ours.dispose();
    t.is(out.width, image.width * scale);
    t.is(out.height, image.height * scale);
    const diff = maxDifference(out.data, values);
    t.true(diff <= 1, `largest difference ${diff}`);
    t.true(diff <= 0.5 + 1e-3, `rounding alone explains it: ${diff}`);
  });
}

test.serial('the pure-JavaScript cpu backend gives the wasm bytes within 1 grey level', async (t) => {
  const image = await photoCrop(200, 90, 14, 12);
  const onWasm = await loadEsrgan('slim', 2);
  const expected = await onWasm.upscale(image);
  onWasm.dispose();
  await initBackend('cpu', { strict: true });
  try {
    const onCpu = await loadEsrgan('slim', 2);
    const out = await onCpu.upscale(image);
    onCpu.dispose();
    t.true(maxDifference(out.data, expected.data) <= 1);
  } finally {
    await initBackend('wasm');
  }
});

// — Tiling —

test.serial('slim and medium: any tile size gives the bytes of one whole-image run (margin ≥ receptive field)', async (t) => {
  const image = await photoCrop(30, 40, 45, 38);
  for (const size of ['slim', 'medium'] as const) {
    const whole = await loadEsrgan(size, 2, { tile: 0 });
    t.is(whole.margin, whole.radius);
    const expected = await whole.upscale(image);
    whole.dispose();
    for (const tile of [5, 16, 37]) {
      const tiled = await loadEsrgan(size, 2, { tile });
      const out = await tiled.upscale(image);
      tiled.dispose();
      t.is(differingBytes(out.data, expected.data), 0, `${size}, tile ${tile}`);
    }
  }
});

test.serial('thick: tiles with the default 18-pixel margin of its 154-pixel field stay within 1 grey level of one run', async (t) => {
  const image = await photoCrop(120, 120, 40, 36);
  const whole = await loadEsrgan('thick', 2, { tile: 0 });
  const expected = await whole.upscale(image);
  whole.dispose();
  const tiled = await loadEsrgan('thick', 2, { tile: 20 });
  t.is(tiled.radius, 154);
  t.is(tiled.margin, 18);
  const out = await tiled.upscale(image);
  tiled.dispose();
  t.true(maxDifference(out.data, expected.data) <= 1);
});

test.serial('a region upscales to the pixels of the whole upscale there (ESRGAN and bicubic)', async (t) => {
  const image = await photoCrop(10, 200, 36, 30);
  const region = { x: 7, y: 11, width: 13, height: 9 };
  for (const upscaler of [await loadEsrgan('slim', 3, { tile: 6 }), bicubicUpscaler(3)]) {
    const whole = await upscaler.upscale(image);
    const part = await upscaler.upscale(image, { region });
    upscaler.dispose();
    t.is(part.width, 39);
    t.is(part.height, 27);
    for (let y = 0; y < part.height; y++) {
      const from = ((region.y * 3 + y) * whole.width + region.x * 3) * 3;
      t.deepEqual(part.data.subarray(y * part.width * 3, (y + 1) * part.width * 3), whole.data.subarray(from, from + part.width * 3), `${upscaler.name}, row ${y}`);
    }
  }
});

test('tile plan: cores partition the region, inputs add the margin inside the image', (t) => {
  const tiles = planUpscaleTiles({ x: 3, y: 2, width: 50, height: 21 }, 60, 30, 16, 5);
  t.is(tiles.length, 4 * 2);
  t.deepEqual(tiles[0], { core: { x: 3, y: 2, width: 16, height: 16 }, input: { x: 0, y: 0, width: 24, height: 23 } });
  t.deepEqual(tiles[7], { core: { x: 51, y: 18, width: 2, height: 5 }, input: { x: 46, y: 13, width: 12, height: 15 } });
  const covered = new Uint8Array(60 * 30);
  for (const { core } of tiles) for (let y = core.y; y < core.y + core.height; y++) for (let x = core.x; x < core.x + core.width; x++) covered[y * 60 + x]++;
  for (let y = 0; y < 30; y++) for (let x = 0; x < 60; x++) t.is(covered[y * 60 + x], x >= 3 && x < 53 && y >= 2 && y < 23 ? 1 : 0);
  t.deepEqual(planUpscaleTiles({ x: 0, y: 0, width: 60, height: 30 }, 60, 30, 0, 5), [{ core: { x: 0, y: 0, width: 60, height: 30 }, input: { x: 0, y: 0, width: 60, height: 30 } }]);
});

// — Receptive field —

test('receptive field read from the published layer lists', async (t) => {
  const radius = async (size: EsrganSize, scale: EsrganScale) => receptiveField(JSON.parse(await readFile(await esrganModelPath(size, scale), 'utf8')).modelTopology);
  // slim (RDN, D 2, C 1): F−1, F0, one 3×3 conv per RDB (×2), GFF 3×3, UPN 5×5 + 3×3 + 3×3 = 1+1+2+1+2+1+1 = 9 at
  // the input's resolution, then the 3×3 SR conv after upsampling by s needs ⌈1/s⌉ = 1 more.
  t.deepEqual(await radius('slim', 4), { radius: 10, scale: 4 });
  // medium: as slim with 10 RDBs: 9 + 8 = 17, + 1.
  t.deepEqual(await radius('medium', 8), { radius: 18, scale: 8 });
  // thick (RRDN, T 10 × 3 RDBs × C 4 convs = 120 3×3 convs in the trunk) + F−1, F0 … = 154; pixel shuffle last.
  t.deepEqual(await radius('thick', 3), { radius: 154, scale: 3 });
});

test.serial('receptive field is tight: a changed input pixel moves outputs up to the radius away, none beyond', async (t) => {
  const image = await photoCrop(50, 50, 33, 5);
  const sr = await loadEsrgan('slim', 2, { tile: 0 });
  const changed = Float32Array.from(image.data);
  for (let c = 0; c < 3; c++) changed[(2 * 33 + 16) * 3 + c] = 255 - changed[(2 * 33 + 16) * 3 + c];
  // The network's float output (bytes would hide the faintest reach under rounding).
  const predict = (values: Float32Array) => tf.tidy(() => (sr.model.predict(tf.tensor4d(values, [1, 5, 33, 3])) as tf.Tensor).dataSync());
  const before = predict(Float32Array.from(image.data));
  const after = predict(changed);
  sr.dispose();
  // Which input columns (⌊X / 2⌋) of the output have any changed value.
  const moved = new Set<number>();
  for (let p = 0; p < after.length; p++) if (after[p] !== before[p]) moved.add(Math.floor(((p / 3) | 0) % 66 / 2));
  t.is(Math.min(...moved), 16 - 10);
  t.is(Math.max(...moved), 16 + 10);
});

// — Custom layers —

test('PixelShuffle is depth-to-space: out[y·s + i, x·s + j, c] = in[y, x, (i·s + j)·C + c]', (t) => {
  const s = 3;
  const input = tf.tensor4d(Float32Array.from({ length: 2 * 2 * 27 }, (_, i) => i), [1, 2, 2, 27]);
  const layer = new (pixelShuffleLayer(s) as unknown as new (config: object) => tf.layers.Layer)({});
  const out = (layer.apply(input) as tf.Tensor).arraySync() as number[][][][];
  const values = input.arraySync()[0];
  t.deepEqual(layer.computeOutputShape([null, 2, 2, 27]), [null, 6, 6, 3]);
  for (let y = 0; y < 2; y++) for (let x = 0; x < 2; x++) for (let i = 0; i < s; i++) for (let j = 0; j < s; j++) for (let c = 0; c < 3; c++) {
    t.is(out[0][y * s + i][x * s + j][c], values[y][x][(i * s + j) * 3 + c]);
  }
  const beta = (new MultiplyBeta({}).apply(tf.tensor1d([1, -2.5])) as tf.Tensor).arraySync() as number[];
  t.deepEqual(beta.map((v) => Math.round(v * 1e6) / 1e6), [RESIDUAL_BETA, -2.5 * RESIDUAL_BETA]);
});

// — Bicubic —

test('bicubic matches Pillow (Image.resize BICUBIC) within 1 grey level, enlarging and shrinking', async (t) => {
  const source = await readPng(new URL('source.png', fixtures));
  for (const name of ['up4', 'up3', 'down3', 'odd']) {
    const expected = await readPng(new URL(`${name}.png`, fixtures));
    const out = resizeBicubic(source, expected.width, expected.height);
    t.true(maxDifference(out.data, expected.data) <= 1, name);
  }
  t.throws(() => resizeBicubic(source, 0, 4), { instanceOf: BgfillError });
});

// — Bad input —

test('bad model files and options are BgfillErrors that name the file or option', async (t) => {
  const good = await esrganModelPath('slim', 2);
  const copy = join(dir, 'model', 'model.json');
  await mkdir(dirname(copy), { recursive: true });
  const json = await readFile(good, 'utf8');
  const shard = (JSON.parse(json) as { weightsManifest: Array<{ paths: string[] }> }).weightsManifest[0].paths[0];
  await writeFile(copy, json);
  await copyFile(join(dirname(good), shard), join(dir, 'model', shard));
  await truncate(join(dir, 'model', shard), 100);
  await t.throwsAsync(loadEsrgan('slim', 2, { modelPath: copy }), { instanceOf: BgfillError, message: /model\.json: its weight shards hold 100 bytes but its weights need \d+/ });
  await t.throwsAsync(loadEsrgan('slim', 2, { modelPath: join(dir, 'none.json') }), { instanceOf: BgfillError, message: /none\.json: cannot read the model file/ });
  await writeFile(join(dir, 'bad.json'), '{"modelTopology": 1');
  await t.throwsAsync(loadEsrgan('slim', 2, { modelPath: join(dir, 'bad.json') }), { instanceOf: BgfillError, message: /bad\.json: not a TensorFlow\.js model\.json/ });
  await t.throwsAsync(loadEsrgan('slim', 4, { modelPath: good }), { instanceOf: BgfillError, message: /upscales by 2, not 4/ });
  t.throws(() => parseEsrganScale('5', '--scale'), { instanceOf: BgfillError, message: /one of 2, 3, 4, 8 for --scale/ });
  t.throws(() => parseEsrganSize('huge', '--model'), { instanceOf: BgfillError, message: /one of slim, medium, thick for --model/ });
  t.throws(() => parseUpscaleTile('-1', '--tile'), { instanceOf: BgfillError, message: /--tile/ });
  t.is(parseEsrganScale('8'), 8);
});

// Inference strategies on a real (small, random-init) generator and on a stand-in network with a known, smooth
// output: padding and cropping, the unchanged-outside-the-hole guarantee, erosion passes, feathered tiles, NPY.
import test from 'ava';
import { BgfillError, rngFor } from '@bgfill/core';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { erode, type Mask } from '@bgfill/masks';
import { initBackend } from '../src/backend/init-backend.js';
import { InpaintGenerator, type ApplyOptions, type GeneratorOutputs } from '../src/model/generator.js';
import { loadGenerator, saveGeneratorCheckpoint } from '../src/weights/checkpoint.js';
import { inpaint, type InpaintNetwork, type RgbImageLike } from '../src/inference/inpaint.js';
import { passMasks } from '../src/inference/passes.js';
import { fromNetRange, toNetRange } from '../src/inference/pixel-range.js';
import { crop, paddingToMultiple, reflectIndex, reflectPad } from '../src/inference/reflect-pad.js';
import { AUTO_TILE_SIDE, TileBlender, autoTileGrid, parseTileGrid, planTiles, tileWeights, type Tile } from '../src/inference/tiling.js';
import { encodeNpy } from '../src/inference/npy.js';
import { OnnxEngine } from '../src/onnx/onnx-engine.js';
import { createPredictor, inpaintBatch } from '../src/predictor.js';
import { calibratedGenerator } from './fixtures/inference-generator.js';

const run = promisify(execFile);
let generator: InpaintGenerator;
let dir: string;

test.before(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'bgfill-inference-'));
  // The generator goes through a checkpoint file, as in use: saved, then loaded.
  const fresh = calibratedGenerator({ cnum: 4 }, 1);
  await saveGeneratorCheckpoint(join(dir, 'g.safetensors'), fresh);
  fresh.dispose();
  generator = await loadGenerator(join(dir, 'g.safetensors'));
});

test.after.always(async () => {
  generator?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A textured test image (smooth gradients plus seeded noise) of any size. */
function testImage(width: number, height: number, seed = 'image'): RgbImageLike {
  const rng = rngFor('inference-test', seed);
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = (y * width + x) * 3;
      data[p] = Math.min(255, Math.round((255 * x) / width + rng.int(0, 20)));
      data[p + 1] = Math.min(255, Math.round((255 * y) / height + rng.int(0, 20)));
      data[p + 2] = rng.int(60, 90);
    }
  }
  return { data, width, height };
}

function countHole(mask: Mask): number {
  return mask.data.reduce((n, v) => n + (v === 0 ? 0 : 1), 0);
}

function rectMask(width: number, height: number, x0: number, y0: number, x1: number, y1: number): Mask {
  const data = new Uint8Array(width * height);
  for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * width + x] = 1;
  return { width, height, data };
}

/** Independent reflection: walk from 0 to i one step at a time, bouncing off both ends. */
function bounce(i: number, n: number): number {
  if (n === 1) return 0;
  let pos = 0;
  let dir = i >= 0 ? 1 : -1;
  for (let step = 0; step < Math.abs(i); step++) {
    if (pos + dir < 0 || pos + dir > n - 1) dir = -dir;
    pos += dir;
  }
  return pos;
}

test('reflectIndex equals a step-by-step bounce for every offset, even past several reflections', (t) => {
  for (const n of [1, 2, 3, 5, 8]) for (let i = -20; i <= 25; i++) t.is(reflectIndex(i, n), bounce(i, n), `i=${i} n=${n}`);
});

test('padding to a multiple then cropping gives the image back, for odd sizes down to 1 px', (t) => {
  for (const [w, h] of [[45, 37], [1, 1], [3, 7], [17, 2], [64, 63]]) {
    const img = testImage(w, h, `pad-${w}x${h}`);
    const pad = paddingToMultiple(w, h, 4);
    const padded = reflectPad({ data: img.data, width: w, height: h, channels: 3 }, pad);
    t.is(padded.width % 4, 0);
    t.is(padded.height % 4, 0);
    t.true(padded.width - w < 4 && padded.height - h < 4, 'the smallest multiple');
    // The border mirrors the image: padded(top − 1 − i) is image row i + 1 (edge row not repeated).
    if (pad.top > 0 && h > 1) {
      const row = (r: number) => Array.from(padded.data.subarray(r * padded.width * 3, (r + 1) * padded.width * 3));
      t.deepEqual(row(pad.top - 1), row(pad.top + 1));
    }
    const back = crop(padded, { x: pad.left, y: pad.top, width: w, height: h });
    t.deepEqual(back.data, img.data, `${w}×${h}`);
  }
});

test('the −1…1 mapping round-trips every 8-bit value and clamps out-of-range outputs', (t) => {
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  const net = toNetRange(all);
  t.is(net[0], -1);
  t.is(net[255], 1);
  t.deepEqual(fromNetRange(net), all);
  t.deepEqual(Array.from(fromNetRange(new Float32Array([-3, 2, NaN, 0.001]))), [0, 255, 0, 128]);
});

test.serial('inpaint with the real generator: any size, known pixels unchanged, the hole filled', async (t) => {
  const image = testImage(45, 37);
  const mask = rectMask(45, 37, 12, 10, 30, 25);
  const out = await inpaint(generator, image, mask);
  t.is(out.width, 45);
  t.is(out.height, 37);
  let changed = 0;
  for (let p = 0; p < mask.data.length; p++) {
    for (let c = 0; c < 3; c++) {
      if (mask.data[p] === 0) {
        if (out.data[3 * p + c] !== image.data[3 * p + c]) return t.fail(`known pixel ${p} changed`);
      } else if (out.data[3 * p + c] !== image.data[3 * p + c]) changed++;
    }
  }
  t.true(changed > 0.5 * 3 * 18 * 15, `${changed} hole values differ from the input`);
  // The fill is the generator's own output: compare with a direct forward pass on the padded image.
  const pad = paddingToMultiple(45, 37, generator.requiredMultiple);
  const x = reflectPad({ data: toNetRange(image.data), width: 45, height: 37, channels: 3 }, pad);
  const m = reflectPad({ data: mask.data, width: 45, height: 37, channels: 1 }, pad);
  const direct = tf.tidy(() =>
    generator.apply(tf.tensor4d(x.data, [1, x.height, x.width, 3]), tf.tensor4d(Float32Array.from(m.data), [1, x.height, x.width, 1])).refined,
  );
  const refined = crop({ data: (await direct.data()) as Float32Array, width: x.width, height: x.height, channels: 3 }, { x: pad.left, y: pad.top, width: 45, height: 37 });
  direct.dispose();
  const expected = fromNetRange(refined.data);
  for (let p = 0; p < mask.data.length; p++) {
    if (mask.data[p] === 1) for (let c = 0; c < 3; c++) if (out.data[3 * p + c] !== expected[3 * p + c]) return t.fail(`hole pixel ${p} is not the refined output`);
  }
  t.pass();
});

test('passMasks: pass k fills erode(mask, k·K), and stops when the hole vanishes', (t) => {
  const mask = rectMask(40, 30, 5, 5, 30, 22);
  const masks = passMasks(mask, 4, 3);
  t.is(masks.length, 3, 'a 17-px-tall hole survives 2×3 but not 3×3 erosions of a 3×3 square');
  masks.forEach((m, k) => t.deepEqual(m.data, erode(mask, { iterations: k * 3 }).data, `pass ${k}`));
  t.deepEqual(passMasks(mask, 1, 5).length, 1);
});

test.serial('two passes with erosion: differ from one pass inside the hole, equal a manual refill of pass 1', async (t) => {
  const image = testImage(48, 40, 'passes');
  const mask = rectMask(48, 40, 10, 8, 36, 30);
  const one = await inpaint(generator, image, mask, { passes: 1, raw: true });
  const two = await inpaint(generator, image, mask, { passes: 2, erode: 4, raw: true });
  const inner = erode(mask, { iterations: 4 });
  let differ = 0;
  for (let p = 0; p < mask.data.length; p++) {
    for (let c = 0; c < 3; c++) {
      const i = 3 * p + c;
      if (mask.data[p] === 0) t.is(two.data[i], image.data[i]);
      else if (inner.data[p] === 0 && two.data[i] !== one.data[i]) return t.fail(`ring pixel ${p}: pass 1's fill must stay`);
      else if (inner.data[p] === 1 && Math.abs(two.raw![i] - one.raw![i]) > 1e-6) differ++;
    }
  }
  t.true(differ > 0.5 * 3 * countHole(inner), `pass 2 refilled the eroded hole (${differ} values differ)`);
  // Pass 2 by hand: inpaint pass 1's 8-bit result with the eroded mask. The library keeps pass 1 in float, so
  // allow the 8-bit rounding of its input to show up as at most a level or two.
  const manual = await inpaint(generator, one, inner);
  let worst = 0;
  for (let i = 0; i < manual.data.length; i++) worst = Math.max(worst, Math.abs(manual.data[i] - two.data[i]));
  t.true(worst <= 2, `max difference to the manual two-pass result: ${worst}`);
});

test('planTiles: equal tiles covering the image, overlap ≥ 1/8 of a tile, weights summing to 1 everywhere', (t) => {
  for (const [w, h, cols, rows] of [[512, 512, 2, 2], [300, 97, 3, 1], [77, 130, 2, 3], [64, 64, 1, 1]]) {
    const grid = { cols, rows };
    const tiles = planTiles(w, h, grid);
    t.is(tiles.length, cols * rows);
    const weights = tileWeights(tiles, grid);
    const sum = new Float64Array(w * h);
    for (const [i, tile] of tiles.entries()) {
      t.true(tile.x >= 0 && tile.y >= 0 && tile.x + tile.width <= w && tile.y + tile.height <= h);
      t.is(tile.width, tiles[0].width);
      if (i % cols > 0) t.true(tiles[i - 1].x + tiles[i - 1].width - tile.x >= tile.width / 8, 'horizontal overlap ≥ 1/8');
      if (i >= cols) t.true(tiles[i - cols].y + tiles[i - cols].height - tile.y >= tile.height / 8, 'vertical overlap ≥ 1/8');
      for (let y = 0; y < tile.height; y++) for (let x = 0; x < tile.width; x++) sum[(tile.y + y) * w + tile.x + x] += weights[i][y * tile.width + x];
    }
    let worst = 0;
    for (const s of sum) worst = Math.max(worst, Math.abs(s - 1));
    t.true(worst < 1e-6, `${w}×${h} ${cols}x${rows}: weights sum to 1 (worst ${worst})`);
  }
});

/**
 * A stand-in network with a known, smooth answer: it fills with the mean colour of the known pixels it sees, so
 * tiles that see different content fill with different constants, the worst case for a seam.
 */
const meanColourNet: InpaintNetwork = {
  requiredMultiple: 4,
  apply(x: tf.Tensor4D, mask: tf.Tensor4D, _options?: ApplyOptions): GeneratorOutputs {
    return tf.tidy(() => {
      const keep = tf.sub(1, mask);
      const mean = tf.div(tf.sum(tf.mul(x, keep), [1, 2], true), tf.maximum(tf.sum(keep, [1, 2], true), 1));
      const refined = tf.broadcastTo(mean, x.shape) as tf.Tensor4D;
      return { coarse: tf.clone(refined), refined, composite: tf.add(tf.mul(refined, mask), tf.mul(x, keep)) as tf.Tensor4D };
    });
  },
};

/** Largest difference between horizontally or vertically adjacent hole pixels, in 8-bit levels. */
function maxStep(out: RgbImageLike, mask: Mask): number {
  let worst = 0;
  const { width, height, data } = out;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      if (mask.data[p] === 0) continue;
      for (const q of [x + 1 < width ? p + 1 : -1, y + 1 < height ? p + width : -1]) {
        if (q < 0 || mask.data[q] === 0) continue;
        for (let c = 0; c < 3; c++) worst = Math.max(worst, Math.abs(data[3 * p + c] - data[3 * q + c]));
      }
    }
  }
  return worst;
}

test.serial('tiles blend without seams: the fill changes at most (tile difference ÷ overlap) per pixel and never leaves the tiles’ range', async (t) => {
  const width = 200;
  const height = 120;
  // A strong left-to-right gradient, so each tile's known pixels average to a clearly different colour.
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) data.set([Math.round((255 * x) / (width - 1)), 40, Math.round((200 * y) / (height - 1))], (y * width + x) * 3);
  const image = { data, width, height };
  const mask = rectMask(width, height, 20, 15, 180, 105);
  const grid = { cols: 3, rows: 2 };
  const out = await inpaint(meanColourNet, image, mask, { tiles: grid });
  // Each tile's own fill, computed independently of the blender: the mean colour of its known pixels (8-bit).
  const tiles = planTiles(width, height, grid);
  const tileColour = tiles.map((tile: Tile) => {
    const sum = [0, 0, 0];
    let n = 0;
    for (let y = tile.y; y < tile.y + tile.height; y++) {
      for (let x = tile.x; x < tile.x + tile.width; x++) {
        if (mask.data[y * width + x] === 1) continue;
        n++;
        for (let c = 0; c < 3; c++) sum[c] += data[(y * width + x) * 3 + c];
      }
    }
    return sum.map((s) => s / n);
  });
  const overlap = Math.min(tiles[0].x + tiles[0].width - tiles[1].x, tiles[0].y + tiles[0].height - tiles[grid.cols].y);
  let largestJump = 0;
  for (let a = 0; a < tiles.length; a++) for (let b = 0; b < tiles.length; b++) for (let c = 0; c < 3; c++) largestJump = Math.max(largestJump, Math.abs(tileColour[a][c] - tileColour[b][c]));
  const bound = largestJump / overlap + 1; // a linear ramp over the overlap, plus 8-bit rounding
  const step = maxStep(out, mask);
  t.log(`tile colours differ by up to ${largestJump.toFixed(1)} levels; overlap ${overlap}px; max step ${step} (bound ${bound.toFixed(2)})`);
  t.true(step <= bound, `largest step between neighbouring hole pixels ${step} > ${bound}`);
  // No dark or coloured border: every filled value is within the range of the tiles' colours (±1 for rounding).
  for (let p = 0; p < mask.data.length; p++) {
    if (mask.data[p] === 0) continue;
    for (let c = 0; c < 3; c++) {
      const lo = Math.min(...tileColour.map((k) => k[c])) - 1;
      const hi = Math.max(...tileColour.map((k) => k[c])) + 1;
      if (out.data[3 * p + c] < lo || out.data[3 * p + c] > hi) return t.fail(`pixel ${p} channel ${c} = ${out.data[3 * p + c]} outside [${lo}, ${hi}]`);
    }
  }
  // Control: the same tiles pasted with hard cuts (weight 1 on each tile's own half of the overlap) make a seam
  // that breaks the bound, so the bound does measure seams.
  const hard = new TileBlender(width, height, 3);
  for (const [i, tile] of tiles.entries()) {
    const col = i % grid.cols;
    const row = Math.floor(i / grid.cols);
    const w = new Float32Array(tile.width * tile.height);
    const x0 = col === 0 ? 0 : Math.round((tiles[i - 1].x + tiles[i - 1].width + tile.x) / 2);
    const x1 = col === grid.cols - 1 ? width : Math.round((tile.x + tile.width + tiles[i + 1].x) / 2);
    const y0 = row === 0 ? 0 : Math.round((tiles[i - grid.cols].y + tiles[i - grid.cols].height + tile.y) / 2);
    const y1 = row === grid.rows - 1 ? height : Math.round((tile.y + tile.height + tiles[i + grid.cols].y) / 2);
    for (let y = 0; y < tile.height; y++) for (let x = 0; x < tile.width; x++) w[y * tile.width + x] = tile.x + x >= x0 && tile.x + x < x1 && tile.y + y >= y0 && tile.y + y < y1 ? 1 : 0;
    hard.add(tile, toNetRange(Uint8Array.from({ length: tile.width * tile.height * 3 }, (_, k) => Math.round(tileColour[i][k % 3]))), w);
  }
  const hardOut = { data: fromNetRange(hard.result()), width, height };
  t.true(maxStep(hardOut, mask) > bound, `hard cuts step ${maxStep(hardOut, mask)} should exceed ${bound}`);
});

test.serial('tiles with the real generator: a 1x1 grid equals no tiling, known pixels unchanged with 2x2', async (t) => {
  const image = testImage(52, 44, 'tiles-real');
  const mask = rectMask(52, 44, 14, 9, 40, 33);
  const plain = await inpaint(generator, image, mask, { raw: true });
  const single = await inpaint(generator, image, mask, { tiles: { cols: 1, rows: 1 }, raw: true });
  t.deepEqual(single.data, plain.data);
  t.deepEqual(single.raw, plain.raw);
  const tiled = await inpaint(generator, image, mask, { tiles: { cols: 2, rows: 2 } });
  for (let p = 0; p < mask.data.length; p++) {
    if (mask.data[p] === 0) for (let c = 0; c < 3; c++) t.is(tiled.data[3 * p + c], image.data[3 * p + c]);
  }
});

test.serial('the raw output as NPY reads back in numpy with the right shape, dtype and values', async (t) => {
  const image = testImage(21, 13, 'npy');
  const out = await inpaint(generator, image, rectMask(21, 13, 4, 3, 15, 10), { raw: true });
  t.truthy(out.raw);
  t.is(out.raw!.length, 13 * 21 * 3);
  const file = join(dir, 'raw.npy');
  await writeFile(file, encodeNpy(out.raw!, [1, 13, 21, 3]));
  const script = `
import json, sys, numpy as np
a = np.load(sys.argv[1])
print(json.dumps({"shape": list(a.shape), "dtype": str(a.dtype), "values": a.ravel().astype(float).tolist()}))`;
  const { stdout } = await run('/usr/bin/python3', ['-c', script, file]);
  const read = JSON.parse(stdout) as { shape: number[]; dtype: string; values: number[] };
  t.deepEqual(read.shape, [1, 13, 21, 3]);
  t.is(read.dtype, 'float32');
  t.deepEqual(read.values, Array.from(out.raw!));
  // A 1-D shape uses Python's one-element tuple syntax, and the data starts on a 64-byte boundary.
  const one = encodeNpy(new Float32Array([1.5, -2]), [2]);
  t.is((one.length - 8) % 64, 0);
  await writeFile(join(dir, 'one.npy'), one);
  const { stdout: s2 } = await run('/usr/bin/python3', ['-c', 'import sys, numpy as np; a = np.load(sys.argv[1]); print(a.shape, a.tolist())', join(dir, 'one.npy')]);
  t.is(s2.trim(), '(2,) [1.5, -2.0]');
});

test('auto tiling: the fewest tiles per axis that keep every tile within 512 px', (t) => {
  t.deepEqual(parseTileGrid('auto'), 'auto');
  t.deepEqual(parseTileGrid('3x2'), { cols: 3, rows: 2 });
  t.throws(() => parseTileGrid('2x'), { instanceOf: BgfillError });
  for (const [w, h] of [[512, 300], [513, 513], [1200, 800], [4000, 3000], [100, 2000]]) {
    const grid = autoTileGrid(w, h);
    const tiles = planTiles(w, h, grid);
    t.true(tiles.every((tile) => tile.width <= AUTO_TILE_SIDE && tile.height <= AUTO_TILE_SIDE), `${w}×${h} → ${grid.cols}x${grid.rows}`);
    if (grid.cols > 1) t.true(planTiles(w, h, { cols: grid.cols - 1, rows: 1 })[0].width > AUTO_TILE_SIDE, `${w}: one column fewer would not fit`);
    if (grid.rows > 1) t.true(planTiles(w, h, { cols: 1, rows: grid.rows - 1 })[0].height > AUTO_TILE_SIDE, `${h}: one row fewer would not fit`);
  }
  t.deepEqual(autoTileGrid(512, 300), { cols: 1, rows: 1 });
});

test.serial('with tiles, the raw output is the network\'s everywhere, also in tiles without hole pixels; the composite is unchanged', async (t) => {
  const image = testImage(64, 48, 'raw-tiles');
  const mask = rectMask(64, 48, 4, 4, 20, 16); // only in the top-left tile of a 2×2 grid
  const tiles = { cols: 2, rows: 2 };
  const withRaw = await inpaint(generator, image, mask, { tiles, raw: true });
  const without = await inpaint(generator, image, mask, { tiles });
  t.deepEqual(withRaw.data, without.data, 'the composite does not depend on running hole-free tiles');
  // The bottom-right tile has no hole: its raw values are the network's (calibrated net: not the input back).
  let differsFromInput = 0;
  const input = toNetRange(image.data);
  for (let y = 40; y < 48; y++) {
    for (let x = 56; x < 64; x++) {
      for (let c = 0; c < 3; c++) if (Math.abs(withRaw.raw![(y * 64 + x) * 3 + c] - input[(y * 64 + x) * 3 + c]) > 1e-3) differsFromInput++;
    }
  }
  t.true(differsFromInput > 100, `raw values in the hole-free corner are network output (${differsFromInput} of 192 differ from the input)`);
});

test.serial('an image too large for one network run is refused with advice; tiles make it fit', async (t) => {
  const image = testImage(64, 64, 'large');
  const mask = rectMask(64, 64, 10, 10, 50, 50);
  // 64×64 needs (64·64/16)² · 4 = 262 144 bytes of attention scores; 2×2 tiles of 35 px (36 padded) need 26 244.
  const err = await t.throwsAsync(inpaint(generator, image, mask, { maxAttentionBytes: 100_000 }), { instanceOf: BgfillError });
  t.regex(err!.message, /inpaint in tiles, e\.g\. --tiles \d+x\d+ or --tiles auto/);
  const tiled = await inpaint(generator, image, mask, { maxAttentionBytes: 100_000, tiles: { cols: 2, rows: 2 } });
  t.is(tiled.width, 64);
});

test.serial('onnxruntime engine: passes + erosion + 2x2 tiles give the tfjs generator’s result (raw within 1e-4), known pixels unchanged', async (t) => {
  const engine = await OnnxEngine.fromGenerator(generator, { threads: 1 });
  const image = testImage(58, 46, 'onnx-strategies');
  const mask = rectMask(58, 46, 9, 7, 47, 38);
  const options = { passes: 2, erode: 3, tiles: { cols: 2, rows: 2 }, raw: true } as const;
  const viaOnnx = await inpaint(engine, image, mask, options);
  const viaTfjs = await inpaint(generator, image, mask, options);
  let worstRaw = 0;
  let worstLevel = 0;
  let filled = 0;
  for (let i = 0; i < viaTfjs.raw!.length; i++) {
    worstRaw = Math.max(worstRaw, Math.abs(viaOnnx.raw![i] - viaTfjs.raw![i]));
    worstLevel = Math.max(worstLevel, Math.abs(viaOnnx.data[i] - viaTfjs.data[i]));
    const p = Math.floor(i / 3);
    if (mask.data[p] === 0) {
      if (viaOnnx.data[i] !== image.data[i]) return t.fail(`known value ${i} changed`);
    } else if (viaOnnx.data[i] !== image.data[i]) filled++;
  }
  t.log(`max |raw diff| ${worstRaw.toExponential(2)}, max 8-bit difference ${worstLevel}`);
  t.true(worstRaw < 1e-4, `raw outputs differ by ${worstRaw}`);
  t.true(worstLevel <= 1, 'at most a rounding step apart');
  t.true(filled > 0.5 * 3 * countHole(mask), `${filled} hole values filled`);
  await engine.dispose();
});

test.serial('createPredictor with backend onnx: a batch inpainted as inpaintBatch does with the tfjs generator', async (t) => {
  const predictor = await createPredictor(join(dir, 'g.safetensors'), { backend: 'onnx', threads: 1 });
  const images = ['p1', 'p2'].map((seed) => ({ ...testImage(37, 29, seed), channels: 3 as const }));
  const masks = [rectMask(37, 29, 5, 5, 20, 20), rectMask(37, 29, 15, 3, 33, 25)];
  const got = await predictor.predict({ images, masks });
  const expected = await inpaintBatch(generator, { images, masks });
  t.is(got.length, 2);
  for (let b = 0; b < 2; b++) {
    t.is(got[b].width, 37);
    let worst = 0;
    for (let i = 0; i < got[b].data.length; i++) {
      if (masks[b].data[Math.floor(i / 3)] === 0 && got[b].data[i] !== images[b].data[i]) return t.fail(`image ${b}: known value ${i} changed`);
      worst = Math.max(worst, Math.abs(got[b].data[i] - expected[b].data[i]));
    }
    t.true(worst <= 1, `image ${b}: ${worst} levels from the tfjs result`);
  }
  predictor.dispose();
  await t.throwsAsync(predictor.predict({ images, masks }), { instanceOf: BgfillError, message: /disposed/ });
});

test.serial('createPredictor on a CPU engine runs a batch image by image: the bytes of one batched network run', async (t) => {
  // wasm runs each image alone (faster on CPUs); inpaintBatch runs all three in one network call.
  const predictor = await createPredictor(join(dir, 'g.safetensors'), { backend: 'wasm' });
  const images = ['q1', 'q2', 'q3'].map((seed) => ({ ...testImage(40, 28, seed), channels: 3 as const }));
  const masks = [rectMask(40, 28, 5, 5, 20, 20), rectMask(40, 28, 15, 3, 33, 25), rectMask(40, 28, 1, 1, 39, 27)];
  const got = await predictor.predict({ images, masks });
  const batched = await inpaintBatch(generator, { images, masks });
  t.deepEqual(got.map((o) => Array.from(o.data)), batched.map((o) => Array.from(o.data)));
  await t.throwsAsync(predictor.predict({ images, masks: masks.slice(0, 2) }), { instanceOf: BgfillError, message: /as many masks as images/ });
  predictor.dispose();
});

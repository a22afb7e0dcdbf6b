// Large photos (`bgfill inpaint --large`): the shrink-fill-enlarge composite on a real (small, calibrated) generator
// with ESRGAN and bicubic, what `auto` chooses, the factor plan, option conflicts, and the command end to end.
import test from 'ava';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError, rngFor } from '@bgfill/core';
import { dilate, type Mask } from '@bgfill/masks';
import { readRgbImage } from '@bgfill/eval';
import { initBackend } from '../src/backend/init-backend.js';
import type { InpaintGenerator } from '../src/model/generator.js';
import { saveGeneratorCheckpoint } from '../src/weights/checkpoint.js';
import type { RgbImageLike } from '../src/inference/inpaint.js';
import { featherComposite, holeDistance } from '../src/inference/feather-composite.js';
import { inpaintScaled, type UpscalerSource } from '../src/inference/large-photo.js';
import { AUTO_SCALE_EXTENT, chooseLargeStrategy, parseLargeSettings, planScale, upscalerFactors } from '../src/inference/large-strategy.js';
import { runInpaintCommand } from '../src/inference/run-inpaint.js';
import { bicubicUpscaler } from '../src/upscale/bicubic.js';
import { loadEsrgan } from '../src/upscale/esrgan.js';
import { calibratedGenerator } from './fixtures/inference-generator.js';

let generator: InpaintGenerator;
let dir: string;

test.before(async () => {
  await initBackend('wasm');
  generator = calibratedGenerator({ cnum: 4 }, 3);
  dir = await mkdtemp(join(tmpdir(), 'bgfill-large-'));
});

test.after.always(async () => {
  generator?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** A real photo enlarged to `width` × `height` (the samples are 256²). */
async function photo(width: number, height: number): Promise<RgbImageLike> {
  const scene = new URL('../../../samples/scenes/013-picos-de-europa.jpg', import.meta.url).pathname;
  const { data } = await sharp(scene).resize(width, height, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width, height };
}

/** A person-like hole: an ellipse for the body and a disc for the head. */
function personMask(width: number, height: number, cx: number, top: number, tall: number): Mask {
  const data = new Uint8Array(width * height);
  const head = tall / 8;
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const inHead = (x - cx) ** 2 + (y - top - head) ** 2 <= head ** 2;
      const inBody = ((x - cx) / (tall / 5)) ** 2 + ((y - top - head * 2 - (tall - 2 * head) / 2) / ((tall - 2 * head) / 2)) ** 2 <= 1;
      data[y * width + x] = inHead || inBody ? 1 : 0;
    }
  }
  return { width, height, data };
}

const esrganSource = (opened: Array<{ dispose(): void }>): UpscalerSource => ({
  factors: upscalerFactors('esrgan-slim'),
  open: async (factor) => {
    const u = await loadEsrgan('slim', factor as 2 | 3 | 4 | 8);
    opened.push(u);
    return u;
  },
});
const bicubicSource: UpscalerSource = { factors: upscalerFactors('bicubic'), open: async (f) => bicubicUpscaler(f) };

for (const which of ['esrgan-slim', 'bicubic'] as const) {
  test.serial(`scale (${which}): no pixel outside the hole changes, and what was under the hole never matters`, async (t) => {
    const width = 161;
    const height = 118;
    const image = await photo(width, height);
    const mask = personMask(width, height, 70, 20, 80);
    const opened: Array<{ dispose(): void }> = [];
    const source = which === 'bicubic' ? bicubicSource : esrganSource(opened);
    const feather = 3;
    const out = await inpaintScaled(generator, image, mask, source, { side: 64, feather });
    t.is(out.plan.factor, 3); // 161 / 2 > 64; ⌈161 / 3⌉ = 54 fits
    t.deepEqual([out.plan.lowWidth, out.plan.lowHeight, out.plan.paddedWidth, out.plan.paddedHeight], [54, 40, 162, 120]);
    let changedInside = 0;
    for (let p = 0; p < width * height; p++) {
      const same = [0, 1, 2].every((c) => out.data[3 * p + c] === image.data[3 * p + c]);
      if (mask.data[p] === 0) {
        if (!same) t.fail(`pixel ${p % width}, ${Math.floor(p / width)} outside the hole changed`);
      } else if (!same) changedInside++;
    }
    t.true(changedInside > 0.9 * mask.data.reduce((n, v) => n + v, 0), `${changedInside} hole pixels filled`);
    // A different "person" under the hole (inverted colours there) gives the same bytes everywhere.
    const other = { ...image, data: Uint8Array.from(image.data) };
    for (let p = 0; p < width * height; p++) if (mask.data[p] !== 0) for (let c = 0; c < 3; c++) other.data[3 * p + c] = 255 - other.data[3 * p + c];
    const again = await inpaintScaled(generator, other, mask, source, { side: 64, feather });
    t.deepEqual(again.data, out.data);
    for (const u of opened) u.dispose();
  });
}

test.serial('scale: an empty mask returns the photo unchanged', async (t) => {
  const image = await photo(100, 90);
  const out = await inpaintScaled(generator, image, { width: 100, height: 90, data: new Uint8Array(9000) }, bicubicSource, { side: 40 });
  t.deepEqual(out.data, image.data);
});

test('seam feather: the fill takes the photo\'s level at the hole\'s edge, fades to itself `feather` pixels in, reads nothing under the hole', (t) => {
  // A gradient photo, a fill 40 levels brighter everywhere: every outside pixel's offset is −40, so a hole pixel at
  // chessboard depth e gets fill − 40 · max(0, 1 − (e − 1)/F) — the photo's own value at the edge (e = 1).
  const width = 24;
  const height = 20;
  const feather = 4;
  const level = (x: number, y: number) => 40 + 5 * x + 2 * y;
  const hole: Mask = { width, height, data: new Uint8Array(width * height) };
  for (let y = 3; y < 17; y++) for (let x = 5; x < 21; x++) hole.data[y * width + x] = 1;
  const image = { width, height, data: new Uint8Array(width * height * 3) };
  for (let y = 0; y < height; y++) for (let x = 0; x < width; x++) image.data.fill(hole.data[y * width + x] ? 0 : level(x, y), 3 * (y * width + x), 3 * (y * width + x) + 3);
  const at = { x: 1, y: 0, width: 23, height: 20 }; // the hole ± feather, clipped to the photo
  const fill = new Uint8Array(at.width * at.height * 3);
  for (let y = 0; y < at.height; y++) for (let x = 0; x < at.width; x++) fill.fill(level(at.x + x, at.y + y) + 40, 3 * (y * at.width + x), 3 * (y * at.width + x) + 3);
  // (40 · w is a whole number for every weight: no rounding ties.)
  const out = featherComposite(image, hole, fill, at, feather);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const p = y * width + x;
      const depth = Math.min(x - 4, 21 - x, y - 2, 17 - y);
      const expected = hole.data[p] ? Math.round(level(x, y) + 40 - 40 * Math.max(0, 1 - (depth - 1) / feather)) : level(x, y);
      t.deepEqual([...out.subarray(3 * p, 3 * p + 3)], [expected, expected, expected], `(${x}, ${y})`);
    }
  }
  // feather 0: the fill as it is inside the hole.
  const hard = featherComposite(image, hole, fill, at, 0);
  t.is(hard[3 * (3 * width + 5)], level(5, 3) + 40);
});

test('chessboard distance to the hole, capped', (t) => {
  const mask: Mask = { width: 7, height: 5, data: new Uint8Array(35) };
  mask.data[2 * 7 + 3] = 1;
  const d = holeDistance(mask, 3);
  for (let y = 0; y < 5; y++) for (let x = 0; x < 7; x++) t.is(d[y * 7 + x], Math.min(3, Math.max(Math.abs(x - 3), Math.abs(y - 2))));
});

test('auto chooses scale from a hole spanning 25 % of the width or height, tiles below, and says why', (t) => {
  const rect = (w: number, h: number, x0: number, y0: number, x1: number, y1: number): Mask => {
    const data = new Uint8Array(w * h);
    for (let y = y0; y < y1; y++) for (let x = x0; x < x1; x++) data[y * w + x] = 1;
    return { width: w, height: h, data };
  };
  t.is(AUTO_SCALE_EXTENT, 0.25);
  const tall = chooseLargeStrategy('auto', rect(1000, 800, 500, 100, 520, 300)); // 200 / 800 = 25 % of the height
  t.is(tall.strategy, 'scale');
  t.regex(tall.reason, /the hole spans 25 % of the photo's height \(auto: scale from 25 %/);
  const wide = chooseLargeStrategy('auto', rect(1000, 800, 100, 100, 400, 110)); // 30 % of the width
  t.is(wide.strategy, 'scale');
  t.regex(wide.reason, /30 % of the photo's width/);
  const small = chooseLargeStrategy('auto', rect(1000, 800, 500, 100, 520, 299)); // 199 / 800 < 25 %
  t.is(small.strategy, 'tiles');
  t.regex(small.reason, /auto: tiles below 25 %/);
  t.is(chooseLargeStrategy('auto', rect(100, 100, 0, 0, 0, 0)).strategy, 'tiles');
  t.is(chooseLargeStrategy('scale', rect(1000, 800, 500, 100, 501, 101)).strategy, 'scale');
  t.is(chooseLargeStrategy('tiles', rect(1000, 800, 0, 0, 1000, 800)).strategy, 'tiles');
});

test('scale plan: the smallest factor whose copy fits the side', (t) => {
  const esrgan = upscalerFactors('esrgan-thick');
  t.deepEqual(planScale(1600, 1200, 512, esrgan), { factor: 4, paddedWidth: 1600, paddedHeight: 1200, lowWidth: 400, lowHeight: 300 });
  t.deepEqual(planScale(1100, 700, 512, esrgan), { factor: 3, paddedWidth: 1101, paddedHeight: 702, lowWidth: 367, lowHeight: 234 });
  t.is(planScale(1100, 700, 512, upscalerFactors('bicubic')).factor, 3);
  t.is(planScale(2100, 700, 512, esrgan).factor, 8); // 5 would do for bicubic; ESRGAN has 8
  t.is(planScale(2100, 700, 512, upscalerFactors('bicubic')).factor, 5);
  t.deepEqual(planScale(6000, 300, 512, esrgan), { factor: 8, paddedWidth: 6000, paddedHeight: 304, lowWidth: 750, lowHeight: 38 }); // too long even at ×8: the copy is tiled
});

test('--large and --upscaler: bad values and conflicts are clear errors', (t) => {
  t.throws(() => parseLargeSettings({ large: 'huge' }), { instanceOf: BgfillError, message: /one of auto, scale, tiles for --large but received "huge"/ });
  t.throws(() => parseLargeSettings({ upscaler: 'esrgan-xl' }), { instanceOf: BgfillError, message: /one of bicubic, esrgan-slim, esrgan-medium, esrgan-thick for --upscaler/ });
  t.throws(() => parseLargeSettings({ large: 'scale', tiles: '2x2' }), { instanceOf: BgfillError, message: /--large scale and --tiles exclude each other/ });
  t.throws(() => parseLargeSettings({ large: 'scale', saveRaw: 'a.npy' }), { instanceOf: BgfillError, message: /--save-raw .* --large tiles/ });
  t.throws(() => parseLargeSettings({ large: 'tiles', upscaler: 'bicubic' }), { instanceOf: BgfillError, message: /--upscaler only applies/ });
  t.deepEqual(parseLargeSettings({ saveRaw: 'a.npy' }), { strategy: 'tiles', upscaler: 'esrgan-medium', side: 512 });
  t.deepEqual(parseLargeSettings({}), { strategy: 'auto', upscaler: 'esrgan-medium', side: 512 });
});

test.serial('bgfill inpaint: a large photo with a person-sized hole is scaled (auto, said why), a small hole tiled', async (t) => {
  const width = 600;
  const height = 520; // above 512² pixels: too large for one network run
  const image = await photo(width, height);
  const checkpoint = join(dir, 'g.safetensors');
  await saveGeneratorCheckpoint(checkpoint, generator);
  await sharp(Buffer.from(image.data), { raw: { width, height, channels: 3 } }).png().toFile(join(dir, 'big.png'));
  const person = personMask(width, height, 300, 100, 300);
  await sharp(Buffer.from(person.data.map((v) => v * 255)), { raw: { width, height, channels: 1 } }).png().toFile(join(dir, 'person.png'));
  const lines: string[] = [];
  await runInpaintCommand({ checkpoint, image: join(dir, 'big.png'), mask: join(dir, 'person.png'), out: join(dir, 'scaled.png'), backend: 'wasm', upscaler: 'bicubic', dilate: '2' }, (l) => lines.push(l));
  const grownOnce = dilate(person, { iterations: 2, kernel: 'square' });
  const rowsWithHole = Array.from({ length: height }, (_, y) => grownOnce.data.subarray(y * width, (y + 1) * width).includes(1)).filter(Boolean).length;
  const percent = ((100 * rowsWithHole) / height).toFixed(0);
  t.true(
    lines.some((l) => new RegExp(`big\\.png: --large auto chose scale: the hole spans ${percent} % of the photo's height`).test(l) && /\(auto: scale from 25 %.*filled a ×2 smaller copy \(300×260\), enlarged with bicubic ×2/.test(l)),
    lines.join('\n'),
  );
  const scaled = await readRgbImage(join(dir, 'scaled.png'));
  // Outside the hole as used (--dilate 2) every pixel keeps its bytes: the seam is feathered inside the hole.
  for (let p = 0; p < width * height; p++) if (grownOnce.data[p] === 0 && [0, 1, 2].some((c) => scaled.data[3 * p + c] !== image.data[3 * p + c])) t.fail(`pixel ${p} outside the hole changed`);

  // With ESRGAN (tiled, on 2 wasm threads) a rerun writes the same bytes.
  const esrgan = { checkpoint, image: join(dir, 'big.png'), mask: join(dir, 'person.png'), out: join(dir, 'esrgan.png'), backend: 'wasm', upscaler: 'esrgan-slim', dilate: '2', progress: false };
  await runInpaintCommand(esrgan, () => {});
  const first = await readFile(esrgan.out);
  await runInpaintCommand({ ...esrgan, overwrite: true }, () => {});
  t.deepEqual(await readFile(esrgan.out), first, 'same inputs, same bytes');
  t.notDeepEqual(await readFile(join(dir, 'scaled.png')), first, 'the upscaler shows in the output');

  const rng = rngFor('large-photo-test', 'small');
  const spot = new Uint8Array(width * height);
  const cx = rng.int(100, 500);
  for (let y = 200; y < 240; y++) for (let x = cx; x < cx + 20; x++) spot[y * width + x] = 255;
  await sharp(Buffer.from(spot), { raw: { width, height, channels: 1 } }).png().toFile(join(dir, 'spot.png'));
  lines.length = 0;
  await runInpaintCommand({ checkpoint, image: join(dir, 'big.png'), mask: join(dir, 'spot.png'), out: join(dir, 'tiled.png'), backend: 'wasm' }, (l) => lines.push(l));
  t.true(lines.some((l) => /--large auto chose tiles: the hole spans 8 % of the photo's height \(auto: tiles below 25 %/.test(l)), lines.join('\n'));
  t.true(lines.some((l) => /inpainting in 2×2 tiles/.test(l)));
});

/**
 * Large photos (`bgfill inpaint --large`): tiles against scale + bicubic and scale + ESRGAN, on real 1–2 megapixel
 * photos with person-shaped holes over known ground truth. Tiles are the baseline, run in the same process.
 *
 *   node --import tsx bench/large-photos.ts --checkpoint GEN --photos DIR [--files a.jpg,b.jpg] [--side 1500]
 *        [--upscalers bicubic,esrgan-slim,esrgan-medium,esrgan-thick] [--backend onnx] [--out DIR] [--oracle]
 *        [--oracle-only]
 *
 * Photos: the full-resolution originals behind samples/ (Debian's lomiri-wallpapers-16.04 / -20.04, 20.04.0-2:
 * `apt-get download lomiri-wallpapers-16.04=20.04.0-2 lomiri-wallpapers-20.04=20.04.0-2`, then `dpkg-deb -x` each
 * into DIR and pass DIR/usr/share/backgrounds), each resized to --side pixels on its longer side (1500 × 1000 ≈
 * 1.5 MP for 3:2). No person is in them, so every pixel under a hole is known.
 *
 * Holes, three per photo (@bgfill/masks' `silhouette` strategy, seeded): a large person (drawn at the photo's size by
 * the person-box law), a medium and a small one (drawn at 1/3 and 1/6 of the photo's size, placed at a seeded
 * position in its lower part).
 *
 * Per strategy: hole L1 (0–1 scale, @bgfill/eval), MS-SSIM over the hole's bounding box grown by 32 px (at least
 * 96 px a side), sharpness = mean gradient magnitude (central differences of luma) inside the hole (eroded by one
 * pixel, so every stencil lies in the hole) over the same on the ground truth (1 = as sharp as the photo), and the
 * process CPU seconds. Which strategy `--large auto` would pick is listed per hole. The figures depend on the
 * generator passed with --checkpoint; with `--out`, the filled photos and masks are written there.
 *
 * --oracle adds, per upscaler, `scale` with a perfect fill of the shrunken copy (the ground truth shrunk: see
 * perfectFill): the ceiling of the scale strategy whatever the generator, i.e. what the shrink–enlarge round trip
 * loses in the hole and how much each upscaler recovers. --oracle-only runs those rows alone (no generator runs).
 */
import { loadavg } from 'node:os';
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import sharp from 'sharp';
import { rngFor } from '@bgfill/core';
import { erode, generateMask, type Mask } from '@bgfill/masks';
import { l1, msssim, type RgbImage } from '@bgfill/eval';
import { initBackend } from '../packages/trainer/src/backend/init-backend.js';
import { openEngine, selectEngine } from '../packages/trainer/src/inference/engine-select.js';
import { parseEngineRequest } from '../packages/trainer/src/inference/engine-name.js';
import { inpaint, type RgbImageLike } from '../packages/trainer/src/inference/inpaint.js';
import type { InpaintEngine } from '../packages/trainer/src/inference/engine.js';
import { inpaintScaled, type UpscalerSource } from '../packages/trainer/src/inference/large-photo.js';
import { chooseLargeStrategy, holeBounds, parseUpscalerName, upscalerFactors, type UpscalerName } from '../packages/trainer/src/inference/large-strategy.js';
import { bicubicUpscaler } from '../packages/trainer/src/upscale/bicubic.js';
import { loadEsrgan } from '../packages/trainer/src/upscale/esrgan.js';
import { parseEsrganScale, parseEsrganSize } from '../packages/trainer/src/upscale/esrgan-models.js';
import type { Upscaler } from '../packages/trainer/src/upscale/upscaler.js';
import { arg, cpuSeconds } from './bench-helpers.js';
import { meanGradient } from './mean-gradient.js';

const checkpoint = arg('checkpoint', '');
const photosDir = arg('photos', '');
if ((!checkpoint && !process.argv.includes('--oracle-only')) || !photosDir) throw new Error('give --checkpoint GEN (unless --oracle-only) and --photos DIR (see the header)');
const files = arg(
  'files',
  'aitzgorri_by_Aitzol_Berasategi.jpg,life_by_Aitzol_Berasategi.jpg,picosdeeuropa_by_Aitzol_Berasategi.jpg,sunset_by_Aitzol_Berasategi.jpg,Bridge_by_Sander_Klootwijk.jpg,friends_by_Aitzol_Berasategi.jpg,Picture_0B_by_freespace.jpg,Wine_by_Jakkub_Mede.jpg',
).split(',');
const side = Number(arg('side', '1500'));
const upscalerNames = arg('upscalers', 'bicubic,esrgan-slim,esrgan-medium,esrgan-thick').split(',').map((n) => parseUpscalerName(n));
const outDir = arg('out', '');
const oracle = process.argv.includes('--oracle') || process.argv.includes('--oracle-only');
const skipGenerator = process.argv.includes('--oracle-only');

/**
 * The perfect fill of the shrunken copy: an engine that returns its input, which under the hole still holds the
 * ground truth (the photos have no person). `scale` with it isolates what shrinking and enlarging cost, and what the
 * upscaler gets back, whatever the generator.
 */
const perfectFill: InpaintEngine = {
  requiredMultiple: 4,
  description: 'the ground truth (perfect fill)',
  run: async (input) => input.image,
  dispose: async () => {},
};

async function readPhoto(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(join(photosDir, file)).rotate().resize(side, side, { fit: 'inside' }).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
}

function holes(file: string, width: number, height: number): Array<{ label: string; mask: Mask }> {
  const placed = (label: string, fraction: number): { label: string; mask: Mask } => {
    const w = Math.round(width * fraction);
    const h = Math.round(height * fraction);
    const person = generateMask('silhouette', { width: w, height: h }, 'large-photos-bench', `${file}/${label}`);
    if (fraction === 1) return { label, mask: person };
    const rng = rngFor('large-photos-bench', file, label);
    const ox = rng.int(0, width - w);
    const oy = rng.int(Math.round((height - h) / 2), height - h);
    const data = new Uint8Array(width * height);
    for (let y = 0; y < h; y++) for (let x = 0; x < w; x++) data[(y + oy) * width + x + ox] = person.data[y * w + x];
    return { label, mask: { width, height, data } };
  };
  return [placed('large', 1), placed('medium', 1 / 3), placed('small', 1 / 6)];
}

function crop(image: RgbImage, r: { x: number; y: number; width: number; height: number }): RgbImage {
  const data = new Uint8Array(r.width * r.height * 3);
  for (let y = 0; y < r.height; y++) data.set(image.data.subarray(((r.y + y) * image.width + r.x) * 3, ((r.y + y) * image.width + r.x + r.width) * 3), y * r.width * 3);
  return { data, width: r.width, height: r.height, channels: 3 };
}

/** The hole's bounding box grown by 32 px, at least 96 px a side, inside the image. */
function around(mask: Mask): { x: number; y: number; width: number; height: number } {
  const b = holeBounds(mask) ?? { x: 0, y: 0, width: mask.width, height: mask.height };
  const grow = (start: number, length: number, size: number) => {
    let lo = Math.max(0, start - 32);
    let hi = Math.min(size, start + length + 32);
    while (hi - lo < 96) {
      lo = Math.max(0, lo - 1);
      hi = Math.min(size, hi + 1);
    }
    return [lo, hi - lo];
  };
  const [x, width] = grow(b.x, b.width, mask.width);
  const [y, height] = grow(b.y, b.height, mask.height);
  return { x, y, width, height };
}

const engineRequest = parseEngineRequest(arg('backend', 'onnx'));
await initBackend('wasm'); // ESRGAN runs on TensorFlow.js wasm whatever runs the generator
const selection = skipGenerator ? undefined : await selectEngine(engineRequest);
const engine = selection ? await openEngine(checkpoint, selection) : perfectFill;
await initBackend('wasm');
console.log(`large photos: ${files.length} photos from ${photosDir} at ${side} px (longer side), generator ${selection ? `${checkpoint} on ${selection.name}` : 'none (--oracle-only)'}, ESRGAN on tfjs wasm; load average ${loadavg()[0].toFixed(1)}`);

const opened = new Map<string, Upscaler>();
const source = (name: UpscalerName): UpscalerSource => ({
  factors: upscalerFactors(name),
  async open(factor) {
    const key = `${name}×${factor}`;
    let u = opened.get(key);
    if (!u) {
      u = name === 'bicubic' ? bicubicUpscaler(factor) : await loadEsrgan(parseEsrganSize(name.slice(7)), parseEsrganScale(factor));
      opened.set(key, u);
    }
    return u;
  },
});

interface Row {
  strategy: string;
  l1: number[];
  msssim: number[];
  sharp: number[];
  cpu: number[];
}
const rows = new Map<string, Row>();
const byGroup = new Map<string, Map<string, number[]>>();
const record = (strategy: string, group: string, gt: RgbImage, pred: RgbImageLike, mask: Mask, inner: Mask, box: ReturnType<typeof around>, cpu: number) => {
  const out = { ...pred, channels: 3 as const };
  const row = rows.get(strategy) ?? { strategy, l1: [], msssim: [], sharp: [], cpu: [] };
  const holeL1 = l1(out, gt, mask);
  row.l1.push(holeL1);
  row.msssim.push(msssim(crop(out, box), crop(gt, box)));
  row.sharp.push(meanGradient(out, inner) / meanGradient(gt, inner));
  row.cpu.push(cpu);
  rows.set(strategy, row);
  const g = byGroup.get(group) ?? new Map<string, number[]>();
  g.set(strategy, [...(g.get(strategy) ?? []), holeL1]);
  byGroup.set(group, g);
};

console.log('\n| photo | hole | size | hole extent | auto picks |');
console.log('| --- | --- | --- | --- | --- |');
for (const file of files) {
  const gt = await readPhoto(file);
  for (const { label, mask } of holes(file, gt.width, gt.height)) {
    const decision = chooseLargeStrategy('auto', mask);
    const b = holeBounds(mask);
    const extent = b ? Math.max(b.width / gt.width, b.height / gt.height) : 0;
    console.log(`| ${file.replace(/_by_.*/, '')} | ${label} | ${gt.width}×${gt.height} | ${(100 * extent).toFixed(0)} % | ${decision.strategy} |`);
    const inner = erode(mask, { iterations: 1, kernel: 'square' });
    const box = around(mask);
    const group = `auto → ${decision.strategy}`;
    let c0 = 0;
    const outputs: Array<[string, RgbImageLike]> = [];
    for (const name of skipGenerator ? [] : ['tiles', ...upscalerNames]) {
      c0 = cpuSeconds();
      if (name === 'tiles') {
        const tiled = await inpaint(engine, gt, mask, { tiles: 'auto' });
        record('tiles', group, gt, tiled, mask, inner, box, cpuSeconds() - c0);
        outputs.push(['tiles', tiled]);
        continue;
      }
      const scaled = await inpaintScaled(engine, gt, mask, source(name as UpscalerName));
      record(`scale + ${name}`, group, gt, scaled, mask, inner, box, cpuSeconds() - c0);
      outputs.push([`scale-${name}`, scaled]);
    }
    if (oracle) {
      for (const name of upscalerNames) {
        c0 = cpuSeconds();
        const scaled = await inpaintScaled(perfectFill, gt, mask, source(name));
        record(`perfect low-res fill + ${name}`, group, gt, scaled, mask, inner, box, cpuSeconds() - c0);
      }
    }
    if (outDir) {
      mkdirSync(outDir, { recursive: true });
      const stem = `${file.replace(/\.[^.]+$/, '')}-${label}`;
      for (const [name, image] of outputs) await sharp(image.data, { raw: { width: image.width, height: image.height, channels: 3 } }).jpeg({ quality: 92 }).toFile(join(outDir, `${stem}-${name}.jpg`));
      await sharp(Buffer.from(mask.data.map((v) => v * 255)), { raw: { width: mask.width, height: mask.height, channels: 1 } }).png().toFile(join(outDir, `${stem}-mask.png`));
    }
  }
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
console.log(`\n| strategy | hole L1 ↓ | MS-SSIM around the hole ↑ | sharpness (1 = ground truth) | CPU s per hole |`);
console.log('| --- | --- | --- | --- | --- |');
for (const r of rows.values()) console.log(`| ${r.strategy} | ${mean(r.l1).toFixed(4)} | ${mean(r.msssim).toFixed(4)} | ${mean(r.sharp).toFixed(3)} | ${mean(r.cpu).toFixed(1)} |`);
console.log(`\n| holes | ${[...rows.keys()].join(' | ')} |`);
console.log(`| --- | ${[...rows.keys()].map(() => '---').join(' | ')} |`);
for (const [group, g] of byGroup) console.log(`| ${group} (${[...g.values()][0]?.length ?? 0}), hole L1 | ${[...rows.keys()].map((k) => mean(g.get(k) ?? [NaN]).toFixed(4)).join(' | ')} |`);
console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);
for (const u of opened.values()) u.dispose();
await engine.dispose();

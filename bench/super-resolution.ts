/**
 * Super-resolution quality and speed: UpscalerJS' ESRGAN models against bicubic interpolation (the baseline, run in
 * the same process) on the sample photos.
 *
 *   node --import tsx bench/super-resolution.ts [--scale 4] [--models slim,medium,thick] [--limit 39] [--tile 128]
 *                                               [--speed-backends wasm,cpu,webgpu] [--speed-images 4] [--tile-sweep]
 *
 * Quality: each 256×256 photo of samples/scenes is shrunk ×scale (bicubic, antialiased: Pillow's and MATLAB's
 * degradation, which the models were trained against on DIV2K) and restored ×scale by bicubic and by each model;
 * PSNR (dB) and SSIM (torchmetrics' defaults, @bgfill/eval) against the photo, over all pixels and channels, RGB,
 * no border cropped. Means over the photos, and ESRGAN minus bicubic per photo (mean, and how many photos it wins).
 * Sharpness: mean gradient magnitude of the result over the photo's (bench/mean-gradient.ts; 1 = as sharp).
 * The photos are JPEGs at quality 85: the "original" carries their compression artefacts.
 *
 * Speed: output megapixels per CPU second (user + system, all threads: the primary figure on a shared machine) and
 * per wall second, per model and backend, on the first --speed-images photos, after one warm-up image. The cpu
 * backend is pure JavaScript (slow): it runs slim only. webgpu runs wherever an adapter exists; on Mesa's lavapipe
 * (a CPU Vulkan driver: slim and medium only) its timing says nothing about GPUs, so the bench reports its largest
 * difference from wasm instead (a correctness note).
 *
 * --tile-sweep: CPU seconds for one whole 256² photo ×2 on wasm at tile 0 (whole image), 64, 128 and 192, per model.
 */
import { loadavg, cpus } from 'node:os';
import sharp from 'sharp';
import { psnr, ssim, type RgbImage } from '@bgfill/eval';
import { initBackend } from '../packages/trainer/src/backend/init-backend.js';
import type { BackendName } from '../packages/trainer/src/backend/backend-name.js';
import { resizeBicubic, bicubicUpscaler } from '../packages/trainer/src/upscale/bicubic.js';
import { loadEsrgan } from '../packages/trainer/src/upscale/esrgan.js';
import { parseEsrganScale, parseEsrganSize, type EsrganSize } from '../packages/trainer/src/upscale/esrgan-models.js';
import type { Upscaler } from '../packages/trainer/src/upscale/upscaler.js';
import type { RgbImageLike } from '../packages/trainer/src/inference/inpaint.js';
import { arg, cpuSeconds } from './bench-helpers.js';
import { meanGradient } from './mean-gradient.js';

const scale = parseEsrganScale(arg('scale', '4'));
const models = arg('models', 'slim,medium,thick').split(',').map((m) => parseEsrganSize(m));
const limit = Number(arg('limit', '39'));
const tile = Number(arg('tile', '128'));
const speedBackends = arg('speed-backends', 'wasm,cpu,webgpu').split(',') as BackendName[];
const speedImages = Number(arg('speed-images', '4'));

const scenes = new URL('../samples/scenes/', import.meta.url);
const { images } = (await import('../samples/scenes/manifest.json', { with: { type: 'json' } })).default as { images: Array<{ file: string }> };

async function readScene(file: string): Promise<RgbImage> {
  const { data, info } = await sharp(new URL(file, scenes).pathname).removeAlpha().raw().toBuffer({ resolveWithObject: true });
  return { data: new Uint8Array(data), width: info.width, height: info.height, channels: 3 };
}

const photos = await Promise.all(images.slice(0, limit).map((i) => readScene(i.file)));
const small = photos.map((p) => resizeBicubic(p, p.width / scale, p.height / scale));
const asRgb = (image: RgbImageLike): RgbImage => ({ ...image, channels: 3 });

console.log(`super-resolution ×${scale}: ${photos.length} photos of samples/scenes (256², shrunk to ${256 / scale}² bicubically), ${cpus().length} cores, load average ${loadavg()[0].toFixed(1)}`);

// — Quality (wasm) —
await initBackend('wasm');
interface Scores {
  psnr: number[];
  ssim: number[];
  sharp: number[];
}
async function score(upscaler: Upscaler): Promise<Scores> {
  const s: Scores = { psnr: [], ssim: [], sharp: [] };
  for (const [i, photo] of photos.entries()) {
    const out = asRgb(await upscaler.upscale(small[i]));
    s.psnr.push(psnr(out, photo));
    s.ssim.push(ssim(out, photo));
    s.sharp.push(meanGradient(out) / meanGradient(photo));
  }
  return s;
}
const mean = (xs: number[]) => xs.reduce((a, b) => a + b, 0) / xs.length;
const bicubic = await score(bicubicUpscaler(scale));
console.log(`\n| upscaler | PSNR (dB) | SSIM | sharpness (1 = photo) | ΔPSNR vs bicubic (dB) | ΔSSIM vs bicubic | photos better than bicubic (PSNR / SSIM) |`);
console.log(`| --- | --- | --- | --- | --- | --- | --- |`);
console.log(`| bicubic | ${mean(bicubic.psnr).toFixed(2)} | ${mean(bicubic.ssim).toFixed(4)} | ${mean(bicubic.sharp).toFixed(3)} | — | — | — |`);
for (const size of models) {
  const sr = await loadEsrgan(size, scale, { tile });
  const s = await score(sr);
  sr.dispose();
  const dp = s.psnr.map((v, i) => v - bicubic.psnr[i]);
  const ds = s.ssim.map((v, i) => v - bicubic.ssim[i]);
  console.log(
    `| esrgan-${size} | ${mean(s.psnr).toFixed(2)} | ${mean(s.ssim).toFixed(4)} | ${mean(s.sharp).toFixed(3)} | ${mean(dp) >= 0 ? '+' : ''}${mean(dp).toFixed(2)} | ${mean(ds) >= 0 ? '+' : ''}${mean(ds).toFixed(4)} | ` +
      `${dp.filter((d) => d > 0).length} / ${ds.filter((d) => d > 0).length} of ${photos.length} |`,
  );
}

// — Speed per backend —
console.log(`\n| model | backend | output MP per CPU s | output MP per wall s | note |`);
console.log(`| --- | --- | --- | --- | --- |`);
const timed = async (upscaler: Upscaler): Promise<{ outputs: RgbImageLike[]; cpu: number; wall: number; mp: number }> => {
  await upscaler.upscale(small[0]); // warm-up (shader compilation, kernel set-up)
  const c0 = cpuSeconds();
  const t0 = performance.now();
  const outputs: RgbImageLike[] = [];
  for (const s of small.slice(0, speedImages)) outputs.push(await upscaler.upscale(s));
  const mp = outputs.reduce((n, o) => n + o.width * o.height, 0) / 1e6;
  return { outputs, cpu: cpuSeconds() - c0, wall: (performance.now() - t0) / 1000, mp };
};
const wasmOutputs = new Map<EsrganSize, RgbImageLike[]>();
const bicubicRun = await timed(bicubicUpscaler(scale));
console.log(`| bicubic (baseline) | JavaScript | ${(bicubicRun.mp / bicubicRun.cpu).toFixed(2)} | ${(bicubicRun.mp / bicubicRun.wall).toFixed(2)} | |`);
for (const backend of speedBackends) {
  let info;
  try {
    info = await initBackend(backend, { strict: true, allowSoftwareGpu: true });
  } catch (err) {
    console.log(`| — | ${backend} | — | — | not available: ${(err as Error).message} |`);
    continue;
  }
  const software = backend === 'webgpu' && /llvmpipe|lavapipe|swiftshader/i.test(info.detail);
  // The pure-JavaScript backend and a software WebGPU adapter are slow: slim (and medium on WebGPU) only there.
  for (const size of backend === 'cpu' ? (['slim'] as const) : software ? models.filter((m) => m !== 'thick') : models) {
    const sr = await loadEsrgan(size, scale, { tile });
    const run = await timed(sr);
    sr.dispose();
    let note = '';
    if (backend === 'wasm') wasmOutputs.set(size, run.outputs);
    const reference = wasmOutputs.get(size);
    if (backend !== 'wasm' && reference) {
      let max = 0;
      run.outputs.forEach((o, i) => o.data.forEach((v, k) => (max = Math.max(max, Math.abs(v - reference[i].data[k])))));
      note = `largest difference from wasm: ${max} grey level${max === 1 ? '' : 's'}`;
    }
    if (software) note = `${info.detail}: a CPU driver, timing says nothing about GPUs; ${note}`;
    console.log(`| esrgan-${size} | ${backend} | ${(run.mp / run.cpu).toFixed(3)} | ${(run.mp / run.wall).toFixed(3)} | ${note} |`);
  }
}
// — Tile size (wasm): the cost of the margins against one whole-image run —
if (process.argv.includes('--tile-sweep')) {
  await initBackend('wasm');
  const input = photos[0]; // a whole 256² photo as the input, ×2 (the default tile, 128, cuts it into 4)
  console.log(`\n| model | tile (margin) | CPU s for 256² → 512² | vs whole image |`);
  console.log(`| --- | --- | --- | --- |`);
  for (const size of models) {
    let whole = 0;
    for (const t of [0, 64, 128, 192]) {
      const sr = await loadEsrgan(size, 2, { tile: t });
      await sr.upscale(small[0]); // warm-up
      const c0 = cpuSeconds();
      await sr.upscale(input);
      const cpu = cpuSeconds() - c0;
      sr.dispose();
      if (t === 0) whole = cpu;
      console.log(`| esrgan-${size} | ${t === 0 ? 'whole image' : `${t} (${sr.margin})`} | ${cpu.toFixed(1)} | ${(cpu / whole).toFixed(2)} |`);
    }
  }
}
console.log(`\nload average after: ${loadavg().map((l) => l.toFixed(1)).join(' ')}`);

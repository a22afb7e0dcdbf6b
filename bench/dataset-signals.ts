/**
 * What measuring costs per image: `processImage` with quality signals and hashes on against off (the plain one-pipeline
 * path, the baseline), in one process, rounds interleaved (on/off order alternating), and `analyseFrame` alone.
 *
 *   node --import tsx bench/dataset-signals.ts [images=16] [rounds=9] [concurrency=1]
 *
 * Inputs: `images` distinct photo-like 2048×1536 JPEGs, built at --size 256 (resize to 341×256, centre crop, q95).
 * Prints process CPU ms per image (user + system, all threads: libvips included) for each side, the per-round off/on
 * ratio (median and range; the build goal is on ≥ 0.8 × off), the CPU ms of `analyseFrame` alone on the decoded
 * frames, the load average, and a SHA-256 over every encoded output and analysis (unchanged by a pure speed change).
 */
import { createHash } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import sharp from 'sharp';
import { analyseFrame } from '../packages/dataset/src/image-analysis.js';
import { DEFAULT_PROCESS_OPTIONS, processImage, type ProcessedImage } from '../packages/dataset/src/process-image.js';
import { cpuSeconds } from './bench-helpers.js';
import { photo } from './synthetic-photo.js';

const imageCount = Number(process.argv[2] ?? 16);
const rounds = Number(process.argv[3] ?? 9);
const concurrency = Number(process.argv[4] ?? 1);

const inputs = await Promise.all(Array.from({ length: imageCount }, (_, k) => photo(2048, 1536, k)));

async function pass(analyse: boolean): Promise<{ ms: number; outputs: ProcessedImage[] }> {
  const outputs: ProcessedImage[] = new Array(inputs.length);
  let next = 0;
  const t0 = cpuSeconds();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (next < inputs.length) {
        const i = next++;
        outputs[i] = await processImage(inputs[i], `k${i}`, { ...DEFAULT_PROCESS_OPTIONS, analyse });
      }
    }),
  );
  return { ms: ((cpuSeconds() - t0) * 1000) / inputs.length, outputs };
}

const load0 = loadavg()[0];
await pass(false);
const warm = await pass(true);
const on: number[] = [];
const off: number[] = [];
for (let r = 0; r < rounds; r++) {
  if (r % 2 === 0) {
    off.push((await pass(false)).ms);
    on.push((await pass(true)).ms);
  } else {
    on.push((await pass(true)).ms);
    off.push((await pass(false)).ms);
  }
}
const ratios = on.map((x, i) => off[i] / x).sort((a, b) => a - b);
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

// analyseFrame alone, on the frames processImage measures (resized 341×256, centre crop 256²).
const frames = await Promise.all(
  inputs.map(async (input) => {
    const { data, info } = await sharp(input).resize({ width: 341, height: 256, fit: 'fill', kernel: 'lanczos3' }).toColourspace('srgb').raw().toBuffer({ resolveWithObject: true });
    return { width: info.width, height: info.height, data };
  }),
);
const crop = { left: 42, top: 0, width: 256, height: 256 };
const analyseMs: number[] = [];
for (let r = 0; r < rounds; r++) {
  const t0 = cpuSeconds();
  for (let k = 0; k < 10; k++) for (let i = 0; i < frames.length; i++) analyseFrame(frames[i], crop, inputs[i]);
  analyseMs.push(((cpuSeconds() - t0) * 1000) / (10 * frames.length));
}

const digest = createHash('sha256');
for (const o of warm.outputs) digest.update(o.encoded).update(JSON.stringify(o.analysis));
const f = (x: number): string => x.toFixed(2);
process.stdout.write(
  `dataset signals bench: Node ${process.version}, ${cpus().length} CPUs, ${imageCount} images × ${rounds} rounds, concurrency ${concurrency}, ` +
    `load average ${f(load0)} → ${f(loadavg()[0])}\n` +
    `  processImage CPU ms/image, median: signals off ${f(median(off))}   on ${f(median(on))}   (+${f(median(on) - median(off))})\n` +
    `  per-round off/on ratio: median ${f(ratios[Math.floor(ratios.length / 2)])} (${ratios.map(f).join(' ')})\n` +
    `  analyseFrame alone (341×256 frame, 256² crop): ${f(median(analyseMs))} CPU ms/call (best ${f(Math.min(...analyseMs))})\n` +
    `  outputs digest: ${digest.digest('hex')}\n`,
);

/**
 * Measures the distributions the dataset quality defaults come from: the 39 real photos in samples/scenes and copies
 * derived from them with sharp (resized, re-encoded, cropped, blurred, enlarged, darkened, flattened).
 *
 *   node --import tsx bench/dataset-calibrate.ts [--json out.json]
 *
 * Prints, for each signal, percentiles over the originals and over each kind of derived copy, and for the perceptual
 * hashes (DCT and difference hash) the Hamming distances copy → source and between distinct photos. Every image is
 * analysed as `bgfill dataset audit` does (the build's processing at --size 256, enlarging what is smaller).
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp, { type Sharp } from 'sharp';
import { analyseImage, DEFAULT_PROCESS_OPTIONS } from '../packages/dataset/src/process-image.js';
import { differenceHash, dctHash, hammingDistance } from '../packages/dataset/src/perceptual-hash.js';
import { estimateJpegQuality } from '../packages/dataset/src/jpeg-quality.js';
import type { ImageSignals } from '../packages/dataset/src/image-signals.js';

const scenes = new URL('../samples/scenes/', import.meta.url).pathname;
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;

type Derive = (input: Buffer) => Promise<Buffer>;
const side = 256;
const q = (img: Sharp): Promise<Buffer> => img.jpeg({ quality: 90 }).toBuffer();
/** Derived copies: name → how it is made from the 256² original. */
const DERIVED: Record<string, { kind: 'resized' | 'recompressed' | 'cropped' | 'blurred' | 'enlarged' | 'dark' | 'low-information'; make: Derive }> = {
  'resize-0.5': { kind: 'resized', make: (b) => q(sharp(b).resize(side / 2, side / 2, { kernel: 'lanczos3' })) },
  'resize-0.75': { kind: 'resized', make: (b) => q(sharp(b).resize(192, 192, { kernel: 'lanczos3' })) },
  'jpeg-60': { kind: 'recompressed', make: (b) => sharp(b).jpeg({ quality: 60 }).toBuffer() },
  'jpeg-75': { kind: 'recompressed', make: (b) => sharp(b).jpeg({ quality: 75 }).toBuffer() },
  'jpeg-95': { kind: 'recompressed', make: (b) => sharp(b).jpeg({ quality: 95 }).toBuffer() },
  'png-resave': { kind: 'recompressed', make: (b) => sharp(b).png().toBuffer() },
  'crop-2%': { kind: 'cropped', make: (b) => q(sharp(b).extract({ left: 3, top: 2, width: 251, height: 251 })) },
  'crop-5%-centre': { kind: 'cropped', make: (b) => q(sharp(b).extract({ left: 6, top: 6, width: 243, height: 243 })) },
  'crop-5%-corner': { kind: 'cropped', make: (b) => q(sharp(b).extract({ left: 13, top: 13, width: 243, height: 243 })) },
  'crop-5%-side': { kind: 'cropped', make: (b) => q(sharp(b).extract({ left: 13, top: 0, width: 243, height: 256 })) },
  'blur-1.5': { kind: 'blurred', make: (b) => q(sharp(b).blur(1.5)) },
  'blur-2': { kind: 'blurred', make: (b) => q(sharp(b).blur(2)) },
  'blur-3': { kind: 'blurred', make: (b) => q(sharp(b).blur(3)) },
  'enlarged-from-25%': { kind: 'enlarged', make: async (b) => q(sharp(await sharp(b).resize(64, 64).toBuffer()).resize(side, side, { kernel: 'cubic' })) },
  'enlarged-from-50%': { kind: 'enlarged', make: async (b) => q(sharp(await sharp(b).resize(128, 128).toBuffer()).resize(side, side, { kernel: 'cubic' })) },
  'dark-x0.25': { kind: 'dark', make: (b) => q(sharp(b).linear(0.25, 0)) },
  'dark-gamma': { kind: 'dark', make: (b) => q(sharp(b).linear(0.12, 4)) },
  'flat-blur-40': { kind: 'low-information', make: (b) => q(sharp(b).blur(40).linear(0.3, 90)) },
  'posterised': { kind: 'low-information', make: async (b) => q(sharp(await sharp(b).resize(4, 4).toBuffer()).resize(side, side, { kernel: 'nearest' }).linear(0.4, 60)) },
};

interface Measured {
  file: string;
  variant: string;
  kind: string;
  signals: ImageSignals;
  jpegQuality: number | null;
  dct: string;
  diff: string;
  enlarged: number | null;
}

async function measure(file: string, variant: string, kind: string, bytes: Buffer): Promise<Measured> {
  const a = await analyseImage(bytes, file, { ...DEFAULT_PROCESS_OPTIONS, upscale: true }, file);
  const shorter = Math.min(a.sourceWidth, a.sourceHeight);
  const scale = side / shorter;
  const { data, info } = await sharp(bytes)
    .resize(Math.round(a.sourceWidth * scale), Math.round(a.sourceHeight * scale), { fit: 'fill', kernel: 'lanczos3' })
    .toColourspace('srgb')
    .raw()
    .toBuffer({ resolveWithObject: true });
  const frame = { width: info.width, height: info.height, data };
  return { file, variant, kind, signals: a.analysis.signals, jpegQuality: a.analysis.jpegQuality, dct: dctHash(frame), diff: differenceHash(frame), enlarged: a.upscale };
}

function percentiles(values: number[], ps = [0, 5, 25, 50, 75, 95, 100]): string {
  const v = [...values].sort((a, b) => a - b);
  return ps.map((p) => v[Math.min(v.length - 1, Math.round((p / 100) * (v.length - 1)))]).map((x) => (x >= 100 ? x.toFixed(0) : x.toPrecision(3))).join('  ');
}

const files = (await readdir(scenes)).filter((f) => f.endsWith('.jpg')).sort();
const rows: Measured[] = [];
for (const file of files) {
  const bytes = await readFile(join(scenes, file));
  rows.push(await measure(file, 'original', 'original', bytes));
  for (const [variant, d] of Object.entries(DERIVED)) rows.push(await measure(file, variant, d.kind, await d.make(bytes)));
}

process.stdout.write(`dataset calibration: ${files.length} photos from samples/scenes, ${Object.keys(DERIVED).length} derived copies each\n\n`);
process.stdout.write('signal percentiles (p0 p5 p25 p50 p75 p95 p100)\n');
const kinds = ['original', ...new Set(Object.values(DERIVED).map((d) => d.kind))];
for (const signal of ['sharpness', 'topOctave', 'brightness', 'dynamicRange', 'colourfulness', 'entropy'] as const) {
  process.stdout.write(`  ${signal}\n`);
  for (const kind of kinds) {
    const values = rows.filter((r) => r.kind === kind).map((r) => r.signals[signal]);
    process.stdout.write(`    ${kind.padEnd(16)} ${percentiles(values)}\n`);
  }
  for (const variant of ['blur-1.5', 'blur-2', 'blur-3', 'enlarged-from-25%', 'enlarged-from-50%', 'resize-0.5', 'resize-0.75', 'jpeg-60']) {
    const values = rows.filter((r) => r.variant === variant).map((r) => r.signals[signal]);
    process.stdout.write(`      ${variant.padEnd(18)} ${percentiles(values)}\n`);
  }
}
for (const hash of ['dct', 'diff'] as const) {
  process.stdout.write(`\nHamming distance, ${hash} hash\n`);
  const originals = rows.filter((r) => r.variant === 'original');
  const between: number[] = [];
  const closest: Array<[number, string, string]> = [];
  for (let i = 0; i < originals.length; i++) {
    for (let j = i + 1; j < originals.length; j++) {
      const d = hammingDistance(originals[i][hash], originals[j][hash]);
      between.push(d);
      closest.push([d, originals[i].file, originals[j].file]);
    }
  }
  closest.sort((a, b) => a[0] - b[0]);
  process.stdout.write(`  distinct photos (${between.length} pairs): ${percentiles(between, [0, 1, 5, 50, 95, 100])}\n`);
  process.stdout.write(`  closest pairs: ${closest.slice(0, 5).map(([d, a, b]) => `${d} ${a}~${b}`).join(', ')}\n`);
  for (const variant of Object.keys(DERIVED)) {
    const ds = rows.filter((r) => r.variant === variant).map((r) => hammingDistance(r[hash], originals.find((o) => o.file === r.file)![hash]));
    process.stdout.write(`  ${variant.padEnd(18)} → source: ${percentiles(ds, [0, 50, 95, 100])}\n`);
  }
}
const qs = rows.filter((r) => r.variant.startsWith('jpeg-')).map((r) => `${r.variant}:${r.jpegQuality}`);
process.stdout.write(`\nJPEG quality estimates of the originals (encoded at 85): ${[...new Set(rows.filter((r) => r.variant === 'original').map((r) => r.jpegQuality))].join(', ')}\n`);
process.stdout.write(`re-encoded copies: ${[...new Set(qs)].join(', ')}\n`);
void estimateJpegQuality;
if (jsonOut) await writeFile(jsonOut, JSON.stringify(rows, null, 1));

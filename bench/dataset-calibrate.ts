/**
 * The measurements behind the dataset defaults (quality-flag thresholds, near-duplicate radius), on the 39 real photos
 * of samples/scenes and copies derived from them with sharp (packages/dataset/test/derived-copies.ts).
 *
 *   node --import tsx bench/dataset-calibrate.ts [--json out.json]
 *
 * Every image is measured as `bgfill dataset audit` measures a folder (the build's processing at --size 256, smaller
 * images enlarged). Prints:
 *  - each signal's percentiles over the photos and over each kind of copy;
 *  - each flag's threshold by the rule in quality-policy.ts (fewest photos flagged plus copies missed, as fractions,
 *    among thresholds flagging at most 2 of the 39 photos, rounded down to two significant figures), what it flags
 *    among the photos and what it catches;
 *  - Hamming distances of the DCT hash: copy → its photo, between distinct photos, and between the 156 quadrants of
 *    the photos (same scene type, different content: a larger set of pairs that must not group), and for each radius
 *    the copies grouped and the distinct pairs within it.
 */
import { readdir, readFile, writeFile } from 'node:fs/promises';
import sharp from 'sharp';
import { analyseImage, DEFAULT_PROCESS_OPTIONS } from '../packages/dataset/src/process-image.js';
import { hammingDistance } from '../packages/dataset/src/perceptual-hash.js';
import { DEFAULT_THRESHOLDS, FLAG_SIGNAL, QUALITY_FLAGS, type QualityFlag } from '../packages/dataset/src/quality-policy.js';
import type { ImageSignals } from '../packages/dataset/src/image-signals.js';
import { CALIBRATION_COPIES, DERIVED_COPIES, type CopyKind } from '../packages/dataset/test/derived-copies.js';

const scenes = new URL('../samples/scenes/', import.meta.url);
const jsonOut = process.argv.includes('--json') ? process.argv[process.argv.indexOf('--json') + 1] : null;
const audit = { ...DEFAULT_PROCESS_OPTIONS, size: 256, minSize: 1, upscale: true };
const copies = { ...DERIVED_COPIES, ...CALIBRATION_COPIES };

interface Row {
  photo: string;
  variant: string;
  kind: CopyKind | 'photo' | 'quadrant';
  signals: ImageSignals;
  upscale: number | null;
  hash: string;
  jpegQuality: number | null;
}

async function measure(photo: string, variant: string, kind: Row['kind'], bytes: Buffer): Promise<Row> {
  const a = await analyseImage(bytes, photo, audit, photo);
  return { photo, variant, kind, signals: a.analysis.signals, upscale: a.upscale, hash: a.analysis.hash, jpegQuality: a.analysis.jpegQuality };
}

const photos = (await readdir(scenes)).filter((f) => f.endsWith('.jpg')).sort();
const rows: Row[] = [];
for (const photo of photos) {
  const bytes = await readFile(new URL(photo, scenes));
  rows.push(await measure(photo, 'photo', 'photo', bytes));
  for (const [variant, d] of Object.entries(copies)) rows.push(await measure(photo, variant, d.kind, await d.make(bytes)));
  for (const [left, top] of [[0, 0], [128, 0], [0, 128], [128, 128]]) {
    rows.push(await measure(photo, `quadrant-${left}-${top}`, 'quadrant', await sharp(bytes).extract({ left, top, width: 128, height: 128 }).png().toBuffer()));
  }
}
const of = (kind: Row['kind']): Row[] => rows.filter((r) => r.kind === kind);
const source = new Map(of('photo').map((r) => [r.photo, r]));

function percentiles(values: number[], ps = [0, 5, 25, 50, 75, 95, 100]): string {
  const v = [...values].sort((a, b) => a - b);
  return ps.map((p) => v[Math.min(v.length - 1, Math.round((p / 100) * (v.length - 1)))]).map((x) => Number(x.toPrecision(3)).toString().padStart(7)).join(' ');
}

const out = (line = ''): void => void process.stdout.write(`${line}\n`);
out(`dataset calibration: ${photos.length} photos of samples/scenes, ${Object.keys(copies).length} copies and 4 quadrants of each`);
out('');
out('signal percentiles:                p0      p5     p25     p50     p75     p95    p100');
const kinds: Array<Row['kind']> = ['photo', 'resized', 'recompressed', 'cropped', 'blurred', 'enlarged', 'dark', 'low-information'];
for (const signal of ['sharpness', 'topOctave', 'brightness', 'dynamicRange', 'colourfulness', 'entropy'] as const) {
  out(`  ${signal}`);
  for (const kind of kinds) out(`    ${kind.padEnd(22)} ${percentiles(of(kind).map((r) => r.signals[signal]))}`);
}

/** The flags' damaged copies: what each threshold is meant to catch. */
const TARGETS: Record<QualityFlag, CopyKind[]> = { blurry: ['blurred'], dark: ['dark'], 'low-information': ['low-information'], upscaled: ['enlarged', 'resized'] };
out('');
out('thresholds (a record is flagged below it): fewest photos flagged + copies missed, at most 2 of 39 photos flagged');
const chosen: Partial<Record<QualityFlag, number>> = {};
for (const flag of QUALITY_FLAGS) {
  const signal = FLAG_SIGNAL[flag];
  const good = of('photo').map((r) => r.signals[signal]);
  const bad = rows.filter((r) => TARGETS[flag].includes(r.kind as CopyKind)).map((r) => r.signals[signal]);
  const candidates = [...new Set([...good, ...bad])].sort((a, b) => a - b);
  let best = { threshold: 0, cost: Infinity, flagged: 0, caught: 0 };
  for (let i = 0; i + 1 < candidates.length; i++) {
    const threshold = (candidates[i] + candidates[i + 1]) / 2;
    const flagged = good.filter((v) => v < threshold).length;
    if (flagged > 2) continue;
    const caught = bad.filter((v) => v < threshold).length;
    const cost = flagged / good.length + (bad.length - caught) / bad.length;
    if (cost < best.cost) best = { threshold, cost, flagged, caught };
  }
  // Rounded down to two significant figures, so that rounding never flags more photos.
  const magnitude = 10 ** (Math.floor(Math.log10(best.threshold)) - 1);
  const rounded = Number((Math.floor(best.threshold / magnitude) * magnitude).toPrecision(2));
  chosen[flag] = rounded;
  const names = of('photo').filter((r) => r.signals[signal] < rounded).map((r) => r.photo);
  const byVariant = [...new Set(rows.filter((r) => TARGETS[flag].includes(r.kind as CopyKind)).map((r) => r.variant))]
    .map((v) => `${v} ${rows.filter((r) => r.variant === v && r.signals[signal] < rounded).length}/39`)
    .join(', ');
  out(`  ${flag} (${signal} < ${rounded}; default ${DEFAULT_THRESHOLDS[flag]}): photos flagged ${names.length}/39 ${names.length ? `(${names.join(', ')})` : ''}`);
  out(`    caught: ${byVariant}`);
}

out('');
out('DCT-hash Hamming distance, copy → its photo:   p0    p50    p95   p100');
for (const variant of Object.keys(copies)) {
  const ds = rows.filter((r) => r.variant === variant).map((r) => hammingDistance(r.hash, source.get(r.photo)!.hash));
  out(`  ${variant.padEnd(22)} ${percentiles(ds, [0, 50, 95, 100])}`);
}
function pairs(list: Row[], sameScene = false): number[] {
  const ds: number[] = [];
  for (let i = 0; i < list.length; i++) for (let j = i + 1; j < list.length; j++) if (sameScene || list[i].photo !== list[j].photo || list[i].kind === 'quadrant') ds.push(hammingDistance(list[i].hash, list[j].hash));
  return ds;
}
const distinct = pairs(of('photo'));
const quadrants = pairs(of('quadrant'), true);
out(`  distinct photos (${distinct.length} pairs):    p0 ${percentiles(distinct, [0])}   p1 ${percentiles(distinct, [1])}   p50 ${percentiles(distinct, [50])}`);
out(`  photo quadrants (${quadrants.length} pairs): p0 ${percentiles(quadrants, [0])}   p0.1 ${percentiles(quadrants, [0.1])}   p1 ${percentiles(quadrants, [1])}   p50 ${percentiles(quadrants, [50])}`);
out('');
out('radius   copies grouped (test set)   copies grouped (all)   distinct pairs within   quadrant pairs within');
const testSet = rows.filter((r) => r.variant in DERIVED_COPIES);
const allCopies = rows.filter((r) => r.variant in copies && !['dark', 'low-information'].includes(r.kind));
for (const radius of [4, 6, 8, 10, 12, 14, 16, 18]) {
  const grouped = (list: Row[]): string => `${list.filter((r) => hammingDistance(r.hash, source.get(r.photo)!.hash) <= radius).length}/${list.length}`;
  out(
    `  ${String(radius).padStart(4)}   ${grouped(testSet).padStart(24)}   ${grouped(allCopies).padStart(20)}   ` +
      `${String(distinct.filter((d) => d <= radius).length).padStart(21)}   ${String(quadrants.filter((d) => d <= radius).length).padStart(21)}`,
  );
}
out('');
out(`JPEG quality estimates: photos (saved at 85) ${[...new Set(of('photo').map((r) => r.jpegQuality))].join(', ')}; ` +
  ['jpeg-60', 'jpeg-75', 'jpeg-95'].map((v) => `${v} → ${[...new Set(rows.filter((r) => r.variant === v).map((r) => r.jpegQuality))].join(', ')}`).join('; '));
if (jsonOut) await writeFile(jsonOut, JSON.stringify({ chosen, rows }, null, 1));

#!/usr/bin/env node
// Checks the committed sample set without the Debian packages: image format (read from the JPEG markers
// directly and again through a decoder), size budget, manifest hashes, a credits row per file, each author and
// licence against the licence records copied under samples/licenses/debian/, and the indoor/urban share.
//
// Usage: node samples/tools/check-samples.mjs      (exit 0 when every check passes; ends with "N passed, N failed")
import { createHash } from 'node:crypto';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LICENCES, PACKAGES } from './catalogue.mjs';
import { checkAgainstDebianCopyright, checkAgainstLxqtLicense, checkAgainstPlasmaMetadata } from './licence-records.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const samples = resolve(here, '..');
const repo = resolve(samples, '..');
const sharp = createRequire(join(repo, 'packages/masks/package.json'))('sharp');

/** Limits from the brief for this set. */
export const LIMITS = {
  side: 256,
  maxBytes: 25_000,
  maxTotalBytes: 1_500_000,
  minCount: 32,
  maxCount: 48,
  minIndoorUrbanShare: 1 / 3,
  /** Two crops of one photo may share at most this fraction of the smaller crop's area. */
  maxCropOverlap: 0.3,
};

/**
 * Fraction of the smaller of two rectangles that lies inside the other.
 * @example overlapFraction({ left: 0, top: 0, width: 10, height: 10 }, { left: 5, top: 0, width: 10, height: 10 }) // 0.5
 */
export function overlapFraction(a, b) {
  const w = Math.max(0, Math.min(a.left + a.width, b.left + b.width) - Math.max(a.left, b.left));
  const h = Math.max(0, Math.min(a.top + a.height, b.top + b.height) - Math.max(a.top, b.top));
  return (w * h) / Math.min(a.width * a.height, b.width * b.height);
}

/**
 * Walk a JPEG's marker segments up to the start of scan. Returns the frame header (SOF) and the APPn markers
 * found, or throws on a malformed stream.
 * @example readJpegHeader(readFileSync('001-lake-jetty.jpg')) // { sof: 0xc0, precision: 8, width: 256, height: 256, components: 3, app: [0xe0] }
 * @param {Uint8Array} bytes
 */
export function readJpegHeader(bytes) {
  if (bytes[0] !== 0xff || bytes[1] !== 0xd8) throw new Error('no SOI marker');
  const app = [];
  let frame;
  let at = 2;
  while (at + 4 <= bytes.length) {
    if (bytes[at] !== 0xff) throw new Error(`expected a marker at byte ${at}`);
    const marker = bytes[at + 1];
    if (marker === 0xff) {
      at += 1; // fill byte
      continue;
    }
    const length = (bytes[at + 2] << 8) | bytes[at + 3];
    if (marker >= 0xe0 && marker <= 0xef) app.push(marker);
    // SOF0..SOF15 except DHT (C4), JPG (C8) and DAC (CC)
    if (marker >= 0xc0 && marker <= 0xcf && ![0xc4, 0xc8, 0xcc].includes(marker)) {
      frame = {
        sof: marker,
        precision: bytes[at + 4],
        height: (bytes[at + 5] << 8) | bytes[at + 6],
        width: (bytes[at + 7] << 8) | bytes[at + 8],
        components: bytes[at + 9],
      };
    }
    if (marker === 0xda) break; // start of scan: headers are over
    at += 2 + length;
  }
  if (!frame) throw new Error('no SOF frame header');
  return { ...frame, app };
}

async function main() {
  let passed = 0;
  let failed = 0;
  /** @param {string} name @param {string[]} problems */
  const report = (name, problems) => {
    if (problems.length === 0) {
      passed++;
      process.stdout.write(`ok ${name}\n`);
    } else {
      failed++;
      process.stdout.write(`not ok ${name}\n${problems.map((p) => `  - ${p}`).join('\n')}\n`);
    }
  };

  const scenesDir = join(samples, 'scenes');
  const files = readdirSync(scenesDir).filter((f) => f.endsWith('.jpg')).sort();
  const manifest = JSON.parse(readFileSync(join(scenesDir, 'manifest.json'), 'utf8'));
  const credits = readFileSync(join(samples, 'CREDITS.md'), 'utf8');

  report(`${files.length} images, within ${LIMITS.minCount}..${LIMITS.maxCount}`, files.length >= LIMITS.minCount && files.length <= LIMITS.maxCount ? [] : [`found ${files.length}`]);

  const naming = files.flatMap((file, i) =>
    new RegExp(`^${String(i + 1).padStart(3, '0')}-[a-z0-9]+(-[a-z0-9]+)*\\.jpg$`).test(file) ? [] : [`${file} is not ${String(i + 1).padStart(3, '0')}-<kebab-name>.jpg`],
  );
  report('files are numbered 001..N without gaps, kebab-case names', naming);

  const format = [];
  const budget = [];
  let total = 0;
  for (const file of files) {
    const bytes = readFileSync(join(scenesDir, file));
    total += bytes.length;
    if (bytes.length > LIMITS.maxBytes) budget.push(`${file}: ${bytes.length} bytes`);
    try {
      const header = readJpegHeader(bytes);
      if (header.width !== LIMITS.side || header.height !== LIMITS.side) format.push(`${file}: frame ${header.width}×${header.height}`);
      if (header.precision !== 8) format.push(`${file}: ${header.precision}-bit samples`);
      if (header.components !== 3) format.push(`${file}: ${header.components} components`);
      const extra = header.app.filter((m) => m !== 0xe0); // APP0 (JFIF) only: no EXIF/XMP (APP1), ICC (APP2), IPTC (APP13)
      if (extra.length > 0) format.push(`${file}: metadata segments ${extra.map((m) => `APP${m - 0xe0}`).join(', ')}`);
    } catch (err) {
      format.push(`${file}: ${err.message}`);
    }
    const meta = await sharp(bytes).metadata();
    if (meta.format !== 'jpeg' || meta.space !== 'srgb' || meta.channels !== 3 || meta.depth !== 'uchar') {
      format.push(`${file}: decoder sees ${meta.format} ${meta.space} ${meta.channels}ch ${meta.depth}`);
    }
    const stats = await sharp(bytes).stats();
    if (Math.max(...stats.channels.map((c) => c.stdev)) < 2) format.push(`${file}: nearly flat (max channel stdev < 2)`);
  }
  report(`every image is a ${LIMITS.side}×${LIMITS.side} 8-bit 3-channel sRGB JPEG without metadata`, format);
  report(`every image is at most ${LIMITS.maxBytes} bytes`, budget);
  report(`the set is at most ${LIMITS.maxTotalBytes} bytes (${total})`, total <= LIMITS.maxTotalBytes ? [] : [`${total} bytes`]);

  const listed = manifest.images.map((image) => image.file);
  const hashes = [];
  if (JSON.stringify(listed) !== JSON.stringify(files)) hashes.push(`manifest lists ${listed.length} files, folder has ${files.length}`);
  for (const image of manifest.images.filter((i) => files.includes(i.file))) {
    const bytes = readFileSync(join(scenesDir, image.file));
    if (createHash('sha256').update(bytes).digest('hex') !== image.sha256) hashes.push(`${image.file}: sha256 differs from the manifest`);
    if (bytes.length !== image.bytes) hashes.push(`${image.file}: size differs from the manifest`);
  }
  report('manifest.json lists exactly these files with their sha256', hashes);

  const rows = [];
  for (const image of manifest.images) {
    const row = credits.split('\n').find((line) => line.startsWith(`| [${image.file}]`));
    if (!row) rows.push(`${image.file}: no row in CREDITS.md`);
    else if (!row.includes(image.author.replaceAll('|', '\\|')) || !row.includes(`[${image.licence}](${LICENCES[image.licence]?.url})`)) {
      rows.push(`${image.file}: CREDITS.md row lacks its author or licence`);
    }
  }
  report('CREDITS.md has a row per image with its author and licence', rows);

  const records = [];
  for (const image of manifest.images) {
    const pkg = PACKAGES[image.source.package];
    if (!pkg) {
      records.push(`${image.file}: unknown package ${image.source.package}`);
      continue;
    }
    if (image.source.version !== pkg.version) records.push(`${image.file}: made from ${image.source.version}, catalogue says ${pkg.version}`);
    if (!image.licenceRecord.copy) continue; // python3-skimage: the record is quoted in CREDITS.md, checked by the generator
    const copy = join(samples, image.licenceRecord.copy);
    if (!existsSync(copy)) {
      records.push(`${image.file}: ${image.licenceRecord.copy} is missing`);
      continue;
    }
    const text = readFileSync(copy, 'utf8');
    const entry = { author: image.author, licence: image.licence };
    const reason =
      pkg.recordKind === 'dep5'
        ? checkAgainstDebianCopyright(entry, text, image.licenceRecord.key)
        : pkg.recordKind === 'plasma-metadata'
          ? checkAgainstPlasmaMetadata(entry, text)
          : checkAgainstLxqtLicense(entry, text, image.licenceRecord.key);
    if (reason) records.push(`${image.file}: ${reason}`);
  }
  for (const licence of new Set(manifest.images.map((image) => image.licence))) {
    for (const text of LICENCES[licence]?.texts ?? []) if (!existsSync(join(samples, text))) records.push(`${text} is missing`);
  }
  report('authors and licences agree with the copied licence records; licence texts present', records);

  const overlaps = [];
  const bySource = new Map();
  for (const image of manifest.images) {
    const key = `${image.source.package}:${image.source.path}`;
    for (const other of bySource.get(key) ?? []) {
      const fraction = overlapFraction(image.source.region, other.source.region);
      if (fraction > LIMITS.maxCropOverlap) overlaps.push(`${other.file} and ${image.file} share ${(fraction * 100).toFixed(0)}%`);
    }
    bySource.set(key, [...(bySource.get(key) ?? []), image]);
  }
  report(`crops of the same photo share at most ${LIMITS.maxCropOverlap * 100}% of their area`, overlaps);

  const indoorUrban = manifest.images.filter((image) => image.scene === 'indoor' || image.scene === 'urban').length;
  const share = indoorUrban / manifest.images.length;
  report(
    `indoor or urban scenes are at least a third (${indoorUrban}/${manifest.images.length})`,
    share >= LIMITS.minIndoorUrbanShare ? [] : [`share ${share.toFixed(2)}`],
  );

  process.stdout.write(`${passed} passed, ${failed} failed\n`);
  process.exitCode = failed === 0 ? 0 : 1;
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) await main();

#!/usr/bin/env node
// Re-creates samples/scenes/*.jpg, samples/scenes/manifest.json, samples/CREDITS.md and samples/licenses/debian/*
// from the Debian packages named in catalogue.mjs.
//
// Usage (on Debian bookworm, from the repository root):
//   apt-get update
//   mkdir -p /tmp/bgfill-debs && cd /tmp/bgfill-debs && apt-get download \
//     plasma-workspace-wallpapers=4:5.27.5-2 lomiri-wallpapers-16.04=20.04.0-2 lomiri-wallpapers-20.04=20.04.0-2 \
//     mate-backgrounds=1.26.0-1 lxqt-themes=1.2.0-1 python3-skimage=0.19.3-8
//   cd /work/main && node samples/tools/make-samples.mjs --debs /tmp/bgfill-debs
//
// Options: --debs DIR (required: folder holding the .deb files), --out DIR (default: samples/ beside this folder),
//          --quality N (JPEG quality, default 85), --size N (side in pixels, default 256),
//          --max-bytes N (size budget per image, default 25000: an image over it is re-encoded one quality step
//          lower at a time, down to 75; the quality each image got is in the manifest).
// Nothing is installed: each .deb is unpacked with `dpkg-deb -x` into a temporary folder that is removed afterwards.
// Every output goes through a temporary name and a rename, so an interrupted run leaves old or new files, never
// half-written ones; running it again redoes the whole set (it takes well under a minute).
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { register } from 'tsx/esm/api';
import { ENTRIES, LICENCES, PACKAGES } from './catalogue.mjs';
import { renderCredits } from './credits.mjs';
import {
  checkAgainstDebianCopyright,
  checkAgainstLxqtLicense,
  checkAgainstPlasmaMetadata,
  checkAgainstSkimageDocstring,
} from './licence-records.mjs';

register();
const here = dirname(fileURLToPath(import.meta.url));
const repo = resolve(here, '..', '..');
const { atomicWriteFile, atomicWriteJson } = await import(join(repo, 'packages/masks/src/atomic-write.ts'));
const { badFile, invalidParameter, BgfillError } = await import(join(repo, 'packages/masks/src/errors.ts'));
const { createProgress } = await import(join(repo, 'packages/masks/src/progress.ts'));
// sharp is a dependency of @bgfill/masks; samples/ is not a workspace package, so resolve it from there.
const sharp = createRequire(join(repo, 'packages/masks/package.json'))('sharp');

/** Zero-padded three-digit index: entry 0 becomes "001". */
export function sampleFileName(index, name) {
  return `${String(index + 1).padStart(3, '0')}-${name}.jpg`;
}

/**
 * The square to cut from a w×h source for a crop spec, in source pixels.
 * @example squareFor(400, 200, { x: 0.5, y: 0.5, zoom: 1 }) // { left: 100, top: 0, width: 200, height: 200 }
 */
export function squareFor(width, height, crop) {
  const side = Math.round(Math.min(width, height) / crop.zoom);
  return {
    left: Math.round(crop.x * (width - side)),
    top: Math.round(crop.y * (height - side)),
    width: side,
    height: side,
  };
}

/** sha256 of a buffer, hex. */
function sha256(buffer) {
  return createHash('sha256').update(buffer).digest('hex');
}

/** Package name → path of its .deb in `dir`, read from each archive's control data (file names may be escaped). */
function indexDebs(dir) {
  const found = new Map();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.deb'))) {
    const path = join(dir, file);
    const [pkg, version] = execFileSync('dpkg-deb', ['-f', path, 'Package', 'Version'], { encoding: 'utf8' })
      .trim()
      .split('\n')
      .map((line) => line.replace(/^[A-Za-z]+:\s*/, ''));
    found.set(pkg, { path, version });
  }
  return found;
}

/** Why an entry disagrees with its package's licence record (`text`), or null when it agrees. */
function checkEntry(entry, pkg, text) {
  const key = pkg.recordKey(entry);
  switch (pkg.recordKind) {
    case 'dep5':
      return checkAgainstDebianCopyright(entry, text, key);
    case 'plasma-metadata':
      return checkAgainstPlasmaMetadata(entry, text);
    case 'lxqt-license':
      return checkAgainstLxqtLicense(entry, text, key);
    case 'skimage-docstring':
      return checkAgainstSkimageDocstring(entry, text, key);
    default:
      return `unknown record kind ${pkg.recordKind}`;
  }
}

/** Unpack every package the catalogue needs; returns package name → unpacked root. */
function unpackPackages(debDir, workDir) {
  const debs = indexDebs(debDir);
  const roots = new Map();
  for (const [pkg, { version }] of Object.entries(PACKAGES)) {
    const deb = debs.get(pkg);
    if (!deb) throw badFile(debDir, `no .deb for ${pkg} (apt-get download ${pkg}=${version})`);
    if (deb.version !== version) {
      throw badFile(deb.path, `is ${pkg} ${deb.version}, but the catalogue was made from ${version}`);
    }
    const root = join(workDir, pkg);
    execFileSync('dpkg-deb', ['-x', deb.path, root]);
    roots.set(pkg, root);
  }
  return roots;
}

/** Lowest JPEG quality the size budget may push an image to; below it the image is kept and reported. */
const MIN_QUALITY = 75;

/** Encode raw sRGB pixels as a baseline JPEG; sharp writes no EXIF, XMP or ICC unless asked to. */
function encodeJpeg({ data, info }, quality) {
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .jpeg({ quality, chromaSubsampling: '4:2:0', optimiseCoding: true })
    .toBuffer();
}

/** Crop, scale and encode one entry; returns the JPEG bytes and what the manifest records about the source. */
async function renderEntry(entry, root, options) {
  const sourcePath = join(root, entry.path);
  let source;
  try {
    source = readFileSync(sourcePath);
  } catch (err) {
    throw badFile(`${entry.package}:/${entry.path}`, 'missing from the unpacked package', err);
  }
  const meta = await sharp(source, { limitInputPixels: false }).metadata();
  // Every catalogued source is stored upright; a rotated one would need its crop fractions re-done.
  if (meta.orientation !== undefined && meta.orientation !== 1) {
    throw badFile(`${entry.package}:/${entry.path}`, `has EXIF orientation ${meta.orientation}; expected upright`);
  }
  const region = squareFor(meta.width, meta.height, entry.crop);
  if (region.width < options.size) {
    throw badFile(`${entry.package}:/${entry.path}`, `crop of ${region.width}px is smaller than ${options.size}px`);
  }
  const pixels = await sharp(source, { limitInputPixels: false })
    .extract(region)
    .resize(options.size, options.size, { kernel: 'lanczos3' })
    .flatten({ background: '#ffffff' }) // PNG sources with an (opaque) alpha band
    .toColourspace('srgb') // greyscale sources become 3-band sRGB; ICC-tagged sources are converted
    .raw()
    .toBuffer({ resolveWithObject: true });
  // The set's size budget: highly textured crops (moss, rocks) step the quality down until they fit.
  let quality = options.quality;
  let jpeg = await encodeJpeg(pixels, quality);
  while (jpeg.length > options.maxBytes && quality > MIN_QUALITY) {
    quality -= 1;
    jpeg = await encodeJpeg(pixels, quality);
  }
  return {
    jpeg,
    quality,
    source: {
      width: meta.width,
      height: meta.height,
      sha256: sha256(source),
      region,
    },
  };
}

async function main() {
  const { values } = parseArgs({
    options: {
      debs: { type: 'string' },
      out: { type: 'string', default: resolve(here, '..') },
      quality: { type: 'string', default: '85' },
      size: { type: 'string', default: '256' },
      'max-bytes': { type: 'string', default: '25000' },
    },
  });
  if (!values.debs) throw invalidParameter('--debs', 'a folder holding the .deb files', values.debs);
  const quality = Number(values.quality);
  if (!Number.isInteger(quality) || quality < 1 || quality > 100) throw invalidParameter('--quality', 'integer 1..100', values.quality);
  const size = Number(values.size);
  if (!Number.isInteger(size) || size < 16) throw invalidParameter('--size', 'integer ≥ 16', values.size);
  const maxBytes = Number(values['max-bytes']);
  if (!Number.isInteger(maxBytes) || maxBytes < 1) throw invalidParameter('--max-bytes', 'positive integer', values['max-bytes']);
  const out = resolve(values.out);
  const scenesDir = join(out, 'scenes');

  const workDir = mkdtempSync(join(tmpdir(), 'bgfill-samples-'));
  try {
    const roots = unpackPackages(resolve(values.debs), workDir);

    // Check every entry against its package's own licence record, then keep those records beside the images.
    const records = new Set();
    for (const entry of ENTRIES) {
      const pkg = PACKAGES[entry.package];
      if (!pkg) throw invalidParameter(`package of ${entry.name}`, 'a key of PACKAGES', entry.package);
      if (!LICENCES[entry.licence]) throw invalidParameter(`licence of ${entry.name}`, 'a key of LICENCES', entry.licence);
      const recordFile = pkg.recordFile(entry);
      const reason = checkEntry(entry, pkg, readFileSync(join(roots.get(entry.package), recordFile), 'utf8'));
      if (reason) throw badFile(`${entry.package}:/${recordFile}`, `${reason} (catalogue entry ${entry.name})`);
      if (pkg.copyRecord) records.add(`${entry.package}/${recordFile}`);
    }
    for (const [name, pkg] of Object.entries(PACKAGES)) for (const file of pkg.copied) records.add(`${name}/${file}`);
    const recordsDir = join(out, 'licenses/debian');
    for (const record of records) {
      const [name, ...rest] = record.split('/');
      await atomicWriteFile(join(recordsDir, record), readFileSync(join(roots.get(name), ...rest)));
    }
    // Records no longer referenced (an entry removed from the catalogue) go too.
    for (const file of readdirSync(recordsDir, { recursive: true, encoding: 'utf8' })) {
      const path = join(recordsDir, file);
      if (statSync(path).isFile() && !records.has(file.split(sep).join('/'))) rmSync(path);
    }

    const progress = createProgress({ label: 'samples', total: ENTRIES.length });
    const images = [];
    for (const [index, entry] of ENTRIES.entries()) {
      const file = sampleFileName(index, entry.name);
      const rendered = await renderEntry(entry, roots.get(entry.package), { quality, size, maxBytes });
      const { jpeg, source } = rendered;
      if (jpeg.length > maxBytes) process.stderr.write(`warning: ${file} is ${jpeg.length} bytes even at quality ${rendered.quality}\n`);
      await atomicWriteFile(join(scenesDir, file), jpeg);
      images.push({
        file,
        scene: entry.scene,
        description: entry.description,
        bytes: jpeg.length,
        quality: rendered.quality,
        sha256: sha256(jpeg),
        author: entry.author,
        licence: entry.licence,
        licenceUrl: LICENCES[entry.licence].url,
        ...(entry.licenceNote ? { licenceNote: entry.licenceNote } : {}),
        licenceRecord: {
          file: `/${PACKAGES[entry.package].recordFile(entry)}`,
          key: PACKAGES[entry.package].recordKey(entry),
          ...(PACKAGES[entry.package].copyRecord
            ? { copy: `licenses/debian/${entry.package}/${PACKAGES[entry.package].recordFile(entry)}` }
            : {}),
        },
        source: {
          package: entry.package,
          version: PACKAGES[entry.package].version,
          path: `/${entry.path}`,
          ...source,
        },
      });
      progress.tick();
    }
    progress.stop();

    // Files left over from an older catalogue would be uncredited: remove them.
    const expected = new Set(images.map((image) => image.file));
    for (const file of readdirSync(scenesDir)) {
      if (file.endsWith('.jpg') && !expected.has(file)) rmSync(join(scenesDir, file));
    }

    const manifest = {
      description: 'bgfill sample scenes: 256×256 sRGB JPEG crops of freely licensed photos from Debian packages. See ../CREDITS.md.',
      generator: 'samples/tools/make-samples.mjs',
      encoder: {
        sharp: sharp.versions.sharp,
        libvips: sharp.versions.vips,
        size,
        quality,
        minQuality: MIN_QUALITY,
        maxBytes,
        chromaSubsampling: '4:2:0',
      },
      images,
    };
    await atomicWriteJson(join(scenesDir, 'manifest.json'), manifest);
    await atomicWriteFile(join(out, 'CREDITS.md'), renderCredits(manifest));

    const total = images.reduce((sum, image) => sum + image.bytes, 0);
    const largest = images.reduce((a, b) => (b.bytes > a.bytes ? b : a));
    const counts = new Map();
    for (const image of images) counts.set(image.scene, (counts.get(image.scene) ?? 0) + 1);
    const byScene = [...counts].map(([scene, n]) => `${scene} ${n}`);
    process.stdout.write(
      `${images.length} images, ${(total / 1024).toFixed(1)} KiB in all, largest ${largest.file} ${(largest.bytes / 1024).toFixed(1)} KiB\n` +
        `scenes: ${byScene.join(', ')}\n`,
    );
  } finally {
    rmSync(workDir, { recursive: true, force: true });
  }
}

if (process.argv[1] && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  try {
    await main();
  } catch (err) {
    process.stderr.write(`${err instanceof BgfillError ? err.message : err?.stack ?? err}\n`);
    process.exitCode = 2;
  }
}

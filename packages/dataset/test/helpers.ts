// Test inputs, generated with sharp on the fly: a small Places365-style tree, a plain folder, and bad inputs.
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises';
import { execFileSync } from 'node:child_process';
import { deflateSync } from 'node:zlib';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import sharp from 'sharp';
import { Command } from 'commander';
import type { ExecutionContext } from 'ava';
import { rngFor } from '@bgfill/core';
import { registerDatasetCommands } from '../src/cli.js';

/** A fresh temporary folder, removed after the test. */
export async function tempDir(t: ExecutionContext, prefix = 'bgfill-ds-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Raw RGB pixels with a pattern unique to `seed`: gradients, a seed-dependent stripe, and six low-frequency waves
 * whose frequencies and phases come from the seed, so that two seeds give different pictures (their perceptual
 * hashes lie far apart, as two photos' do) and the build does not group them as near-duplicates.
 */
export function patternPixels(width: number, height: number, seed: number): Buffer {
  const rng = rngFor('pattern-pixels', seed);
  const waves = Array.from({ length: 6 }, () => ({ fx: rng.uniform(-4, 4), fy: rng.uniform(-4, 4), phase: rng.uniform(0, 2 * Math.PI) }));
  const data = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      let wave = 0;
      for (const w of waves) wave += Math.sin(2 * Math.PI * ((w.fx * x) / width + (w.fy * y) / height) + w.phase);
      const shade = 25 * wave;
      data[i] = Math.min(255, Math.max(0, (x * 160) / Math.max(1, width - 1) + 48 + shade));
      data[i + 1] = Math.min(255, Math.max(0, (y * 160) / Math.max(1, height - 1) + 48 + shade));
      data[i + 2] = Math.min(255, Math.max(0, ((x + y + seed * 37) % 64) * 2 + 96 + shade));
    }
  }
  return data;
}

export async function patternJpeg(width: number, height: number, seed: number, quality = 90): Promise<Buffer> {
  return sharp(patternPixels(width, height, seed), { raw: { width, height, channels: 3 } }).jpeg({ quality }).toBuffer();
}

export async function writeImage(path: string, bytes: Buffer): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes);
}

export const PLACES_CATEGORIES = ['/a/abbey', '/b/beach', '/c/canyon', '/o/office'];

export interface PlacesFixture {
  root: string;
  train: Array<{ rel: string; label: number }>;
  val: Array<{ rel: string; label: number }>;
}

/**
 * A miniature Places365-Standard tree: `data_256/<x>/<cat>/%08d.jpg`, `val_256/Places365_val_%08d.jpg`, the three
 * list files. Images are `side`×`side` JPEGs (pass-through at --size side) except every fifth train image, which is
 * larger and not square (resized).
 */
export async function makePlaces(root: string, perCategory = 3, valCount = 5, side = 64): Promise<PlacesFixture> {
  const train: PlacesFixture['train'] = [];
  const val: PlacesFixture['val'] = [];
  await writeFile(join(root, 'categories_places365.txt'), PLACES_CATEGORIES.map((c, i) => `${c} ${i}\n`).join(''));
  let n = 0;
  for (let label = 0; label < PLACES_CATEGORIES.length; label++) {
    for (let k = 0; k < perCategory; k++) {
      const rel = `${PLACES_CATEGORIES[label]}/${String(k).padStart(8, '0')}.jpg`;
      const big = n % 5 === 4;
      await writeImage(join(root, 'data_256', rel), await patternJpeg(big ? side * 2 + 10 : side, big ? side + 7 : side, n));
      train.push({ rel, label });
      n++;
    }
  }
  for (let k = 1; k <= valCount; k++) {
    const rel = `Places365_val_${String(k).padStart(8, '0')}.jpg`;
    await writeImage(join(root, 'val_256', rel), await patternJpeg(side, side, 1000 + k));
    val.push({ rel, label: k % PLACES_CATEGORIES.length });
  }
  await writeFile(join(root, 'places365_train_standard.txt'), train.map((e) => `${e.rel} ${e.label}\n`).join(''));
  await writeFile(join(root, 'places365_val.txt'), val.map((e) => `${e.rel} ${e.label}\n`).join(''));
  return { root, train, val };
}

/**
 * A PNG whose header claims `width`×`height`, followed by a little zlib-compressed zero data: the shape of a
 * decompression bomb (a real one carries ~1000:1 compressed zeros; the header is what the guard reads).
 */
export function pngHeaderOnly(width: number, height: number): Buffer {
  const crcTable = Array.from({ length: 256 }, (_, n) => {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
    return c >>> 0;
  });
  const crc = (b: Buffer): number => {
    let c = 0xffffffff;
    for (const byte of b) c = crcTable[(c ^ byte) & 0xff] ^ (c >>> 8);
    return (c ^ 0xffffffff) >>> 0;
  };
  const chunk = (type: string, data: Buffer): Buffer => {
    const len = Buffer.alloc(4);
    len.writeUInt32BE(data.length);
    const td = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const c = Buffer.alloc(4);
    c.writeUInt32BE(crc(td));
    return Buffer.concat([len, td, c]);
  };
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr[8] = 8; // bit depth
  ihdr[9] = 2; // truecolour
  return Buffer.concat([Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]), chunk('IHDR', ihdr), chunk('IDAT', deflateSync(Buffer.alloc(65536))), chunk('IEND', Buffer.alloc(0))]);
}

/** Every kind of bad input the build must skip and record, under `dir`; returns their relative names. */
export async function makeBadInputs(dir: string): Promise<Record<string, string>> {
  const good = await patternJpeg(96, 96, 7);
  const bad: Record<string, string> = {
    empty: 'bad/empty.jpg',
    truncated: 'bad/truncated.jpg',
    text: 'bad/text.jpg',
    dangling: 'bad/dangling.jpg',
    fifo: 'bad/fifo.jpg',
    directory: 'bad/directory.jpg',
    bomb: 'bad/bomb.png',
    tiny: 'bad/tiny.png',
  };
  await mkdir(join(dir, 'bad'), { recursive: true });
  await writeFile(join(dir, bad.empty), Buffer.alloc(0));
  await writeFile(join(dir, bad.truncated), good.subarray(0, Math.floor(good.length * 0.6)));
  await writeFile(join(dir, bad.text), 'this is not a JPEG, just text named like one\n');
  await symlink(join(dir, 'nowhere', 'gone.jpg'), join(dir, bad.dangling));
  execFileSync('mkfifo', [join(dir, bad.fifo)]);
  await mkdir(join(dir, bad.directory));
  await writeFile(join(dir, bad.bomb), pngHeaderOnly(20000, 20000));
  await writeFile(join(dir, bad.tiny), await sharp(patternPixels(16, 12, 3), { raw: { width: 16, height: 12, channels: 3 } }).png().toBuffer());
  return bad;
}

/** Every file under `dir` (relative path → bytes), for byte-for-byte comparisons of whole outputs. */
export async function snapshot(dir: string, options: { skipParts?: boolean } = {}): Promise<Map<string, Buffer>> {
  const { readdir, readFile } = await import('node:fs/promises');
  const out = new Map<string, Buffer>();
  const walk = async (sub: string): Promise<void> => {
    for (const e of await readdir(join(dir, sub), { withFileTypes: true })) {
      const rel = sub ? `${sub}/${e.name}` : e.name;
      if (e.isDirectory()) {
        if (!(options.skipParts && e.name === '.bgfill-parts')) await walk(rel);
      } else out.set(rel, await readFile(join(dir, rel)));
    }
  };
  await walk('');
  return new Map([...out.entries()].sort(([a], [b]) => (a < b ? -1 : 1)));
}

/** Run `bgfill dataset …` in-process (tests using it must be serial); returns what it printed, or the error it threw. */
export async function runDatasetCli(...args: string[]): Promise<{ stdout: string; error: unknown }> {
  let stdout = '';
  const program = new Command('bgfill').exitOverride().configureOutput({ writeOut: (s) => void (stdout += s), writeErr: () => {} });
  registerDatasetCommands(program);
  const write = process.stdout.write.bind(process.stdout);
  process.stdout.write = ((chunk: string | Uint8Array) => ((stdout += chunk.toString()), true)) as typeof process.stdout.write;
  try {
    await program.parseAsync(['node', 'bgfill', 'dataset', ...args]);
    return { stdout, error: null };
  } catch (error) {
    return { stdout, error };
  } finally {
    process.stdout.write = write;
  }
}

// `bgfill upscale` end to end on real files: a folder with a bad file and a name collision (skipped and listed, exit
// 2, --json summary), outputs equal to the library's, resuming, a single file, and option errors.
import test from 'ava';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { readRgbImage } from '@bgfill/eval';
import { initBackend } from '../src/backend/init-backend.js';
import { loadEsrgan } from '../src/upscale/esrgan.js';
import type { UpscaleSummary } from '../src/upscale/run-upscale.js';

const bin = fileURLToPath(new URL('../../cli/bin/bgfill.js', import.meta.url));
const scene = fileURLToPath(new URL('../../../samples/scenes/005-forest-path.jpg', import.meta.url));
let dir: string;

function bgfill(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [bin, ...args], { env: { ...process.env, CI: '1' } }, (err, stdout, stderr) => {
      resolve({ code: err ? Number((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
    });
  });
}

test.before(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'bgfill-upscale-cli-'));
  await mkdir(join(dir, 'photos'));
  await sharp(scene).extract({ left: 40, top: 60, width: 20, height: 16 }).png().toFile(join(dir, 'photos', 'a.png'));
  await sharp(scene).extract({ left: 120, top: 30, width: 14, height: 18 }).jpeg({ quality: 90 }).toFile(join(dir, 'photos', 'b.jpg'));
  await writeFile(join(dir, 'photos', 'c.png'), 'not an image');
  await copyFile(join(dir, 'photos', 'a.png'), join(dir, 'photos', 'd.png'));
  await copyFile(join(dir, 'photos', 'a.png'), join(dir, 'photos', 'd.webp')); // two images named "d"
});

test.after.always(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

test.serial('a folder: good images upscaled as the library does, bad ones skipped and listed, exit 2, JSON summary, resumable', async (t) => {
  const out = join(dir, 'big');
  const first = await bgfill('upscale', '--image', join(dir, 'photos'), '--out', out, '--scale', '2', '--model', 'slim', '--backend', 'wasm', '--tile', '8', '--json');
  t.is(first.code, 2, first.stderr);
  const summary = JSON.parse(first.stdout) as UpscaleSummary;
  t.is(summary.backend, 'wasm');
  t.is(summary.model, 'esrgan-slim');
  t.is(summary.total, 5);
  t.deepEqual(summary.written.map((f) => f.slice(out.length + 1)).sort(), ['a.png', 'b.png']);
  t.deepEqual(summary.failed.map((f) => f.file.slice(dir.length + 1)).sort(), ['photos/c.png', 'photos/d.png', 'photos/d.webp']);
  t.regex(summary.failed.find((f) => f.file.endsWith('c.png'))?.reason ?? '', /not a readable image/);
  t.regex(summary.failed.find((f) => f.file.endsWith('d.png'))?.reason ?? '', /2 images are named "d"/);
  t.regex(first.stderr, /upscaled 2 of 5 images ×2 with esrgan-slim, 3 failed/);
  t.regex(first.stderr, /bgfill: 3 of 5 images failed \(listed above\)/);
  t.deepEqual((await readdir(out)).sort(), ['a.png', 'b.png'], 'no temporary files left');

  const sr = await loadEsrgan('slim', 2, { tile: 0 });
  for (const name of ['a.png', 'b.jpg']) {
    const expected = await sr.upscale(await readRgbImage(join(dir, 'photos', name)));
    const written = await readRgbImage(join(out, name.replace('.jpg', '.png')));
    t.is(written.width, expected.width);
    t.deepEqual(written.data, expected.data, name);
  }
  sr.dispose();

  await rm(join(dir, 'photos', 'c.png'));
  await rm(join(dir, 'photos', 'd.webp'));
  const second = await bgfill('upscale', '--image', join(dir, 'photos'), '--out', out, '--scale', '2', '--model', 'slim', '--backend', 'wasm', '--json', '--no-progress');
  t.is(second.code, 0, second.stderr);
  const again = JSON.parse(second.stdout) as UpscaleSummary;
  t.is(again.existing.length, 2);
  t.deepEqual(again.written.map((f) => f.slice(out.length + 1)), ['d.png']);
  t.regex(second.stderr, /2 outputs already exist: kept \(--overwrite to redo\)/);
});

test.serial('a single image to a named file: ×3 with ESRGAN medium, as WebP', async (t) => {
  const out = join(dir, 'one-x3.webp');
  const r = await bgfill('upscale', '--image', join(dir, 'photos', 'b.jpg'), '--out', out, '--scale', '3', '--model', 'medium', '--backend', 'wasm');
  t.is(r.code, 0, r.stderr);
  const meta = await sharp(out).metadata();
  t.deepEqual([meta.format, meta.width, meta.height], ['webp', 42, 54]);
});

test('bad options exit 2 naming the option', async (t) => {
  const scale = await bgfill('upscale', '--image', join(dir, 'photos'), '--out', join(dir, 'x'), '--scale', '5');
  t.is(scale.code, 2);
  t.regex(scale.stderr, /one of 2, 3, 4, 8 for --scale but received "5"/);
  const model = await bgfill('upscale', '--image', join(dir, 'photos'), '--out', join(dir, 'x'), '--model', 'large');
  t.regex(model.stderr, /one of slim, medium, thick for --model/);
  const file = await bgfill('upscale', '--image', join(dir, 'photos'), '--out', join(dir, 'x.png'));
  t.is(file.code, 2);
  t.regex(file.stderr, /--out .*x\.png: must be a folder when --image is a folder/);
  const missing = await bgfill('upscale', '--image', join(dir, 'nothing'), '--out', join(dir, 'x'));
  t.regex(missing.stderr, /nothing: no such file or folder/);
  const help = await bgfill('upscale', '--help');
  t.regex(help.stdout, /--scale <n>.*\(default: "4"\)/);
  t.regex(help.stdout, /Example:/);
});

// `bgfill dataset inspect --preview`: the file's extension picks the codec, and an existing file is kept unless --overwrite.
import test from 'ava';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { buildDataset } from '../src/build.js';
import { previewFormatOf } from '../src/inspect.js';
import { patternJpeg, runDatasetCli as bgfill, tempDir, writeImage } from './helpers.js';

async function bundle(root: string): Promise<string> {
  const input = join(root, 'photos');
  for (let i = 0; i < 4; i++) await writeImage(join(input, `p${i}.jpg`), await patternJpeg(72, 64, i));
  const out = join(root, 'bundle');
  await buildDataset({ source: 'folder', input, out, size: 64, labels: 'none', splitRatios: 'val=1', masks: 'person-box', maskSplits: ['val'], progress: false });
  return out;
}

test.serial('--preview writes the format its extension names; other extensions are refused', async (t) => {
  const root = await tempDir(t);
  const out = await bundle(root);
  const grids = new Map<string, Buffer>();
  for (const [name, format] of [['grid.png', 'png'], ['grid.jpg', 'jpeg'], ['grid.JPEG', 'jpeg'], ['grid.webp', 'webp']] as const) {
    const path = join(root, name);
    const result = await bgfill('inspect', out, '--split', 'val', '--preview', path, '--count', '4');
    t.is(result.error, null, name);
    const bytes = await readFile(path);
    const meta = await sharp(bytes).metadata();
    t.is(meta.format, format, `${name} holds ${format}`);
    t.deepEqual([meta.width, meta.height], [2 * 128 + 6, 2 * 128 + 6]);
    grids.set(format, await sharp(bytes).removeAlpha().raw().toBuffer());
  }
  // Same picture in every codec: the lossy ones stay close to the PNG (mean absolute difference under 3 of 255).
  const png = grids.get('png')!;
  for (const format of ['jpeg', 'webp']) {
    const other = grids.get(format)!;
    t.is(other.length, png.length);
    let sum = 0;
    for (let i = 0; i < png.length; i++) sum += Math.abs(png[i] - other[i]);
    t.true(sum / png.length < 3, `${format}: mean difference ${sum / png.length}`);
  }
  for (const [bad, ext] of [['grid.gif', 'not .gif'], ['grid.tiff', 'not .tiff'], ['grid', 'no extension']]) {
    const result = await bgfill('inspect', out, '--preview', join(root, bad));
    t.true(result.error instanceof BgfillError, bad);
    t.is((result.error as Error).message, `${join(root, bad)}: --preview writes .png, .jpg, .jpeg or .webp (the extension picks the format), ${ext}`);
  }
  t.is(previewFormatOf('a/b.Jpg'), 'jpeg');
});

test.serial('an existing --preview file is replaced only with --overwrite; a folder never', async (t) => {
  const root = await tempDir(t);
  const out = await bundle(root);
  const path = join(root, 'val.jpg');
  await writeFile(path, 'my holiday photo');
  const refused = await bgfill('inspect', out, '--split', 'val', '--preview', path);
  t.true(refused.error instanceof BgfillError);
  t.is((refused.error as Error).message, `${path}: exists; pass --overwrite to replace it`);
  t.is(refused.stdout, '', 'refused before printing a report');
  t.is(await readFile(path, 'utf8'), 'my holiday photo', 'untouched');

  t.is((await bgfill('inspect', out, '--split', 'val', '--preview', path, '--overwrite')).error, null);
  t.is((await sharp(path).metadata()).format, 'jpeg');

  const folder = join(root, 'folder.png');
  await mkdir(folder);
  const onFolder = await bgfill('inspect', out, '--preview', folder, '--overwrite');
  t.is((onFolder.error as Error).message, `${folder}: is a folder; give a file name for the preview`);
});

// What `bgfill dataset build` refuses before any work: bad input and output folders, mask splits that reach nothing,
// split ratios that do not sum to 1. Each refusal is a BgfillError (the CLI exits 2 and prints the message alone),
// and nothing is written.
import test from 'ava';
import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BgfillError } from '@bgfill/core';
import { bundleEntry } from '../src/build-folders.js';
import { buildDataset } from '../src/build.js';
import { readManifest } from '../src/manifest.js';
import { makePlaces, patternJpeg, runDatasetCli as bgfill, snapshot, tempDir, writeImage } from './helpers.js';

const cli = fileURLToPath(new URL('../../cli/bin/bgfill.js', import.meta.url));

/** A folder of `n` small JPEGs (no class folders). */
async function photos(dir: string, n = 4): Promise<string> {
  for (let i = 0; i < n; i++) await writeImage(join(dir, `p${i}.jpg`), await patternJpeg(80, 72, i));
  return dir;
}

/** The message of a refusal, after checking it is a BgfillError. */
function refusal(t: import('ava').ExecutionContext, result: { error: unknown }): string {
  t.true(result.error instanceof BgfillError, String(result.error));
  return (result.error as Error).message;
}

const common = ['--size', '64', '--labels', 'none'];

test.serial('--input: a missing folder, a file, and a folder without images are errors naming it; nothing is built', async (t) => {
  const root = await tempDir(t);
  const out = join(root, 'bundle');
  const nosuch = join(root, 'nosuch') + '/';
  t.is(refusal(t, await bgfill('build', '--input', nosuch, '--out', out, ...common)), `${nosuch}: no such folder`);

  const file = join(root, 'img', 'room.jpg');
  await writeImage(file, await patternJpeg(64, 64, 1));
  t.is(refusal(t, await bgfill('build', '--input', file, '--out', out, ...common)), `${file}: not a folder (give the folder that holds the images)`);

  const empty = join(root, 'notes');
  await mkdir(join(empty, 'sub'), { recursive: true });
  await writeFile(join(empty, 'sub', 'readme.txt'), 'no images here\n');
  const message = refusal(t, await bgfill('build', '--input', empty, '--out', out, ...common));
  t.true(message.startsWith(`${empty}: no image files found (looked for .jpg, .jpeg, .png, .webp, .tif, .tiff, .gif, .avif, .heic, .heif`), message);
  t.regex(refusal(t, await bgfill('build', '--input', empty, '--out', out, '--pattern', '**/*.bmp', ...common)), /notes: no file matches --pattern \*\*\/\*\.bmp$/);
  const list = join(root, 'empty-list.txt');
  await writeFile(list, '# nothing listed\n');
  t.is(refusal(t, await bgfill('build', '--list', list, '--out', out, ...common)), `${list}: lists no files`);
  t.false(existsSync(out), 'no output folder was made');

  // Places365: the same for its root, and a list whose image folder is absent.
  t.is(refusal(t, await bgfill('build', '--source', 'places365', '--input', nosuch, '--out', out)), `${nosuch}: no such folder`);
  t.is(refusal(t, await bgfill('build', '--source', 'places365', '--input', file, '--out', out)), `${file}: not a folder (give the folder that holds the images)`);
  const places = join(root, 'places');
  await mkdir(places);
  await makePlaces(places, 1, 2, 64);
  await rm(join(places, 'val_256'), { recursive: true });
  t.is(
    refusal(t, await bgfill('build', '--source', 'places365', '--input', places, '--out', out, '--size', '64')),
    `${places}: no val_256/ or val_large/ folder for the val images its list names; give the folder that holds them`,
  );
  t.false(existsSync(out), 'no output folder was made');
});

test.serial('--split-ratios that do not sum to 1 are refused, naming the sum', async (t) => {
  const root = await tempDir(t);
  const input = await photos(join(root, 'photos'));
  const out = join(root, 'bundle');
  t.regex(refusal(t, await bgfill('build', '--input', input, '--out', out, '--split-ratios', 'train=0.3,val=0.1', ...common)), /sums to 0\.4; the ratios must sum to 1/);
  t.regex(refusal(t, await bgfill('build', '--input', input, '--out', out, '--split-ratios', 'train=0.9,val=0.2', ...common)), /sums to 1\.1;/);
  t.false(existsSync(out));
});

test.serial('--mask-splits must name produced splits; --masks that reach no split are refused with a way out', async (t) => {
  const root = await tempDir(t);
  const input = await photos(join(root, 'photos'));
  const out = join(root, 'bundle');
  const trainOnly = refusal(t, await bgfill('build', '--input', input, '--masks', 'person-box', '--out', out, ...common));
  t.is(
    trainOnly,
    "--masks person-box: no split of this build gets masks (--mask-splits val,test; this build's splits: train). " +
      'Give --mask-splits train, or make a validation split with --split-ratios train=0.9,val=0.1',
  );
  const nosuch = refusal(t, await bgfill('build', '--input', input, '--masks', 'person-box', '--mask-splits', 'nosuch', '--out', out, ...common));
  t.is(nosuch, '--mask-splits names "nosuch", which this build does not produce (its splits: train)');
  const partly = refusal(t, await bgfill('build', '--input', input, '--split-ratios', 'train=0.5,val=0.5', '--mask-splits', 'val,test', '--out', out, ...common));
  t.is(partly, '--mask-splits names "test", which this build does not produce (its splits: train, val)');
  t.false(existsSync(out), 'nothing built');

  // The suggested fix works: every train record carries a mask.
  const built = await bgfill('build', '--input', input, '--masks', 'person-box', '--mask-splits', 'train', '--out', out, ...common);
  t.is(built.error, null);
  const manifest = await readManifest(out);
  t.true(manifest.splits.train.hasMasks);
  t.regex(manifest.splits.train.maskStrategy ?? '', /person-box/);
  t.true((manifest.splits.train.meanHoleRatio ?? 0) > 0);

  // The default val,test still applies where it fits: Places365 train,val gives val masks, and no error about test.
  const places = join(root, 'places');
  await mkdir(places);
  await makePlaces(places, 1, 2, 64);
  const placesOut = join(root, 'places-bundle');
  t.is((await bgfill('build', '--source', 'places365', '--input', places, '--masks', 'person-box', '--out', placesOut, '--size', '64')).error, null);
  const pm = await readManifest(placesOut);
  t.deepEqual([pm.splits.train.hasMasks, pm.splits.val.hasMasks], [false, true]);
});

test.serial('--out: an existing file is refused before any work (exit 2, one line, no stack trace)', async (t) => {
  const root = await tempDir(t);
  const input = await photos(join(root, 'photos'));
  const file = join(root, 'img', 'room.jpg');
  const bytes = await patternJpeg(64, 64, 3);
  await writeImage(file, bytes);
  t.is(refusal(t, await bgfill('build', '--input', input, '--out', file, ...common)), `${file}: exists and is not a folder`);
  t.regex(refusal(t, await bgfill('build', '--input', input, '--out', join(file, 'below'), ...common)), /below: cannot be created: .*room\.jpg is a file, not a folder$/);
  t.deepEqual(await readFile(file), bytes, 'the file is untouched');

  // The real CLI, as the reviewer ran it.
  const child = spawn(process.execPath, [cli, 'dataset', 'build', '--input', input, '--out', file], { stdio: ['ignore', 'pipe', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  t.is(code, 2);
  t.true(stderr.includes(`${file}: exists and is not a folder`), stderr);
  t.false(/ENOTDIR|internal error|\n\s+at /.test(stderr), stderr);
  t.deepEqual(await readdir(join(root, 'img')), ['room.jpg']);
});

test.serial('--out: foreign files, the input folder itself, and folders inside or around it are refused', async (t) => {
  const root = await tempDir(t);
  const input = await photos(join(root, 'photos'));

  const other = join(root, 'other');
  await mkdir(join(other, 'notes'), { recursive: true });
  await writeFile(join(other, 'keep.txt'), 'mine\n');
  const foreign = refusal(t, await bgfill('build', '--input', input, '--out', other, ...common));
  t.is(foreign, `${other}: holds files that are not part of this bundle (keep.txt, notes/); choose a new or empty --out folder, or move them away`);
  t.deepEqual((await readdir(other)).sort(), ['keep.txt', 'notes'], 'nothing written beside them');

  t.is(refusal(t, await bgfill('build', '--input', input, '--out', input, ...common)), `${input}: is the input folder; write the bundle to a folder of its own`);
  const inside = join(input, 'bundle');
  t.regex(refusal(t, await bgfill('build', '--input', input, '--out', inside, ...common)), /bundle: is inside the input folder .*photos \(every image under it is read\)/);
  t.false(existsSync(inside));
  t.regex(refusal(t, await bgfill('build', '--input', input, '--out', root, ...common)), /: contains the input folder .*photos; write the bundle/);

  // Places365: beside the image folders in the root is fine (only listed files are read); inside data_256/ is not.
  const places = join(root, 'places');
  await mkdir(places);
  await makePlaces(places, 1, 2, 64);
  t.regex(refusal(t, await bgfill('build', '--source', 'places365', '--input', places, '--out', join(places, 'data_256', 'b'), '--size', '64')), /is inside the Places365 image folder .*data_256/);
  t.is((await bgfill('build', '--source', 'places365', '--input', places, '--out', join(places, 'bundle'), '--size', '64')).error, null);
});

test.serial('--out: an interrupted or finished bundle of the same build is resumed, not refused', async (t) => {
  const root = await tempDir(t);
  const input = await photos(join(root, 'photos'), 7);
  const options = { source: 'folder', input, size: 64, labels: 'none', recordsPerShard: 2, splitRatios: 'train=0.5,val=0.5', progress: false } as const;
  const clean = join(root, 'clean');
  await buildDataset({ ...options, out: clean });

  // An interrupted run: the manifest and rejects not yet written, one shard and its part lost, stale temporary files.
  const out = join(root, 'out');
  await buildDataset({ ...options, out });
  const manifest = await readManifest(out);
  await rm(join(out, 'dataset.json'));
  await rm(join(out, 'rejects.jsonl'));
  await rm(join(out, manifest.shards[1].file));
  await rm(join(out, '.bgfill-parts', `${manifest.shards[1].file}.json`));
  await writeFile(join(out, `.${manifest.shards[1].file}.12345.0badc0de.tmp`), 'partial');
  await writeFile(join(out, '.dataset.json.12345.0badc0de.tmp'), '{');
  const resumed = await buildDataset({ ...options, out });
  t.is(resumed.shardsKept, manifest.shards.length - 1);
  t.deepEqual(await snapshot(out), await snapshot(clean), 'byte-identical to a clean build');
  // Finished: a rerun keeps everything.
  t.is((await buildDataset({ ...options, out })).shardsWritten, 0);
});

test('bundleEntry: names a bundle of this build may hold', (t) => {
  const yes = [
    'dataset.json', 'rejects.jsonl', '.bgfill-parts', 'train-00000-of-00004.tfrecord', 'val-00003-of-00004.index',
    'worker-00001-of-00004.json', '.train-00000-of-00004.tfrecord.123.0a1b2c3d.tmp', '.dataset.json.9.ffffffff.tmp',
  ];
  const no = [
    'keep.txt', 'test-00000-of-00001.tfrecord', 'train-00000-of-00004.tfrecord.gz', 'train-0-of-4.tfrecord', '.DS_Store',
    '.keep.txt.1.0a1b2c3d.tmp', '.bgfill-parts.1.0a1b2c3d.tmp', 'dataset.json.bak',
  ];
  for (const name of yes) t.true(bundleEntry(name, ['train', 'val'], false), name);
  for (const name of no) t.false(bundleEntry(name, ['train', 'val'], false), name);
  t.true(bundleEntry('train-00000-of-00004.tfrecord.gz', ['train'], true));
  t.false(bundleEntry('train-00000-of-00004.tfrecord', ['train'], true));
});

import test from 'ava';
import { readFile, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { readManifest } from '../src/manifest.js';
import { runDatasetCli as bgfill, patternJpeg, tempDir, writeImage } from './helpers.js';

test.serial('help shows every option default and an example', async (t) => {
  const { stdout } = await bgfill('build', '--help');
  for (const text of ['(default: 256)', '(default: 95)', 'default: "center"', '(default: 4)', '(default: 0)', '(default: 64)', '(default: 100000000)', '(default: val,test)', 'Example:', '$ bgfill dataset build']) {
    t.true(stdout.includes(text), text);
  }
  for (const text of ['--upscale', '--reject <flags>', '--flag-only', 'blurry=38,dark=41,low-information=5.5,upscaled=0.17', 'default: "group"', '(default: 12)', '--no-signals', '--json', '--no-progress']) {
    t.true(stdout.includes(text), text);
  }
  for (const sub of ['verify', 'inspect', 'merge', 'audit']) t.regex((await bgfill(sub, '--help')).stdout, /Example:\n {2}\$ bgfill dataset /);
});

test.serial('audit a folder before building: groups, small and flagged photos, sheets, --json; an earlier audit needs --overwrite', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'photos');
  const scenes = new URL('../../../samples/scenes/', import.meta.url);
  for (const name of ['001-lake-jetty.jpg', '013-picos-de-europa.jpg', '021-green-hills.jpg']) await writeImage(join(input, name), await readFile(new URL(name, scenes)));
  const jetty = await readFile(new URL('001-lake-jetty.jpg', scenes));
  await writeImage(join(input, 'copies', 'jetty-small.jpg'), await sharp(jetty).resize(160, 160).jpeg({ quality: 70 }).toBuffer());
  await writeImage(join(input, 'copies', 'jetty-blur.jpg'), await sharp(jetty).blur(3).jpeg().toBuffer());
  await writeFile(join(input, 'notes.jpg'), 'not an image');
  const out = join(root, 'audit');
  const run = await bgfill('audit', input, '--out', out, '--json', '--no-progress');
  t.is(run.error, null);
  const report = JSON.parse(run.stdout) as {
    images: number;
    unreadable: Array<{ file: string }>;
    groups: Array<{ members: Array<{ file: string }>; sheet: string }>;
    tooSmall: Array<{ file: string; factor: number }>;
    outliers: Record<string, Array<{ file: string }>>;
    outlierSheets: Record<string, string | null>;
  };
  t.is(report.images, 5);
  t.deepEqual(report.unreadable.map((u) => u.file), ['notes.jpg']);
  t.deepEqual(report.groups.map((g) => g.members.map((m) => m.file)), [['001-lake-jetty.jpg', 'copies/jetty-blur.jpg', 'copies/jetty-small.jpg']]);
  t.deepEqual(report.tooSmall.map((s) => [s.file, s.factor]), [['copies/jetty-small.jpg', 1.6]]);
  t.true(report.outliers.blurry.some((o) => o.file === 'copies/jetty-blur.jpg'));
  const sheet = await sharp(report.groups[0].sheet).metadata();
  t.deepEqual([sheet.width, sheet.height], [3 * 128 + 2 * 2, 128], 'the three photos of the group side by side');
  t.truthy(report.outlierSheets.blurry);
  t.is(JSON.parse(await readFile(join(out, 'audit.json'), 'utf8')).groups.length, 1);
  const again = await bgfill('audit', input, '--out', out);
  t.regex((again.error as Error).message, /holds an earlier audit \(audit\.json\); pass --overwrite/);
  t.is((await bgfill('audit', input, '--out', join(input, 'inside'))).error instanceof BgfillError, true, 'not inside the audited folder');
  t.is((await bgfill('audit', input, '--out', out, '--overwrite')).error, null);
});

test.serial('a new user builds a folder bundle, verifies it, inspects it; damage makes verify fail naming the record', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'photos');
  for (let i = 0; i < 9; i++) await writeImage(join(input, `p${i}.jpg`), await patternJpeg(120, 90, i));
  await writeFile(join(input, 'notes.jpg'), 'not an image');
  const out = join(root, 'bundle');
  const built = await bgfill('build', '--input', input, '--out', out, '--size', '64', '--split-ratios', 'train=0.7,val=0.3', '--records-per-shard', '4', '--labels', 'none');
  t.is(built.error, null);
  t.regex(built.stdout, /9 records \(0 passed through unchanged\), 1 inputs rejected — see .*rejects\.jsonl/);
  t.regex(await readFile(join(out, 'rejects.jsonl'), 'utf8'), /"file":"notes\.jpg".*"code":"not-an-image"/);

  const verified = await bgfill('verify', out, '--decode');
  t.is(verified.error, null);
  t.regex(verified.stdout, /OK \(\d+ shards, 9 records, 9 decoded\)/);

  const preview = join(root, 'grid.png');
  const inspected = await bgfill('inspect', out, '--preview', preview, '--count', '4');
  t.regex(inspected.stdout, /9 records from 10 inputs, 1 rejected/);
  t.deepEqual(await sharp(preview).metadata().then((m) => [m.width, m.height]), [2 * 128 + 6, 2 * 128 + 6]);
  const json = JSON.parse((await bgfill('inspect', out, '--json', '--split', 'train')).stdout) as { splits: Array<{ split: string }> };
  t.deepEqual(json.splits.map((s) => s.split), ['train']);

  const shard = (await readManifest(out)).shards[0].file;
  const bytes = await readFile(join(out, shard));
  bytes[bytes.length - 100] ^= 1;
  await writeFile(join(out, shard), bytes);
  const failed = await bgfill('verify', out);
  t.true(failed.error instanceof BgfillError);
  t.regex((failed.error as Error).message, /problem\(s\) found/);
  t.regex(failed.stdout, new RegExp(`${shard} @ offset \\d+ \\(record \\d\\): data CRC mismatch`));
});

test.serial('user errors are BgfillErrors that name the option', async (t) => {
  const root = await tempDir(t);
  const a = await bgfill('build', '--input', root, '--out', join(root, 'o'), '--worker', '1');
  t.regex((a.error as Error).message, /--worker and --workers go together/);
  const b = await bgfill('build', '--input', root, '--out', join(root, 'o'), '--split-ratios', 'train=abc');
  t.true(b.error instanceof BgfillError);
  t.regex((b.error as Error).message, /--split-ratios/);
  const c = await bgfill('verify', join(root, 'nothing-here'));
  t.regex((c.error as Error).message, /dataset\.json/);
});

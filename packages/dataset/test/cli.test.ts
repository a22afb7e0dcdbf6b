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
  for (const sub of ['verify', 'inspect', 'merge']) t.regex((await bgfill(sub, '--help')).stdout, /Example:\n {2}\$ bgfill dataset /);
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

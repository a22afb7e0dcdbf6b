import test from 'ava';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, readdir, writeFile, mkdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { readManifest } from '@bgfill/dataset';

const run = promisify(execFile);
const bin = new URL('../packages/cli/bin/bgfill.js', import.meta.url).pathname;

// The README's "run it" command, at toy size so it fits in the suite: every stage runs for real on the samples.
test('bgfill demo runs masks → dataset → train → eval end to end on the embedded samples', async (t) => {
  const out = join(await mkdtemp(join(tmpdir(), 'bgfill-demo-')), 'demo');
  const args = ['demo', '--out', out, '--size', '32', '--cnum', '4', '--epochs', '2', '--steps-per-epoch', '2', '--batch-size', '2', '--backend', 'wasm'];
  const { stdout } = await run(process.execPath, [bin, ...args], { maxBuffer: 1 << 24, env: { ...process.env, CI: '1' } });

  t.regex(stdout, /\[4\/4\] eval/);
  t.regex(stdout, /report\s+.*report\.html/);
  t.is((await readdir(join(out, 'masks'))).filter((f) => f.endsWith('.png') && f.startsWith('mask-')).length, 64);

  const manifest = await readManifest(join(out, 'bundle'));
  t.true(manifest.splits.val.count > 0 && manifest.splits.val.hasMasks, 'val carries fixed masks');
  t.true(manifest.splits.train.count > manifest.splits.val.count);
  t.is(manifest.splits.train.count + manifest.splits.val.count, 39);

  t.deepEqual((await readdir(join(out, 'run'))).filter((f) => f.startsWith('epoch-')).sort(), ['epoch-0001', 'epoch-0002']);
  const best = JSON.parse(await readFile(join(out, 'run', 'eval', 'best.json'), 'utf8')) as { epoch: number };
  t.true([1, 2].includes(best.epoch));
  const html = await readFile(join(out, 'run', 'eval', 'report.html'), 'utf8');
  t.regex(html, /<svg/);
  t.true(html.includes('data:image/png;base64,'));
});

test('bgfill demo refuses an output folder holding other files, unless --overwrite', async (t) => {
  const out = await mkdtemp(join(tmpdir(), 'bgfill-demo-busy-'));
  await mkdir(out, { recursive: true });
  await writeFile(join(out, 'precious.txt'), 'keep me');
  const err = await run(process.execPath, [bin, 'demo', '--out', out]).then(
    () => undefined,
    (e: { code: number; stderr: string }) => e,
  );
  t.truthy(err);
  t.is(err?.code, 2);
  t.regex(err?.stderr ?? '', /holds other files.*--overwrite/);
  t.is(await readFile(join(out, 'precious.txt'), 'utf8'), 'keep me');
});

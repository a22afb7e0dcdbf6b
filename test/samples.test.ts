import test from 'ava';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { readdir } from 'node:fs/promises';
import sharp from 'sharp';

const run = promisify(execFile);
const root = new URL('../', import.meta.url);

test('the embedded sample scenes pass their checker (format, sizes, hashes, credits, licences)', async (t) => {
  const { stdout } = await run(process.execPath, ['samples/tools/check-samples.mjs'], { cwd: root });
  t.regex(stdout, /^\d+ passed, 0 failed$/m);
});

test('every sample scene decodes to 256×256 sRGB with 3 channels', async (t) => {
  const files = (await readdir(new URL('samples/scenes/', root))).filter((f) => f.endsWith('.jpg'));
  t.true(files.length >= 32);
  for (const f of files) {
    const meta = await sharp(new URL(`samples/scenes/${f}`, root).pathname).metadata();
    t.is(meta.width, 256, f);
    t.is(meta.height, 256, f);
    t.is(meta.channels, 3, f);
  }
});

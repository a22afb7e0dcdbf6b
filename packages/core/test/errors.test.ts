import test from 'ava';
import { mkdtemp, readFile, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWriteFile, atomicWriteJson } from '../src/atomic-write.js';
import { BgfillError, invalidParameter } from '../src/errors.js';

test('invalidParameter names the parameter, the expectation and the value', (t) => {
  const err = invalidParameter('size', 'positive integer', -3);
  t.true(err instanceof BgfillError);
  t.is(err.message, 'Expected positive integer for size but received -3');
  t.is(err.subject, 'size');
});

test('atomicWriteFile leaves only the final file, with the full content', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-atomic-'));
  const path = join(dir, 'sub', 'a.json');
  await atomicWriteJson(path, { a: 1 });
  await atomicWriteFile(join(dir, 'sub', 'b.bin'), new Uint8Array([1, 2, 3]));
  t.deepEqual(JSON.parse(await readFile(path, 'utf8')), { a: 1 });
  t.deepEqual([...(await readFile(join(dir, 'sub', 'b.bin')))], [1, 2, 3]);
  t.deepEqual((await readdir(join(dir, 'sub'))).sort(), ['a.json', 'b.bin']);
});

import test from 'ava';
import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseIntegerOption, parseNumberOption } from '@bgfill/core';
import { MAX_MASK_COUNT, parseSizeOption, readStrategyOption } from '../src/cli-options.js';
import { BgfillError } from '@bgfill/core';

test('sizes: one side or WIDTHxHEIGHT, 1 … 16384', (t) => {
  t.deepEqual(parseSizeOption('256'), { width: 256, height: 256 });
  t.deepEqual(parseSizeOption('320x240'), { width: 320, height: 240 });
  t.deepEqual(parseSizeOption(' 16X9 '), { width: 16, height: 9 });
  t.deepEqual(parseSizeOption('1x16384'), { width: 1, height: 16384 });
  for (const bad of ['0', '-3', '16385', '256x0', 'abc', '256x', 'x256', '2.5', '', '10x10x10']) {
    t.throws(() => parseSizeOption(bad), { instanceOf: BgfillError, message: new RegExp(`--size but received ${JSON.stringify(bad).replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`) }, bad);
  }
});

test('integers within limits, with the option named', (t) => {
  t.is(parseIntegerOption('1', '--count', 1, MAX_MASK_COUNT), 1);
  t.is(parseIntegerOption('10000000', '--count', 1, MAX_MASK_COUNT), MAX_MASK_COUNT);
  for (const bad of ['0', '-5', '10000001', '1e3', '2.5', 'ten', '', '99999999999999999999']) {
    t.throws(() => parseIntegerOption(bad, '--count', 1, MAX_MASK_COUNT), {
      instanceOf: BgfillError,
      message: /integer between 1 and 10000000 for --count/,
    }, bad);
  }
});

test('numbers within limits', (t) => {
  t.is(parseNumberOption('0.1', '--threshold', 0, 0.999), 0.1);
  for (const bad of ['-0.1', '1', 'NaN', '', 'half']) {
    t.throws(() => parseNumberOption(bad, '--threshold', 0, 0.999), { instanceOf: BgfillError, message: /--threshold/ }, bad);
  }
});

test('@file reads the recipe from a file; plain text passes through', async (t) => {
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-opt-'));
  await writeFile(join(dir, 'r.json'), '{"strategy":"box"}');
  t.is(await readStrategyOption(`@${join(dir, 'r.json')}`), '{"strategy":"box"}');
  t.is(await readStrategyOption('person-box'), 'person-box');
  await t.throwsAsync(readStrategyOption(`@${join(dir, 'missing.json')}`), { instanceOf: BgfillError, message: /missing\.json: cannot read/ });
});

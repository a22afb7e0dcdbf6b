// Choosing the webgpu training kernels (`bgfill train --kernels`, BGFILL_WEBGPU_KERNELS): validation, the config field,
// and that the fused path, opted into on another backend, changes nothing there. Runs without a GPU.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError } from '@bgfill/core';
import { resolveWebGpuKernels } from '../src/backend/webgpu-fused/kernel-choice.js';
import { parseTrainConfig } from '../src/train/config.js';
import { GENERATOR_FILE, OPTIMIZER_FILE } from '../src/train/checkpoint.js';
import { SMALL_RUN, makeBundle, runCli, tempDir } from './train-helpers.js';

test('the kernels come from --kernels, else BGFILL_WEBGPU_KERNELS, else stock; a bad value names its source', (t) => {
  t.is(resolveWebGpuKernels(null, {}), 'stock');
  t.is(resolveWebGpuKernels(undefined, { BGFILL_WEBGPU_KERNELS: 'fused' }), 'fused');
  t.is(resolveWebGpuKernels('stock', { BGFILL_WEBGPU_KERNELS: 'fused' }), 'stock');
  const env = t.throws(() => resolveWebGpuKernels(null, { BGFILL_WEBGPU_KERNELS: 'fast' }), { instanceOf: BgfillError });
  t.regex(env.message, /^BGFILL_WEBGPU_KERNELS: expected one of stock, fused, got "fast"/);
  const flag = t.throws(() => resolveWebGpuKernels('Fused', {}), { instanceOf: BgfillError });
  t.regex(flag.message, /^--kernels: /);
});

test('the training config has a kernels field: null by default, stock or fused, anything else an error naming it', (t) => {
  t.is(parseTrainConfig({ data: 'b', out: 'r' }).kernels, null);
  t.is(parseTrainConfig({ data: 'b', out: 'r', kernels: 'fused' }).kernels, 'fused');
  const err = t.throws(() => parseTrainConfig({ data: 'b', out: 'r', kernels: 'gpu' }), { instanceOf: BgfillError });
  t.regex(err.message, /kernels: /);
});

test.serial('bgfill train --help documents --kernels; --kernels fused on wasm says it has no effect and trains the same bytes', async (t) => {
  const help = await runCli(['train', '--help']);
  t.regex(help.stdout, /--kernels <set>[\s\S]*fused[\s\S]*BGFILL_WEBGPU_KERNELS, else stock/);
  t.regex(help.stdout, /--backend webgpu --kernels fused/);
  const bad = await runCli(['train', '--data', 'x', '--out', join(await tempDir('kernels-bad'), 'run'), '--kernels', 'turbo']);
  t.is(bad.code, 2);
  t.regex(bad.stderr, /kernels/);

  const data = await makeBundle({ count: 4, size: 32 });
  const root = await tempDir('kernels-wasm');
  const args = ['train', ...SMALL_RUN, '--data', data, '--epochs', '1', '--steps-per-epoch', '2'];
  const stock = await runCli([...args, '--out', join(root, 'stock')]);
  t.is(stock.code, 0, stock.stderr);
  const fused = await runCli([...args, '--out', join(root, 'fused'), '--kernels', 'fused']);
  t.is(fused.code, 0, fused.stderr);
  t.regex(fused.stdout, /webgpu kernels: fused has no effect on the wasm backend/);
  for (const file of [GENERATOR_FILE, OPTIMIZER_FILE]) {
    const [a, b] = await Promise.all([readFile(join(root, 'stock', 'epoch-0001', file)), readFile(join(root, 'fused', 'epoch-0001', file))]);
    t.true(a.equals(b), `${file}: a wasm run with --kernels fused is byte-identical to one without`);
  }
});

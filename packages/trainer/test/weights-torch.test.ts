// The PyTorch checkpoint reader: a pickle VM checked against pickles written by CPython, and .pth files written by
// torch 1.13 (zip and legacy formats) checked against the values make_fixture.py recorded with them.
import test from 'ava';
import { mkdtemp, readFile, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { unzipSync, zipSync } from 'fflate';
import { BgfillError } from '@bgfill/core';
import { PyDict, PyGlobal, PyObject, unpickle, type PyValue } from '../src/weights/pickle.js';
import { readTorchCheckpoint, readTorchStateDict } from '../src/weights/torch-reader.js';
import { readSafetensors } from '../src/weights/safetensors.js';
import { toFloat32, type WeightTensor } from '../src/weights/weight-tensor.js';
import { halfToFloat, floatToHalf } from '../src/weights/float16.js';
import { fixturePath, readManifest } from './fixtures/parity/load-fixture.js';

const hex = (s: string) => Uint8Array.from(s.match(/../g)!.map((b) => Number.parseInt(b, 16)));
const run = (bytes: Uint8Array) => unpickle(bytes, { source: 'test.pkl' }).value;
const items = (d: PyValue) => Object.fromEntries((d as PyDict).items);

test('pickle protocol 2 from CPython: ints, floats, lists, tuples, None/True/False, bytes, LONG1', (t) => {
  // pickle.dumps({'a': 5, 'b': 1.5, 'c': [1, 2], 'd': (None, True, False), 'e': b'xy', 'n': -3,
  //               'big': 2**70, 'neg': -2**40}, protocol=2)
  const bytes = hex(
    '80027d71002858010000006171014b055801000000627102473ff800000000000058010000006371035d7104284b014b026558010000006471054e88898771065801000000657107635f636f646563730a656e636f64650a710858020000007879710958060000006c6174696e31710a86710b52710c58010000006e710d4afdffffff5803000000626967710e8a0900000000000000004058030000006e6567710f8a060000000000ff752e',
  );
  const d = items(run(bytes));
  t.is(d.a, 5);
  t.is(d.b, 1.5);
  t.deepEqual(d.c, [1, 2]);
  t.deepEqual([...(d.d as PyValue[])], [null, true, false]);
  t.true(Object.isFrozen(d.d), 'tuples are frozen arrays');
  t.deepEqual([...(d.e as Uint8Array)], [0x78, 0x79]);
  t.is(d.n, -3);
  t.is(d.big, 2n ** 70n);
  t.is(d.neg, -(2 ** 40));
});

test('pickle protocol 0 (text opcodes) and protocols 4/5 (FRAME, MEMOIZE, STACK_GLOBAL, SHORT_BINUNICODE)', (t) => {
  // pickle.dumps({'a': 5, 'b': [1, 2], 's': 'hé'}, protocol=0)
  const p0 = Uint8Array.from(Buffer.from('(dp0\nVa\np1\nI5\nsVb\np2\n(lp3\nI1\naI2\nasVs\np4\nVh\xe9\np5\ns.', 'latin1'));
  t.deepEqual(items(run(p0)), { a: 5, b: [1, 2], s: 'hé' });
  // pickle.dumps(collections.OrderedDict([('x', 1), ('y', (2, 3))]), protocol=4)
  const od = run(hex('80049534000000000000008c0b636f6c6c656374696f6e73948c0b4f72646572656444696374949394295294288c0178944b018c0179944b024b038694752e'));
  t.true(od instanceof PyDict);
  t.is((od as PyDict).className, 'collections.OrderedDict');
  t.deepEqual([...(od as PyDict).items.keys()], ['x', 'y']);
  // pickle.dumps([300, 70000, 'kkk', 2.5], protocol=5)
  t.deepEqual(run(hex('8005951c000000000000005d94284d2c014a701101008c036b6b6b94474004000000000000652e')), [300, 70000, 'kkk', 2.5]);
});

test('unknown callables stay opaque objects instead of running or failing', (t) => {
  // GLOBAL argparse.Namespace, EMPTY_TUPLE, REDUCE, then BUILD with a dict state
  const bytes = Uint8Array.from(Buffer.from('\x80\x02cargparse\nNamespace\n)R}X\x02\x00\x00\x00lrG?\xe0\x00\x00\x00\x00\x00\x00sb.', 'latin1'));
  const value = run(bytes);
  t.true(value instanceof PyObject);
  t.is((value as PyObject).cls.path, 'argparse.Namespace');
  t.deepEqual(items((value as PyObject).state), { lr: 0.5 });
});

test('bad pickles throw a BgfillError naming the source and the problem', (t) => {
  const unsupported = t.throws(() => run(Uint8Array.from([0x80, 0x05, 0x97, 0x2e])), { instanceOf: BgfillError });
  t.regex(unsupported.message, /^test\.pkl: .*unsupported pickle opcode NEXT_BUFFER \(0x97\) at byte 2/);
  t.regex(t.throws(() => run(Uint8Array.from([0x80, 0x02, 0xff])))!.message, /unknown pickle opcode 0xff at byte 2/);
  const full = hex('80027d710028580500000065706f636871014b0158020000006c727102473fe0000000000000752e');
  t.deepEqual(items(run(full)), { epoch: 1, lr: 0.5 });
  t.regex(t.throws(() => run(full.subarray(0, 20)))!.message, /truncated/);
  t.regex(t.throws(() => run(Uint8Array.from([0x80, 0x02, 0x30, 0x2e])))!.message, /stack underflow|empty stack/);
});

test('a state_dict pickle names its tensors via torch._utils._rebuild_tensor_v2 globals', async (t) => {
  const { root } = await readTorchCheckpoint(fixturePath('main.pth'));
  t.true(root instanceof PyDict);
  t.is((root as PyDict).className, 'collections.OrderedDict');
  t.true((root as PyDict).attributes instanceof PyDict, 'the _metadata attribute set by BUILD');
  t.true((root as PyDict).items.has('refine_attn.gamma'));
  t.false([...(root as PyDict).items.values()].some((v) => v instanceof PyGlobal));
});

function expectValues(t: import('ava').ExecutionContext, name: string, tensor: WeightTensor, expected: { shape: number[]; dtype: string; values: Array<number | string> }) {
  t.deepEqual(tensor.shape, expected.shape, `${name} shape`);
  if (expected.dtype === 'int64') {
    t.is(tensor.dtype, 'int64', name);
    t.deepEqual([...(tensor.data as BigInt64Array)], expected.values.map((v) => BigInt(v)), name);
    return;
  }
  const want = expected.values.map(Number);
  const got = [...toFloat32(tensor)];
  // float64 values come back as float32 (the generator's type); every other dtype is exact.
  t.deepEqual(got, expected.dtype === 'float64' ? want.map(Math.fround) : want, name);
}

for (const file of ['dtypes.pth', 'dtypes-legacy.pth']) {
  test(`${file}: every dtype, non-contiguous strides, storage offsets, shared storage and 0-d tensors`, async (t) => {
    const manifest = await readManifest();
    const weights = await readTorchStateDict(fixturePath(file));
    t.deepEqual([...weights.keys()], Object.keys(manifest.dtypes), 'keys in file order');
    const dtypes: Record<string, string> = { float64: 'float32', bool: 'bool', uint8: 'uint8', int32: 'int32' };
    for (const [name, expected] of Object.entries(manifest.dtypes)) {
      const tensor = weights.get(name)!;
      expectValues(t, name, tensor, expected);
      if (dtypes[expected.dtype]) t.is(tensor.dtype as string, dtypes[expected.dtype], `${name} dtype`);
      t.is(tensor.layout, 'pytorch');
    }
    t.is(weights.get('f16')!.dtype, 'float16');
    t.is(weights.get('bf16')!.dtype, 'bfloat16');
  });
}

test('dtypes.safetensors written by Python: same values, float64 kept, metadata read', async (t) => {
  const manifest = await readManifest();
  const { weights, metadata } = await readSafetensors(fixturePath('dtypes.safetensors'));
  t.deepEqual(metadata, { kind: 'dtypes' });
  for (const [name, tensor] of weights) {
    const expected = manifest.dtypes[name];
    t.deepEqual(tensor.shape, expected.shape);
    if (expected.dtype === 'int64') t.deepEqual([...(tensor.data as BigInt64Array)], expected.values.map((v) => BigInt(v)));
    else t.deepEqual([...toFloat32(tensor)], expected.values.map((v) => Math.fround(Number(v))), name);
  }
  t.is(weights.get('f64')!.dtype, 'float64');
});

test('float16 encode/decode agree on every one of the 65536 patterns that are not NaN', (t) => {
  let mismatches = 0;
  for (let bits = 0; bits < 0x10000; bits++) {
    const value = halfToFloat(bits);
    if (Number.isNaN(value)) continue;
    if (floatToHalf(value) !== bits) mismatches++;
  }
  t.is(mismatches, 0);
  t.is(halfToFloat(0x3c00), 1);
  t.is(halfToFloat(0xc000), -2);
  t.is(halfToFloat(0x7bff), 65504);
  t.is(halfToFloat(0x0001), 2 ** -24);
  t.is(floatToHalf(1 + 2 ** -11), 0x3c00, 'ties round to even');
  t.is(floatToHalf(1e6), 0x7c00, 'overflow to infinity');
});

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bgfill-torch-'));
}

test('files that are not checkpoints, truncated archives and missing storages fail with the file named', async (t) => {
  const dir = await tempDir();
  const junk = join(dir, 'junk.pth');
  await writeFile(junk, 'hello, not a checkpoint');
  const e1 = await t.throwsAsync(readTorchStateDict(junk), { instanceOf: BgfillError });
  t.is(e1.message, `${junk}: not a PyTorch checkpoint (neither a zip archive nor a pickle)`);

  const main = await readFile(fixturePath('main.pth'));
  const truncated = join(dir, 'truncated.pth');
  await writeFile(truncated, main.subarray(0, 5000));
  const e2 = await t.throwsAsync(readTorchStateDict(truncated), { instanceOf: BgfillError });
  t.true(e2.message.startsWith(`${truncated}: `), e2.message);

  const entries = unzipSync(new Uint8Array(main));
  delete entries['main/data/3'];
  const missing = join(dir, 'missing.pth');
  await writeFile(missing, zipSync(entries, { level: 0 }));
  const e3 = await t.throwsAsync(readTorchStateDict(missing), { instanceOf: BgfillError });
  t.regex(e3.message, new RegExp(`^${missing}: tensor [\\w.]+: storage 3 has no data in the file$`));

  const noPickle = join(dir, 'nopickle.pth');
  await writeFile(noPickle, zipSync({ 'x/readme.txt': new TextEncoder().encode('hi') }));
  await t.throwsAsync(readTorchStateDict(noPickle), { message: `${noPickle}: zip archive without data.pkl: not a PyTorch checkpoint` });

  await t.throwsAsync(readTorchStateDict(join(dir, 'absent.pth')), { message: new RegExp(`^${dir}/absent.pth: cannot read`) });
});

test('a checkpoint without any state_dict says what it holds', async (t) => {
  const dir = await tempDir();
  const file = join(dir, 'opt.pth');
  // {'epoch': 1, 'lr': 0.5} as archive/data.pkl (pickle protocol 2, as torch.save writes)
  const pkl = hex('80027d710028580500000065706f636871014b0158020000006c727102473fe0000000000000752e');
  await writeFile(file, zipSync({ 'archive/data.pkl': pkl, 'archive/version': new TextEncoder().encode('3\n') }, { level: 0 }));
  await t.throwsAsync(readTorchStateDict(file), {
    instanceOf: BgfillError,
    message: `${file}: no state_dict (a mapping of names to tensors) found in a dict with keys epoch, lr`,
  });
});

test('wrapped checkpoints: {epoch, state_dict: {module.…}, args} unwraps to the bare names', async (t) => {
  const { root } = await readTorchCheckpoint(fixturePath('variant-gct.pth'));
  t.deepEqual([...(root as PyDict).items.keys()], ['epoch', 'state_dict', 'best_l1', 'args']);
  const weights = await readTorchStateDict(fixturePath('variant-gct.pth'));
  const inner = (root as PyDict).items.get('state_dict') as PyDict;
  t.deepEqual([...weights.keys()], [...inner.items.keys()].map((k) => String(k).slice('module.'.length)));
  t.is(weights.get('coarse_net.0.conv2d.weight')!.dtype, 'float16');
  t.is(weights.get('coarse_net.0.batch_norm2d.num_batches_tracked')!.dtype, 'int64');
});

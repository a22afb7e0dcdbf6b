// safetensors: round trips, the byte format checked by hand (not by our reader), layout handling, validation.
import test from 'ava';
import { mkdtemp, readFile, readdir, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BgfillError } from '@bgfill/core';
import { encodeSafetensors, readSafetensors, writeSafetensors } from '../src/weights/safetensors.js';
import { weightBytes, type WeightMap, type WeightTensor } from '../src/weights/weight-tensor.js';
import { fixturePath } from './fixtures/parity/load-fixture.js';

function sample(): WeightMap {
  const t = (tensor: Omit<WeightTensor, 'layout'>): WeightTensor => ({ ...tensor, layout: 'pytorch' });
  return new Map<string, WeightTensor>([
    ['conv.weight', t({ shape: [2, 3, 1, 2], dtype: 'float32', data: Float32Array.from({ length: 12 }, (_, i) => i * 0.5 - 2) })],
    ['half', t({ shape: [3], dtype: 'float16', data: Uint16Array.from([0x3c00, 0xc000, 0x7bff]) })],
    ['brain', t({ shape: [2], dtype: 'bfloat16', data: Uint16Array.from([0x3f80, 0xc060]) })],
    ['double', t({ shape: [2], dtype: 'float64', data: Float64Array.from([0.1, -1 / 3]) })],
    ['count', t({ shape: [], dtype: 'int64', data: BigInt64Array.from([2n ** 62n + 5n]) })],
    ['ints', t({ shape: [2, 2], dtype: 'int32', data: Int32Array.from([-1, 2, -3, 2 ** 31 - 1]) })],
    ['shorts', t({ shape: [1], dtype: 'int16', data: Int16Array.from([-300]) })],
    ['bytes', t({ shape: [3], dtype: 'uint8', data: Uint8Array.from([0, 128, 255]) })],
    ['signed', t({ shape: [2], dtype: 'int8', data: Int8Array.from([-128, 127]) })],
    ['flags', t({ shape: [2], dtype: 'bool', data: Uint8Array.from([1, 0]) })],
    ['empty', t({ shape: [0, 4], dtype: 'float32', data: new Float32Array(0) })],
  ]);
}

async function tempDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'bgfill-st-'));
}

test('write → read gives the same names, shapes, dtypes, identical bytes, and the metadata', async (t) => {
  const dir = await tempDir();
  const file = join(dir, 'w.safetensors');
  const weights = sample();
  await writeSafetensors(file, weights, { epoch: '12', note: 'ünïcode ✓' });
  const back = await readSafetensors(file);
  t.deepEqual(back.metadata, { epoch: '12', note: 'ünïcode ✓' });
  t.deepEqual([...back.weights.keys()].sort(), [...weights.keys()].sort());
  for (const [name, w] of weights) {
    const r = back.weights.get(name)!;
    t.deepEqual(r.shape, w.shape, name);
    t.is(r.dtype, w.dtype, name);
    t.deepEqual(weightBytes(r), weightBytes(w), name);
  }
  t.deepEqual(await readdir(dir), ['w.safetensors'], 'no temporary file left behind');
});

test('the bytes follow the safetensors format: u64 header length, JSON header, packed data in name order', async (t) => {
  const bytes = encodeSafetensors(sample(), { a: 'b' });
  const n = Number(Buffer.from(bytes).readBigUInt64LE(0));
  t.is(n % 8, 0, 'header padded to 8 bytes');
  const header = JSON.parse(Buffer.from(bytes.subarray(8, 8 + n)).toString('utf8')) as Record<string, { dtype: string; shape: number[]; data_offsets: [number, number] }>;
  t.deepEqual(header.__metadata__, { a: 'b' } as never);
  t.deepEqual(header.half, { dtype: 'F16', shape: [3], data_offsets: header.half.data_offsets });
  t.is(header.count.dtype, 'I64');
  t.deepEqual(header.count.shape, []);
  t.is(header.flags.dtype, 'BOOL');
  t.is(header.brain.dtype, 'BF16');
  const names = Object.keys(header).filter((k) => k !== '__metadata__');
  let offset = 0;
  for (const name of [...names].sort()) {
    t.is(header[name].data_offsets[0], offset, `${name} starts where the previous ended`);
    offset = header[name].data_offsets[1];
  }
  t.is(8 + n + offset, bytes.length);
  const count = Buffer.from(bytes).readBigInt64LE(8 + n + header.count.data_offsets[0]);
  t.is(count, 2n ** 62n + 5n);
});

test('tfjs-layout kernels are written in PyTorch layout (OIHW), so files stay interoperable', async (t) => {
  // An HWIO kernel [kh=2, kw=3, in=4, out=5] whose value encodes its own indices.
  const [kh, kw, ci, co] = [2, 3, 4, 5];
  const data = new Float32Array(kh * kw * ci * co);
  for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) for (let i = 0; i < ci; i++) for (let o = 0; o < co; o++) {
    data[((h * kw + w) * ci + i) * co + o] = 1000 * o + 100 * i + 10 * h + w;
  }
  const bytes = encodeSafetensors(new Map([['k', { shape: [kh, kw, ci, co], dtype: 'float32', data, layout: 'tfjs' }]]));
  const dir = await tempDir();
  await writeFile(join(dir, 'k.safetensors'), bytes);
  const { weights } = await readSafetensors(join(dir, 'k.safetensors'));
  const k = weights.get('k')!;
  t.deepEqual(k.shape, [co, ci, kh, kw]);
  t.is(k.layout, 'pytorch');
  const got = k.data as Float32Array;
  let wrong = 0;
  for (let o = 0; o < co; o++) for (let i = 0; i < ci; i++) for (let h = 0; h < kh; h++) for (let w = 0; w < kw; w++) {
    if (got[((o * ci + i) * kh + h) * kw + w] !== 1000 * o + 100 * i + 10 * h + w) wrong++;
  }
  t.is(wrong, 0);
});

test('a safetensors file written by Python (the fixture writer) reads with its metadata', async (t) => {
  const { weights, metadata } = await readSafetensors(fixturePath('variant-coord.safetensors'));
  t.deepEqual(metadata, { format: 'pt', source: 'make_fixture.py' });
  t.deepEqual(weights.get('coarse_net.0.conv2d.weight')!.shape, [2, 5, 5, 5]);
  t.is(weights.get('refine_attn.gamma')!.dtype, 'float32');
  t.is([...weights.keys()][0], 'coarse_net.0.conv2d.weight', 'file order kept');
});

test('malformed files throw a BgfillError naming the file and the defect', async (t) => {
  const dir = await tempDir();
  const good = encodeSafetensors(sample());
  const n = Number(Buffer.from(good).readBigUInt64LE(0));
  const header = JSON.parse(Buffer.from(good.subarray(8, 8 + n)).toString('utf8')) as Record<string, { data_offsets: number[]; dtype: string }>;
  const withHeader = (h: unknown, body = good.subarray(8 + n)) => {
    const json = Buffer.from(JSON.stringify(h));
    const out = Buffer.alloc(8 + json.length + body.length);
    out.writeBigUInt64LE(BigInt(json.length));
    json.copy(out, 8);
    Buffer.from(body).copy(out, 8 + json.length);
    return out;
  };
  const cases: Array<[string, Uint8Array, RegExp]> = [
    ['short.safetensors', good.subarray(0, 5), /shorter than the 8-byte header length/],
    ['cut.safetensors', good.subarray(0, good.length - 3), /lies outside the .*buffer/],
    ['huge-header.safetensors', Uint8Array.from([255, 255, 255, 255, 0, 0, 0, 0, 0x7b]), /header length \d+ exceeds the file/],
    ['dtype.safetensors', withHeader({ ...header, half: { ...header.half, dtype: 'F8_E4M3' } }), /tensor half has unsupported dtype "F8_E4M3"/],
    ['overlap.safetensors', withHeader({ ...header, ints: { ...header.ints, data_offsets: header['conv.weight'].data_offsets.map((o) => o) }, 'conv.weight': { ...header['conv.weight'], data_offsets: header.ints.data_offsets } }), /has \d+ bytes for shape|overlap/],
    ['json.safetensors', Uint8Array.from([3, 0, 0, 0, 0, 0, 0, 0, 0x7b, 0x7b, 0x7d]), /header is not UTF-8 JSON/],
  ];
  for (const [name, bytes, pattern] of cases) {
    const file = join(dir, name);
    await writeFile(file, bytes);
    const err = await t.throwsAsync(readSafetensors(file), { instanceOf: BgfillError });
    t.true(err.message.startsWith(`${file}: not a valid safetensors file (`), err.message);
    t.regex(err.message, pattern, name);
  }
});

test('two tensors claiming the same bytes are rejected as overlapping', async (t) => {
  const body = new Uint8Array(16);
  const json = Buffer.from(JSON.stringify({ a: { dtype: 'F32', shape: [2], data_offsets: [0, 8] }, b: { dtype: 'F32', shape: [2], data_offsets: [4, 12] } }));
  const bytes = Buffer.concat([Buffer.alloc(8), json, body]);
  bytes.writeBigUInt64LE(BigInt(json.length));
  await t.throwsAsync(readSafetensors(new Uint8Array(bytes)), { message: /tensors a and b overlap/ });
});

test('metadata values must be strings; __metadata__ is not a tensor name', async (t) => {
  t.throws(() => encodeSafetensors(sample(), { epoch: 3 as unknown as string }), { instanceOf: BgfillError, message: /metadata epoch/ });
  const bad = new Map(sample());
  bad.set('__metadata__', sample().get('half')!);
  t.throws(() => encodeSafetensors(bad), { instanceOf: BgfillError });
});

test('writing over an existing file replaces it whole', async (t) => {
  const dir = await tempDir();
  const file = join(dir, 'sub', 'x.safetensors');
  await writeSafetensors(file, sample(), { v: '1' });
  const small = new Map([['only', sample().get('half')!]]);
  await writeSafetensors(file, small, { v: '2' });
  const back = await readSafetensors(file);
  t.deepEqual([...back.weights.keys()], ['only']);
  t.deepEqual(back.metadata, { v: '2' });
  t.deepEqual(new Uint8Array(await readFile(file)), encodeSafetensors(small, { v: '2' }));
});

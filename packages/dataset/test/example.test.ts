import test from 'ava';
import { readFile } from 'node:fs/promises';
import protobuf from 'protobufjs';
import { decodeExample, encodeExample } from '../src/example.js';
import { decodeRecord, encodeRecord, featuresToRecord, type BundleRecord } from '../src/record.js';
import { FEATURES } from '../src/features.js';

const fixtures = new URL('./fixtures/', import.meta.url);
// TensorFlow's published schema, loaded from the .proto files (not from our JSON descriptor).
const root = await protobuf.load(new URL('example.proto', fixtures).pathname);
const ProtoExample = root.lookupType('tensorflow.Example');

interface ProtoFeature {
  bytesList?: { value: Uint8Array[] };
  floatList?: { value: number[] };
  int64List?: { value: number[] };
}

function viaProto(bytes: Uint8Array): Record<string, ProtoFeature> {
  const obj = ProtoExample.toObject(ProtoExample.decode(bytes), { longs: Number, defaults: false }) as {
    features: { feature: Record<string, ProtoFeature> };
  };
  return obj.features.feature;
}

const record: BundleRecord = {
  encoded: Buffer.from([0xff, 0xd8, 0xff, 0x00, 0x01]),
  format: 'jpeg',
  width: 256,
  height: 192,
  channels: 3,
  filename: 'a/abbey/00000000.jpg',
  key: 'f'.repeat(64),
  label: 0,
  labelText: 'abbey',
  source: { width: 100, height: 75 },
  upscale: 2.56,
  mask: { encoded: Buffer.from('png-bytes'), strategy: 'person(seed)', holeRatio: 0.3125 },
};

test('records decode with protobufjs and TensorFlow\'s example.proto / feature.proto', (t) => {
  const f = viaProto(encodeRecord(record));
  t.deepEqual(Object.keys(f).sort(), FEATURES.map((s) => s.name).sort());
  t.deepEqual(Buffer.from(f['image/encoded'].bytesList!.value[0]), Buffer.from(record.encoded));
  t.is(Buffer.from(f['image/format'].bytesList!.value[0]).toString(), 'jpeg');
  t.deepEqual(f['image/height'].int64List!.value, [192]);
  t.deepEqual(f['image/width'].int64List!.value, [256]);
  t.deepEqual(f['image/channels'].int64List!.value, [3]);
  t.deepEqual(f['image/class/label'].int64List!.value, [0]);
  t.is(Buffer.from(f['image/filename'].bytesList!.value[0]).toString(), 'a/abbey/00000000.jpg');
  t.is(Buffer.from(f['mask/strategy'].bytesList!.value[0]).toString(), 'person(seed)');
  t.deepEqual(f['mask/hole_ratio'].floatList!.value, [0.3125]);
  t.deepEqual([f['image/source_width'].int64List!.value, f['image/source_height'].int64List!.value], [[100], [75]]);
  t.is(f['image/upscale'].floatList!.value[0], Math.fround(2.56), 'float32, as TensorFlow stores floats');
});

test('a version-1 record (no source size) still reads; half a source size is an error', (t) => {
  const { source: _s, upscale: _u, ...v1 } = record;
  const back = decodeRecord(encodeRecord(v1));
  t.is(back.source, undefined);
  t.is(back.upscale, undefined);
  t.is(back.filename, record.filename);
  const features = decodeExample(encodeRecord(record));
  delete features['image/source_width'];
  t.throws(() => featuresToRecord(features), { message: /source size incomplete/ });
});

test('records without a mask carry no mask features; negative labels survive as int64', (t) => {
  const { mask: _mask, upscale: _upscale, ...plain } = record;
  const bytes = encodeRecord({ ...plain, label: -1, labelText: '' });
  const f = viaProto(bytes);
  t.false('mask/encoded' in f);
  t.deepEqual(f['image/class/label'].int64List!.value, [-1]);
  t.deepEqual(decodeRecord(bytes), { ...plain, label: -1, labelText: '', encoded: decodeRecord(bytes).encoded });
  t.deepEqual(Buffer.from(decodeRecord(bytes).encoded), Buffer.from(record.encoded));
});

test('an Example written by the .proto schema decodes with ours', (t) => {
  const message = ProtoExample.fromObject({
    features: {
      feature: {
        a: { int64List: { value: [1, -2, 2 ** 40] } },
        b: { floatList: { value: [0.5, -1.25] } },
        c: { bytesList: { value: [Buffer.from('x'), Buffer.alloc(0)] } },
      },
    },
  });
  const decoded = decodeExample(ProtoExample.encode(message).finish());
  t.deepEqual(decoded.a, { int64: [1, -2, 2 ** 40] });
  t.deepEqual(decoded.b, { float: [0.5, -1.25] });
  t.deepEqual(
    (decoded.c as { bytes: Uint8Array[] }).bytes.map((b) => Buffer.from(b).toString()),
    ['x', ''],
  );
});

test('the hand-encoded wire-format Example from the Python fixture decodes, and re-encodes byte for byte', async (t) => {
  const bytes = await readFile(new URL('example-python.bin', fixtures));
  const decoded = decodeExample(bytes);
  t.deepEqual(decoded['image/height'], { int64: [256] });
  t.deepEqual(decoded['image/class/label'], { int64: [-1] });
  t.deepEqual(decoded['mask/hole_ratio'], { float: [0.25] });
  t.deepEqual(decoded['multi/int64'], { int64: [0, 1, 300, 2 ** 40] });
  t.deepEqual(
    (decoded['multi/bytes'] as { bytes: Uint8Array[] }).bytes.map((b) => Buffer.from(b).toString('hex')),
    ['61', '', 'ff00'],
  );
  // The Python writer sorts map keys, as encodeExample does: same bytes.
  t.deepEqual(Buffer.from(encodeExample(decoded)), bytes);
});

test('schema violations are named', (t) => {
  const { mask: _mask, upscale: _upscale, ...plain } = record;
  const noKey = encodeExample({ 'image/format': { bytes: [Buffer.from('jpeg')] } });
  t.throws(() => decodeRecord(noKey), { message: /feature image\/\S+ is missing/ });
  t.throws(() => decodeRecord(Buffer.from([0x0a, 0x05, 0x01])), { message: /not a tf\.train\.Example/ });
  const partialMask = encodeExample({
    ...Object.fromEntries(Object.entries(decodeExample(encodeRecord(plain)))),
    'mask/strategy': { bytes: [Buffer.from('x')] },
  });
  t.throws(() => decodeRecord(partialMask), { message: /mask features incomplete/ });
});

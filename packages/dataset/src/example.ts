import protobuf from 'protobufjs';
import { BgfillError } from '@bgfill/core';

/**
 * `tf.train.Example` through protobufjs, from a JSON descriptor that transcribes TensorFlow's published
 * `tensorflow/core/example/example.proto` and `feature.proto` (field numbers and packing as published).
 */
export const EXAMPLE_DESCRIPTOR = {
  nested: {
    tensorflow: {
      nested: {
        Example: { fields: { features: { type: 'Features', id: 1 } } },
        Features: { fields: { feature: { keyType: 'string', type: 'Feature', id: 1 } } },
        Feature: {
          oneofs: { kind: { oneof: ['bytes_list', 'float_list', 'int64_list'] } },
          fields: {
            bytes_list: { type: 'BytesList', id: 1 },
            float_list: { type: 'FloatList', id: 2 },
            int64_list: { type: 'Int64List', id: 3 },
          },
        },
        BytesList: { fields: { value: { rule: 'repeated', type: 'bytes', id: 1 } } },
        FloatList: { fields: { value: { rule: 'repeated', type: 'float', id: 1, options: { packed: true } } } },
        Int64List: { fields: { value: { rule: 'repeated', type: 'int64', id: 1, options: { packed: true } } } },
      },
    },
  },
} as const;

const root = protobuf.Root.fromJSON(EXAMPLE_DESCRIPTOR as unknown as protobuf.INamespace);
const ExampleType = root.lookupType('tensorflow.Example');

/** One feature's values: exactly one of the three lists, as in `tf.train.Feature`. */
export type FeatureValue =
  | { readonly bytes: readonly Uint8Array[] }
  | { readonly int64: readonly number[] }
  | { readonly float: readonly number[] };

/** The `features.feature` map of an Example. */
export type ExampleFeatures = Record<string, FeatureValue>;

interface PbFeature {
  bytes_list?: { value?: Uint8Array[] };
  float_list?: { value?: number[] };
  int64_list?: { value?: Array<number | protobuf.Long> };
}

function toPbFeature(value: FeatureValue): PbFeature {
  if ('bytes' in value) return { bytes_list: { value: [...value.bytes] } };
  if ('int64' in value) {
    for (const v of value.int64) {
      if (!Number.isSafeInteger(v)) throw new BgfillError(`int64 feature value ${v} is not a safe integer`);
    }
    return { int64_list: { value: [...value.int64] } };
  }
  return { float_list: { value: [...value.float] } };
}

/**
 * Serialise a `tf.train.Example`. Map entries are written in sorted key order, so equal inputs give equal bytes.
 * @example encodeExample({ 'image/height': { int64: [256] }, 'image/format': { bytes: [Buffer.from('jpeg')] } })
 */
export function encodeExample(features: ExampleFeatures): Uint8Array {
  const feature: Record<string, PbFeature> = {};
  for (const name of Object.keys(features).sort()) feature[name] = toPbFeature(features[name]);
  return ExampleType.encode({ features: { feature } }).finish();
}

function int64ToNumber(v: number | protobuf.Long): number {
  if (typeof v === 'number') return v;
  const big = BigInt.asIntN(64, (BigInt(v.high >>> 0) << 32n) | BigInt(v.low >>> 0));
  if (big > BigInt(Number.MAX_SAFE_INTEGER) || big < BigInt(Number.MIN_SAFE_INTEGER)) {
    throw new BgfillError(`int64 value ${big} does not fit a JavaScript number`);
  }
  return Number(big);
}

/**
 * Parse a serialised `tf.train.Example` into its feature map. Throws a BgfillError on malformed protobuf.
 * @example decodeExample(bytes)['image/width'] // { int64: [256] }
 */
export function decodeExample(bytes: Uint8Array): ExampleFeatures {
  let message: protobuf.Message;
  try {
    message = ExampleType.decode(bytes);
  } catch (err) {
    throw new BgfillError(`not a tf.train.Example: ${err instanceof Error ? err.message : String(err)}`, { cause: err });
  }
  const map = ((message as unknown as { features?: { feature?: Record<string, PbFeature> } }).features?.feature ?? {});
  const out: ExampleFeatures = {};
  for (const [name, f] of Object.entries(map)) {
    if (f.bytes_list) out[name] = { bytes: f.bytes_list.value ?? [] };
    else if (f.int64_list) out[name] = { int64: (f.int64_list.value ?? []).map(int64ToNumber) };
    else if (f.float_list) out[name] = { float: f.float_list.value ?? [] };
    else out[name] = { bytes: [] };
  }
  return out;
}

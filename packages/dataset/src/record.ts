import { BgfillError } from '@bgfill/core';
import { FEATURE, FEATURES, MASK_FEATURES } from './features.js';
import { decodeExample, encodeExample, type ExampleFeatures, type FeatureValue } from './example.js';

export type ImageFormat = 'jpeg' | 'png';

/** One bundle record, before serialisation (images still encoded). */
export interface BundleRecord {
  readonly encoded: Uint8Array;
  readonly format: ImageFormat;
  readonly width: number;
  readonly height: number;
  readonly channels: 3;
  readonly filename: string;
  readonly key: string;
  readonly label: number;
  readonly labelText: string;
  /** The source's size after EXIF orientation (every record of a version-2 bundle; absent in version 1). */
  readonly source?: { readonly width: number; readonly height: number };
  /** The factor the build enlarged the source by, on records built with `--upscale` from a small source. */
  readonly upscale?: number;
  readonly mask?: { readonly encoded: Uint8Array; readonly strategy: string; readonly holeRatio: number };
}

const utf8 = new TextEncoder();
const utf8Decoder = new TextDecoder('utf-8', { fatal: true });

function text(value: string): FeatureValue {
  return { bytes: [utf8.encode(value)] };
}

/**
 * The Example feature map of a record, following the schema in `features.ts`.
 * @example encodeExample(recordToFeatures(record))
 */
export function recordToFeatures(record: BundleRecord): ExampleFeatures {
  const features: ExampleFeatures = {
    [FEATURE.encoded]: { bytes: [record.encoded] },
    [FEATURE.format]: text(record.format),
    [FEATURE.height]: { int64: [record.height] },
    [FEATURE.width]: { int64: [record.width] },
    [FEATURE.channels]: { int64: [record.channels] },
    [FEATURE.filename]: text(record.filename),
    [FEATURE.key]: text(record.key),
    [FEATURE.label]: { int64: [record.label] },
    [FEATURE.labelText]: text(record.labelText),
  };
  if (record.source) {
    features[FEATURE.sourceHeight] = { int64: [record.source.height] };
    features[FEATURE.sourceWidth] = { int64: [record.source.width] };
  }
  if (record.upscale !== undefined) features[FEATURE.upscale] = { float: [record.upscale] };
  if (record.mask) {
    features[FEATURE.maskEncoded] = { bytes: [record.mask.encoded] };
    features[FEATURE.maskStrategy] = text(record.mask.strategy);
    features[FEATURE.maskHoleRatio] = { float: [record.mask.holeRatio] };
  }
  return features;
}

/** Serialise a record as a `tf.train.Example`. */
export function encodeRecord(record: BundleRecord): Uint8Array {
  return encodeExample(recordToFeatures(record));
}

function one(features: ExampleFeatures, name: string, kind: 'bytes'): Uint8Array;
function one(features: ExampleFeatures, name: string, kind: 'int64' | 'float'): number;
function one(features: ExampleFeatures, name: string, kind: 'bytes' | 'int64' | 'float'): Uint8Array | number {
  const f = features[name];
  if (!f) throw new BgfillError(`feature ${name} is missing`);
  const values = (f as Record<string, readonly (Uint8Array | number)[] | undefined>)[kind];
  if (!values) throw new BgfillError(`feature ${name} is not a ${kind} list`);
  if (values.length !== 1) throw new BgfillError(`feature ${name} holds ${values.length} values, expected 1`);
  return values[0];
}

function oneText(features: ExampleFeatures, name: string): string {
  try {
    return utf8Decoder.decode(one(features, name, 'bytes'));
  } catch (err) {
    if (err instanceof BgfillError) throw err;
    throw new BgfillError(`feature ${name} is not valid UTF-8`);
  }
}

/**
 * Read a record back from a feature map, checking the schema: every feature required since version 1 present with one
 * value of its declared kind, mask features all present or all absent, source height and width both or neither (a
 * version-1 bundle has neither; `verify` checks that a version-2 bundle has them). Throws a BgfillError naming the
 * first problem.
 */
export function featuresToRecord(features: ExampleFeatures): BundleRecord {
  for (const spec of FEATURES) {
    if (spec.required && spec.since === 1 && !(spec.name in features)) throw new BgfillError(`feature ${spec.name} is missing`);
  }
  const sourceCount = [FEATURE.sourceHeight, FEATURE.sourceWidth].filter((n) => n in features).length;
  if (sourceCount === 1) throw new BgfillError(`source size incomplete: expected both ${FEATURE.sourceHeight} and ${FEATURE.sourceWidth}`);
  const maskCount = MASK_FEATURES.filter((n) => n in features).length;
  if (maskCount !== 0 && maskCount !== MASK_FEATURES.length) {
    throw new BgfillError(`mask features incomplete: expected all of ${MASK_FEATURES.join(', ')}`);
  }
  const format = oneText(features, FEATURE.format);
  if (format !== 'jpeg' && format !== 'png') throw new BgfillError(`feature ${FEATURE.format} is "${format}", expected jpeg or png`);
  const channels = one(features, FEATURE.channels, 'int64');
  if (channels !== 3) throw new BgfillError(`feature ${FEATURE.channels} is ${channels}, expected 3`);
  const record: BundleRecord = {
    encoded: one(features, FEATURE.encoded, 'bytes'),
    format,
    width: one(features, FEATURE.width, 'int64'),
    height: one(features, FEATURE.height, 'int64'),
    channels: 3,
    filename: oneText(features, FEATURE.filename),
    key: oneText(features, FEATURE.key),
    label: one(features, FEATURE.label, 'int64'),
    labelText: oneText(features, FEATURE.labelText),
    ...(sourceCount ? { source: { width: one(features, FEATURE.sourceWidth, 'int64'), height: one(features, FEATURE.sourceHeight, 'int64') } } : {}),
    ...(FEATURE.upscale in features ? { upscale: one(features, FEATURE.upscale, 'float') } : {}),
    ...(maskCount
      ? {
          mask: {
            encoded: one(features, FEATURE.maskEncoded, 'bytes'),
            strategy: oneText(features, FEATURE.maskStrategy),
            holeRatio: one(features, FEATURE.maskHoleRatio, 'float'),
          },
        }
      : {}),
  };
  return record;
}

/** Parse a serialised Example into a checked record. */
export function decodeRecord(bytes: Uint8Array): BundleRecord {
  return featuresToRecord(decodeExample(bytes));
}

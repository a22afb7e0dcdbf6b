/**
 * The bundle's record schema, declared once: the writer, the reader, `verify` and the README all read it from here.
 * Every record is a `tf.train.Example`; each feature holds exactly one value of the listed kind.
 */

/** The three value lists a `tf.train.Feature` can hold (TensorFlow's feature.proto). */
export type FeatureKind = 'bytes' | 'int64' | 'float';

export interface FeatureSpec {
  readonly name: string;
  readonly kind: FeatureKind;
  /** Present in every record of a current bundle (`true`), or only in some (see `in`). */
  readonly required: boolean;
  /** Which records carry it, as the README's table says: all, masked splits, or enlarged records. */
  readonly in: 'all' | 'masked splits' | 'enlarged records';
  /**
   * The manifest schema version that added it. A reader of a version-1 bundle must not expect the version-2 features
   * (`image/source_height`, `image/source_width`).
   */
  readonly since: 1 | 2;
  /** One line for the README's feature table. */
  readonly doc: string;
}

/** Feature names, as constants so that a typo is a compile error. */
export const FEATURE = {
  encoded: 'image/encoded',
  format: 'image/format',
  height: 'image/height',
  width: 'image/width',
  channels: 'image/channels',
  filename: 'image/filename',
  key: 'image/key/sha256',
  label: 'image/class/label',
  labelText: 'image/class/text',
  sourceHeight: 'image/source_height',
  sourceWidth: 'image/source_width',
  upscale: 'image/upscale',
  maskEncoded: 'mask/encoded',
  maskStrategy: 'mask/strategy',
  maskHoleRatio: 'mask/hole_ratio',
} as const;

export type FeatureName = (typeof FEATURE)[keyof typeof FEATURE];

/** The schema, in the order the README lists it. */
export const FEATURES: readonly FeatureSpec[] = [
  { name: FEATURE.encoded, kind: 'bytes', required: true, in: 'all', since: 1, doc: 'The image, encoded as JPEG or PNG (8-bit sRGB, 3 channels).' },
  { name: FEATURE.format, kind: 'bytes', required: true, in: 'all', since: 1, doc: '`jpeg` or `png` (the codec of `image/encoded`).' },
  { name: FEATURE.height, kind: 'int64', required: true, in: 'all', since: 1, doc: 'Height in pixels of the encoded image.' },
  { name: FEATURE.width, kind: 'int64', required: true, in: 'all', since: 1, doc: 'Width in pixels of the encoded image.' },
  { name: FEATURE.channels, kind: 'int64', required: true, in: 'all', since: 1, doc: 'Always 3 (RGB).' },
  {
    name: FEATURE.filename,
    kind: 'bytes',
    required: true,
    in: 'all',
    since: 1,
    doc: 'Source path relative to the input root, with `/` separators (e.g. `data_256/a/abbey/00000000.jpg`).',
  },
  {
    name: FEATURE.key,
    kind: 'bytes',
    required: true,
    in: 'all',
    since: 1,
    doc: 'The record key: hex SHA-256 of `image/filename` (UTF-8). Known before decoding; seeds hash splits, random crops and masks.',
  },
  {
    name: FEATURE.sourceHeight,
    kind: 'int64',
    required: true,
    in: 'all',
    since: 2,
    doc: 'Height in pixels of the source image after EXIF orientation (version-2 bundles).',
  },
  { name: FEATURE.sourceWidth, kind: 'int64', required: true, in: 'all', since: 2, doc: 'Width in pixels of the source image after EXIF orientation (version-2 bundles).' },
  {
    name: FEATURE.upscale,
    kind: 'float',
    required: false,
    in: 'enlarged records',
    since: 2,
    doc: 'The factor the build enlarged the source by (> 1), only on records built with `--upscale` from a source under `--size`.',
  },
  { name: FEATURE.label, kind: 'int64', required: true, in: 'all', since: 1, doc: 'Class index (Places365 category index), or -1 when unlabelled.' },
  { name: FEATURE.labelText, kind: 'bytes', required: true, in: 'all', since: 1, doc: 'Class name (e.g. `abbey`), or empty when unlabelled.' },
  {
    name: FEATURE.maskEncoded,
    kind: 'bytes',
    required: false,
    in: 'masked splits',
    since: 1,
    doc: 'Hole mask as a 1-channel 8-bit PNG of the image size: 255 = hole (to fill), 0 = known pixel.',
  },
  { name: FEATURE.maskStrategy, kind: 'bytes', required: false, in: 'masked splits', since: 1, doc: 'The `@bgfill/masks` strategy label that drew the mask.' },
  { name: FEATURE.maskHoleRatio, kind: 'float', required: false, in: 'masked splits', since: 1, doc: 'Fraction of mask pixels that are hole, in [0, 1].' },
];

/** The features that appear together whenever a record carries a mask. */
export const MASK_FEATURES: readonly FeatureName[] = [FEATURE.maskEncoded, FEATURE.maskStrategy, FEATURE.maskHoleRatio];

/** The README's feature table, from this schema (test/readme.test.ts keeps the README in step). */
export function featuresMarkdownTable(): string {
  const rows = FEATURES.map((f) => `| \`${f.name}\` | ${f.kind} | ${f.in} | ${f.doc} |`);
  return ['| feature | type | in | description |', '|---|---|---|---|', ...rows].join('\n');
}

/** Look up a feature's spec by name. */
export function featureSpec(name: string): FeatureSpec | undefined {
  return FEATURES.find((f) => f.name === name);
}

import sharp from 'sharp';
import { BgfillError, holeRatio, type Mask, type Seed, type Size } from '@bgfill/masks';

/** The part of `@bgfill/masks` that draws masks from a strategy config. */
interface MasksApi {
  parseMaskConfig(input: string | unknown): unknown;
  createMaskGenerator(config: unknown): Promise<{ label: string; generate(size: Size, seed: Seed, index: number | string): Mask }>;
  maskToPng(mask: Mask): Promise<Buffer>;
}

/** A record's mask features. */
export interface MaskFeature {
  readonly encoded: Buffer;
  readonly strategy: string;
  readonly holeRatio: number;
}

/** Draws each record's mask from a `@bgfill/masks` strategy, seeded by (build seed, record key). */
export interface MaskMaker {
  /** The strategy label stored in `mask/strategy`. */
  readonly label: string;
  make(size: Size, key: string): Promise<MaskFeature>;
}

async function loadMasksApi(): Promise<MasksApi> {
  const mod = (await import('@bgfill/masks')) as unknown as Partial<MasksApi>;
  const missing = (['parseMaskConfig', 'createMaskGenerator', 'maskToPng'] as const).filter((n) => typeof mod[n] !== 'function');
  if (missing.length > 0) throw new BgfillError(`@bgfill/masks does not provide ${missing.join(', ')}: mask features are unavailable`);
  return mod as MasksApi;
}

/**
 * A mask maker for `spec` (a strategy name, a JSON config, or `@file.json`, as `@bgfill/masks` parses it).
 * The mask of a record is `generate(size, seed, key)`: the same for a key in every build, worker and epoch.
 * @example const maker = await createMaskMaker('person-box', 0); const m = await maker.make({ width: 256, height: 256 }, key);
 */
export async function createMaskMaker(spec: string, seed: Seed): Promise<MaskMaker> {
  const api = await loadMasksApi();
  const generator = await api.createMaskGenerator(api.parseMaskConfig(spec));
  return {
    label: generator.label,
    async make(size, key) {
      const mask = generator.generate(size, seed, key);
      return { encoded: await api.maskToPng(mask), strategy: generator.label, holeRatio: holeRatio(mask) };
    },
  };
}

/**
 * Decode a stored `mask/encoded` PNG into a Mask (1 = hole where the grey value is 128 or more).
 * @example const mask = await decodeMaskPng(example.maskEncoded)
 */
export async function decodeMaskPng(png: Uint8Array): Promise<Mask> {
  const { data, info } = await sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true });
  const out = new Uint8Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels] >= 128 ? 1 : 0;
  return { width: info.width, height: info.height, data: out };
}

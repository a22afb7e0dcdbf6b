import { readFile } from 'node:fs/promises';
import sharp from 'sharp';
import { BgfillError, decodeShared, type Seed } from '@bgfill/core';
import { createMaskGenerator, holeRatio, maskToPng, parseMaskConfig, type Mask, type Size } from '@bgfill/masks';

/** A record's mask features. */
export interface MaskFeature {
  readonly encoded: Buffer;
  readonly strategy: string;
  readonly holeRatio: number;
}

/** Draws each record's mask from a `@bgfill/masks` strategy, seeded by (build seed, record key). */
export interface MaskMaker {
  /** The strategy label stored in `mask/strategy` (the masks package's canonical short form). */
  readonly label: string;
  /** SHA-256 of each person bank the recipe reads, by path (absent when it reads none). */
  readonly banks?: Record<string, string>;
  /** What decides the masks: the label, and the banks' digests when there are any. */
  readonly identity: string;
  make(size: Size, key: string): Promise<MaskFeature>;
}

/** Read `@file` specs; anything else is a strategy short form or JSON for `parseMaskConfig`. */
async function specText(spec: string): Promise<string> {
  if (!spec.startsWith('@')) return spec;
  const file = spec.slice(1);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new BgfillError(`${file}: cannot read mask config (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { subject: file });
  }
}

/**
 * A mask maker for `spec`: a strategy short form (`person-box`, `person-box+scribble:0-3`), a JSON config, or
 * `@config.json`. The mask of a record is `generate(size, seed, key)`: the same for a key in every build, worker and
 * epoch, so validation holes never change.
 * @example const maker = await createMaskMaker('person-box', 0); const m = await maker.make({ width: 256, height: 256 }, key);
 */
export async function createMaskMaker(spec: string, seed: Seed): Promise<MaskMaker> {
  const generator = await createMaskGenerator(parseMaskConfig(await specText(spec)));
  const banks = generator.banks.length ? Object.fromEntries(generator.banks.map((b) => [b.path, b.sha256])) : undefined;
  return {
    label: generator.label,
    banks,
    identity: banks ? `${generator.label} ${JSON.stringify(banks)}` : generator.label,
    async make(size, key) {
      const mask = generator.generate(size, seed, key);
      return { encoded: await maskToPng(mask), strategy: generator.label, holeRatio: holeRatio(mask) };
    },
  };
}

/**
 * Decode a stored `mask/encoded` PNG into a Mask (1 = hole where the grey value is 128 or more).
 * @example const mask = await decodeMaskPng(example.maskEncoded)
 */
export async function decodeMaskPng(png: Uint8Array): Promise<Mask> {
  const { data, info } = await decodeShared(() => sharp(png).extractChannel(0).raw().toBuffer({ resolveWithObject: true }));
  const out = new Uint8Array(info.width * info.height);
  for (let i = 0; i < out.length; i++) out[i] = data[i * info.channels] >= 128 ? 1 : 0;
  return { width: info.width, height: info.height, data: out };
}

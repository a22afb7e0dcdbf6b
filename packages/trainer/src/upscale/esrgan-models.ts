import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { BgfillError, invalidParameter } from '@bgfill/core';

/**
 * UpscalerJS' ESRGAN models (github.com/thekevinscott/UpscalerJS, MIT): Keras models trained with idealo's
 * image-super-resolution on DIV2K, converted to TensorFlow.js layers models and shipped inside the npm packages
 * (models/x{2,3,4,8}/model.json + weight shards), so they load offline. The sizes, from each package's
 * getModelDefinition:
 * - slim: RDN, C 1, D 2, G 4, G0 64 (24 weight tensors, 0.9 MB per scale); pixels in 0…255
 * - medium: RDN, C 1, D 10, G 64, G0 64 (56 tensors, 2.8 MB per scale); pixels in 0…255
 * - thick: RRDN, C 4, D 3, G 32, G0 64, T 10 (308 tensors, 28 MB per scale; custom layers MultiplyBeta and
 *   PixelShuffle{s}x, see esrgan-layers.ts); pixels in 0…1
 * Outputs are clipped to the input range and brought back to 0…255 (UpscalerJS' scaleOutput).
 */

export const ESRGAN_SIZES = ['slim', 'medium', 'thick'] as const;
export type EsrganSize = (typeof ESRGAN_SIZES)[number];

export const ESRGAN_SCALES = [2, 3, 4, 8] as const;
export type EsrganScale = (typeof ESRGAN_SCALES)[number];

export interface EsrganModelInfo {
  size: EsrganSize;
  /** The npm package that ships the weights. */
  packageName: string;
  /** Largest input value the network expects: 255 (RDN) or 1 (RRDN). */
  inputMax: 1 | 255;
  architecture: 'rdn' | 'rrdn';
}

export const ESRGAN_MODELS: Readonly<Record<EsrganSize, EsrganModelInfo>> = {
  slim: { size: 'slim', packageName: '@upscalerjs/esrgan-slim', inputMax: 255, architecture: 'rdn' },
  medium: { size: 'medium', packageName: '@upscalerjs/esrgan-medium', inputMax: 255, architecture: 'rdn' },
  thick: { size: 'thick', packageName: '@upscalerjs/esrgan-thick', inputMax: 1, architecture: 'rrdn' },
};

/**
 * Check a model size at the edge.
 * @example parseEsrganSize('slim') // → 'slim'; parseEsrganSize('huge', '--model') throws a BgfillError
 */
export function parseEsrganSize(value: unknown, name = 'model'): EsrganSize {
  if (typeof value === 'string' && (ESRGAN_SIZES as readonly string[]).includes(value)) return value as EsrganSize;
  throw invalidParameter(name, `one of ${ESRGAN_SIZES.join(', ')}`, value);
}

/**
 * Check a scale at the edge (a number or the text typed on the command line).
 * @example parseEsrganScale('4', '--scale') // → 4
 */
export function parseEsrganScale(value: unknown, name = 'scale'): EsrganScale {
  const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
  if (typeof n === 'number' && (ESRGAN_SCALES as readonly number[]).includes(n)) return n as EsrganScale;
  throw invalidParameter(name, `one of ${ESRGAN_SCALES.join(', ')}`, value);
}

const require = createRequire(import.meta.url);

/**
 * The folder of an installed ESRGAN package: its entry point resolved from @bgfill/trainer, then up to the folder
 * whose package.json names it. A missing package is a BgfillError that says how to install it.
 * @example await esrganPackageDir('slim') // → '…/node_modules/@upscalerjs/esrgan-slim'
 */
export async function esrganPackageDir(size: EsrganSize): Promise<string> {
  const { packageName } = ESRGAN_MODELS[size];
  let dir: string;
  try {
    dir = dirname(require.resolve(packageName));
  } catch {
    throw new BgfillError(`${packageName} is not installed (run pnpm install; it is a dependency of @bgfill/trainer)`, { subject: packageName });
  }
  for (;;) {
    try {
      const pkg = JSON.parse(await readFile(join(dir, 'package.json'), 'utf8')) as { name?: string };
      if (pkg.name === packageName) return dir;
    } catch {
      // no package.json here: keep climbing
    }
    const parent = dirname(dir);
    if (parent === dir) throw new BgfillError(`${packageName}: installed, but its package folder was not found`, { subject: packageName });
    dir = parent;
  }
}

/**
 * The model.json of one ESRGAN size and scale.
 * @example await esrganModelPath('thick', 4) // → '…/@upscalerjs/esrgan-thick/models/x4/model.json'
 */
export async function esrganModelPath(size: EsrganSize, scale: EsrganScale): Promise<string> {
  return join(await esrganPackageDir(size), 'models', `x${scale}`, 'model.json');
}

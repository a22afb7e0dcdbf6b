import * as tf from '@tensorflow/tfjs';
import { badFile, errorMessage } from '@bgfill/core';
import type { RgbImageLike } from '../inference/inpaint.js';
import { crop } from '../inference/reflect-pad.js';
import { registerEsrganLayers } from './esrgan-layers.js';
import { ESRGAN_MODELS, esrganModelPath, type EsrganScale, type EsrganSize } from './esrgan-models.js';
import { readLayersModelArtifacts } from './model-files.js';
import { receptiveField } from './receptive-field.js';
import { pastePixels, regionOf, type Upscaler, type UpscaleOptions } from './upscaler.js';
import { planUpscaleTiles } from './upscale-tiles.js';

/**
 * Default tile side (input pixels) for ESRGAN. A tile of 128² plus its margin keeps the thick model's largest
 * activations (192 channels) near 25 MB and repeats little work for slim and medium (margins 10 and 18).
 */
export const DEFAULT_ESRGAN_TILE = 128;

/**
 * The most context a tile carries (input pixels) when the receptive field is wider. 18 is the medium models' field,
 * so slim (10) and medium (18) tile exactly (byte for byte, tested). The thick models see 154 pixels: a 154-pixel
 * margin would run a 128² tile as a 436² input (11× the work); at 18 pixels, 32-px tiles of a 96² photo crop differed
 * from one whole-image run in 2 of 110 592 bytes, by 1 grey level (16 px: 3 bytes; 4 px: 4 810 bytes, up to 2 levels;
 * wasm, ×2).
 */
export const MAX_TILE_MARGIN = 18;

export interface LoadEsrganOptions {
  /** Tile side in input pixels (default DEFAULT_ESRGAN_TILE; 0: one run for the whole region). */
  tile?: number;
  /** Context margin per tile side (default: the receptive-field radius, at most MAX_TILE_MARGIN). */
  margin?: number;
  /** A model.json to load instead of the installed package's (same architecture family as `size`). */
  modelPath?: string;
}

/** A loaded ESRGAN model: an Upscaler, with what it was built from. */
export interface EsrganUpscaler extends Upscaler {
  readonly size: EsrganSize;
  readonly scale: EsrganScale;
  /** Receptive-field radius of the network, in input pixels. */
  readonly radius: number;
  /** Context margin each tile runs with. */
  readonly margin: number;
  readonly tile: number;
  readonly model: tf.LayersModel;
}

/**
 * Run the network on one input rectangle: 8-bit pixels scaled to the model's range, predict, clip to the range,
 * back to 0…255, rounded. Mirrors UpscalerJS' upscale(): scaleIncomingPixels (× 1/255 for 0…1 models),
 * model.predict, scaleOutput (clip, × 255).
 */
async function runNetwork(model: tf.LayersModel, pixels: Uint8Array, width: number, height: number, inputMax: number): Promise<Float32Array> {
  const out = tf.tidy(() => {
    let x: tf.Tensor = tf.tensor4d(Float32Array.from(pixels), [1, height, width, 3]);
    if (inputMax === 1) x = tf.mul(x, 1 / 255);
    let y = model.predict(x) as tf.Tensor;
    y = tf.clipByValue(y, 0, inputMax);
    return inputMax === 1 ? tf.mul(y, 255) : y;
  });
  try {
    return (await out.data()) as Float32Array;
  } finally {
    out.dispose();
  }
}

function toBytes(values: Float32Array): Uint8Array {
  const out = new Uint8Array(values.length);
  for (let i = 0; i < values.length; i++) out[i] = Math.round(values[i]); // already clipped to 0…255
  return out;
}

/**
 * Load an UpscalerJS ESRGAN model (size slim, medium or thick; scale 2, 3, 4 or 8) from its npm package, on the
 * current tfjs backend (initBackend first), as an Upscaler that tiles large inputs (upscale-tiles.ts).
 * @example
 * await initBackend('wasm');
 * const sr = await loadEsrgan('slim', 4);
 * const big = await sr.upscale(image); // 4× wider and taller
 * sr.dispose();
 */
export async function loadEsrgan(size: EsrganSize, scale: EsrganScale, options: LoadEsrganOptions = {}): Promise<EsrganUpscaler> {
  const info = ESRGAN_MODELS[size];
  const path = options.modelPath ?? (await esrganModelPath(size, scale));
  const artifacts = await readLayersModelArtifacts(path);
  let field: { radius: number; scale: number };
  try {
    field = receptiveField(artifacts.modelTopology);
  } catch (err) {
    throw badFile(path, `not an ESRGAN layers model bgfill can tile (${errorMessage(err)})`);
  }
  if (field.scale !== scale) throw badFile(path, `upscales by ${field.scale}, not ${scale}`);
  registerEsrganLayers();
  let model: tf.LayersModel;
  try {
    model = await tf.loadLayersModel({ load: async () => artifacts });
  } catch (err) {
    throw badFile(path, `TensorFlow.js could not build the model (${errorMessage(err)})`);
  }
  const tile = options.tile ?? DEFAULT_ESRGAN_TILE;
  const margin = options.margin ?? Math.min(field.radius, MAX_TILE_MARGIN);
  return {
    name: `esrgan-${size}`,
    size,
    scale,
    radius: field.radius,
    margin,
    tile,
    model,
    get description() {
      return `ESRGAN ${size} ×${scale} (${info.packageName}, TensorFlow.js ${tf.getBackend()}; tiles ${tile === 0 ? 'off' : `${tile}px`}, margin ${margin}px of a ${field.radius}px receptive field)`;
    },
    async upscale(image: RgbImageLike, upscaleOptions: UpscaleOptions = {}): Promise<RgbImageLike> {
      const region = regionOf(image, upscaleOptions.region);
      const tiles = planUpscaleTiles(region, image.width, image.height, tile, margin);
      const outWidth = region.width * scale;
      const out = new Uint8Array(outWidth * region.height * scale * 3);
      for (const [i, t] of tiles.entries()) {
        const input = crop({ data: image.data, width: image.width, height: image.height, channels: 3 }, t.input).data;
        const values = await runNetwork(model, input, t.input.width, t.input.height, info.inputMax);
        const kept = crop(
          { data: values, width: t.input.width * scale, height: t.input.height * scale, channels: 3 },
          { x: (t.core.x - t.input.x) * scale, y: (t.core.y - t.input.y) * scale, width: t.core.width * scale, height: t.core.height * scale },
        ).data;
        const at = { x: (t.core.x - region.x) * scale, y: (t.core.y - region.y) * scale, width: t.core.width * scale, height: t.core.height * scale };
        pastePixels(out, outWidth, 3, toBytes(kept), at);
        upscaleOptions.onTile?.(i + 1, tiles.length);
      }
      return { data: out, width: outWidth, height: region.height * scale };
    },
    dispose() {
      model.dispose();
    },
  };
}

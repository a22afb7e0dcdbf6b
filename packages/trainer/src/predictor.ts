import * as tf from '@tensorflow/tfjs';
import { BgfillError, invalidParameter, type Mask } from '@bgfill/masks';
import type { Predictor, PredictorBatch, RgbImage } from '@bgfill/eval';
import { initBackend, parseBackendRequest, type BackendInfo } from './backend/index.js';
import type { InpaintGenerator } from './model/generator.js';
import { loadGenerator } from './weights/checkpoint.js';

/** Options of `createPredictor`. */
export interface CreatePredictorOptions {
  /** `auto` (default), `webgpu`, `tensorflow`, `wasm` or `cpu`; see `initBackend`. */
  backend?: string;
  /** Receives backend messages (skipped backends); default none. */
  log?: (line: string) => void;
}

/** The backend each request resolved to in this process, so that scoring many checkpoints initialises it once. */
const backends = new Map<string, Promise<BackendInfo>>();

async function ensureBackend(requested: string, log?: (line: string) => void): Promise<BackendInfo> {
  const request = parseBackendRequest(requested);
  let info = backends.get(request);
  if (info === undefined || tf.getBackend() !== (await info).name) {
    info = initBackend(request, { log });
    backends.set(request, info);
    info.catch(() => backends.delete(request));
  }
  return info;
}

/** Round up to a multiple. */
function roundUp(n: number, multiple: number): number {
  return Math.ceil(n / multiple) * multiple;
}

function checkBatch(batch: PredictorBatch): { width: number; height: number } {
  const { images, masks } = batch;
  if (!Array.isArray(images) || !Array.isArray(masks) || images.length !== masks.length) {
    throw invalidParameter('batch', 'as many masks as images', `${images?.length} images and ${masks?.length} masks`);
  }
  const { width, height } = images[0];
  images.forEach((image: RgbImage, i) => {
    if (image.width !== width || image.height !== height || image.channels !== 3 || image.data.length !== width * height * 3) {
      throw invalidParameter(`batch.images[${i}]`, `a ${width}×${height} RGB image like the batch's first`, `${image.width}×${image.height}×${image.channels}`);
    }
    const mask: Mask = masks[i];
    if (mask.width !== width || mask.height !== height || mask.data.length !== width * height) {
      throw invalidParameter(`batch.masks[${i}]`, `a ${width}×${height} mask`, `${mask.width}×${mask.height}`);
    }
  });
  return { width, height };
}

/**
 * Inpaint a same-size batch with a generator: images to −1…1 (x/127.5 − 1), masks to NHW1 (1 = hole), both padded
 * on the right and bottom to the generator's required multiple (image by reflection, mask with known pixels), the
 * composite taken in inference mode, cropped back and returned as 8-bit RGB (round, clamp to 0…255). Outside the
 * hole the composite is the input, so those pixels come back unchanged.
 * @example const [out] = await inpaintBatch(generator, { images: [img], masks: [mask] });
 */
export async function inpaintBatch(generator: InpaintGenerator, batch: PredictorBatch): Promise<RgbImage[]> {
  if (batch.images.length === 0) return [];
  const { width, height } = checkBatch(batch);
  const n = batch.images.length;
  const pixels = new Float32Array(n * width * height * 3);
  const holes = new Float32Array(n * width * height);
  batch.images.forEach((image, b) => {
    const base = b * width * height * 3;
    for (let i = 0; i < width * height * 3; i++) pixels[base + i] = image.data[i] / 127.5 - 1;
    const mask = batch.masks[b].data;
    const mbase = b * width * height;
    for (let i = 0; i < width * height; i++) holes[mbase + i] = mask[i] ? 1 : 0;
  });
  const multiple = generator.requiredMultiple;
  const padH = roundUp(height, multiple) - height;
  const padW = roundUp(width, multiple) - width;
  const composite = tf.tidy(() => {
    let x: tf.Tensor4D = tf.tensor4d(pixels, [n, height, width, 3]);
    let m: tf.Tensor4D = tf.tensor4d(holes, [n, height, width, 1]);
    if (padH > 0 || padW > 0) {
      const paddings: Array<[number, number]> = [[0, 0], [0, padH], [0, padW], [0, 0]];
      // Reflection needs the padding smaller than the side; a tiny image is padded with grey instead.
      x = padH < height && padW < width ? tf.mirrorPad(x, paddings, 'reflect') : tf.pad(x, paddings, 0);
      m = tf.pad(m, paddings, 0);
    }
    const out = generator.apply(x, m, { training: false }).composite;
    return padH > 0 || padW > 0 ? tf.slice(out, [0, 0, 0, 0], [n, height, width, 3]) : out;
  });
  let values: Float32Array;
  try {
    values = (await composite.data()) as Float32Array;
  } finally {
    composite.dispose();
  }
  const outputs: RgbImage[] = [];
  const size = width * height * 3;
  for (let b = 0; b < n; b++) {
    const data = new Uint8Array(size);
    const base = b * size;
    for (let i = 0; i < size; i++) {
      const v = Math.round((values[base + i] + 1) * 127.5);
      data[i] = v < 0 ? 0 : v > 255 ? 255 : v;
    }
    outputs.push({ data, width, height, channels: 3 });
  }
  return outputs;
}

/**
 * A predictor for `bgfill eval --run`: initialises the TensorFlow.js backend (`auto` by default, once per process),
 * loads the generator from a checkpoint (a bgfill `.safetensors` checkpoint or a PyTorch state_dict; a damaged file
 * throws a BgfillError naming it), and inpaints batches through `inpaintBatch`.
 * @example
 * const predictor = await createPredictor('runs/a/epoch-0003/generator.safetensors', { backend: 'wasm' });
 * const outputs = await predictor.predict({ images, masks });
 * predictor.dispose();
 */
export async function createPredictor(checkpointPath: string, options: CreatePredictorOptions = {}): Promise<Predictor> {
  await ensureBackend(options.backend ?? 'auto', options.log);
  const generator = await loadGenerator(checkpointPath);
  let disposed = false;
  return {
    async predict(batch: PredictorBatch): Promise<RgbImage[]> {
      if (disposed) throw new BgfillError(`${checkpointPath}: the predictor was disposed`, { subject: checkpointPath });
      return inpaintBatch(generator, batch);
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      generator.dispose();
    },
  };
}

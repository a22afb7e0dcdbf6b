import * as tf from '@tensorflow/tfjs';
import { BgfillError, invalidParameter, type Mask } from '@bgfill/masks';
import type { Predictor, PredictorBatch, RgbImage } from '@bgfill/eval';
import { initBackend, parseBackendRequest, type BackendInfo } from './backend/index.js';
import { fromNetRange, toNetRange } from './inference/pixel-range.js';
import { crop, paddingToMultiple, reflectPad } from './inference/reflect-pad.js';
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
 * Inpaint a same-size batch with a generator, as `bgfill inpaint` does one image: pixels to −1…1 (`toNetRange`),
 * image and mask reflect-padded to the generator's required multiple (`paddingToMultiple`, `reflectPad`), the
 * composite taken in inference mode for the whole batch at once, cropped back and returned as 8-bit RGB
 * (`fromNetRange`: round, clamp). Outside the hole the composite is the input, so those pixels come back unchanged.
 * @example const [out] = await inpaintBatch(generator, { images: [img], masks: [mask] });
 */
export async function inpaintBatch(generator: InpaintGenerator, batch: PredictorBatch): Promise<RgbImage[]> {
  if (batch.images.length === 0) return [];
  const { width, height } = checkBatch(batch);
  const n = batch.images.length;
  const pad = paddingToMultiple(width, height, generator.requiredMultiple);
  const paddedW = width + pad.left + pad.right;
  const paddedH = height + pad.top + pad.bottom;
  const pixels = new Float32Array(n * paddedW * paddedH * 3);
  const holes = new Float32Array(n * paddedW * paddedH);
  batch.images.forEach((image, b) => {
    pixels.set(reflectPad({ data: toNetRange(image.data), width, height, channels: 3 }, pad).data, b * paddedW * paddedH * 3);
    const hole = reflectPad({ data: batch.masks[b].data, width, height, channels: 1 }, pad).data;
    const base = b * paddedW * paddedH;
    for (let i = 0; i < hole.length; i++) holes[base + i] = hole[i] ? 1 : 0;
  });
  const composite = tf.tidy(() =>
    generator.apply(tf.tensor4d(pixels, [n, paddedH, paddedW, 3]), tf.tensor4d(holes, [n, paddedH, paddedW, 1]), { training: false }).composite,
  );
  let values: Float32Array;
  try {
    values = (await composite.data()) as Float32Array;
  } finally {
    composite.dispose();
  }
  const size = paddedW * paddedH * 3;
  return Array.from({ length: n }, (_, b) => {
    const padded = { data: values.subarray(b * size, (b + 1) * size), width: paddedW, height: paddedH, channels: 3 };
    const data = fromNetRange(crop(padded, { x: pad.left, y: pad.top, width, height }).data);
    return { data, width, height, channels: 3 as const };
  });
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

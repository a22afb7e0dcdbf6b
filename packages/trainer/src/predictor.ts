import * as tf from '@tensorflow/tfjs';
import { BgfillError, invalidParameter } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import type { Predictor, PredictorBatch, RgbImage } from '@bgfill/eval';
import { pixelCodecOf, type Inpainter } from './inference/engine.js';
import { isGpuEngine, parseEngineRequest } from './inference/engine-name.js';
import { openEngine, selectEngine, type EngineSelection } from './inference/engine-select.js';
import { crop, paddingToMultiple, reflectPad } from './inference/reflect-pad.js';
import { asEngine } from './inference/tfjs-engine.js';

/** Options of `createPredictor`. */
export interface CreatePredictorOptions {
  /** `auto` (default), `webgpu`, `tensorflow`, `onnx`, `wasm` or `cpu`; see `selectEngine`. */
  backend?: string;
  /** Threads for onnx (intra-op) or wasm (default: every core Node may use). */
  threads?: number;
  /** Receives backend messages (skipped backends); default none. */
  log?: (line: string) => void;
  /** The checkpoint's architecture (`--arch`); default: a bgfill checkpoint's stored one, else detected from its keys. */
  arch?: string;
}

/** The engine each request resolved to in this process, so that scoring many checkpoints initialises it once. */
const selections = new Map<string, Promise<EngineSelection>>();

async function ensureEngine(requested: string, threads: number | undefined, log?: (line: string) => void): Promise<EngineSelection> {
  const request = parseEngineRequest(requested);
  const key = `${request}/${threads ?? ''}`;
  let selection = selections.get(key);
  const current = selection && (await selection);
  // A tfjs backend another caller switched away from is initialised again (onnx does not depend on tfjs's state).
  if (selection === undefined || (current && !current.name.startsWith('onnx') && tf.getBackend() !== current.name)) {
    selection = selectEngine(request, { ...(log ? { log } : {}), ...(threads !== undefined ? { threads } : {}) });
    selections.set(key, selection);
    selection.catch(() => selections.delete(key));
  }
  return selection;
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
 * Inpaint a same-size batch with a network, as `bgfill inpaint` does one image: pixels to the network's range (its
 * `pixels` codec: −1…1 for InpaintSANet, 0…1 for RFR-Net), image and mask reflect-padded to its required multiple
 * (`paddingToMultiple`, `reflectPad`), the composite taken in inference mode for the whole batch at once, cropped
 * back and returned as 8-bit RGB (the codec's way back). Outside the hole the composite is the input, so those pixels come back unchanged.
 * `net` is a tfjs generator or an engine (`openEngine`, `OnnxEngine`).
 * @example const [out] = await inpaintBatch(generator, { images: [img], masks: [mask] });
 */
export async function inpaintBatch(net: Inpainter, batch: PredictorBatch): Promise<RgbImage[]> {
  if (batch.images.length === 0) return [];
  const { width, height } = checkBatch(batch);
  const n = batch.images.length;
  const engine = asEngine(net);
  const pixelCodec = pixelCodecOf(engine);
  const pad = paddingToMultiple(width, height, engine.requiredMultiple);
  const paddedW = width + pad.left + pad.right;
  const paddedH = height + pad.top + pad.bottom;
  const pixels = new Float32Array(n * paddedW * paddedH * 3);
  const holes = new Float32Array(n * paddedW * paddedH);
  batch.images.forEach((image, b) => {
    pixels.set(reflectPad({ data: pixelCodec.toNet(image.data), width, height, channels: 3 }, pad).data, b * paddedW * paddedH * 3);
    const hole = reflectPad({ data: batch.masks[b].data, width, height, channels: 1 }, pad).data;
    const base = b * paddedW * paddedH;
    for (let i = 0; i < hole.length; i++) holes[base + i] = hole[i] ? 1 : 0;
  });
  const values = await engine.run({ image: pixels, mask: holes, n, height: paddedH, width: paddedW }, 'composite');
  const size = paddedW * paddedH * 3;
  return Array.from({ length: n }, (_, b) => {
    const padded = { data: values.subarray(b * size, (b + 1) * size), width: paddedW, height: paddedH, channels: 3 };
    const data = pixelCodec.fromNet(crop(padded, { x: pad.left, y: pad.top, width, height }).data);
    return { data, width, height, channels: 3 as const };
  });
}

/**
 * A predictor for `bgfill eval --run`: selects the inference engine (`auto` by default, once per process; `onnx`
 * runs onnxruntime, the others a TensorFlow.js backend), loads the network of any architecture from a checkpoint (a
 * bgfill `.safetensors` checkpoint or a PyTorch state_dict; the architecture from `arch`, the checkpoint or its keys;
 * a damaged file throws a BgfillError naming it), and inpaints batches through `inpaintBatch`.
 * @example
 * const predictor = await createPredictor('runs/a/epoch-0003/generator.safetensors', { backend: 'onnx' });
 * const outputs = await predictor.predict({ images, masks });
 * predictor.dispose();
 */
export async function createPredictor(checkpointPath: string, options: CreatePredictorOptions = {}): Promise<Predictor> {
  const selection = await ensureEngine(options.backend ?? 'auto', options.threads, options.log);
  const engine = await openEngine(checkpointPath, selection, options.arch !== undefined ? { arch: options.arch } : {});
  // CPU engines run the images of a batch one at a time: faster there, and the same bytes (tested in inpaint-cli).
  const oneByOne = !isGpuEngine(selection.name);
  let disposed = false;
  return {
    async predict(batch: PredictorBatch): Promise<RgbImage[]> {
      if (disposed) throw new BgfillError(`${checkpointPath}: the predictor was disposed`, { subject: checkpointPath });
      if (!oneByOne || batch.images.length <= 1) return inpaintBatch(engine, batch);
      checkBatch(batch);
      const outputs: RgbImage[] = [];
      for (let i = 0; i < batch.images.length; i++) outputs.push(...(await inpaintBatch(engine, { images: [batch.images[i]], masks: [batch.masks[i]] })));
      return outputs;
    },
    dispose(): void {
      if (disposed) return;
      disposed = true;
      // onnxruntime releases its session asynchronously; Predictor.dispose is synchronous, so nothing waits on it.
      engine.dispose().catch(() => {});
    },
  };
}

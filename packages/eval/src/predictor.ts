import type { Mask } from '@bgfill/masks';
import type { RgbImage } from './metrics/image.js';

/**
 * One batch for a predictor: the ground-truth images and their hole masks (1 = hole), index for index, each mask the
 * size of its image. All images of a batch have the same size.
 */
export interface PredictorBatch {
  images: RgbImage[];
  masks: Mask[];
}

/**
 * A checkpoint made ready to inpaint. `predict` receives the ground-truth RGB images (the predictor hides the holes
 * itself) and returns, for each, the composite: the network's fill inside the hole, the known pixels outside, at the
 * image's size. Scoring may call `predict` again before the previous call has resolved (at most two calls in flight),
 * so that data reading and metrics overlap an accelerator's work. `dispose` frees the weights.
 * @example
 * const predictor = await loadPredictor('runs/a/epoch-0003/generator.safetensors', { backend: 'auto' });
 * try { const [out] = await predictor.predict({ images: [target], masks: [mask] }); } finally { predictor.dispose(); }
 */
export interface Predictor {
  predict(batch: PredictorBatch): Promise<RgbImage[]>;
  dispose(): void;
}

/**
 * Makes a predictor from a checkpoint file. Eval never imports the trainer: the CLI passes the trainer's
 * `createPredictor` in, and tests pass their own. It should throw (a BgfillError naming the file, ideally) when the
 * checkpoint cannot be read; scoring then skips that checkpoint and reports the reason. `arch` names the network
 * architecture when given (the trainer's registry; default: what the checkpoint stores or its keys show).
 */
export type PredictorFactory = (checkpointPath: string, options: { backend?: string; arch?: string }) => Promise<Predictor>;

/**
 * Resolves a `--backend` request (`auto` included) to the engine that will run, e.g. `auto` → `onnx` on a CPU
 * machine (the trainer passes its `selectEngine`). Scores are cached per engine: engines agree only to rounding.
 */
export type BackendResolver = (requested: string, log: (line: string) => void) => Promise<string>;

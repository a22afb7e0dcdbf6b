import type { Predictor, PredictorBatch } from '../predictor.js';
import type { RgbImage } from '../metrics/image.js';
import { acquireFillThreads } from './fill-threads.js';
import { checkInpaintRadius, classicalInpaint, classicalInpaintOn, DEFAULT_INPAINT_RADIUS, parseClassicalMethod, type ClassicalMethod } from './inpaint.js';

export interface ClassicalPredictorOptions {
  /**
   * Run Telea's and the Navier–Stokes fill on the shared fill threads (fill-threads.ts), held until `dispose`, so
   * that a batch's fills run beside the metrics of the last one; the same bytes. Default false (this thread).
   */
  threads?: boolean;
}

/**
 * A classical fill as a Predictor, so that `bgfill eval --run --baseline` scores it like a checkpoint: each image of
 * a batch is filled on its own with `classicalInpaint` (the hole's input values are never read).
 * @example const telea = classicalPredictor('telea'); const [out] = await telea.predict({ images: [img], masks: [mask] });
 */
export function classicalPredictor(method: ClassicalMethod, radius = DEFAULT_INPAINT_RADIUS, options: ClassicalPredictorOptions = {}): Predictor {
  const checked = parseClassicalMethod(method);
  checkInpaintRadius(radius);
  if (!options.threads || checked === 'mean') {
    return {
      async predict(batch: PredictorBatch): Promise<RgbImage[]> {
        return batch.images.map((image, i) => classicalInpaint(image, batch.masks[i], { method: checked, radius }));
      },
      dispose() {},
    };
  }
  const { threads, release } = acquireFillThreads();
  return {
    predict: (batch: PredictorBatch) => Promise.all(batch.images.map((image, i) => classicalInpaintOn(threads, image, batch.masks[i], { method: checked, radius }))),
    dispose: release,
  };
}

/**
 * What a classical fill's scores depend on, for the score cache: the method, its radius and the implementation's
 * version (bumped when its output changes).
 * @example classicalDigest('telea', 3) // 'classical:telea:radius=3:v1'
 */
export function classicalDigest(method: ClassicalMethod, radius = DEFAULT_INPAINT_RADIUS): string {
  return method === 'mean' ? 'classical:mean:v1' : `classical:${method}:radius=${radius}:v1`;
}

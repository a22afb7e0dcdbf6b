import { BgfillError } from '@bgfill/core';
import { holeRatioBin } from '@bgfill/masks';
import { checkImage, sizeLabel, type RgbImage } from './metrics/image.js';
import { pairMetrics, type PairMetrics, type PairMetricsOptions } from './metrics/pair-metrics.js';
import type { Predictor } from './predictor.js';
import type { EvalBatch, EvalItem } from './score-data.js';

/** One record's metrics for one checkpoint: the pair metrics, plus where the record sits and its hole-ratio bin. */
export interface ImageScore extends PairMetrics {
  /** Position in the evaluation set. */
  index: number;
  key: string;
  /** Fraction of the image that is hole. */
  holeRatio: number;
  /** Its hole-ratio bin, e.g. `(0.2,0.3]` (see @bgfill/masks' `holeRatioBin`). */
  bin: string;
}

/** What scoring one checkpoint gives. */
export interface CheckpointScores {
  /** Every record's metrics, by index. */
  images: ImageScore[];
  /** The predictor's outputs for the requested sample records (for the comparison grid). */
  samples: Map<number, RgbImage>;
}

export interface ScoreCheckpointOptions {
  /** Names the checkpoint in errors, e.g. `epoch 3 (run/epoch-0003/generator.safetensors)`. */
  label: string;
  /** Records whose outputs to keep in `samples`. */
  sampleIndices?: ReadonlySet<number>;
  /** Called after each batch with the number of records it held (for a progress bar). */
  onProgress?: (records: number) => void;
  /** SSIM / MS-SSIM settings (defaults: torchmetrics'). */
  metrics?: PairMetricsOptions;
}

/** Check a batch's outputs: one per record, each a valid RGB image of its target's size; throws naming the checkpoint. */
export function checkPredictions(outputs: unknown, items: readonly EvalItem[], label: string): RgbImage[] {
  if (!Array.isArray(outputs) || outputs.length !== items.length) {
    const got = Array.isArray(outputs) ? `${outputs.length} images` : typeof outputs;
    throw new BgfillError(`${label}: the predictor returned ${got} for a batch of ${items.length}`, { subject: label });
  }
  return outputs.map((out: RgbImage, i) => {
    const target = items[i];
    try {
      checkImage(out, 'output');
    } catch (err) {
      throw new BgfillError(`${label}: the predictor's output for record ${target.index} (${target.key}) is not an image: ${(err as Error).message}`, {
        subject: label,
        cause: err,
      });
    }
    if (out.width !== target.image.width || out.height !== target.image.height || out.channels !== 3) {
      throw new BgfillError(
        `${label}: the predictor returned a ${sizeLabel(out)} image with ${out.channels} channels for record ${target.index} ` +
          `(${target.key}), but the target is ${sizeLabel(target.image)} with 3 channels`,
        { subject: label },
      );
    }
    return out;
  });
}

/**
 * The metrics of one record: L1, PSNR, SSIM, MS-SSIM over the whole image, L1 and PSNR inside the hole, and the
 * record's hole ratio and bin.
 * @example scoreImage(item, output) // { index: 0, key: '…', holeRatio: 0.23, bin: '(0.2,0.3]', l1: 0.021, … }
 */
export function scoreImage(item: EvalItem, output: RgbImage, options: PairMetricsOptions = {}): ImageScore {
  const m = pairMetrics(output, item.image, item.mask, options);
  const holeRatio = m.holeRatio ?? 0;
  const score: ImageScore = {
    index: item.index,
    key: item.key,
    holeRatio,
    bin: holeRatioBin(holeRatio),
    l1: m.l1,
    psnr: m.psnr,
    ssim: m.ssim,
    msssim: m.msssim,
  };
  if (m.l1Hole !== undefined) score.l1Hole = m.l1Hole;
  if (m.psnrHole !== undefined) score.psnrHole = m.psnrHole;
  return score;
}

/**
 * Score one checkpoint: feed the batches to its predictor, check each output, and compute every record's metrics.
 * The next batch's prediction is started before the current batch's metrics are computed, so an accelerator works
 * while the CPU measures. Errors (a wrong output size, a failing predictor) are BgfillErrors naming `label`.
 * @example
 * const { images } = await scoreCheckpoint(predictor, evalBatches(set, 8), { label: 'epoch 3' });
 */
export async function scoreCheckpoint(
  predictor: Predictor,
  batches: AsyncIterable<EvalBatch>,
  options: ScoreCheckpointOptions,
): Promise<CheckpointScores> {
  const [scores] = await scoreCheckpoints([{ predictor, options }], batches);
  return scores;
}

/** One of the predictors `scoreCheckpoints` scores together, with its options. */
export interface PredictorToScore {
  predictor: Predictor;
  options: ScoreCheckpointOptions;
}

/**
 * Score several predictors on one reading of the batches (the classical fills, which need no accelerator and little
 * memory, share the records' decoding this way): each batch goes to every predictor in turn, and each predictor's
 * scores are what `scoreCheckpoint` gives it alone. As there, the next batch's predictions start before the
 * current batch's metrics.
 * @example const [telea, ns] = await scoreCheckpoints([{ predictor: a, options: { label: 'Telea' } }, …], evalBatches(set, 8));
 */
export async function scoreCheckpoints(rows: readonly PredictorToScore[], batches: AsyncIterable<EvalBatch>): Promise<CheckpointScores[]> {
  const results: CheckpointScores[] = rows.map(() => ({ images: [], samples: new Map<number, RgbImage>() }));
  interface Started {
    batch: EvalBatch;
    outputs: Array<Promise<RgbImage[]>>;
  }
  const start = (batch: EvalBatch): Started => ({
    batch,
    outputs: rows.map(({ predictor }) => {
      const outputs = Promise.resolve().then(() =>
        predictor.predict({ images: batch.items.map((it) => it.image), masks: batch.items.map((it) => it.mask) }),
      );
      outputs.catch(() => {}); // handled when awaited below; this only stops an "unhandled rejection" in between
      return outputs;
    }),
  });
  const finish = async ({ batch, outputs }: Started): Promise<void> => {
    for (const [r, { options }] of rows.entries()) {
      const { label } = options;
      const { images, samples } = results[r];
      let received: RgbImage[];
      try {
        received = await outputs[r];
      } catch (err) {
        if (err instanceof BgfillError) throw new BgfillError(`${label}: ${err.message}`, { subject: label, cause: err });
        throw err;
      }
      const checked = checkPredictions(received, batch.items, label);
      batch.items.forEach((item, i) => {
        try {
          images.push(scoreImage(item, checked[i], options.metrics));
        } catch (err) {
          if (err instanceof BgfillError) {
            throw new BgfillError(`${label}: record ${item.index} (${item.key}): ${err.message}`, { subject: label, cause: err });
          }
          throw err;
        }
        if (options.sampleIndices?.has(item.index)) samples.set(item.index, checked[i]);
      });
      options.onProgress?.(batch.items.length);
    }
  };
  let pending: Started | undefined;
  for await (const batch of batches) {
    const next = start(batch);
    if (pending) await finish(pending);
    pending = next;
  }
  if (pending) await finish(pending);
  return results;
}

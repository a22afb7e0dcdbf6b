import { ALL_HOLE_RATIO_BINS } from '@bgfill/masks';
import { aggregate, type Aggregate } from './metrics/aggregate.js';
import type { ImageScore } from './score-checkpoint.js';

/** The metrics summarised per epoch, in display order: whole image, then inside the hole. */
export const SCORE_METRICS = ['l1', 'psnr', 'ssim', 'msssim', 'l1Hole', 'psnrHole'] as const;
export type ScoreMetric = (typeof SCORE_METRICS)[number];

/** Human names of the metrics, for tables and plots. */
export const METRIC_LABELS: Readonly<Record<ScoreMetric, string>> = {
  l1: 'L1',
  psnr: 'PSNR (dB)',
  ssim: 'SSIM',
  msssim: 'MS-SSIM',
  l1Hole: 'L1 (hole)',
  psnrHole: 'PSNR (hole, dB)',
};

/** Summary of a group of records: how many, and each metric's mean and population std (see `aggregate`). */
export interface GroupSummary {
  images: number;
  metrics: Record<ScoreMetric, Aggregate>;
}

/** One scored epoch. */
export interface EpochScores {
  epoch: number;
  /** The checkpoint, relative to the run folder: `epoch-0003/generator.safetensors`. */
  checkpoint: string;
  /** SHA-256 of the checkpoint file. */
  digest: string;
  /** Over every record. */
  all: GroupSummary;
  /** Per hole-ratio bin, only bins holding records, in bin order (`[0,0.01]`, `(0.01,0.1]`, …, `(0.6,1]`). */
  bins: Record<string, GroupSummary>;
}

/**
 * Mean and std of every metric over a group of records. The hole metrics count only records with a hole
 * (their `n` says how many); PSNR's +Infinity (identical pixels) is counted in `infinite`, not in the mean.
 * @example summarizeGroup(images).metrics.msssim // { mean: 0.93, std: 0.02, n: 100, infinite: 0 }
 */
export function summarizeGroup(images: readonly ImageScore[]): GroupSummary {
  const metrics = {} as Record<ScoreMetric, Aggregate>;
  for (const name of SCORE_METRICS) {
    const values: number[] = [];
    for (const image of images) {
      const v = image[name];
      if (v !== undefined) values.push(v);
    }
    metrics[name] = aggregate(values);
  }
  return { images: images.length, metrics };
}

/**
 * Summaries per hole-ratio bin (only non-empty bins, in bin order).
 * @example Object.keys(summarizeByBin(images)) // ['(0.01,0.1]', '(0.1,0.2]', '(0.2,0.3]']
 */
export function summarizeByBin(images: readonly ImageScore[]): Record<string, GroupSummary> {
  const out: Record<string, GroupSummary> = {};
  for (const bin of ALL_HOLE_RATIO_BINS) {
    const members = images.filter((image) => image.bin === bin.label);
    if (members.length > 0) out[bin.label] = summarizeGroup(members);
  }
  return out;
}

/**
 * An epoch's summary from its records' scores.
 * @example summarizeEpoch(3, 'epoch-0003/generator.safetensors', digest, images).all.metrics.l1.mean
 */
export function summarizeEpoch(epoch: number, checkpoint: string, digest: string, images: readonly ImageScore[]): EpochScores {
  return { epoch, checkpoint, digest, all: summarizeGroup(images), bins: summarizeByBin(images) };
}

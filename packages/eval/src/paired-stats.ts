import { ALL_HOLE_RATIO_BINS } from '@bgfill/masks';
import type { PairedBootstrap } from './bootstrap.js';
import type { ImageScore } from './score-checkpoint.js';
import { SCORE_METRICS, type ScoreMetric } from './score-summary.js';

/** Which way is better for every scored metric. */
export const METRIC_DIRECTION: Readonly<Record<ScoreMetric, 'higher' | 'lower'>> = {
  l1: 'lower',
  psnr: 'higher',
  ssim: 'higher',
  msssim: 'higher',
  l1Hole: 'lower',
  psnrHole: 'higher',
};

/** A row's difference from the reference row on one metric, over the records both were scored on. */
export interface MetricDifference {
  /** Records compared: with a hole, and a finite value in both rows. */
  n: number;
  /** Mean of (row − reference) per record. */
  mean: number;
  /** The paired bootstrap interval of that mean. */
  lo: number;
  hi: number;
  /** The interval lies wholly above or wholly below zero. */
  excludesZero: boolean;
  /** Share of the records on which the row is better (strictly), and worse; the rest are ties. */
  better: number;
  worse: number;
}

/** Differences on every metric over a group of records. */
export interface GroupDifference {
  /** Records in the group (with a hole). */
  records: number;
  metrics: Record<ScoreMetric, MetricDifference>;
}

/** One row compared with the reference row, record by record. */
export interface RowComparison {
  /** The row's and the reference's names (`start`, `9`, a compare name, `telea`). */
  row: string;
  reference: string;
  /** Over every record with a hole. */
  all: GroupDifference;
  /** Per hole-ratio bin (bins holding records with a hole, in bin order). */
  bins: Record<string, GroupDifference>;
}

function difference(metric: ScoreMetric, row: readonly ImageScore[], reference: readonly ImageScore[], members: readonly number[], boot: PairedBootstrap): MetricDifference {
  const diffs: number[] = [];
  let better = 0;
  let worse = 0;
  const lower = METRIC_DIRECTION[metric] === 'lower';
  for (const i of members) {
    const a = row[i][metric];
    const b = reference[i][metric];
    if (a === undefined || b === undefined || !Number.isFinite(a) || !Number.isFinite(b)) continue;
    const d = a - b;
    diffs.push(d);
    if (d !== 0) (d < 0) === lower ? better++ : worse++;
  }
  const { n, mean, lo, hi } = boot.interval(diffs);
  return { n, mean, lo, hi, excludesZero: lo > 0 || hi < 0, better: n ? better / n : NaN, worse: n ? worse / n : NaN };
}

function group(row: readonly ImageScore[], reference: readonly ImageScore[], members: readonly number[], boot: PairedBootstrap): GroupDifference {
  const metrics = {} as Record<ScoreMetric, MetricDifference>;
  for (const m of SCORE_METRICS) metrics[m] = difference(m, row, reference, members, boot);
  return { records: members.length, metrics };
}

/**
 * Compare a row with the reference row record by record: for each metric, the mean of (row − reference) over the
 * records with a hole (records without one are left out; so is a record whose value is not finite in either row,
 * such as the PSNR of identical pixels), its paired bootstrap interval, and the shares of records on which the row
 * is better and worse; the same per hole-ratio bin. Both lists hold the same records in the same order (index i at i).
 * @example compareRows({ name: '9', images }, { name: 'start', images: startImages }, new PairedBootstrap()).all.metrics.l1Hole.mean
 */
export function compareRows(
  row: { name: string; images: readonly ImageScore[] },
  reference: { name: string; images: readonly ImageScore[] },
  boot: PairedBootstrap,
): RowComparison {
  if (row.images.length !== reference.images.length) {
    throw new Error(`internal: row ${row.name} has ${row.images.length} records, the reference ${reference.images.length}`);
  }
  const members: number[] = [];
  const byBin = new Map<string, number[]>();
  reference.images.forEach((image, i) => {
    if (!(image.holeRatio > 0)) return;
    members.push(i);
    let inBin = byBin.get(image.bin);
    if (!inBin) byBin.set(image.bin, (inBin = []));
    inBin.push(i);
  });
  const bins: Record<string, GroupDifference> = {};
  for (const bin of ALL_HOLE_RATIO_BINS) {
    const inBin = byBin.get(bin.label);
    if (inBin) bins[bin.label] = group(row.images, reference.images, inBin, boot);
  }
  return { row: row.name, reference: reference.name, all: group(row.images, reference.images, members, boot), bins };
}

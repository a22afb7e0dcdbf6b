/**
 * Quality statistics of a set of records (a shard, a split, a bundle): per signal the count, sum, min, max and a
 * histogram over fixed bin edges (so shard statistics add up to split and bundle statistics), flag counts and the
 * number of records the build enlarged.
 */
import { z } from 'zod';
import type { ImageSignals } from './image-signals.js';
import { QUALITY_FLAGS, type QualityFlag } from './quality-policy.js';

/** The histogrammed values: the six signals and the source JPEG quality. */
export const STAT_SIGNALS = ['sharpness', 'topOctave', 'brightness', 'dynamicRange', 'colourfulness', 'entropy', 'jpegQuality'] as const;
export type StatSignal = (typeof STAT_SIGNALS)[number];

/**
 * Bin edges per value: bin i holds [edges[i], edges[i+1]), the last bin everything from its lower edge up. The
 * default flag thresholds are edges (sharpness 38, brightness 41, entropy 5.5, top octave 0.17), so the bins below
 * them count the flagged records.
 * Colourfulness follows Hasler & Süsstrunk's verbal scale (15 slightly, 33 moderately, 45 averagely, 59 quite,
 * 82 highly, 109 extremely colourful).
 */
export const STAT_BINS: Readonly<Record<StatSignal, readonly number[]>> = {
  sharpness: [0, 5, 10, 20, 38, 100, 200, 500, 1000, 2000, 5000],
  topOctave: [0, 0.05, 0.1, 0.17, 0.2, 0.3, 0.4, 0.5, 0.7, 1],
  brightness: [0, 25, 41, 64, 96, 128, 160, 192, 224],
  dynamicRange: [0, 32, 64, 96, 128, 160, 192, 224],
  colourfulness: [0, 15, 33, 45, 59, 82, 109],
  entropy: [0, 1, 2, 3, 4, 5, 5.5, 6, 7],
  jpegQuality: [0, 50, 60, 70, 80, 90, 95],
};

export const signalStatsSchema = z.object({
  count: z.number().int(),
  sum: z.number(),
  min: z.number().nullable(),
  max: z.number().nullable(),
  histogram: z.array(z.number().int()),
});
export type SignalStats = z.infer<typeof signalStatsSchema>;

export const qualityStatsSchema = z.object({
  /** Records measured. */
  records: z.number().int(),
  /** Records carrying each flag. */
  flags: z.record(z.enum(QUALITY_FLAGS), z.number().int()),
  /** Records the build enlarged (`--upscale`). */
  enlarged: z.number().int(),
  signals: z.record(z.enum(STAT_SIGNALS), signalStatsSchema),
});
export type QualityStats = z.infer<typeof qualityStatsSchema>;

/** What statistics read from a record: its signals, flags, enlargement and source JPEG quality. */
export interface StatInput extends ImageSignals {
  readonly flags: readonly QualityFlag[];
  readonly upscale: number | null;
  readonly jpegQuality: number | null;
}

/** The bin of `value` among `edges`. */
export function binOf(edges: readonly number[], value: number): number {
  let bin = 0;
  while (bin + 1 < edges.length && value >= edges[bin + 1]) bin++;
  return bin;
}

function emptyStats(): QualityStats {
  return {
    records: 0,
    flags: Object.fromEntries(QUALITY_FLAGS.map((f) => [f, 0])) as Record<QualityFlag, number>,
    enlarged: 0,
    signals: Object.fromEntries(STAT_SIGNALS.map((s) => [s, { count: 0, sum: 0, min: null, max: null, histogram: STAT_BINS[s].map(() => 0) }])) as Record<
      StatSignal,
      SignalStats
    >,
  };
}

/**
 * Statistics of some records.
 * @example qualityStats(entries).signals.sharpness.histogram
 */
export function qualityStats(records: Iterable<StatInput>): QualityStats {
  const stats = emptyStats();
  for (const r of records) {
    stats.records++;
    for (const f of r.flags) stats.flags[f]++;
    if (r.upscale !== null) stats.enlarged++;
    for (const s of STAT_SIGNALS) {
      const v = r[s];
      if (v === null) continue;
      const st = stats.signals[s];
      st.count++;
      st.sum += v;
      st.min = st.min === null ? v : Math.min(st.min, v);
      st.max = st.max === null ? v : Math.max(st.max, v);
      st.histogram[binOf(STAT_BINS[s], v)]++;
    }
  }
  return roundStats(stats);
}

/** Sums are kept to 12 significant figures, so statistics summed in another grouping compare equal in JSON. */
function roundStats(stats: QualityStats): QualityStats {
  for (const s of STAT_SIGNALS) stats.signals[s].sum = Number(stats.signals[s].sum.toPrecision(12));
  return stats;
}

/**
 * Add statistics up (shards into a split, splits into a bundle).
 * @example mergeQualityStats(shards.map((s) => s.quality!))
 */
export function mergeQualityStats(list: Iterable<QualityStats>): QualityStats {
  const stats = emptyStats();
  for (const q of list) {
    stats.records += q.records;
    for (const f of QUALITY_FLAGS) stats.flags[f] += q.flags[f] ?? 0;
    stats.enlarged += q.enlarged;
    for (const s of STAT_SIGNALS) {
      const a = stats.signals[s];
      const b = q.signals[s];
      if (!b) continue;
      a.count += b.count;
      a.sum += b.sum;
      if (b.min !== null) a.min = a.min === null ? b.min : Math.min(a.min, b.min);
      if (b.max !== null) a.max = a.max === null ? b.max : Math.max(a.max, b.max);
      b.histogram.forEach((n, i) => (a.histogram[i] += n));
    }
  }
  return roundStats(stats);
}

/** A histogram as one line of text: `[lo,hi) n` per non-empty bin. */
export function formatHistogram(signal: StatSignal, histogram: readonly number[]): string {
  const edges = STAT_BINS[signal];
  return histogram
    .map((n, i) => `${i + 1 < edges.length ? `${edges[i]}–${edges[i + 1]}` : `≥${edges[i]}`}: ${n}`)
    .join(', ');
}

/**
 * Where a hole is and what shape it has: its bounding box's height and width (fractions of the image's), their ratio,
 * and the centroid of its pixels (fractions of the image's width and height), with summaries over a mask set, so that
 * a bank, a recipe and a folder of real segmentation masks can be set side by side.
 */
import type { Mask } from './mask.js';

/** One mask's hole: ratio always; the rest only when the hole is not empty. */
export interface HoleShape {
  readonly ratio: number;
  /** Bounding-box height / image height, width / image width, and height / width in pixels. */
  readonly height: number;
  readonly width: number;
  readonly aspect: number;
  /** Centroid of the hole pixels: x / width and y / height, pixel centres at (i + 0.5). */
  readonly centreX: number;
  readonly centreY: number;
}

/**
 * The hole's shape, or just its ratio (other fields null) when the mask has no hole.
 * @example holeShape(mask) // { ratio: 0.31, height: 0.8, width: 0.35, aspect: 2.29, centreX: 0.5, centreY: 0.5 }
 */
export function holeShape(mask: Mask): HoleShape | { ratio: 0; height: null; width: null; aspect: null; centreX: null; centreY: null } {
  const { width, height, data } = mask;
  let area = 0;
  let sumX = 0;
  let sumY = 0;
  let top = -1;
  let bottom = -1;
  let left = width;
  let right = -1;
  for (let y = 0; y < height; y++) {
    const start = y * width;
    const end = start + width;
    let x = start;
    let rowArea = 0;
    while (x < end) {
      let a = x;
      while (a < end && data[a] === 0) a++;
      if (a >= end) break;
      let b = a + 1;
      while (b < end && data[b] !== 0) b++;
      const n = b - a;
      rowArea += n;
      // Σ (x + 0.5) over the run's columns.
      sumX += ((a - start + (b - start)) * n) / 2;
      if (a - start < left) left = a - start;
      if (b - start - 1 > right) right = b - start - 1;
      x = b;
    }
    if (rowArea > 0) {
      if (top < 0) top = y;
      bottom = y;
      area += rowArea;
      sumY += rowArea * (y + 0.5);
    }
  }
  if (area === 0) return { ratio: 0, height: null, width: null, aspect: null, centreX: null, centreY: null };
  const boxH = bottom - top + 1;
  const boxW = right - left + 1;
  return {
    ratio: area / (width * height),
    height: boxH / height,
    width: boxW / width,
    aspect: boxH / boxW,
    centreX: sumX / area / width,
    centreY: sumY / area / height,
  };
}

/** Summary of one variable over a mask set. */
export interface Distribution {
  count: number;
  mean: number;
  /** Population standard deviation. */
  std: number;
  min: number;
  max: number;
  /** Quantiles p5, p25, p50 (median), p75, p95 (linear interpolation between order statistics, numpy's default). */
  p5: number;
  p25: number;
  p50: number;
  p75: number;
  p95: number;
  /** Counts in ten equal bins of [0, 1] (values ≥ 1 in the last); absent for unbounded variables (aspect). */
  bins?: number[];
}

/** The shape variables summarised, in table order. */
export const SHAPE_VARIABLES = ['height', 'width', 'aspect', 'centreX', 'centreY'] as const;
export type ShapeVariable = (typeof SHAPE_VARIABLES)[number];

/** Summaries of every shape variable over the non-empty masks of a set. */
export interface ShapeSummary {
  /** Masks without any hole (left out of the distributions). */
  empty: number;
  height: Distribution;
  width: Distribution;
  aspect: Distribution;
  centreX: Distribution;
  centreY: Distribution;
}

/**
 * Quantile q of sorted values, linearly interpolated (numpy.quantile's default).
 * @example quantile([1, 2, 3, 4], 0.5) // 2.5
 */
export function quantile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  const pos = (n - 1) * q;
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo] + (sorted[hi] - sorted[lo]) * (pos - lo);
}

/**
 * Count, mean, population std, min, max, quantiles and (for values in [0, 1]) a ten-bin histogram; zeros when empty.
 * @example summarizeValues([0.2, 0.4], true).mean // 0.3
 */
export function summarizeValues(values: ReadonlyArray<number>, unitInterval: boolean): Distribution {
  const n = values.length;
  const sorted = Float64Array.from(values).sort();
  let sum = 0;
  for (const v of sorted) sum += v;
  const mean = n ? sum / n : 0;
  let sq = 0;
  for (const v of sorted) sq += (v - mean) ** 2;
  const out: Distribution = {
    count: n,
    mean,
    std: n ? Math.sqrt(sq / n) : 0,
    min: n ? sorted[0] : 0,
    max: n ? sorted[n - 1] : 0,
    p5: quantile(sorted, 0.05),
    p25: quantile(sorted, 0.25),
    p50: quantile(sorted, 0.5),
    p75: quantile(sorted, 0.75),
    p95: quantile(sorted, 0.95),
  };
  if (unitInterval) {
    const bins = new Array<number>(10).fill(0);
    for (const v of sorted) bins[Math.min(9, Math.max(0, Math.floor(v * 10)))]++;
    out.bins = bins;
  }
  return out;
}

/** A mask's measurement: a HoleShape, or only its ratio (0) when it has no hole. */
export type MaskMeasure = ReturnType<typeof holeShape>;

/**
 * Shape distributions of a mask set (empty masks counted apart).
 * @example summarizeShapes(masks.map(holeShape)).height.p50
 */
export function summarizeShapes(shapes: ReadonlyArray<MaskMeasure>): ShapeSummary {
  const full = shapes.filter((s): s is HoleShape => s.height !== null);
  const pick = (k: ShapeVariable) => full.map((s) => s[k]);
  return {
    empty: shapes.length - full.length,
    height: summarizeValues(pick('height'), true),
    width: summarizeValues(pick('width'), true),
    aspect: summarizeValues(pick('aspect'), false),
    centreX: summarizeValues(pick('centreX'), true),
    centreY: summarizeValues(pick('centreY'), true),
  };
}

const LABELS: Record<ShapeVariable, string> = {
  height: 'height',
  width: 'width',
  aspect: 'aspect h/w',
  centreX: 'centre x',
  centreY: 'centre y',
};

/**
 * The shape summary as a text table: one row per variable (fractions of the image; aspect in pixels), its mean, std
 * and quantiles.
 * @example console.log(formatShapeTable(summary));
 */
export function formatShapeTable(summary: ShapeSummary): string {
  const cols = ['mean', 'std', 'p5', 'p25', 'p50', 'p75', 'p95'] as const;
  const lines = [`${'hole shape'.padEnd(11)}${cols.map((c) => c.padStart(8)).join('')}`];
  for (const k of SHAPE_VARIABLES) {
    const d = summary[k];
    lines.push(`${LABELS[k].padEnd(11)}${cols.map((c) => d[c].toFixed(3).padStart(8)).join('')}`);
  }
  const n = summary.height.count;
  lines.push(`${n} masks with a hole${summary.empty ? `, ${summary.empty} empty (left out)` : ''}; height, width and centre are fractions of the image`);
  return lines.join('\n');
}

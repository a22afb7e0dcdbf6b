/**
 * Distances between two mask sets, one marginal at a time: hole ratio, bounding-box height and width, log₂ aspect and
 * the centroid's x and y. For each, the Wasserstein-1 distance (the area between the two empirical CDFs, in the
 * variable's units) and the two-sample Kolmogorov–Smirnov statistic (the largest gap between them) with its
 * asymptotic p-value.
 */
import type { MaskMeasure } from './shape-stats.js';

/** Both samples sorted, or undefined when either is empty (every distance is then 0). */
function sortedPair(a: ReadonlyArray<number>, b: ReadonlyArray<number>): [Float64Array, Float64Array] | undefined {
  return a.length === 0 || b.length === 0 ? undefined : [Float64Array.from(a).sort(), Float64Array.from(b).sort()];
}

/**
 * Wasserstein-1 distance between two samples: ∫ |F_a(x) − F_b(x)| dx over the empirical CDFs (0 when either is empty).
 * @example wasserstein1([0, 1], [0.5, 1.5]) // 0.5
 */
export function wasserstein1(a: ReadonlyArray<number>, b: ReadonlyArray<number>): number {
  const pair = sortedPair(a, b);
  if (!pair) return 0;
  const [sa, sb] = pair;
  let i = 0;
  let j = 0;
  let prev = Math.min(sa[0], sb[0]);
  let total = 0;
  while (i < sa.length || j < sb.length) {
    const x = j >= sb.length || (i < sa.length && sa[i] <= sb[j]) ? sa[i] : sb[j];
    total += Math.abs(i / sa.length - j / sb.length) * (x - prev);
    while (i < sa.length && sa[i] === x) i++;
    while (j < sb.length && sb[j] === x) j++;
    prev = x;
  }
  return total;
}

/**
 * Two-sample Kolmogorov–Smirnov statistic: sup |F_a − F_b| (0 when either sample is empty).
 * @example ksStatistic([1, 2, 3], [1, 2, 3]) // 0
 */
export function ksStatistic(a: ReadonlyArray<number>, b: ReadonlyArray<number>): number {
  const pair = sortedPair(a, b);
  if (!pair) return 0;
  const [sa, sb] = pair;
  let i = 0;
  let j = 0;
  let d = 0;
  while (i < sa.length && j < sb.length) {
    const x = Math.min(sa[i], sb[j]);
    while (i < sa.length && sa[i] === x) i++;
    while (j < sb.length && sb[j] === x) j++;
    d = Math.max(d, Math.abs(i / sa.length - j / sb.length));
  }
  return d;
}

/**
 * Kolmogorov's Q(λ) = 2 Σ_{j≥1} (−1)^{j−1} exp(−2 j² λ²), the chance that the KS statistic of two samples of one
 * law exceeds its observed value, with Stephens' small-sample correction λ = (√nₑ + 0.12 + 0.11/√nₑ)·D,
 * nₑ = n·m / (n + m) (Numerical Recipes, §14.3). Asymptotic: conservative for discrete variables.
 * @example ksPValue(0.05, 1000, 1000) // ≈ 0.16
 */
export function ksPValue(d: number, n: number, m: number): number {
  if (n === 0 || m === 0) return 1;
  const ne = Math.sqrt((n * m) / (n + m));
  const lambda = (ne + 0.12 + 0.11 / ne) * d;
  if (lambda < 1e-3) return 1;
  let sum = 0;
  let sign = 1;
  for (let j = 1; j <= 100; j++) {
    const term = sign * Math.exp(-2 * j * j * lambda * lambda);
    sum += term;
    if (Math.abs(term) < 1e-12) break;
    sign = -sign;
  }
  return Math.min(1, Math.max(0, 2 * sum));
}

/** One marginal's distance between sets A and B. */
export interface MarginalDistance {
  readonly variable: string;
  /** Samples: every mask for the ratio, masks with a hole for the others. */
  readonly countA: number;
  readonly countB: number;
  readonly meanA: number;
  readonly meanB: number;
  readonly wasserstein1: number;
  readonly ks: number;
  readonly ksP: number;
}

/** The marginals compared, with how each is read from a measurement. */
export const COMPARED_VARIABLES: ReadonlyArray<{ name: string; read: (m: MaskMeasure) => number | null }> = [
  { name: 'hole ratio', read: (m) => m.ratio },
  { name: 'height', read: (m) => m.height },
  { name: 'width', read: (m) => m.width },
  { name: 'log2 aspect', read: (m) => (m.aspect === null ? null : Math.log2(m.aspect)) },
  { name: 'centre x', read: (m) => m.centreX },
  { name: 'centre y', read: (m) => m.centreY },
];

const mean = (v: ReadonlyArray<number>) => (v.length ? v.reduce((a, x) => a + x, 0) / v.length : 0);

/**
 * Per-marginal distances between two measured mask sets.
 * @example compareMeasures(a.files, b.files).find((d) => d.variable === 'height')?.wasserstein1
 */
export function compareMeasures(a: ReadonlyArray<MaskMeasure>, b: ReadonlyArray<MaskMeasure>): MarginalDistance[] {
  return COMPARED_VARIABLES.map(({ name, read }) => {
    const va = a.map(read).filter((v): v is number => v !== null);
    const vb = b.map(read).filter((v): v is number => v !== null);
    const ks = ksStatistic(va, vb);
    return {
      variable: name,
      countA: va.length,
      countB: vb.length,
      meanA: mean(va),
      meanB: mean(vb),
      wasserstein1: wasserstein1(va, vb),
      ks,
      ksP: ksPValue(ks, va.length, vb.length),
    };
  });
}

/**
 * The distances as a text table.
 * @example console.log(formatComparisonTable(compareMeasures(a, b), 'masks/real', 'masks/bank'));
 */
export function formatComparisonTable(distances: ReadonlyArray<MarginalDistance>, nameA: string, nameB: string): string {
  const head = `${'variable'.padEnd(12)}${'mean A'.padStart(9)}${'mean B'.padStart(9)}${'W1'.padStart(9)}${'KS'.padStart(8)}${'KS p'.padStart(10)}`;
  const rows = distances.map(
    (d) =>
      `${d.variable.padEnd(12)}${d.meanA.toFixed(4).padStart(9)}${d.meanB.toFixed(4).padStart(9)}${d.wasserstein1.toFixed(4).padStart(9)}` +
      `${d.ks.toFixed(4).padStart(8)}${(d.ksP < 1e-4 ? d.ksP.toExponential(1) : d.ksP.toFixed(4)).padStart(10)}`,
  );
  return [`A: ${nameA} (${distances[0]?.countA ?? 0} masks)`, `B: ${nameB} (${distances[0]?.countB ?? 0} masks)`, head, ...rows].join('\n');
}

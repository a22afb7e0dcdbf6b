/** How a file's state_dict keys overlap the keys an architecture expects. */
export interface KeyOverlap {
  /** Keys in both. */
  shared: number;
  /** Keys the architecture expects. */
  expected: number;
  /** Keys the file holds. */
  found: number;
  /** shared / |file keys ∪ expected keys| (the Jaccard index), 0…1. */
  score: number;
}

/** Keys a file may lack or add without saying anything about its architecture (PyTorch < 0.4.1 has no counters). */
const NEUTRAL = /\.num_batches_tracked$/;

/**
 * Overlap of a file's keys with an architecture's expected keys, batch-norm counters left out.
 * @example keyOverlap(['a', 'b'], new Set(['b', 'c'])) // → { shared: 1, expected: 2, found: 2, score: 1 / 3 }
 */
export function keyOverlap(fileKeys: readonly string[], expected: ReadonlySet<string>): KeyOverlap {
  const found = new Set(fileKeys.filter((k) => !NEUTRAL.test(k)));
  const wanted = [...expected].filter((k) => !NEUTRAL.test(k));
  const shared = wanted.filter((k) => found.has(k)).length;
  const union = found.size + wanted.length - shared;
  return { shared, expected: wanted.length, found: found.size, score: union === 0 ? 0 : shared / union };
}

/** Levenshtein distance between two short strings. */
function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) current.push(Math.min(previous[j] + 1, current[j - 1] + 1, previous[j - 1] + (a[i - 1] === b[j - 1] ? 0 : 1)));
    previous = current;
  }
  return previous[b.length];
}

/**
 * The name closest in spelling to `text` (a prefix counts as closest), or undefined when none is within a third of its length.
 * @example nearestName('rfr', ['inpaintsanet', 'rfrnet']) // → 'rfrnet'
 */
export function nearestName(text: string, names: readonly string[]): string | undefined {
  const prefixed = names.find((n) => text.length > 0 && (n.startsWith(text) || text.startsWith(n)));
  if (prefixed) return prefixed;
  let best: string | undefined;
  let distance = Infinity;
  for (const n of names) {
    const d = editDistance(text, n);
    if (d < distance) [best, distance] = [n, d];
  }
  return best !== undefined && distance <= Math.max(1, Math.floor(best.length / 3)) ? best : undefined;
}

import { invalidParameter } from '@bgfill/core';

/** A column request for the grid: `best`, `last`, `first`, or an epoch number. */
export type GridEpochToken = 'best' | 'last' | 'first' | number;

/** A grid column resolved to an epoch, with the names it was asked by (`best`, `last`…). */
export interface GridEpoch {
  epoch: number;
  tags: string[];
}

/**
 * Parse `--grid-epochs`: a comma list (or array) of `best`, `last`, `first` and epoch numbers; empty for none.
 * @example parseGridEpochs('best,last,1') // ['best', 'last', 1]
 */
export function parseGridEpochs(spec: string | readonly string[]): GridEpochToken[] {
  const parts = (typeof spec === 'string' ? spec.split(',') : spec).map((s) => s.trim()).filter((s) => s !== '');
  return parts.map((p) => {
    const lower = p.toLowerCase();
    if (lower === 'best' || lower === 'last' || lower === 'first') return lower;
    if (/^\d+$/.test(p) && Number.isSafeInteger(Number(p))) return Number(p);
    throw invalidParameter('grid epochs', 'a comma list of best, last, first or epoch numbers', p);
  });
}

/**
 * Resolve the requested columns against the scored epochs: in the order asked, each epoch once (its tags
 * gathered, e.g. `best, last`); numbered epochs that were not scored are returned in `missing` instead.
 * @example resolveGridEpochs(['best', 'last', 1], [1, 2, 3], 2) // { columns: [{ epoch: 2, tags: ['best'] }, { epoch: 3, tags: ['last'] }, { epoch: 1, tags: [] }], missing: [] }
 */
export function resolveGridEpochs(
  tokens: readonly GridEpochToken[],
  scored: readonly number[],
  best: number,
): { columns: GridEpoch[]; missing: number[] } {
  const sorted = [...scored].sort((a, b) => a - b);
  const columns: GridEpoch[] = [];
  const missing: number[] = [];
  for (const token of tokens) {
    let epoch: number | undefined;
    let tag: string | undefined;
    if (token === 'best') [epoch, tag] = [best, 'best'];
    else if (token === 'last') [epoch, tag] = [sorted[sorted.length - 1], 'last'];
    else if (token === 'first') [epoch, tag] = [sorted[0], 'first'];
    else if (sorted.includes(token)) epoch = token;
    else if (!missing.includes(token)) missing.push(token);
    if (epoch === undefined) continue;
    const existing = columns.find((c) => c.epoch === epoch);
    if (existing) {
      if (tag && !existing.tags.includes(tag)) existing.tags.push(tag);
    } else columns.push({ epoch, tags: tag ? [tag] : [] });
  }
  return { columns, missing };
}

/**
 * A column's header: `epoch 7 (best, last)`.
 * @example gridEpochLabel({ epoch: 7, tags: ['best'] }) // 'epoch 7 (best)'
 */
export function gridEpochLabel(column: GridEpoch): string {
  return column.tags.length > 0 ? `epoch ${column.epoch} (${column.tags.join(', ')})` : `epoch ${column.epoch}`;
}

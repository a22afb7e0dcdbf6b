import { invalidParameter } from '@bgfill/core';

/**
 * A column request for the grid: `best`, `last`, `first` (the first trained epoch), an epoch number, or a row name
 * (`start`, a compare net's name, a baseline such as `telea`), lower-cased.
 */
export type GridEpochToken = 'best' | 'last' | 'first' | number | (string & {});

/** A grid column resolved to an epoch, with the names it was asked by (`best`, `last`…). */
export interface GridEpoch {
  epoch: number;
  tags: string[];
}

/** A grid column resolved to a row: an epoch (by number, as text) or another row (by name). */
export interface GridColumnRef {
  /** The row's name: the epoch number as text, `start`, a compare name, a baseline. */
  row: string;
  /** The epoch, for epoch rows. */
  epoch: number | null;
  /** `best`, `last`, `first` when asked so. */
  tags: string[];
}

const WORD = /^[A-Za-z][A-Za-z0-9_.-]*$/;

/**
 * Parse `--grid-epochs`: a comma list (or array) of `best`, `last`, `first`, epoch numbers and row names (`start`,
 * compare names, baselines); empty for none.
 * @example parseGridEpochs('start,best,9,telea') // ['start', 'best', 9, 'telea']
 */
export function parseGridEpochs(spec: string | readonly string[]): GridEpochToken[] {
  const parts = (typeof spec === 'string' ? spec.split(',') : spec).map((s) => s.trim()).filter((s) => s !== '');
  return parts.map((p) => {
    if (/^\d+$/.test(p) && Number.isSafeInteger(Number(p))) return Number(p);
    if (WORD.test(p)) return p.toLowerCase();
    throw invalidParameter('grid epochs', 'a comma list of best, last, first, epoch numbers, start, compare names or baselines', p);
  });
}

/**
 * Resolve the requested columns against what was scored: in the order asked, each row once (its tags gathered, e.g.
 * `best, last`); `first` is the first trained epoch. Requests for rows that were not scored (an epoch not in the
 * run, a skipped checkpoint, `start` in a run from scratch) come back in `missing`.
 * @example resolveGridColumns(['start', 'best', 2], { epochs: [1, 2, 3], best: 3, rows: ['start'] })
 * // { columns: [{ row: 'start', … }, { row: '3', epoch: 3, tags: ['best'] }, { row: '2', epoch: 2, tags: [] }], missing: [] }
 */
export function resolveGridColumns(
  tokens: readonly GridEpochToken[],
  scored: { epochs: readonly number[]; best: number; rows: readonly string[] },
): { columns: GridColumnRef[]; missing: string[] } {
  const sorted = [...scored.epochs].sort((a, b) => a - b);
  const rows = scored.rows.map((r) => r.toLowerCase());
  const columns: GridColumnRef[] = [];
  const missing: string[] = [];
  for (const token of tokens) {
    let epoch: number | undefined;
    let row: string | undefined;
    let tag: string | undefined;
    if (token === 'best') [epoch, tag] = [scored.best, 'best'];
    else if (token === 'last') [epoch, tag] = [sorted[sorted.length - 1], 'last'];
    else if (token === 'first') [epoch, tag] = [sorted[0], 'first'];
    else if (typeof token === 'number') {
      if (sorted.includes(token)) epoch = token;
    } else if (rows.includes(token)) row = scored.rows[rows.indexOf(token)];
    if (epoch !== undefined) row = String(epoch);
    if (row === undefined) {
      if (!missing.includes(String(token))) missing.push(String(token));
      continue;
    }
    const existing = columns.find((c) => c.row === row);
    if (existing) {
      if (tag && !existing.tags.includes(tag)) existing.tags.push(tag);
    } else columns.push({ row, epoch: epoch ?? null, tags: tag ? [tag] : [] });
  }
  return { columns, missing };
}

/**
 * Resolve epoch-only requests (see resolveGridColumns): numbered epochs that were not scored come back in `missing`.
 * @example resolveGridEpochs(['best', 'last', 1], [1, 2, 3], 2) // { columns: [{ epoch: 2, tags: ['best'] }, { epoch: 3, tags: ['last'] }, { epoch: 1, tags: [] }], missing: [] }
 */
export function resolveGridEpochs(tokens: readonly GridEpochToken[], scored: readonly number[], best: number): { columns: GridEpoch[]; missing: number[] } {
  const { columns, missing } = resolveGridColumns(tokens, { epochs: scored, best, rows: [] });
  return {
    columns: columns.filter((c) => c.epoch !== null).map((c) => ({ epoch: c.epoch!, tags: c.tags })),
    missing: missing.filter((m) => /^\d+$/.test(m)).map(Number),
  };
}

/**
 * A column's header: `epoch 7 (best, last)`.
 * @example gridEpochLabel({ epoch: 7, tags: ['best'] }) // 'epoch 7 (best)'
 */
export function gridEpochLabel(column: GridEpoch): string {
  return column.tags.length > 0 ? `epoch ${column.epoch} (${column.tags.join(', ')})` : `epoch ${column.epoch}`;
}

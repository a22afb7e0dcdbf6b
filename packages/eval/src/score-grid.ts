import { errorMessage } from '@bgfill/core';
import { maskedInput, renderComparisonGrid } from './grid.js';
import { cropEnlarged, enlargement, holeRegion, type GridCropMode } from './grid-crop.js';
import { gridEpochLabel, type GridColumnRef } from './grid-epochs.js';
import type { RgbImage } from './metrics/image.js';
import type { Predictor } from './predictor.js';
import { checkPredictions } from './score-checkpoint.js';
import { readEvalItems, type EvalItem, type EvalSet } from './score-data.js';
import type { ScoredRow } from './score-rows.js';

/** The comparison grid as written: the PNG, its column headers, and how many records it shows. */
export interface BuiltGrid {
  png: Buffer;
  columns: string[];
  samples: number;
  crop: GridCropMode;
}

export interface GridRequest {
  set: EvalSet;
  /** Records shown, one per grid row (records with a hole). */
  indices: readonly number[];
  columns: readonly GridColumnRef[];
  /** Scored rows by name. */
  results: ReadonlyMap<string, ScoredRow>;
  batchSize: number;
  crop: GridCropMode;
  log: (message: string) => void;
  note: (message: string) => void;
}

async function predictItems(predictor: Predictor, items: readonly EvalItem[], batchSize: number, label: string): Promise<RgbImage[]> {
  const out: RgbImage[] = [];
  let i = 0;
  while (i < items.length) {
    // Consecutive records of one size, at most batchSize of them.
    const { width, height } = items[i].image;
    let j = i + 1;
    while (j < items.length && j - i < batchSize && items[j].image.width === width && items[j].image.height === height) j++;
    const group = items.slice(i, j);
    const outputs = await predictor.predict({ images: group.map((it) => it.image), masks: group.map((it) => it.mask) });
    out.push(...checkPredictions(outputs, group, label));
    i = j;
  }
  return out;
}

/** A column's header: `epoch 7 (best, last)`, `start`, `shipped`, `Telea`. */
function columnLabel(ref: GridColumnRef, row: ScoredRow): string {
  return ref.epoch !== null && row.entry.kind === 'epoch' ? gridEpochLabel({ epoch: ref.epoch, tags: ref.tags }) : row.entry.label;
}

/**
 * The study's table as a PNG: a row per record, columns masked input, each requested row's output, ground truth.
 * Outputs kept while scoring are used; a row scored earlier (from the cache) without them predicts just these
 * records (a row that cannot be loaded again is left out with a note). With `crop: 'hole'`, every cell shows the
 * record's hole region (grown a little) enlarged by pixel repetition, the same region in every column.
 * @example const grid = await buildGrid({ set, indices: [0, 4], columns, results, batchSize: 8, crop: 'none', log, note });
 */
export async function buildGrid(request: GridRequest): Promise<BuiltGrid | null> {
  const { set, indices, results, log, note } = request;
  const items = await readEvalItems(set, indices);
  const rowColumns: Array<{ label: string; images: RgbImage[] }> = [];
  for (const ref of request.columns) {
    const r = results.get(ref.row)!;
    let outputs = indices.map((i) => r.samples.get(i));
    if (outputs.some((o) => o === undefined)) {
      // Cached before these samples were asked for: predict just them.
      log(`grid: predicting ${indices.length} samples with ${r.entry.label}`);
      let predictor: Predictor;
      try {
        predictor = await r.entry.load();
      } catch (err) {
        note(`grid: ${r.entry.label} left out: cannot load the checkpoint: ${errorMessage(err)}`);
        continue;
      }
      try {
        outputs = await predictItems(predictor, items, request.batchSize, r.entry.errorLabel);
      } finally {
        predictor.dispose();
      }
    }
    rowColumns.push({ label: columnLabel(ref, r), images: outputs as RgbImage[] });
  }
  if (rowColumns.length === 0) return null;
  const columns = [
    { label: 'masked input', images: items.map((it) => maskedInput(it.image, it.mask)) },
    ...rowColumns,
    { label: 'ground truth', images: items.map((it) => it.image) },
  ];
  const rowLabels = items.map((it) => {
    const ratio = it.mask.data.reduce((a, v) => a + (v ? 1 : 0), 0) / it.mask.data.length;
    return `record ${it.index}\nhole ${(ratio * 100).toFixed(0)}%`;
  });
  if (request.crop === 'hole') {
    items.forEach((it, r) => {
      const box = holeRegion(it.mask);
      if (!box) return;
      const scale = enlargement(box, it.image.width, it.image.height);
      for (const column of columns) column.images[r] = cropEnlarged(column.images[r], box, scale);
      rowLabels[r] += `\n×${scale} crop`;
    });
  }
  const png = await renderComparisonGrid({ rowLabels, columns });
  return { png, columns: columns.map((c) => c.label), samples: items.length, crop: request.crop };
}

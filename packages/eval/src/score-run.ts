import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError, atomicWriteFile, atomicWriteJson, createProgress, errorMessage, invalidParameter, checkOutputPath } from '@bgfill/core';
import { BEST_RULES, chooseBestEpoch, parseBestRule, type BestChoice, type BestRule } from './best.js';
import { readScoreCache, writeScoreCache, type ScoreCacheIdentity } from './cache.js';
import { maskedInput, renderComparisonGrid } from './grid.js';
import { gridEpochLabel, parseGridEpochs, resolveGridEpochs } from './grid-epochs.js';
import type { RgbImage } from './metrics/image.js';
import { DEFAULT_SSIM_WINDOW, msssimScalesThatFit, STANDARD_MSSSIM_WEIGHTS } from './metrics/options.js';
import type { PairMetricsOptions } from './metrics/pair-metrics.js';
import { metricPlotSpec, renderSvg, svgToPng } from './plot.js';
import type { BackendResolver, Predictor, PredictorFactory } from './predictor.js';
import { renderReportHtml } from './report.js';
import { fileDigest, listRunCheckpoints, type RunCheckpoint } from './run-layout.js';
import { checkPredictions, scoreCheckpoint, type ImageScore } from './score-checkpoint.js';
import { evalBatches, openEvalSet, readEvalItems, spreadIndices, type EvalItem, type EvalSet } from './score-data.js';
import { encodeNonFinite } from './score-json.js';
import { summarizeEpoch, type EpochScores } from './score-summary.js';
import { formatImagesCsv, formatScoresCsv, formatScoresMarkdown, binLabels, type SkippedCheckpoint } from './table.js';

/** Defaults of `bgfill eval --run`. */
export const SCORE_RUN_DEFAULTS = {
  split: 'val',
  rule: 'msssim' as BestRule,
  backend: 'auto',
  batchSize: 8,
  gridSamples: 6,
  gridEpochs: 'best,last,1',
} as const;

/** The files `scoreRun` writes into the output folder (and `cache/` beside them). */
export const SCORE_RUN_FILES = {
  scoresCsv: 'scores.csv',
  scoresJson: 'scores.json',
  imagesCsv: 'images.csv',
  scoresMd: 'scores.md',
  best: 'best.json',
  plotSpec: 'plot.vl.json',
  plotSvg: 'plot.svg',
  plotPng: 'plot.png',
  grid: 'grid.png',
  report: 'report.html',
} as const;

export interface ScoreRunOptions {
  /** The training run folder (`RUN/epoch-0001/generator.safetensors`, …). */
  run: string;
  /** A bundle whose split carries fixed masks. */
  data: string;
  /** Makes a predictor from a checkpoint (the CLI passes the trainer's `createPredictor`). */
  loadPredictor: PredictorFactory;
  /** Default `val`. */
  split?: string;
  /** Score only the split's first `limit` records. */
  limit?: number;
  /** Default `RUN/eval`. */
  out?: string;
  /** How the best epoch is chosen (default `msssim`). */
  rule?: BestRule;
  /** Passed to the predictor factory (default `auto`), after `resolveBackend` when given. */
  backend?: string;
  /**
   * Resolves `backend` to the engine that will run, once, before any cache lookup: the engine is part of the cache
   * key and every predictor gets the resolved name. Without it the requested name is used as is.
   */
  resolveBackend?: BackendResolver;
  /** Records per predictor call (default 8). */
  batchSize?: number;
  /** Rows of the comparison grid (default 6; 0 for no grid). */
  gridSamples?: number;
  /** The grid's epoch columns: `best`, `last`, `first`, numbers (default `best,last,1`). */
  gridEpochs?: string | readonly string[];
  /** Progress bar (default: on a terminal). */
  progress?: boolean;
  /** Receives one line per event (cache hits, skips, files written). */
  log?: (message: string) => void;
  /** SSIM / MS-SSIM settings (defaults: torchmetrics'); part of the cache key. */
  metrics?: PairMetricsOptions;
  /**
   * When `metrics` sets no MS-SSIM scale count: use as many of the standard 5 as the split's first image allows
   * (with a note when fewer), instead of failing on images under 96² (default false; the CLI sets it).
   */
  fitMsssimScales?: boolean;
}

export interface ScoreRunResult {
  out: string;
  best: BestChoice;
  epochs: EpochScores[];
  skipped: SkippedCheckpoint[];
  /** Epochs scored by this call (their predictors were loaded). */
  scored: number[];
  /** Epochs whose scores came from the cache (or from an identical checkpoint scored in this call). */
  cached: number[];
  /** Things worth knowing (also in the report). */
  notes: string[];
  /** Every file written, by its `SCORE_RUN_FILES` name. */
  files: Partial<Record<keyof typeof SCORE_RUN_FILES, string>>;
}

interface Scored {
  checkpoint: RunCheckpoint;
  digest: string;
  images: ImageScore[];
  samples: Map<number, RgbImage>;
}

function positiveInt(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw invalidParameter(name, `an integer from 1 to ${max}`, value);
  return value;
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

function checkpointLabel(c: RunCheckpoint): string {
  return `epoch ${c.epoch} (${c.path})`;
}

/**
 * Score every checkpoint of a training run on a bundle's split, choose the best epoch and write the report:
 * `scores.csv`, `scores.json`, `images.csv` (every record), `scores.md`, `best.json`, `plot.vl.json` / `plot.svg` /
 * `plot.png`, `grid.png` and a self-contained `report.html`, each written atomically. Results are cached per
 * checkpoint digest (+ data identity, split, record count, metric settings) in `OUT/cache/`, so a rerun after new
 * epochs loads only the new checkpoints, and an interrupted run resumes where it stopped.
 * A checkpoint whose file is missing or cannot be loaded is skipped and reported; a run with no checkpoints, a split
 * without masks, or a prediction of the wrong size is an error (a BgfillError naming the run, bundle or epoch).
 * @example
 * const { best } = await scoreRun({ run: 'runs/a', data: 'bundles/places', limit: 500, loadPredictor });
 * // best.epoch → 7; runs/a/eval/report.html
 */
export async function scoreRun(options: ScoreRunOptions): Promise<ScoreRunResult> {
  const log = options.log ?? (() => {});
  const rule = options.rule === undefined ? SCORE_RUN_DEFAULTS.rule : parseBestRule(options.rule);
  const batchSize = positiveInt('batch size', options.batchSize ?? SCORE_RUN_DEFAULTS.batchSize, 4096);
  const gridSamples = options.gridSamples ?? SCORE_RUN_DEFAULTS.gridSamples;
  if (!Number.isSafeInteger(gridSamples) || gridSamples < 0 || gridSamples > 64) {
    throw invalidParameter('grid samples', 'an integer from 0 to 64', gridSamples);
  }
  const gridTokens = parseGridEpochs(options.gridEpochs ?? SCORE_RUN_DEFAULTS.gridEpochs);
  if (typeof options.loadPredictor !== 'function') throw invalidParameter('loadPredictor', 'a predictor factory function', options.loadPredictor);
  const out = options.out ?? join(options.run, 'eval');
  const checkpoints = await listRunCheckpoints(options.run);
  await checkOutputPath(out, { kind: 'folder' }); // before any work: a file named as the output folder fails now, not after scoring
  const requested = options.backend ?? SCORE_RUN_DEFAULTS.backend;
  const backend = options.resolveBackend ? await options.resolveBackend(requested, log) : requested;
  if (backend !== requested) log(`backend ${requested}: ${backend}`);
  const cacheDir = join(out, 'cache');
  const notes: string[] = [];
  const note = (message: string) => {
    notes.push(message);
    log(message);
  };

  const set = await openEvalSet(options.data, { split: options.split ?? SCORE_RUN_DEFAULTS.split, limit: options.limit });
  let metrics = options.metrics;
  if (options.fitMsssimScales && metrics?.msssim?.scales === undefined && metrics?.msssim?.weights === undefined) {
    const [first] = await readEvalItems(set, [0]);
    const windowSize = metrics?.msssim?.windowSize ?? DEFAULT_SSIM_WINDOW;
    const side = Math.min(first.image.width, first.image.height);
    const scales = msssimScalesThatFit(side, windowSize);
    if (scales < STANDARD_MSSSIM_WEIGHTS.length) {
      if (scales === 0) throw new BgfillError(`${options.data}: ${first.image.width}×${first.image.height} images are too small for MS-SSIM with a ${windowSize}-pixel window`, { subject: options.data });
      metrics = { ...metrics, msssim: { ...metrics?.msssim, scales } };
      note(`MS-SSIM over ${scales} scales: ${first.image.width}×${first.image.height} images are too small for the standard ${STANDARD_MSSSIM_WEIGHTS.length} (96² and up)`);
    }
  }
  const sampleIndices = gridSamples > 0 && gridTokens.length > 0 ? spreadIndices(set.count, gridSamples) : [];
  const metricsKey = JSON.stringify(metrics ?? {});

  const results = new Map<number, Scored>();
  const skipped: SkippedCheckpoint[] = [];
  const skip = (c: RunCheckpoint, reason: string, say: (message: string) => void = log) => {
    skipped.push({ epoch: c.epoch, checkpoint: c.relativePath, reason });
    say(`epoch ${c.epoch}: skipped: ${reason}`);
  };
  const identityOf = (digest: string): ScoreCacheIdentity => ({ checkpoint: digest, data: set.identity, split: set.split, images: set.count, metrics: metricsKey, engine: backend });

  // ---- cache lookups
  const toScore: Array<{ checkpoint: RunCheckpoint; digest: string }> = [];
  const cached: number[] = [];
  for (const checkpoint of checkpoints) {
    let digest: string;
    try {
      digest = await fileDigest(checkpoint.path);
    } catch (err) {
      skip(checkpoint, errorMessage(err));
      continue;
    }
    const hit = await readScoreCache(cacheDir, identityOf(digest), note);
    if (hit) {
      results.set(checkpoint.epoch, { checkpoint, digest, ...hit });
      cached.push(checkpoint.epoch);
      log(`epoch ${checkpoint.epoch}: cached`);
    } else toScore.push({ checkpoint, digest });
  }

  // ---- scoring
  const scored: number[] = [];
  const barShown = options.progress ?? (process.stderr.isTTY === true && !process.env.CI);
  const progress = createProgress({ label: 'eval', total: toScore.length * set.count, enabled: barShown, extraFormat: ' | {epoch}' });
  // Lines written while the bar is drawn would tear it: hold them until it stops.
  const held: string[] = [];
  const scoringLog = (message: string) => (barShown ? held.push(message) : log(message));
  try {
    for (const { checkpoint, digest } of toScore) {
      const twin = [...results.values()].find((r) => r.digest === digest);
      if (twin) {
        // Byte-identical weights (a copied checkpoint): same scores, no second load.
        results.set(checkpoint.epoch, { ...twin, checkpoint });
        cached.push(checkpoint.epoch);
        progress.tick(set.count, { epoch: `epoch ${checkpoint.epoch}` });
        scoringLog(`epoch ${checkpoint.epoch}: same weights as epoch ${twin.checkpoint.epoch}`);
        continue;
      }
      const label = checkpointLabel(checkpoint);
      progress.tick(0, { epoch: `epoch ${checkpoint.epoch}` });
      let predictor: Predictor;
      try {
        predictor = await options.loadPredictor(checkpoint.path, { backend });
      } catch (err) {
        skip(checkpoint, `cannot load the checkpoint: ${errorMessage(err)}`, scoringLog);
        progress.tick(set.count, { epoch: `epoch ${checkpoint.epoch} skipped` });
        continue;
      }
      let scores;
      try {
        scores = await scoreCheckpoint(predictor, evalBatches(set, batchSize), {
          label,
          sampleIndices: new Set(sampleIndices),
          onProgress: (n) => progress.tick(n, { epoch: `epoch ${checkpoint.epoch}` }),
          metrics,
        });
      } finally {
        predictor.dispose();
      }
      await writeScoreCache(cacheDir, identityOf(digest), scores.images, scores.samples);
      results.set(checkpoint.epoch, { checkpoint, digest, ...scores });
      scored.push(checkpoint.epoch);
      scoringLog(`epoch ${checkpoint.epoch}: scored ${scores.images.length} records`);
    }
  } finally {
    progress.stop();
    for (const message of held) log(message);
  }
  if (results.size === 0) {
    skipped.sort((a, b) => a.epoch - b.epoch);
    throw new BgfillError(
      `${options.run}: no checkpoint could be scored:\n${skipped.map((s) => `  epoch ${s.epoch} (${s.checkpoint}): ${s.reason}`).join('\n')}`,
      { subject: options.run },
    );
  }

  skipped.sort((a, b) => a.epoch - b.epoch);

  // ---- summaries and the choice
  const ordered = [...results.values()].sort((a, b) => a.checkpoint.epoch - b.checkpoint.epoch);
  const epochs = ordered.map((r) => summarizeEpoch(r.checkpoint.epoch, r.checkpoint.relativePath, r.digest, r.images));
  const best = chooseBestEpoch(
    epochs.map((e) => ({
      epoch: e.epoch,
      means: Object.fromEntries(BEST_RULES.map((m) => [m, e.all.metrics[m].mean])) as Record<BestRule, number>,
    })),
    rule,
  );
  const bestScored = results.get(best.epoch)!;
  log(`best epoch: ${best.epoch} (${rule} ${best.value})`);

  // ---- grid
  const files: ScoreRunResult['files'] = {};
  const path = (name: keyof typeof SCORE_RUN_FILES) => {
    files[name] = join(out, SCORE_RUN_FILES[name]);
    return files[name]!;
  };
  let grid: { png: Buffer; columns: string[]; samples: number } | null = null;
  if (sampleIndices.length > 0) {
    const { columns, missing } = resolveGridEpochs(gridTokens, epochs.map((e) => e.epoch), best.epoch);
    for (const epoch of missing) note(`grid: epoch ${epoch} was not scored (not in the run, or skipped), so it has no column`);
    if (columns.length > 0) grid = await buildGrid(set, sampleIndices, columns, results, options.loadPredictor, backend, batchSize, log, note);
  }

  // ---- files
  const plotSpec = metricPlotSpec(epochs, best.epoch);
  const plotSvg = await renderSvg(plotSpec);
  await atomicWriteFile(path('scoresCsv'), formatScoresCsv(epochs, best.epoch));
  await atomicWriteFile(path('imagesCsv'), formatImagesCsv(ordered.map((r) => ({ epoch: r.checkpoint.epoch, images: r.images }))));
  await atomicWriteFile(path('scoresMd'), formatScoresMarkdown(epochs, { bestEpoch: best.epoch, rule, skipped }));
  await atomicWriteJson(
    path('scoresJson'),
    encodeNonFinite({
      format: 'bgfill-eval-scores',
      version: 1,
      run: options.run,
      data: {
        bundle: set.dir,
        split: set.split,
        records: set.count,
        splitRecords: set.splitCount,
        limit: set.limit,
        fingerprint: set.fingerprint,
        identity: set.identity,
        maskStrategy: set.maskStrategy,
      },
      rule,
      bestEpoch: best.epoch,
      bins: binLabels(epochs),
      epochs,
      skipped,
    }),
  );
  await atomicWriteJson(
    path('best'),
    encodeNonFinite({
      epoch: best.epoch,
      checkpoint: join(options.run, bestScored.checkpoint.relativePath),
      digest: bestScored.digest,
      rule: best.rule,
      direction: best.direction,
      value: best.value,
      tieBreak: best.rule === 'l1' ? 'highest msssim, then earliest epoch' : 'lowest l1, then earliest epoch',
      tiedOnRule: best.tiedOnRule,
      decidedBy: best.decidedBy,
      means: Object.fromEntries(Object.entries(epochs.find((e) => e.epoch === best.epoch)!.all.metrics).map(([k, a]) => [k, a.mean])),
      data: { bundle: set.dir, split: set.split, records: set.count },
    }),
  );
  await atomicWriteJson(path('plotSpec'), plotSpec);
  await atomicWriteFile(path('plotSvg'), plotSvg);
  await atomicWriteFile(path('plotPng'), await svgToPng(plotSvg));
  if (grid) await atomicWriteFile(path('grid'), grid.png);
  else await rm(join(out, SCORE_RUN_FILES.grid), { force: true }); // no stale grid from an earlier run beside this report
  await atomicWriteFile(
    path('report'),
    renderReportHtml({
      run: options.run,
      data: set.dir,
      split: set.split,
      images: set.count,
      maskStrategy: set.maskStrategy,
      best,
      epochs,
      skipped,
      notes,
      plotSvg,
      grid,
    }),
  );
  log(`wrote ${Object.values(files).join(', ')}`);
  return { out, best, epochs, skipped, scored, cached, notes, files };
}

async function buildGrid(
  set: EvalSet,
  indices: readonly number[],
  columns: ReturnType<typeof resolveGridEpochs>['columns'],
  results: ReadonlyMap<number, Scored>,
  loadPredictor: PredictorFactory,
  backend: string,
  batchSize: number,
  log: (message: string) => void,
  note: (message: string) => void,
): Promise<{ png: Buffer; columns: string[]; samples: number } | null> {
  const items = await readEvalItems(set, indices);
  const epochColumns = [];
  for (const column of columns) {
    const r = results.get(column.epoch)!;
    let outputs = indices.map((i) => r.samples.get(i));
    if (outputs.some((o) => o === undefined)) {
      // Cached before these samples were asked for: predict just them.
      log(`grid: predicting ${indices.length} samples with epoch ${column.epoch}`);
      const label = checkpointLabel(r.checkpoint);
      let predictor: Predictor;
      try {
        predictor = await loadPredictor(r.checkpoint.path, { backend });
      } catch (err) {
        note(`grid: epoch ${column.epoch} left out: cannot load the checkpoint: ${errorMessage(err)}`);
        continue;
      }
      try {
        outputs = await predictItems(predictor, items, batchSize, label);
      } finally {
        predictor.dispose();
      }
    }
    epochColumns.push({ label: gridEpochLabel(column), images: outputs as RgbImage[] });
  }
  if (epochColumns.length === 0) return null;
  const layout = {
    rowLabels: items.map((it) => {
      const ratio = it.mask.data.reduce((a, v) => a + (v ? 1 : 0), 0) / it.mask.data.length;
      return `record ${it.index}\nhole ${(ratio * 100).toFixed(0)}%`;
    }),
    columns: [
      { label: 'masked input', images: items.map((it) => maskedInput(it.image, it.mask)) },
      ...epochColumns,
      { label: 'ground truth', images: items.map((it) => it.image) },
    ],
  };
  return { png: await renderComparisonGrid(layout), columns: layout.columns.map((c) => c.label), samples: items.length };
}

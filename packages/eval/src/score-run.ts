import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError, atomicWriteFile, atomicWriteJson, checkOutputPath, invalidParameter } from '@bgfill/core';
import { BEST_RULES, chooseBestEpoch, parseBestRule, type BestChoice, type BestRule } from './best.js';
import { PairedBootstrap, BOOTSTRAP_DEFAULTS } from './bootstrap.js';
import type { ScoreCacheIdentity } from './cache.js';
import { checkInpaintRadius, DEFAULT_INPAINT_RADIUS } from './classical/inpaint.js';
import { parseGridCrop, type GridCropMode } from './grid-crop.js';
import { parseGridEpochs, resolveGridColumns } from './grid-epochs.js';
import { DEFAULT_SSIM_WINDOW, msssimScalesThatFit, STANDARD_MSSSIM_WEIGHTS } from './metrics/options.js';
import type { PairMetricsOptions } from './metrics/pair-metrics.js';
import { metricPlotSpec, renderSvg, svgToPng } from './plot.js';
import type { BackendResolver, PredictorFactory } from './predictor.js';
import { renderReportHtml } from './report.js';
import { summarizeRow, type RowScores } from './row-scores.js';
import { rowEntries } from './run-entries.js';
import { listRunCheckpoints } from './run-layout.js';
import { bestAgainstReference, bestScores, scoresExtras } from './run-records.js';
import { checkRowWords, parseBaselineOption, parseCompareOption, readRunStart, START_ROW, type CompareNet } from './run-rows.js';
import { referenceRow, runStatistics, type RunStatistics } from './run-statistics.js';
import { buildGrid, type BuiltGrid } from './score-grid.js';
import { openEvalSet, readEvalItems, readHoleRatios, spreadIndices } from './score-data.js';
import { encodeNonFinite } from './score-json.js';
import { scoreRows } from './score-rows.js';
import { summarizeEpoch, type EpochScores } from './score-summary.js';
import { formatImagesCsv, formatScoresCsv, formatScoresMarkdown, binLabels } from './table.js';
import type { SkippedCheckpoint } from './skipped-checkpoint.js';
import { formatDifferencesCsv, formatDifferencesMarkdown } from './table-differences.js';

/** Defaults of `bgfill eval --run`. */
export const SCORE_RUN_DEFAULTS = {
  split: 'val',
  rule: 'msssim' as BestRule,
  backend: 'auto',
  batchSize: 8,
  gridSamples: 6,
  gridEpochs: 'start,best,last,1',
  gridCrop: 'none' as GridCropMode,
  bootstrap: BOOTSTRAP_DEFAULTS.resamples,
  seed: BOOTSTRAP_DEFAULTS.seed,
  baselineRadius: DEFAULT_INPAINT_RADIUS,
} as const;

/** The files `scoreRun` writes into the output folder (and `cache/` beside them). */
export const SCORE_RUN_FILES = {
  scoresCsv: 'scores.csv',
  scoresJson: 'scores.json',
  imagesCsv: 'images.csv',
  differencesCsv: 'differences.csv',
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
  /** The run's architecture (its epochs and start), passed to the predictor factory (default: each checkpoint's own). */
  arch?: string;
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
  /**
   * The grid's columns between the masked input and the ground truth: `best`, `last`, `first`, epoch numbers, `start`,
   * compare names, baselines (default `start,best,last,1`; in the default, rows that do not exist are left out quietly).
   */
  gridEpochs?: string | readonly string[];
  /** `hole`: every grid cell shows the record's hole region enlarged (default `none`). */
  gridCrop?: GridCropMode | string;
  /** Other nets scored as rows: `NAME=PATH` values or parsed entries; loaded through `loadPredictor` like the epochs. */
  compare?: string | ReadonlyArray<string | CompareNet>;
  /** Classical fills scored as rows: `telea`, `ns`, `mean` (a comma list or array; default none). */
  baselines?: string | readonly string[];
  /** Neighbourhood radius of the `telea` and `ns` baselines (default 3). */
  baselineRadius?: number;
  /** Score the run's `--init` checkpoint (from config.json) as epoch 0, "start" (default true). */
  start?: boolean;
  /** The row the others are compared with: a row name, an epoch number, best, last, first (default: start, else the first epoch). */
  reference?: string;
  /** Resamples of the paired bootstrap (default 2,000). */
  bootstrap?: number;
  /** Seed of the bootstrap's resamples (default 0). */
  seed?: number;
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
  /** The run's epochs (the start is in `others`). */
  epochs: EpochScores[];
  /** The start, compare nets and baselines, in that order. */
  others: RowScores[];
  skipped: SkippedCheckpoint[];
  /** Epochs scored by this call (their predictors were loaded). */
  scored: number[];
  /** Epochs whose scores came from the cache (or from an identical checkpoint scored in this call). */
  cached: number[];
  /** Every row scored by this call, and served from the cache, by name (`start`, `3`, `shipped`, `telea`). */
  scoredRows: string[];
  cachedRows: string[];
  /** The paired statistics against the reference row, with the report's first line (`statistics.sentence`). */
  statistics: RunStatistics;
  /** Records without a hole (left out of the hole metrics, statistics and grid). */
  holeless: number;
  /** Things worth knowing (also in the report). */
  notes: string[];
  /** Every file written, by its `SCORE_RUN_FILES` name. */
  files: Partial<Record<keyof typeof SCORE_RUN_FILES, string>>;
}

function positiveInt(name: string, value: number, max: number): number {
  if (!Number.isSafeInteger(value) || value < 1 || value > max) throw invalidParameter(name, `an integer from 1 to ${max}`, value);
  return value;
}

/**
 * Score every checkpoint of a training run on a bundle's split, with the net it started from (epoch 0, "start", when
 * its config.json names `--init` weights), other nets (`compare`) and classical fills (`baselines`) as further rows;
 * choose the best epoch; compare every row with a reference row record by record (paired bootstrap intervals); and
 * write the report: `scores.csv`, `scores.json`, `images.csv`, `differences.csv`, `scores.md`, `best.json`,
 * `plot.vl.json` / `plot.svg` / `plot.png`, `grid.png` and a self-contained `report.html`, each written atomically.
 * Results are cached per checkpoint digest (+ data identity, split, record count, metric settings, engine) in
 * `OUT/cache/`, so a rerun after new epochs loads only the new checkpoints, and an interrupted run resumes where it
 * stopped. A checkpoint whose file is missing or cannot be loaded is skipped and reported; a run with no checkpoints,
 * a split without masks, or a prediction of the wrong size is an error (a BgfillError naming the run, bundle or epoch).
 * @example
 * const { best, statistics } = await scoreRun({ run: 'runs/a', data: 'bundles/places', limit: 500, loadPredictor, baselines: 'telea' });
 * // best.epoch → 7; statistics.sentence → 'epoch 7: hole L1 −0.0121 (95 % CI …) against the start, …'; runs/a/eval/report.html
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
  const gridCrop = parseGridCrop(options.gridCrop ?? SCORE_RUN_DEFAULTS.gridCrop);
  const compare = parseCompareOption(options.compare);
  const baselines = parseBaselineOption(options.baselines);
  const radius = checkInpaintRadius(options.baselineRadius ?? SCORE_RUN_DEFAULTS.baselineRadius, 'baseline radius');
  const bootstrap = new PairedBootstrap({ resamples: options.bootstrap ?? SCORE_RUN_DEFAULTS.bootstrap, seed: options.seed ?? SCORE_RUN_DEFAULTS.seed });
  checkRowWords('grid epochs', gridTokens.filter((t): t is string => typeof t === 'string'), compare, baselines);
  if (options.reference !== undefined) checkRowWords('reference', [options.reference.trim()], compare, baselines);
  if (typeof options.loadPredictor !== 'function') throw invalidParameter('loadPredictor', 'a predictor factory function', options.loadPredictor);
  const out = options.out ?? join(options.run, 'eval');
  const checkpoints = await listRunCheckpoints(options.run);
  await checkOutputPath(out, { kind: 'folder' }); // before any work: a file named as the output folder fails now, not after scoring
  const requested = options.backend ?? SCORE_RUN_DEFAULTS.backend;
  const backend = options.resolveBackend ? await options.resolveBackend(requested, log) : requested;
  if (backend !== requested) log(`backend ${requested}: ${backend}`);
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
  const metricsKey = JSON.stringify(metrics ?? {});
  const runStart = options.start === false ? { init: null, reason: 'not asked for (start: false)' } : await readRunStart(options.run);
  if (runStart.init === null) log(`no start row: ${runStart.reason}`);

  // The grid shows records with a hole only, spread over the set.
  let sampleIndices: number[] = [];
  if (gridSamples > 0 && gridTokens.length > 0) {
    const withHole = (await readHoleRatios(set)).flatMap((ratio, i) => (ratio > 0 ? [i] : []));
    sampleIndices = spreadIndices(withHole.length, gridSamples).map((k) => withHole[k]);
  }

  // ---- scoring (cached rows are read back)
  const entries = rowEntries({ start: runStart.init, checkpoints, compare, baselines, radius }, { loadPredictor: options.loadPredictor, backend, ...(options.arch !== undefined ? { arch: options.arch } : {}) });
  const identity = (digest: string, engine: string): ScoreCacheIdentity => ({ checkpoint: digest, data: set.identity, split: set.split, images: set.count, metrics: metricsKey, engine });
  const { results, skipped, scored: scoredRows, cached: cachedRows } = await scoreRows(entries, {
    set,
    cacheDir: join(out, 'cache'),
    identity,
    batchSize,
    sampleIndices,
    metrics,
    progress: options.progress ?? (process.stderr.isTTY === true && !process.env.CI),
    log,
    note,
  });
  skipped.sort((a, b) => (a.epoch ?? Infinity) - (b.epoch ?? Infinity));
  const epochRows = entries.filter((e) => e.kind === 'epoch' && results.has(e.name)).map((e) => results.get(e.name)!);
  if (epochRows.length === 0) {
    throw new BgfillError(
      `${options.run}: no checkpoint could be scored:\n${skipped.filter((s) => s.row === undefined).map((s) => `  epoch ${s.epoch} (${s.checkpoint}): ${s.reason}`).join('\n')}`,
      { subject: options.run },
    );
  }

  // ---- summaries, the choice and the statistics
  const epochs = epochRows.map((r) => summarizeEpoch(r.entry.epoch!, r.entry.source, r.digest, r.images));
  const others = entries.filter((e) => e.kind !== 'epoch' && results.has(e.name)).map((e) => summarizeRow(results.get(e.name)!));
  const best = chooseBestEpoch(
    epochs.map((e) => ({
      epoch: e.epoch,
      means: Object.fromEntries(BEST_RULES.map((m) => [m, e.all.metrics[m].mean])) as Record<BestRule, number>,
    })),
    rule,
  );
  const bestScored = results.get(String(best.epoch))!;
  log(`best epoch: ${best.epoch} (${rule} ${best.value})`);
  const order = entries.filter((e) => results.has(e.name)).map((e) => e.name);
  const holeless = epochRows[0].images.filter((image) => !(image.holeRatio > 0)).length;
  if (holeless > 0) note(`${holeless} of ${set.count} records have no hole (an empty mask): left out of the hole metrics, the statistics and the grid`);
  const reference = referenceRow(options.reference, order, epochs.map((e) => e.epoch), best.epoch);
  if (reference.note) note(reference.note);
  const statistics = runStatistics({
    results,
    order,
    best: String(best.epoch),
    reference: reference.name,
    bootstrap,
    holeless,
    records: set.count,
  });
  log(statistics.sentence);
  const start = runStart.init !== null && results.has(START_ROW) ? { checkpoint: runStart.init } : { reason: runStart.init === null ? runStart.reason! : 'its checkpoint could not be scored (see the skipped checkpoints)' };

  // ---- grid
  const files: ScoreRunResult['files'] = {};
  const path = (name: keyof typeof SCORE_RUN_FILES) => {
    files[name] = join(out, SCORE_RUN_FILES[name]);
    return files[name]!;
  };
  let grid: BuiltGrid | null = null;
  if (sampleIndices.length > 0) {
    const { columns, missing } = resolveGridColumns(gridTokens, { epochs: epochs.map((e) => e.epoch), best: best.epoch, rows: others.map((o) => o.name) });
    const quiet = options.gridEpochs === undefined ? [START_ROW] : []; // the default asks for the start where there is one
    for (const m of missing.filter((x) => !quiet.includes(x))) note(`grid: ${/^\d+$/.test(m) ? `epoch ${m}` : m} was not scored (not in the run, or skipped), so it has no column`);
    if (columns.length > 0) grid = await buildGrid({ set, indices: sampleIndices, columns, results, batchSize, crop: gridCrop, log, note });
  } else if (gridSamples > 0 && gridTokens.length > 0) note('grid: no record has a hole, so there is no grid');

  // ---- files
  const labels = new Map(order.map((name) => [name, results.get(name)!.entry.label]));
  const kinds = new Map(order.map((name) => [name, results.get(name)!.entry.kind as string]));
  const differenceContext = { labels, kinds, level: bootstrap.level, resamples: bootstrap.resamples };
  const plotSpec = metricPlotSpec(epochs, best.epoch, undefined, others);
  const plotSvg = await renderSvg(plotSpec);
  await atomicWriteFile(path('scoresCsv'), formatScoresCsv(epochs, best.epoch, others));
  await atomicWriteFile(
    path('imagesCsv'),
    formatImagesCsv(order.map((name) => ({ epoch: results.get(name)!.entry.epoch, row: name, images: results.get(name)!.images }))),
  );
  await atomicWriteFile(path('differencesCsv'), formatDifferencesCsv(statistics.rows, differenceContext));
  await atomicWriteFile(
    path('scoresMd'),
    `${statistics.sentence}\n\n${statistics.findings.map((f) => `- ${f}\n`).join('')}\n` +
      formatScoresMarkdown(epochs, { bestEpoch: best.epoch, rule, skipped, others }) +
      formatDifferencesMarkdown(statistics.rows, statistics.reference.label, differenceContext),
  );
  await atomicWriteJson(
    path('scoresJson'),
    encodeNonFinite({
      format: 'bgfill-eval-scores',
      version: 2,
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
      ...scoresExtras({ others, statistics, holeless, start }),
    }),
  );
  await atomicWriteJson(
    path('best'),
    encodeNonFinite({
      epoch: best.epoch,
      checkpoint: join(options.run, bestScored.entry.source),
      digest: bestScored.digest,
      rule: best.rule,
      direction: best.direction,
      value: best.value,
      tieBreak: best.rule === 'l1' ? 'highest msssim, then earliest epoch' : 'lowest l1, then earliest epoch',
      tiedOnRule: best.tiedOnRule,
      decidedBy: best.decidedBy,
      means: Object.fromEntries(Object.entries(bestScores(epochs, best).all.metrics).map(([k, a]) => [k, a.mean])),
      data: { bundle: set.dir, split: set.split, records: set.count, holeless },
      ...bestAgainstReference(statistics),
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
      others,
      comparisons: statistics,
      holeless,
      start,
    }),
  );
  log(`wrote ${Object.values(files).join(', ')}`);
  const epochsOf = (names: readonly string[]) => names.flatMap((n) => (results.get(n)?.entry.kind === 'epoch' ? [results.get(n)!.entry.epoch!] : []));
  return {
    out,
    best,
    epochs,
    others,
    skipped,
    scored: epochsOf(scoredRows),
    cached: epochsOf(cachedRows),
    scoredRows,
    cachedRows,
    statistics,
    holeless,
    notes,
    files,
  };
}

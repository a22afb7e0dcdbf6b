import { InvalidArgumentError, type Command } from 'commander';
import { addOutputOptions, BgfillError } from '@bgfill/core';
import type { BackendResolver, PredictorFactory } from './predictor.js';

/** What the run-scoring form of `bgfill eval` needs from outside eval. */
export interface RunScoringDeps {
  /** The trainer's `createPredictor`, passed in by the CLI package (eval never imports the trainer). */
  loadPredictor?: PredictorFactory;
  /** Resolves `--backend auto` to the engine that runs (the trainer's engine selection); see ScoreRunOptions. */
  resolveBackend?: BackendResolver;
  /** Checks `--arch` against the trainer's registry before anything loads (a BgfillError naming the nearest). */
  checkArch?: (name: string) => Promise<void>;
  /** Log lines and the summary. Default: process.stderr. */
  stderr?: (text: string) => void;
  /** Progress bar (default: on a terminal). */
  progress?: boolean;
}

function integer(name: string, min: number) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^\d+$/.test(value.trim()) || !Number.isSafeInteger(n) || n < min) throw new InvalidArgumentError(`${name} must be an integer ≥ ${min}`);
    return n;
  };
}

interface RunScoringFlags {
  run?: string;
  data?: string;
  split: string;
  limit?: number;
  out?: string;
  rule: string;
  backend: string;
  arch?: string;
  batchSize: number;
  gridSamples: number;
  gridEpochs?: string;
  gridCrop: string;
  compare?: string[];
  baseline: string;
  baselineRadius: number;
  reference?: string;
  bootstrap: number;
  seed: number;
  progress?: boolean;
  json?: boolean;
}

function collect(value: string, previous: string[] | undefined): string[] {
  return [...(previous ?? []), value];
}

/**
 * Adds the run-scoring form to `bgfill eval`: `bgfill eval --run DIR --data BUNDLE …` scores every checkpoint of a
 * run and writes the report (see `scoreRun`). Only declares options; the scoring modules load inside the action.
 * @example addRunScoring(program.command('eval'), { loadPredictor })
 */
export function addRunScoring(evalCommand: Command, deps: RunScoringDeps = {}): Command {
  const err = deps.stderr ?? ((text: string) => void process.stderr.write(text));
  // `eval pair --out x` must reach pair's --out, not this command's: parse this command's options only before a subcommand.
  evalCommand.enablePositionalOptions();
  evalCommand
    .option('--run <dir>', 'training run folder (epoch-0001/generator.safetensors, …): score every checkpoint in it')
    .option('--data <bundle>', 'dataset bundle whose split carries fixed masks')
    .option('--split <name>', 'split of the bundle to score on', 'val')
    .option('--limit <n>', 'score only the first N records of the split (default: all)', integer('--limit', 1))
    .option('--out <dir>', 'output folder (default: RUN/eval)')
    .option('--rule <metric>', 'how the best epoch is chosen: msssim | l1 | psnr | ssim (ties: lowest L1)', 'msssim')
    .option('--backend <name>', 'inference engine: auto | webgpu | tensorflow | onnx | wasm | cpu (auto: the first that loads, in that order) | onnx-webgpu (on request only)', 'auto')
    .option('--arch <name>', "the run's network architecture (its epochs and start): inpaintsanet or rfrnet (default: the one each checkpoint stores, else its state_dict keys show; --compare nets are always read as their files show)")
    .option('--batch-size <n>', 'records per predictor call', integer('--batch-size', 1), 8)
    .option('--grid-samples <n>', 'rows of the comparison grid (0: no grid)', integer('--grid-samples', 0), 6)
    .option('--grid-epochs <list>', 'grid columns between the masked input and the ground truth: start, best, last, first, epoch numbers, compare names, baselines (default: start,best,last,1, leaving out a start the run does not have)')
    .option('--grid-crop <mode>', 'none, or hole: every grid cell shows the record\'s hole region enlarged (where blur shows)', 'none')
    .option('--compare <NAME=PATH>', 'another net scored as a row on the same records and masks (.pth, .safetensors, bgfill checkpoint or epoch folder); repeatable (default: none)', collect)
    .option('--baseline <list>', 'classical fills scored as rows: telea, ns (Navier–Stokes), mean (border colour), comma-separated', 'none')
    .option('--baseline-radius <px>', 'neighbourhood radius of the telea and ns baselines (as cv2.inpaint\'s inpaintRadius)', integer('--baseline-radius', 1), 3)
    .option('--reference <row>', 'the row every other is compared with: start, an epoch number, best, last, first, a compare name or a baseline (default: start, else the first epoch)')
    .option('--bootstrap <n>', 'resamples of the paired bootstrap behind the 95 % intervals', integer('--bootstrap', 1), 2000)
    .option('--seed <n>', 'seed of the bootstrap resamples (same seed, same intervals)', integer('--seed', 0), 0);
  return addOutputOptions(evalCommand, 'print a JSON summary on stdout: best epoch, the statistics against the reference, scored / cached / skipped rows, the files written')
    .addHelpText(
      'after',
      '\nScoring a run: every epoch folder\'s generator.safetensors is scored on the split (L1, PSNR, SSIM, MS-SSIM over\n' +
        'the image; L1 and PSNR inside the hole; per hole-ratio bin). When the run\'s config.json names --init weights,\n' +
        'they are scored too, as epoch 0 ("start"). --compare nets and --baseline fills are further rows on the same\n' +
        'records and masks. Every row is compared with the reference row record by record: the mean difference of each\n' +
        'metric with a 95 % paired bootstrap interval and the share of records where it is better, overall and per\n' +
        'hole-ratio bin; the report\'s first line says it in words. Records without a hole are left out of the hole\n' +
        'metrics, the statistics and the grid, and counted. Results are cached in OUT/cache by checkpoint digest, so a\n' +
        'rerun scores only new rows. Writes scores.csv, scores.json, images.csv, differences.csv, scores.md, best.json,\n' +
        'plot.svg / plot.png, grid.png and report.html (self-contained). Damaged checkpoints are skipped and listed.\n' +
        '\nExample:\n' +
        '  $ bgfill eval --run runs/places-a --data bundles/places --limit 500\n' +
        '  $ bgfill eval --run runs/places-a --data bundles/places --compare shipped=InpaintSANet.pth --baseline telea,ns\n' +
        '  $ bgfill eval --run runs/places-a --data bundles/places --compare rfr=runs/rfr/epoch-0003 --compare authors=RFR_places2.pth\n' +
        '  $ bgfill eval --run runs/places-a --data bundles/places --grid-epochs start,9,10,11,12 --grid-crop hole\n' +
        '  $ bgfill eval --run runs/places-a --data bundles/places --rule l1 --reference telea --out reports/a',
    )
    .action(async (flags: RunScoringFlags) => {
      if (flags.run === undefined || flags.data === undefined) {
        throw new BgfillError('bgfill eval needs --run RUN and --data BUNDLE to score a run (or a subcommand: bgfill eval pair …); see bgfill eval --help');
      }
      if (!deps.loadPredictor) throw new BgfillError('bgfill eval --run: no predictor loader is wired in (the trainer package provides it)');
      if (flags.arch !== undefined) await deps.checkArch?.(flags.arch);
      const { scoreRun } = await import('./score-run.js');
      const { parseBestRule } = await import('./best.js');
      const { commandOutput, progressOption } = await import('@bgfill/core');
      const output = commandOutput(flags);
      const result = await scoreRun({
        run: flags.run,
        data: flags.data,
        split: flags.split,
        limit: flags.limit,
        out: flags.out,
        rule: parseBestRule(flags.rule),
        backend: flags.backend,
        ...(flags.arch !== undefined ? { arch: flags.arch } : {}),
        batchSize: flags.batchSize,
        gridSamples: flags.gridSamples,
        gridEpochs: flags.gridEpochs,
        gridCrop: flags.gridCrop,
        compare: flags.compare,
        baselines: flags.baseline,
        baselineRadius: flags.baselineRadius,
        reference: flags.reference,
        bootstrap: flags.bootstrap,
        seed: flags.seed,
        loadPredictor: deps.loadPredictor,
        resolveBackend: deps.resolveBackend,
        progress: progressOption(flags) ?? deps.progress,
        // Images under 96² (a bundle built with --size 64, say) get as many MS-SSIM scales as fit, with a note.
        fitMsssimScales: true,
        log: (line) => err(`${line}\n`),
      });
      const b = result.best;
      err(
        `best epoch ${b.epoch} by ${b.rule} (${b.value}); scored ${result.scoredRows.length}, cached ${result.cachedRows.length}, ` +
          `skipped ${result.skipped.length}; report: ${result.files.report}\n${result.statistics.sentence}\n`,
      );
      output.result({ best: b, statistics: result.statistics, scored: result.scored, cached: result.cached, scoredRows: result.scoredRows, cachedRows: result.cachedRows, skipped: result.skipped, files: result.files });
    });
}

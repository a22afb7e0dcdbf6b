import { InvalidArgumentError, type Command } from 'commander';
import { addOutputOptions, BgfillError } from '@bgfill/core';
import type { BackendResolver, PredictorFactory } from './predictor.js';

/** What the run-scoring form of `bgfill eval` needs from outside eval. */
export interface RunScoringDeps {
  /** The trainer's `createPredictor`, passed in by the CLI package (eval never imports the trainer). */
  loadPredictor?: PredictorFactory;
  /** Resolves `--backend auto` to the engine that runs (the trainer's engine selection); see ScoreRunOptions. */
  resolveBackend?: BackendResolver;
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
  batchSize: number;
  gridSamples: number;
  gridEpochs: string;
  progress?: boolean;
  json?: boolean;
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
    .option('--batch-size <n>', 'records per predictor call', integer('--batch-size', 1), 8)
    .option('--grid-samples <n>', 'rows of the comparison grid (0: no grid)', integer('--grid-samples', 0), 6)
    .option('--grid-epochs <list>', 'grid columns: best, last, first or epoch numbers', 'best,last,1');
  return addOutputOptions(evalCommand, 'print a JSON summary on stdout: best epoch, scored / cached / skipped checkpoints, the files written')
    .addHelpText(
      'after',
      '\nScoring a run: every epoch folder\'s generator.safetensors is scored on the split (L1, PSNR, SSIM, MS-SSIM over\n' +
        'the image; L1 and PSNR inside the hole; per hole-ratio bin). Results are cached in OUT/cache by checkpoint\n' +
        'digest, so a rerun scores only new epochs. Writes scores.csv, scores.json, images.csv, scores.md, best.json,\n' +
        'plot.svg / plot.png, grid.png and report.html (self-contained). Damaged checkpoints are skipped and listed.\n' +
        '\nExample:\n' +
        '  $ bgfill eval --run runs/places-a --data bundles/places --limit 500\n' +
        '  $ bgfill eval --run runs/places-a --data bundles/places --rule l1 --grid-epochs best,1,5,10 --out reports/a',
    )
    .action(async (flags: RunScoringFlags) => {
      if (flags.run === undefined || flags.data === undefined) {
        throw new BgfillError('bgfill eval needs --run RUN and --data BUNDLE to score a run (or a subcommand: bgfill eval pair …); see bgfill eval --help');
      }
      if (!deps.loadPredictor) throw new BgfillError('bgfill eval --run: no predictor loader is wired in (the trainer package provides it)');
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
        batchSize: flags.batchSize,
        gridSamples: flags.gridSamples,
        gridEpochs: flags.gridEpochs,
        loadPredictor: deps.loadPredictor,
        resolveBackend: deps.resolveBackend,
        progress: progressOption(flags) ?? deps.progress,
        // Images under 96² (a bundle built with --size 64, say) get as many MS-SSIM scales as fit, with a note.
        fitMsssimScales: true,
        log: (line) => err(`${line}\n`),
      });
      const b = result.best;
      err(
        `best epoch ${b.epoch} by ${b.rule} (${b.value}); scored ${result.scored.length}, cached ${result.cached.length}, ` +
          `skipped ${result.skipped.length}; report: ${result.files.report}\n`,
      );
      output.result({ best: b, scored: result.scored, cached: result.cached, skipped: result.skipped, files: result.files });
    });
}

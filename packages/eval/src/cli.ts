import { join } from 'node:path';
import { Command, InvalidArgumentError } from 'commander';
import type { BackendResolver, PredictorFactory } from './predictor.js';
import { addRunScoring } from './score-cli.js';

/** Where `bgfill eval` writes; tests pass their own to capture output in-process. */
export interface EvalCliDeps {
  /** Results (table or JSON). Default: process.stdout. */
  stdout?: (text: string) => void;
  /** Skipped-file reports and notes. Default: process.stderr. */
  stderr?: (text: string) => void;
  /** Loads a checkpoint for `bgfill eval --run` (the CLI package passes the trainer's `createPredictor`). */
  loadPredictor?: PredictorFactory;
  /** Resolves `--backend auto` to the engine that runs (the CLI package passes the trainer's engine selection). */
  resolveBackend?: BackendResolver;
  /** Checks `bgfill eval --run --arch` (the CLI package passes the trainer's registry lookup). */
  checkArch?: (name: string) => Promise<void>;
}

function positiveInt(name: string, max = Number.MAX_SAFE_INTEGER) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`${name} must be a positive integer`);
    if (n > max) throw new InvalidArgumentError(`${name} must be at most ${max}`);
    return n;
  };
}

/**
 * Adds `bgfill eval …`. `eval pair` scores prediction/target pairs; the run-scoring form (options on `eval`
 * itself) is added by the checkpoint-scoring module.
 */
export function registerEvalCommands(program: Command, deps: EvalCliDeps = {}): Command {
  const out = deps.stdout ?? ((text: string) => void process.stdout.write(text));
  const err = deps.stderr ?? ((text: string) => void process.stderr.write(text));
  const evalCommand = program.command('eval').description('Score inpainting results: image metrics (L1, PSNR, SSIM, MS-SSIM)');
  addRunScoring(evalCommand, { loadPredictor: deps.loadPredictor, resolveBackend: deps.resolveBackend, checkArch: deps.checkArch, stderr: err });

  evalCommand
    .command('pair')
    .description(
      'Every metric of a prediction against its target: L1 (0–1 scale), PSNR (dB), SSIM and MS-SSIM (torchmetrics ' +
        'defaults), and L1 / PSNR inside the hole given a mask. Two folders are matched by file name without extension.',
    )
    .requiredOption('--pred <path>', 'predicted image, or a folder of them')
    .requiredOption('--target <path>', 'target (ground-truth) image, or a folder matched to --pred by name')
    .option('--mask <path>', 'hole mask (white = hole), a folder of masks matched by name, or one mask for all pairs')
    .option('--json', 'print JSON instead of a table (infinite PSNR is written as null)', false)
    .option('--out <file>', 'also write the JSON report to this file (atomically; a file, also for folders)')
    .option(
      '--scales <n>',
      'MS-SSIM scales, 1–5 (5 need images of at least 96×96, 3 need 24×24) (default: as many of the standard 5 as the smallest pair allows, with a note)',
      positiveInt('--scales', 5),
    )
    .option('--window <n>', 'SSIM / MS-SSIM Gaussian window size (odd)', positiveInt('--window'), 11)
    .option('--concurrency <n>', 'pairs read and scored at once (folders)', positiveInt('--concurrency'), 2)
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .addHelpText(
      'after',
      '\nOutput: a table (pair, L1, PSNR dB, SSIM, MS-SSIM, L1 hole, PSNR hole; mean and std rows for folders), or with\n' +
        '--json { pairs: [{ name, pred, target, mask?, l1, psnr, ssim, msssim, l1Hole?, psnrHole?, holeRatio? }],\n' +
        '  summary: { <metric>: { mean, std, n, infinite } }, skipped: [{ file, reason }], msssim: { scales, windowSize }, notes }.\n' +
        'MS-SSIM uses one scale count for every pair: without --scales, as many of the standard 5 as the smallest pair\n' +
        'allows (a note says so when it is fewer); with --scales, pairs too small for it are an error (skipped in folders).\n' +
        'PSNR of identical images is infinite: "inf" in the table, null in JSON, and left out of mean/std (counted in\n' +
        '"infinite"). In folders, unreadable, mismatched or unmatched files are skipped and listed on stderr.\n' +
        '\nExample:\n' +
        '  $ bgfill eval pair --pred out/0001.png --target gt/0001.png --mask masks/0001.png\n' +
        '  $ bgfill eval pair --pred out/ --target gt/ --json --out scores.json',
    )
    .action(async (opts: { pred: string; target: string; mask?: string; json: boolean; out?: string; scales?: number; window: number; concurrency: number; progress?: boolean }) => {
      const { evaluatePairs, pairReportJson, formatPairTable, formatSkipped } = await import('./pair.js');
      const { atomicWriteJson, checkOutputPath } = await import('@bgfill/core');
      // Before any work: a folder (or a path below a file) as --out fails now, not at the final rename.
      if (opts.out !== undefined) await checkOutputPath(opts.out, { kind: 'file', hint: `--out takes the file the JSON report is written to (e.g. ${join(opts.out, 'scores.json')})` });
      const report = await evaluatePairs({
        pred: opts.pred,
        target: opts.target,
        mask: opts.mask,
        ssim: { windowSize: opts.window },
        // Unless given, the scale count is chosen to fit the images (see EvaluatePairsOptions.msssim).
        msssim: opts.scales === undefined ? { windowSize: opts.window } : { scales: opts.scales, windowSize: opts.window },
        optionNames: { scales: '--scales', window: '--window' },
        concurrency: opts.concurrency,
        ...(opts.progress === false ? { progress: false } : {}),
      });
      const json = pairReportJson(report);
      if (opts.out !== undefined) await atomicWriteJson(opts.out, json);
      out(opts.json ? `${JSON.stringify(json, null, 2)}\n` : formatPairTable(report));
      err(formatSkipped(report.skipped));
      if (opts.json) for (const note of report.notes) err(`note: ${note}\n`); // the table carries them below its rows
    });
  return evalCommand;
}

import { Option, type Command } from 'commander';
import { addOutputOptions } from '@bgfill/core';

interface GenerateOptions {
  masks?: string;
  strategy?: string;
  progress?: boolean;
  json?: boolean;
  count: string;
  size: string;
  seed: string;
  out: string;
  balanced?: boolean;
  maxAttempts: string;
  preview?: string;
  overwrite?: boolean;
  concurrency?: string;
}

interface StatsOptions {
  json?: boolean;
  progress?: boolean;
  threshold: string;
}

interface PreviewOptions {
  out: string;
  masks?: string;
  strategy?: string;
  count: string;
  size: string;
  seed: string;
  images?: string;
  columns?: string;
  threshold: string;
  overwrite?: boolean;
}

const RECIPE_HELP =
  'mask recipe: a short form (person-box, "person-box+scribble:0-3", "person-box*0.7|irregular:thick*0.3", ' +
  '"irregular:thick>dilate:2"), a JSON object, or @file.json';

/** Adds `bgfill masks generate | stats | preview | strategies`. */
export function registerMasksCommands(program: Command): void {
  const masks = program.command('masks').description('Generate and analyse inpainting masks');

  const generate = masks
    .command('generate')
    .description('Write COUNT masks (mask-000000.png …, 8-bit grey 0/255) and stats.json to a folder; resumable')
    .option('--masks <recipe>', `${RECIPE_HELP} (required)`)
    .addOption(new Option('--strategy <recipe>', 'old name of --masks').hideHelp())
    .requiredOption('--count <n>', 'number of masks (1 … 10,000,000)')
    .requiredOption('--out <dir>', 'output folder (created; must be empty or hold the same run)')
    .option('--size <size>', 'mask size: one side or WIDTHxHEIGHT (1 … 16384)', '256')
    .option('--seed <seed>', 'seed: mask i is a pure function of (recipe, seed, size, i)', '0')
    .option('--balanced', 'aim mask i at hole-ratio bin i mod 6 ((0.01,0.1] … (0.5,0.6]), redrawing until it lands')
    .option('--max-attempts <n>', 'draws per mask with --balanced before keeping the nearest', '200')
    .option('--preview <sheet.png>', 'also write a contact sheet of the first 64 masks')
    .option('--overwrite', "write into a folder holding other files or another run's masks (replaces masks only)")
    .option('--concurrency <k>', 'masks in flight at once (default: min(4, CPU cores))');
  addOutputOptions(generate)
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill masks generate --masks "person-box+scribble:0-3" --count 10000 --size 256 --seed 1 --out masks/train\n',
    )
    .action(async (opts: GenerateOptions) => {
      const { parseSizeOption, readStrategyOption, masksOption, MAX_MASK_COUNT } = await import('./cli-options.js');
      const { commandOutput, parseIntegerOption, progressOption } = await import('@bgfill/core');
      const out = commandOutput(opts);
      const recipe = masksOption(opts, { required: true })!;
      const { generateMaskFolder } = await import('./generate-folder.js');
      const { formatHistogramTable } = await import('./folder-stats.js');
      const count = parseIntegerOption(opts.count, '--count', 1, MAX_MASK_COUNT);
      const size = parseSizeOption(opts.size);
      const concurrency = opts.concurrency === undefined ? undefined : parseIntegerOption(opts.concurrency, '--concurrency', 1, 256);
      const maxAttempts = parseIntegerOption(opts.maxAttempts, '--max-attempts', 1, 100_000);
      const result = await generateMaskFolder({
        config: await readStrategyOption(recipe),
        out: opts.out,
        count,
        size,
        seed: opts.seed,
        balanced: opts.balanced === true,
        maxAttempts,
        overwrite: opts.overwrite === true,
        concurrency,
        preview: opts.preview,
        progress: progressOption(opts),
      });
      const s = result.stats;
      out.info(
        `${s.label}: ${s.count} masks ${s.size.width}x${s.size.height} in ${result.out} ` +
          `(${result.written} written, ${result.kept} kept, ${result.rewritten} rewritten${result.removed ? `, ${result.removed} removed` : ''})`,
      );
      if (s.summary) out.info(formatHistogramTable(s.summary));
      if (s.balanceMisses?.length) out.warn(`${s.balanceMisses.length} masks missed their bin after ${maxAttempts} draws (listed in stats.json)`);
      if (s.skippedFiles?.length) out.warn(`skipped ${s.skippedFiles.length} unreadable mask files (listed in stats.json)`);
      out.result({
        out: result.out,
        label: s.label,
        count: s.count,
        size: s.size,
        seed: s.seed,
        written: result.written,
        kept: result.kept,
        rewritten: result.rewritten,
        removed: result.removed,
        holeRatio: s.summary ?? null,
        balanceMisses: s.balanceMisses?.length ?? 0,
        skippedFiles: s.skippedFiles?.length ?? 0,
        preview: opts.preview ?? null,
      });
    });

  masks
    .command('stats')
    .description('Hole-ratio histogram of a folder of masks (any image format or bit depth)')
    .argument('<paths...>', 'folders, files or globs of mask images')
    .option('--json', 'print JSON (summary, per-file ratios, skipped files) instead of a table')
    .option('--threshold <t>', 'hole where value / max > t', '0.5')
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .addHelpText('after', '\nExample:\n  $ bgfill masks stats masks/train --json > train-masks.json\n')
    .action(async (paths: string[], opts: StatsOptions) => {
      const { parseNumberOption, progressOption } = await import('@bgfill/core');
      const { maskFolderStats, formatHistogramTable } = await import('./folder-stats.js');
      const threshold = parseNumberOption(opts.threshold, '--threshold', 0, 0.999999);
      const stats = await maskFolderStats(paths, { threshold, progress: progressOption(opts) });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatHistogramTable(stats.summary)}\n`);
      }
      for (const s of stats.skipped) process.stderr.write(`bgfill: skipped ${s.file}: ${s.reason}\n`);
    });

  masks
    .command('preview')
    .description('Contact sheet of masks: from a folder, or generated from a recipe; optionally over photos')
    .argument('[dir]', 'folder (or glob) of mask images; omit to generate from --masks')
    .requiredOption('--out <sheet.png>', 'PNG to write')
    .option('--masks <recipe>', RECIPE_HELP)
    .addOption(new Option('--strategy <recipe>', 'old name of --masks').hideHelp())
    .option('--count <n>', 'masks on the sheet (1 … 1024)', '16')
    .option('--size <size>', 'mask size when generating: one side or WIDTHxHEIGHT', '256')
    .option('--seed <seed>', 'seed when generating', '0')
    .option('--images <paths>', 'folder or glob of photos to draw the masks over (photo i under mask i, cover-cropped)')
    .option('--columns <n>', 'cells per row (default: ceil(sqrt(count)))')
    .option('--threshold <t>', 'hole where value / max > t, for masks read from files', '0.5')
    .option('--overwrite', 'replace an existing --out file')
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill masks preview --masks "irregular:thick" --count 16 --out thick.png\n  $ bgfill masks preview masks/train --images "photos/*.jpg" --out sheet.png\n',
    )
    .action(async (dir: string | undefined, opts: PreviewOptions) => {
      const { BgfillError } = await import('@bgfill/core');
      const { parseSizeOption, readStrategyOption, masksOption } = await import('./cli-options.js');
      const { parseIntegerOption, parseNumberOption } = await import('@bgfill/core');
      const { writePreview } = await import('./preview-command.js');
      const recipe = masksOption(opts, { required: false });
      if ((dir === undefined) === (recipe === undefined)) {
        throw new BgfillError('bgfill masks preview: give either a folder of masks or --masks (not both)');
      }
      await writePreview({
        dir,
        strategy: recipe === undefined ? undefined : await readStrategyOption(recipe),
        out: opts.out,
        count: parseIntegerOption(opts.count, '--count', 1, 1024),
        size: parseSizeOption(opts.size),
        seed: opts.seed,
        images: opts.images,
        columns: opts.columns === undefined ? undefined : parseIntegerOption(opts.columns, '--columns', 1, 1024),
        threshold: parseNumberOption(opts.threshold, '--threshold', 0, 0.999999),
        overwrite: opts.overwrite === true,
      });
      process.stdout.write(`wrote ${opts.out}\n`);
    });

  masks
    .command('strategies')
    .description('List the mask strategies with their options and defaults')
    .option('--json', 'print JSON')
    .addHelpText('after', '\nExample:\n  $ bgfill masks strategies\n')
    .action(async (opts: { json?: boolean }) => {
      const { describeStrategies, formatStrategyDocs } = await import('./strategy-docs.js');
      const docs = describeStrategies();
      process.stdout.write(opts.json ? `${JSON.stringify(docs, null, 2)}\n` : formatStrategyDocs(docs));
    });
}

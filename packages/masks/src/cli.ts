import { Option, type Command } from 'commander';
import { addOutputOptions } from '@bgfill/core';

interface GenerateOptions {
  masks?: string;
  strategy?: string;
  /** `--progress <at>`: a training progress (`4`, `epoch=4,step=100`), kept apart from --no-progress (see separateProgressFlags). */
  trainingProgress?: string;
  /** False under `--no-progress` (no bar). */
  bar?: false;
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
  threshold: string;
  progress: boolean;
}

type CompareOptions = StatsOptions;

interface BankBuildOptions {
  maps: string[];
  out: string;
  threshold: string;
  minArea: string;
  sheetCount: string;
  overwrite?: boolean;
  concurrency: string;
  json?: boolean;
  progress: boolean;
}

interface PreviewOptions {
  out: string;
  masks?: string;
  strategy?: string;
  progress?: string;
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
  '"irregular:thick>dilate:2", "person-bank:bank/(dilate=ramp(2,10,0,8))"), a JSON object, or @file.json';

const PROGRESS_HELP =
  'draw a ramping recipe at this point of training: finished epochs (4, epoch=4.5), step=N, or both (epoch=4,step=1200); ' +
  "default: the ramps' end values";

/**
 * `--progress <at>` (a point of training) beside `--no-progress` (no bar): commander stores both in `opts.progress`,
 * so whichever came last would win and `--progress 4 --no-progress` would silently drop the training point. Each is
 * stored under its own name instead, whatever the order: `trainingProgress` (the value) and `bar` (false).
 */
function separateProgressFlags(command: Command): void {
  command.on('option:progress', (value: string) => command.setOptionValue('trainingProgress', value));
  command.on('option:no-progress', () => command.setOptionValue('bar', false));
}

/** `--strategy`: the old name of `--masks`, still read (hidden from --help; using it prints a note). */
const strategyAlias = () => new Option('--strategy <recipe>', 'old name of --masks').hideHelp();

/** Adds `bgfill masks generate | stats | compare | preview | strategies | bank build`. */
export function registerMasksCommands(program: Command): void {
  const masks = program.command('masks').description('Generate and analyse inpainting masks');

  const generate = masks
    .command('generate')
    .description('Write COUNT masks (mask-000000.png …, 8-bit grey 0/255) and stats.json to a folder; resumable')
    .option('--masks <recipe>', `${RECIPE_HELP} (required)`)
    .addOption(strategyAlias())
    .requiredOption('--count <n>', 'number of masks (1 … 10,000,000)')
    .requiredOption('--out <dir>', 'output folder (created; must be empty or hold the same run)')
    .option('--size <size>', 'mask size: one side or WIDTHxHEIGHT (1 … 16384)', '256')
    .option('--seed <seed>', 'seed: mask i is a pure function of (recipe, seed, size, i)', '0')
    .option('--balanced', 'aim mask i at hole-ratio bin i mod 6 ((0.01,0.1] … (0.5,0.6]), redrawing until it lands')
    .option('--max-attempts <n>', 'draws per mask with --balanced before keeping the nearest', '200')
    .option('--preview <sheet.png>', 'also write a contact sheet of the first 64 masks')
    .option('--overwrite', "write into a folder holding other files or another run's masks (replaces masks only)")
    .option('--concurrency <k>', 'masks in flight at once (default: min(4, CPU cores))')
    .option('--progress <at>', `${PROGRESS_HELP} (--no-progress, without a value, turns the progress bar off; the two combine)`);
  addOutputOptions(generate);
  separateProgressFlags(generate);
  generate
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill masks generate --masks "person-box+scribble:0-3" --count 10000 --size 256 --seed 1 --out masks/train\n' +
        '  $ bgfill masks generate --masks "person-bank:bank/(dilate=ramp(2,10,0,8))+scribble:0-3" --progress 4 --count 64 --out masks/epoch4\n',
    )
    .action(async (opts: GenerateOptions) => {
      const { parseSizeOption, readStrategyOption, recipeOption, MAX_MASK_COUNT } = await import('./cli-options.js');
      const { BgfillError, commandOutput, parseIntegerOption } = await import('@bgfill/core');
      const { parseProgress } = await import('./ramp.js');
      const out = commandOutput(opts);
      const recipe = recipeOption(opts);
      if (recipe === undefined) throw new BgfillError("required option '--masks <recipe>' not specified", { subject: '--masks' });
      const { generateMaskFolder } = await import('./generate-folder.js');
      const { formatHistogramTable } = await import('./folder-stats.js');
      const { formatShapeTable } = await import('./shape-stats.js');
      const count = parseIntegerOption(opts.count, '--count', 1, MAX_MASK_COUNT);
      const size = parseSizeOption(opts.size);
      const concurrency = opts.concurrency === undefined ? undefined : parseIntegerOption(opts.concurrency, '--concurrency', 1, 256);
      const maxAttempts = parseIntegerOption(opts.maxAttempts, '--max-attempts', 1, 100_000);
      const result = await generateMaskFolder({
        config: await readStrategyOption(recipe),
        trainingProgress: opts.trainingProgress === undefined ? undefined : parseProgress(opts.trainingProgress),
        out: opts.out,
        count,
        size,
        seed: opts.seed,
        balanced: opts.balanced === true,
        maxAttempts,
        overwrite: opts.overwrite === true,
        concurrency,
        preview: opts.preview,
        progress: opts.bar,
      });
      const s = result.stats;
      out.info(
        `${s.labelAt ? `${s.label} at ${opts.trainingProgress ?? 'the end of its ramps'} = ${s.labelAt}` : s.label}: ${s.count} masks ${s.size.width}x${s.size.height} in ${result.out} ` +
          `(${result.written} written, ${result.kept} kept, ${result.rewritten} rewritten${result.removed ? `, ${result.removed} removed` : ''})`,
      );
      if (s.summary) out.info(formatHistogramTable(s.summary));
      if (s.shape) out.info(formatShapeTable(s.shape));
      for (const b of s.banks ?? []) out.info(`bank ${b.path}: ${b.outlines} outlines, sha256 ${b.sha256}`);
      if (s.balanceMisses?.length) out.warn(`${s.balanceMisses.length} masks missed their bin after ${maxAttempts} draws (listed in stats.json)`);
      if (s.skippedFiles?.length) out.warn(`skipped ${s.skippedFiles.length} unreadable mask files (listed in stats.json)`);
      out.result({
        out: result.out,
        label: s.label,
        labelAt: s.labelAt ?? null,
        count: s.count,
        size: s.size,
        seed: s.seed,
        trainingProgress: s.trainingProgress ?? null,
        written: result.written,
        kept: result.kept,
        rewritten: result.rewritten,
        removed: result.removed,
        holeRatio: s.summary ?? null,
        shape: s.shape ?? null,
        banks: s.banks ?? [],
        balanceMisses: s.balanceMisses?.length ?? 0,
        skippedFiles: s.skippedFiles?.length ?? 0,
        preview: opts.preview ?? null,
      });
    });

  masks
    .command('stats')
    .description(
      "Hole-ratio histogram of a folder of masks (any image format or bit depth), and the distributions of the hole's " +
        'bounding-box height, width, aspect and centroid',
    )
    .argument('<paths...>', 'folders, files or globs of mask images')
    .option('--json', 'print JSON (summary, shape distributions, per-file ratio and shape, skipped files) instead of tables')
    .option('--threshold <t>', 'hole where value / max > t', '0.5')
    .option('--no-progress', 'no progress bar (it is shown only on a terminal anyway)')
    .addHelpText('after', '\nExample:\n  $ bgfill masks stats masks/train --json > train-masks.json\n')
    .action(async (paths: string[], opts: StatsOptions) => {
      const { parseNumberOption, progressOption } = await import('@bgfill/core');
      const { maskFolderStats, formatHistogramTable } = await import('./folder-stats.js');
      const { formatShapeTable } = await import('./shape-stats.js');
      const threshold = parseNumberOption(opts.threshold, '--threshold', 0, 0.999999);
      const stats = await maskFolderStats(paths, { threshold, progress: progressOption(opts) });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(stats, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatHistogramTable(stats.summary)}\n\n${formatShapeTable(stats.shape)}\n`);
      }
      for (const s of stats.skipped) process.stderr.write(`bgfill: skipped ${s.file}: ${s.reason}\n`);
    });

  masks
    .command('compare')
    .description(
      'Distances between two mask sets, one marginal at a time (hole ratio, bounding-box height and width, log2 aspect, ' +
        'centroid x and y): Wasserstein-1 and the two-sample Kolmogorov–Smirnov statistic with its p-value',
    )
    .argument('<a>', 'first set: folder, file or glob of mask images')
    .argument('<b>', 'second set: folder, file or glob of mask images')
    .option('--json', 'print JSON (both sets\' counts and every distance) instead of a table')
    .option('--threshold <t>', 'hole where value / max > t', '0.5')
    .option('--no-progress', 'no progress bar')
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill masks generate --masks person-bank:bank/ --count 2000 --out masks/bank\n' +
        '  $ bgfill masks compare masks/real-segmentations masks/bank --json\n',
    )
    .action(async (a: string, b: string, opts: CompareOptions) => {
      const { parseNumberOption } = await import('@bgfill/core');
      const { maskFolderStats } = await import('./folder-stats.js');
      const { compareMeasures, formatComparisonTable } = await import('./compare.js');
      const threshold = parseNumberOption(opts.threshold, '--threshold', 0, 0.999999);
      const progress = opts.progress === false ? false : undefined;
      const [sa, sb] = [await maskFolderStats(a, { threshold, progress }), await maskFolderStats(b, { threshold, progress })];
      const distances = compareMeasures(sa.files, sb.files);
      if (opts.json) {
        const set = (path: string, s: typeof sa) => ({ path, count: s.files.length, empty: s.shape.empty, skipped: s.skipped });
        process.stdout.write(`${JSON.stringify({ a: set(a, sa), b: set(b, sb), distances }, null, 2)}\n`);
      } else {
        process.stdout.write(`${formatComparisonTable(distances, a, b)}\n`);
      }
      for (const s of [...sa.skipped, ...sb.skipped]) process.stderr.write(`bgfill: skipped ${s.file}: ${s.reason}\n`);
    });

  masks
    .command('preview')
    .description('Contact sheet of masks: from a folder, or generated from a recipe; optionally over photos')
    .argument('[dir]', 'folder (or glob) of mask images; omit to generate from --masks')
    .requiredOption('--out <sheet.png>', 'PNG to write')
    .option('--masks <recipe>', RECIPE_HELP)
    .addOption(strategyAlias())
    .option('--progress <at>', PROGRESS_HELP)
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
      const { parseSizeOption, readStrategyOption, recipeOption } = await import('./cli-options.js');
      const { parseIntegerOption, parseNumberOption } = await import('@bgfill/core');
      const { writePreview } = await import('./preview-command.js');
      const { parseProgress } = await import('./ramp.js');
      const recipe = recipeOption(opts);
      if ((dir === undefined) === (recipe === undefined)) {
        throw new BgfillError('bgfill masks preview: give either a folder of masks or --masks (not both)');
      }
      await writePreview({
        dir,
        strategy: recipe === undefined ? undefined : await readStrategyOption(recipe),
        trainingProgress: opts.progress === undefined ? undefined : parseProgress(opts.progress),
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

  const bank = masks.command('bank').description('Person banks: real person outlines cut from segmentation maps, for the person-bank strategy');
  addOutputOptions(
    bank
      .command('build')
      .description(
        'Cut every connected person component out of segmentation maps (any size, 8 or 16 bits, soft values) into one ' +
          'versioned bank file (OUT/bank.bgbank) and a contact sheet (OUT/contact-sheet.png); components smaller than ' +
          '--min-area or touching two opposite borders are dropped and counted',
      )
      .requiredOption('--maps <paths...>', 'segmentation maps: folders (their images), files or globs (from `bgfill segment` or any segmenter)')
      .requiredOption('--out <dir>', 'output folder, apart from the maps (created; refused if it already holds a bank, unless --overwrite)')
      .option('--threshold <t>', 'person where value / max > t', '0.1')
      .option('--min-area <f>', "drop components under this fraction of their map's area", '0.002')
      .option('--sheet-count <n>', 'outlines on the contact sheet (0: no sheet)', '256')
      .option('--overwrite', 'replace a bank already in --out')
      .option('--concurrency <k>', 'maps decoded at once', '4'),
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill masks bank build --maps seg/ --threshold 0.1 --out bank/\n' +
        '  $ bgfill masks generate --masks "person-bank:bank/+scribble:0-3" --count 16 --out preview/\n',
    )
    .action(async (opts: BankBuildOptions) => {
      const { parseIntegerOption, parseNumberOption } = await import('@bgfill/core');
      const { buildBank } = await import('./bank/build.js');
      const result = await buildBank({
        maps: opts.maps,
        out: opts.out,
        threshold: parseNumberOption(opts.threshold, '--threshold', 0, 0.999999),
        minArea: parseNumberOption(opts.minArea, '--min-area', 0, 0.999999),
        sheetCount: parseIntegerOption(opts.sheetCount, '--sheet-count', 0, 4096),
        overwrite: opts.overwrite === true,
        concurrency: parseIntegerOption(opts.concurrency, '--concurrency', 1, 256),
        progress: opts.progress === false ? false : undefined,
      });
      const lines = [
        `${result.bankFile}: ${result.outlines} outline${result.outlines === 1 ? '' : 's'} from ${result.maps} map${result.maps === 1 ? '' : 's'} (${result.bytes} bytes, sha256 ${result.sha256})`,
        `dropped: ${result.dropped.small} components under --min-area, ${result.dropped.spanning} touching two opposite borders`,
        ...(result.sheetFile ? [`contact sheet: ${result.sheetFile}`] : []),
        ...result.skipped.map((s) => `skipped ${s.file}: ${s.reason}`),
      ];
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
        for (const l of lines) process.stderr.write(`${l}\n`);
      } else process.stdout.write(`${lines.join('\n')}\n`);
    });
}

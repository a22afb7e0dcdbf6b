import { Option, type Command } from 'commander';
import { addOutputOptions, BgfillError, invalidParameter } from '@bgfill/core';
import { DEFAULT_HASH_RADIUS } from './hash-groups.js';
import { formatThresholds } from './quality-policy.js';

function int(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!/^-?\d+$/.test(value.trim()) || !Number.isSafeInteger(n)) throw invalidParameter(name, 'an integer', value);
    return n;
  };
}

function positiveNumber(name: string) {
  return (value: string): number => {
    const n = Number(value);
    if (!Number.isFinite(n) || n <= 0) throw invalidParameter(name, 'a positive number', value);
    return n;
  };
}

function list(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

function seed(value: string): string | number {
  return /^-?\d+$/.test(value) && Number.isSafeInteger(Number(value)) ? Number(value) : value;
}

interface BuildFlags {
  source: 'places365' | 'folder';
  input?: string;
  list?: string;
  lists?: string;
  pattern?: string[];
  labels: 'top-folder' | 'none';
  includeCategories?: string;
  excludeCategories?: string;
  out: string;
  split?: string[];
  splitRatios?: string;
  size: number;
  crop: 'center' | 'random';
  keepSize?: boolean;
  format: 'jpeg' | 'png';
  quality: number;
  masks?: string;
  maskSplits: string[];
  recordsPerShard?: number;
  shardMb?: number;
  gzip?: boolean;
  concurrency: number;
  seed: string | number;
  minSize: number;
  upscale?: boolean;
  maxPixels: number;
  flatten: string;
  failOn: 'none' | 'truncated' | 'error' | 'warning';
  worker?: number;
  workers?: number;
  signals: boolean;
  reject?: string;
  flagOnly?: boolean;
  thresholds?: string;
  dedupe: 'group' | 'keep-one' | 'off';
  hashRadius: number;
  json?: boolean;
  progress?: boolean;
}

/** Adds `bgfill dataset build | verify | inspect | merge | audit`. */
export function registerDatasetCommands(program: Command): void {
  const dataset = program
    .command('dataset')
    .description('Build, verify, inspect, merge and audit sharded TFRecord bundles (Places365 or any image folder)');

  const build = dataset
    .command('build')
    .description(
      'Turn Places365 or a folder of images into sharded TFRecord bundles (tf.train.Example records, an index per shard, ' +
        'dataset.json, rejects.jsonl, quality.jsonl). Every record is measured (sharpness, top-octave energy, brightness, ' +
        'dynamic range, colourfulness, entropy, source JPEG quality) and hashed; near-duplicates are grouped into one split. ' +
        'Rerun the same command to resume an interrupted build.',
    )
    .addOption(new Option('--source <kind>', 'input layout').choices(['places365', 'folder']).default('folder'))
    .option('--input <dir>', 'places365: the folder with data_256/ and the list files; folder: the root to search')
    .option('--list <file>', 'folder: a file listing image paths (one per line, optional integer label after a space)')
    .option('--lists <dir>', 'places365: folder holding the list files (default: --input)')
    .option('--pattern <glob...>', 'folder: fast-glob patterns relative to --input (default: every image, recursively)')
    .addOption(new Option('--labels <how>', 'folder: class labels from the first folder level, or none').choices(['top-folder', 'none']).default('top-folder'))
    .option('--include-categories <names>', 'keep only these categories: a,b or @file (one per line)')
    .option('--exclude-categories <names>', 'drop these categories: a,b or @file')
    .requiredOption('--out <dir>', 'output folder')
    .option('--split <names>', 'places365: which lists to read (train,val,test); folder: split names', list)
    .option('--split-ratios <ratios>', 'folder: seeded hash split by record key, ratios summing to 1, e.g. train=0.9,val=0.1 (default train=1)')
    .option('--size <px>', 'resize the shorter side to this, then crop a square', int('--size'), 256)
    .addOption(new Option('--crop <how>', 'square crop position').choices(['center', 'random']).default('center'))
    .option('--keep-size', 'keep each image at its own size (no resize or crop)')
    .addOption(new Option('--format <codec>', 'stored image codec').choices(['jpeg', 'png']).default('jpeg'))
    .option('--quality <q>', 'JPEG quality for re-encoded images', int('--quality'), 95)
    .option('--masks <recipe>', 'add fixed masks from a mask recipe (short form, JSON or @file.json; see bgfill masks strategies), seeded by record key')
    .addOption(
      new Option('--mask-splits <names>', 'splits that carry masks (given: each must be a split this build makes; default: those of val,test it makes)')
        .argParser(list)
        .default(['val', 'test'], 'val,test'),
    )
    .option('--records-per-shard <n>', 'records per shard (default 1000)', int('--records-per-shard'))
    .option('--shard-mb <mb>', 'target shard size in MiB instead (records per shard estimated from a seeded sample)', positiveNumber('--shard-mb'))
    .option('--gzip', 'GZIP-compress shards (.tfrecord.gz; TensorFlow compression_type="GZIP")')
    .option('--concurrency <n>', 'images processed at once (does not change the output)', int('--concurrency'), 4)
    .option('--seed <seed>', 'seed for shuffling, hash splits, random crops and masks', seed, 0 as string | number)
    .option('--min-size <px>', 'reject images whose shorter side is under this (--keep-size)', int('--min-size'), 64)
    .option('--upscale', 'enlarge images whose shorter side is under --size (default: reject them, naming their size) and record the factor in image/upscale')
    .option('--max-pixels <n>', 'reject images with more pixels than this (decompression-bomb guard)', int('--max-pixels'), 100_000_000)
    .option('--flatten <colour>', 'background for transparent pixels', '#ffffff')
    .addOption(new Option('--fail-on <level>', "decoder complaints that reject an image (sharp's failOn)").choices(['none', 'truncated', 'error', 'warning']).default('warning'))
    .option('--worker <i>', 'build only shards i, i+N, i+2N, … (Slurm array / Indexed Job index)', int('--worker'))
    .option('--workers <n>', 'number of workers N; join their outputs with `bgfill dataset merge`', int('--workers'))
    .option('--reject <flags>', 'drop records with these quality flags: blurry,dark,low-information,upscaled (default: none, --flag-only)')
    .option('--flag-only', 'keep every record and list the flagged ones in quality.jsonl and dataset.json (the default)')
    .option(
      '--thresholds <list>',
      `flag thresholds, flag=value; a record is flagged below: blurry (sharpness), dark (brightness), low-information (entropy, bits), upscaled (top-octave ratio) (default: ${formatThresholds()})`,
    )
    .addOption(
      new Option('--dedupe <mode>', 'near-duplicates: group (each group in one split), keep-one (keep the best of each group) or off')
        .choices(['group', 'keep-one', 'off'])
        .default('group'),
    )
    .option('--hash-radius <bits>', 'Hamming radius (of 64 bits) within which two images are near-duplicates', int('--hash-radius'), DEFAULT_HASH_RADIUS)
    .option('--no-signals', 'measure nothing: no quality.jsonl, no flags, no grouping (the build path before signals)');
  addOutputOptions(build)
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  $ bgfill dataset build --source places365 --input /data/places365 --split train,val \\\n' +
        '      --include-categories @outdoor.txt --masks person-box --mask-splits val --out bundles/places-outdoor\n' +
        '  $ bgfill dataset build --input photos --split-ratios train=0.9,val=0.1 --out bundles/photos --gzip\n' +
        '  $ bgfill dataset build --input photos --split-ratios train=0.9,val=0.1 --reject blurry,upscaled --dedupe keep-one --out bundles/clean',
    )
    .action(async (flags: BuildFlags, command: Command) => {
      if ((flags.worker === undefined) !== (flags.workers === undefined)) {
        throw new BgfillError('--worker and --workers go together (e.g. --worker 0 --workers 4)');
      }
      if (flags.flagOnly && flags.reject !== undefined) throw new BgfillError('--flag-only keeps every record: drop it or --reject');
      const given = (name: string): boolean => command.getOptionValueSource(name) !== 'default';
      const { buildDataset } = await import('./build.js');
      const { parseCategoryList } = await import('./sources/categories.js');
      const { commandOutput, progressOption } = await import('@bgfill/core');
      const out = commandOutput(flags);
      const result = await buildDataset({
        source: flags.source,
        input: flags.input ?? '',
        out: flags.out,
        ...(flags.list ? { list: flags.list } : {}),
        ...(flags.lists ? { lists: flags.lists } : {}),
        ...(flags.pattern ? { patterns: flags.pattern } : {}),
        labels: flags.labels,
        ...(flags.split ? { splits: flags.split } : {}),
        ...(flags.splitRatios ? { splitRatios: flags.splitRatios } : {}),
        ...(flags.includeCategories ? { includeCategories: parseCategoryList(flags.includeCategories) } : {}),
        ...(flags.excludeCategories ? { excludeCategories: parseCategoryList(flags.excludeCategories) } : {}),
        size: flags.size,
        crop: flags.crop,
        keepSize: flags.keepSize ?? false,
        format: flags.format,
        quality: flags.quality,
        ...(flags.masks ? { masks: flags.masks } : {}),
        // Only a --mask-splits the user gave must name produced splits; the default val,test applies where it fits.
        ...(command.getOptionValueSource('maskSplits') === 'default' ? {} : { maskSplits: flags.maskSplits }),
        ...(flags.recordsPerShard !== undefined ? { recordsPerShard: flags.recordsPerShard } : {}),
        ...(flags.shardMb !== undefined ? { shardMb: flags.shardMb } : {}),
        gzip: flags.gzip ?? false,
        concurrency: flags.concurrency,
        seed: flags.seed,
        minSize: flags.minSize,
        upscale: flags.upscale ?? false,
        maxPixels: flags.maxPixels,
        flatten: flags.flatten,
        failOn: flags.failOn,
        ...(flags.workers !== undefined ? { worker: flags.worker, workers: flags.workers } : {}),
        signals: flags.signals,
        ...(flags.reject !== undefined ? { reject: flags.reject } : {}),
        ...(flags.thresholds !== undefined ? { thresholds: flags.thresholds } : {}),
        // Without signals there is nothing to group: only a --dedupe or --hash-radius the user gave is an error then.
        ...(flags.signals || given('dedupe') ? { dedupe: flags.dedupe } : {}),
        ...(flags.signals || given('hashRadius') ? { hashRadius: flags.hashRadius } : {}),
        progress: progressOption(flags),
      });
      const { formatBuildSummary, buildSummaryJson } = await import('./build-summary.js');
      out.info(formatBuildSummary(result).replace(/\n$/, ''));
      out.result(buildSummaryJson(result));
    });

  const verify = dataset
    .command('verify <dir>')
    .description('Check a bundle: shard digests and sizes, TFRecord framing and CRCs, Example schema, counts, index files')
    .option('--decode', 'also decode every image and mask and check sizes and hole ratios')
    .option('--concurrency <n>', 'records decoded at once', int('--concurrency'), 4);
  addOutputOptions(verify, 'print the report (ok, counts, every problem) as JSON on stdout; a bundle with problems still exits 2')
    .addHelpText('after', '\nExample:\n  $ bgfill dataset verify bundles/places --decode')
    .action(async (dir: string, flags: { decode?: boolean; concurrency: number; progress?: boolean; json?: boolean }) => {
      const { verifyBundle, formatIssue } = await import('./verify.js');
      const { commandOutput, progressOption } = await import('@bgfill/core');
      const out = commandOutput(flags);
      const report = await verifyBundle(dir, { decode: flags.decode ?? false, concurrency: flags.concurrency, progress: progressOption(flags) });
      for (const issue of report.issues) out.info(formatIssue(issue));
      out.result(report);
      const what = `${report.shards} shards, ${report.records} records${report.decoded ? `, ${report.decoded} decoded` : ''}`;
      if (!report.ok) throw new BgfillError(`${dir}: ${report.issues.length} problem(s) found (${what})`, { subject: dir });
      out.info(`${dir}: OK (${what})`);
    });

  dataset
    .command('inspect <dir>')
    .description('Print bundle statistics (with quality histograms, flags and near-duplicate groups) and optionally draw a preview grid with the masks over the images')
    .option('--split <name>', 'only this split (and preview it)')
    .option('--preview <file>', 'write a preview grid here: .png, .jpg/.jpeg or .webp (the extension picks the format)')
    .option('--overwrite', 'replace an existing --preview file (without it, an existing file is an error)')
    .option('--count <n>', 'records in the preview', int('--count'), 16)
    .option('--scan <n>', 'records read per split for size / hole statistics (0 = all)', int('--scan'), 1000)
    .option('--json', 'print the report as JSON')
    .addHelpText('after', '\nExample:\n  $ bgfill dataset inspect bundles/places --split val --preview val-grid.png --count 25')
    .action(async (dir: string, flags: { split?: string; preview?: string; overwrite?: boolean; count: number; scan: number; json?: boolean }) => {
      const { inspectBundle, formatInspectReport } = await import('./inspect.js');
      const report = await inspectBundle(dir, {
        ...(flags.split ? { split: flags.split } : {}),
        ...(flags.preview ? { preview: flags.preview } : {}),
        overwrite: flags.overwrite ?? false,
        count: flags.count,
        scan: flags.scan,
      });
      process.stdout.write(flags.json ? `${JSON.stringify(report, null, 2)}\n` : formatInspectReport(report));
    });

  addOutputOptions(
    dataset
      .command('audit <bundle-or-folder>')
      .description(
        'Find near-duplicate groups (and, in a bundle, groups that leak across splits), images under the build size and ' +
          'blurry, dark, low-information or upscaled images, in a bundle or a folder of images; writes audit.json and a ' +
          'contact sheet per finding',
      )
      .option('--out <dir>', 'folder for audit.json and the contact sheets (default: <name>-audit in the working folder)')
      .option('--overwrite', 'replace an earlier audit in --out')
      .option('--size <px>', 'folders: the build size images are measured at; smaller ones are listed', int('--size'), 256)
      .option('--hash-radius <bits>', `Hamming radius of a near-duplicate (default: the bundle's, else ${DEFAULT_HASH_RADIUS})`, int('--hash-radius'))
      .option('--thresholds <list>', `flag thresholds, flag=value (default: the bundle's, else ${formatThresholds()})`)
      .option('--concurrency <n>', 'images decoded at once', int('--concurrency'), 4)
      .option('--sheet-limit <n>', 'images per contact sheet', int('--sheet-limit'), 48),
    'print the report as JSON on stdout (the summary goes to stderr)',
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill dataset audit photos/ --out photos-audit            # before building: groups, small and blurry photos\n' +
        '  $ bgfill dataset audit bundles/places --json > audit.json    # an existing bundle: leaks across splits',
    )
    .action(
      async (
        target: string,
        flags: { out?: string; overwrite?: boolean; size: number; hashRadius?: number; thresholds?: string; concurrency: number; sheetLimit: number; json?: boolean; progress: boolean },
      ) => {
        const { auditDataset, formatAuditReport, defaultAuditOut } = await import('./audit.js');
        const report = await auditDataset(target, {
          out: flags.out ?? defaultAuditOut(target),
          overwrite: flags.overwrite ?? false,
          size: flags.size,
          ...(flags.hashRadius !== undefined ? { hashRadius: flags.hashRadius } : {}),
          ...(flags.thresholds !== undefined ? { thresholds: flags.thresholds } : {}),
          concurrency: flags.concurrency,
          sheetLimit: flags.sheetLimit,
          ...(flags.progress ? {} : { progress: false }),
        });
        if (flags.json) {
          process.stdout.write(`${JSON.stringify(report, null, 2)}\n`);
          process.stderr.write(formatAuditReport(report));
        } else process.stdout.write(formatAuditReport(report));
      },
    );

  dataset
    .command('merge <out> [dirs...]')
    .description('Join the worker manifests of a --worker/--workers build into one bundle (copying shards into <out> when needed)')
    .option('--json', 'print a JSON summary on stdout (the human lines go to stderr)')
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill dataset merge bundles/places bundles/places          # workers shared one folder\n' +
        '  $ bgfill dataset merge bundles/places w0 w1 w2 w3              # workers wrote separate folders',
    )
    .action(async (out: string, dirs: string[], flags: { json?: boolean }) => {
      const { mergeWorkers } = await import('./merge.js');
      const { commandOutput } = await import('@bgfill/core');
      const output = commandOutput(flags);
      const result = await mergeWorkers(out, dirs);
      output.info(
        `merged ${result.workers} workers into ${out}: ${result.manifest.records} records in ${result.manifest.shards.length} shards` +
          `${result.copied ? ` (${result.copied} files copied)` : ''}`,
      );
      const d = result.duplicates;
      if (d) {
        output.info(
          `near-duplicates grouped here, across all ${result.workers} workers (each worker sees only its own shards): ` +
            `${d.groups} groups of ${d.members} records, ${d.mode === 'keep-one' ? `${d.dropped} dropped` : `${d.moved} moved to their group's split`}, ` +
            `${result.rewritten} shards rewritten, ${d.leaks} groups span splits`,
        );
      }
      output.result({ out, workers: result.workers, records: result.manifest.records, shards: result.manifest.shards.length, copied: result.copied, duplicates: d ?? null, rewritten: result.rewritten });
    });
}

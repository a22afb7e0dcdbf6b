import { Option, type Command } from 'commander';
import { addOutputOptions, BgfillError, invalidParameter } from '@bgfill/core';

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
  progress?: boolean;
  json?: boolean;
}

/** Adds `bgfill dataset build | verify | inspect | merge`. */
export function registerDatasetCommands(program: Command): void {
  const dataset = program
    .command('dataset')
    .description('Build, verify, inspect and merge sharded TFRecord bundles (Places365 or any image folder)');

  const build = dataset
    .command('build')
    .description(
      'Turn Places365 or a folder of images into sharded TFRecord bundles (tf.train.Example records, an index per shard, ' +
        'dataset.json, rejects.jsonl). Rerun the same command to resume an interrupted build.',
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
    .option('--min-size <px>', 'reject images whose shorter side is under this', int('--min-size'), 64)
    .option('--upscale', 'upscale images under --min-size instead of rejecting them')
    .option('--max-pixels <n>', 'reject images with more pixels than this (decompression-bomb guard)', int('--max-pixels'), 100_000_000)
    .option('--flatten <colour>', 'background for transparent pixels', '#ffffff')
    .addOption(new Option('--fail-on <level>', "decoder complaints that reject an image (sharp's failOn)").choices(['none', 'truncated', 'error', 'warning']).default('warning'))
    .option('--worker <i>', 'build only shards i, i+N, i+2N, … (Slurm array / Indexed Job index)', int('--worker'))
    .option('--workers <n>', 'number of workers N; join their outputs with `bgfill dataset merge`', int('--workers'));
  addOutputOptions(build)
    .addHelpText(
      'after',
      '\nExample:\n' +
        '  $ bgfill dataset build --source places365 --input /data/places365 --split train,val \\\n' +
        '      --include-categories @outdoor.txt --masks person-box --mask-splits val --out bundles/places-outdoor\n' +
        '  $ bgfill dataset build --input photos --split-ratios train=0.9,val=0.1 --out bundles/photos --gzip',
    )
    .action(async (flags: BuildFlags, command: Command) => {
      if ((flags.worker === undefined) !== (flags.workers === undefined)) {
        throw new BgfillError('--worker and --workers go together (e.g. --worker 0 --workers 4)');
      }
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
        progress: progressOption(flags),
      });
      const kept = result.shardsKept > 0 ? ` (${result.shardsKept} kept from an earlier run)` : '';
      out.info(
        `${result.workerManifest ? `worker share written: ${result.workerManifest}` : `bundle written: ${result.out}`}\n` +
          `  ${result.shardsWritten + result.shardsKept} shards${kept}, ${result.records} records ` +
          `(${result.passthrough} passed through unchanged), ${result.rejected} inputs rejected` +
          `${result.rejected > 0 && !result.workerManifest ? ` — see ${result.out}/rejects.jsonl` : ''}`,
      );
      const splits = Object.entries(result.manifest?.splits ?? {}).map(([name, s]) => ({ name, records: s.count, shards: s.shards, masks: s.hasMasks ? s.maskStrategy : null }));
      for (const s of splits) out.info(`  ${s.name}: ${s.records} records in ${s.shards} shards${s.masks ? `, masks ${s.masks}` : ''}`);
      out.result({
        out: result.out,
        workerManifest: result.workerManifest ?? null,
        records: result.records,
        rejected: result.rejected,
        passthrough: result.passthrough,
        shardsWritten: result.shardsWritten,
        shardsKept: result.shardsKept,
        splits,
      });
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
    .description('Print bundle statistics and optionally draw a preview grid with the masks over the images')
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
      output.result({ out, workers: result.workers, records: result.manifest.records, shards: result.manifest.shards.length, copied: result.copied });
    });
}

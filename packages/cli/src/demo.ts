import { readdir, rm, stat } from 'node:fs/promises';
import { join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { BgfillError, atomicWriteJson, invalidParameter } from '@bgfill/core';
import { generateMaskFolder } from '@bgfill/masks';
import { buildDataset } from '@bgfill/dataset';
import { createPredictor, resolveTrainConfig, train } from '@bgfill/trainer';
import { msssimScalesThatFit, scoreRun } from '@bgfill/eval';
export { DEMO_DEFAULTS } from './demo-defaults.js';

/** The embedded sample scenes (`samples/scenes/*.jpg`, 256×256 JPEG; credits in samples/CREDITS.md). */
export const SAMPLE_SCENES = fileURLToPath(new URL('../../../samples/scenes/', import.meta.url));
/** Side of every sample scene. */
export const SAMPLE_SIDE = 256;

/** Marks a folder as a demo's output, so that a second `bgfill demo` may replace it. */
const DEMO_MARKER = 'demo.json';

export interface DemoOptions {
  out: string;
  /** Side of the square training images (the bundle is built at this size). */
  size: number;
  cnum: number;
  epochs: number;
  stepsPerEpoch: number;
  batchSize: number;
  lr: number;
  backend: string;
  seed: number;
  /** Mask strategy for online training masks and the validation split's fixed masks. */
  masks: string;
  /** Folder of scene images (default: the embedded samples). */
  images: string;
  /**
   * Fine-tune from these weights instead of training from scratch (a PyTorch .pth, safetensors, a bgfill checkpoint
   * or an epoch folder of an earlier run; the net's width then comes from them, not from `cnum`). The eval scores
   * them as epoch 0, "start", and every epoch is compared with them.
   */
  init?: string;
  overwrite: boolean;
  log: (line: string) => void;
  progress?: boolean;
}


export interface DemoResult {
  out: string;
  masks: string;
  maskPreview: string;
  bundle: string;
  run: string;
  eval: string;
  report: string;
  bestEpoch: number;
  /** The report's first line: the best epoch against the start (or the first epoch), in words. */
  verdict: string;
}

async function prepareOutput(out: string, overwrite: boolean): Promise<void> {
  let entries: string[];
  try {
    entries = await readdir(out);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
    if ((err as NodeJS.ErrnoException).code === 'ENOTDIR') throw new BgfillError(`${out}: exists and is not a folder`);
    throw err;
  }
  if (entries.length === 0) return;
  if (!overwrite && !entries.includes(DEMO_MARKER)) {
    throw new BgfillError(
      `${out}: the folder exists and holds other files; choose another --out or pass --overwrite to replace it`,
      { subject: out },
    );
  }
  await rm(out, { recursive: true, force: true });
}

/**
 * The whole pipeline on the embedded sample photos: masks → dataset bundle (train, and val with fixed masks) →
 * fine-tune a small generator for a few epochs → score every epoch → HTML report.
 * @example await runDemo({ ...DEMO_DEFAULTS, images: SAMPLE_SCENES, overwrite: false, log: console.log })
 */
export async function runDemo(options: DemoOptions): Promise<DemoResult> {
  const out = resolve(options.out);
  const images = resolve(options.images);
  if (!(await stat(images).then((s) => s.isDirectory(), () => false))) {
    throw invalidParameter('images', 'a folder of scene photos', options.images);
  }
  await prepareOutput(out, options.overwrite);
  const { log } = options;
  const paths = {
    masks: join(out, 'masks'),
    maskPreview: join(out, 'masks', 'preview.png'),
    bundle: join(out, 'bundle'),
    run: join(out, 'run'),
    eval: join(out, 'run', 'eval'),
  };
  const started = Date.now();
  const step = (n: number, what: string) => log(`\n[${n}/4] ${what}`);

  step(1, `masks: 64 × ${options.size}² "${options.masks}"`);
  await generateMaskFolder({
    config: options.masks,
    out: paths.masks,
    count: 64,
    size: { width: options.size, height: options.size },
    seed: options.seed,
    preview: paths.maskPreview,
    progress: options.progress,
  });

  step(2, `dataset: ${relative(process.cwd(), images) || '.'} → train / val bundle at ${options.size}², fixed masks on val`);
  // The embedded scenes are 256²: a larger --size enlarges them (what `dataset build --upscale` does, recorded per
  // record), said here because enlarged targets teach blur; a folder of the user's own photos is never enlarged.
  const upscale = images === resolve(SAMPLE_SCENES) && options.size > SAMPLE_SIDE;
  if (upscale) log(`  note: the sample scenes are ${SAMPLE_SIDE}²: at --size ${options.size} they are enlarged (fine for a demo; train on photos at least that large)`);
  const built = await buildDataset({
    upscale,
    source: 'folder',
    input: images,
    out: paths.bundle,
    splitRatios: 'train=0.75,val=0.25',
    size: options.size,
    masks: options.masks,
    maskSplits: ['val'],
    recordsPerShard: 16,
    seed: options.seed,
    progress: options.progress,
  });
  log(`  ${built.records} records, ${built.rejected} rejected, ${built.shardsWritten} shards`);

  const init = options.init === undefined ? undefined : resolve(options.init);
  step(3, `train: ${init ? `fine-tune from ${relative(process.cwd(), init) || init}` : `cnum ${options.cnum}`}, ${options.epochs} epochs × ${options.stepsPerEpoch} steps, batch ${options.batchSize}`);
  const config = resolveTrainConfig(
    {},
    {
      data: paths.bundle,
      out: paths.run,
      epochs: options.epochs,
      stepsPerEpoch: options.stepsPerEpoch,
      batchSize: options.batchSize,
      masks: options.masks,
      seed: options.seed,
      backend: options.backend,
      // Fine-tuning takes the net's width from its weights.
      ...(init ? { init } : { 'generator.cnum': options.cnum }),
      'optimizer.lr': options.lr,
      shuffleBuffer: 64,
    },
    'bgfill demo',
  );
  // The full list of trainable tensors goes to the run's log; the demo shows the summary lines only.
  const tensorLine = /^(trainable tensors:|\s+\S+ \[[\d×]*\])$/;
  await train(config, { log: (line) => (tensorLine.test(line) ? undefined : log(`  ${line}`)), progress: options.progress });

  step(4, `eval: score ${init ? 'the start and ' : ''}every epoch and a Telea fill on the val split, choose the best, write the report`);
  // MS-SSIM's standard 5 scales need images of 96² or more; smaller demo images use as many scales as fit.
  const scales = Math.max(1, msssimScalesThatFit(options.size, 11));
  if (scales < 5) log(`  MS-SSIM over ${scales} scales: ${options.size}² is too small for the standard 5 (needs 96²)`);
  const scored = await scoreRun({
    run: paths.run,
    data: paths.bundle,
    split: 'val',
    out: paths.eval,
    backend: options.backend,
    loadPredictor: (path, o) => createPredictor(path, o),
    baselines: ['telea'],
    metrics: scales < 5 ? { msssim: { scales } } : undefined,
    progress: options.progress,
    log: (line) => log(`  ${line}`),
  });

  const result: DemoResult = {
    out,
    ...paths,
    report: scored.files.report ?? join(paths.eval, 'report.html'),
    bestEpoch: scored.best.epoch,
    verdict: scored.statistics.sentence,
  };
  await atomicWriteJson(join(out, DEMO_MARKER), { ...result, options: { ...options, log: undefined }, seconds: (Date.now() - started) / 1000 });
  return result;
}

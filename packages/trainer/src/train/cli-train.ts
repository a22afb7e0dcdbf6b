import { InvalidArgumentError, type Command } from 'commander';
import { addOutputOptions } from '@bgfill/core';

/**
 * `bgfill train`: options only; the work happens in `./run-train.js`, loaded inside the action so that
 * `bgfill --help` does not load TensorFlow.js.
 */

const number = (flag: string) => (value: string): number => {
  const n = Number(value);
  if (value.trim() === '' || Number.isNaN(n)) throw new InvalidArgumentError(`${flag} expects a number, got "${value}"`);
  return n;
};

/** Each value flag and the config field it overrides (dotted path). Parsed numbers are range-checked by the schema. */
export const TRAIN_FLAGS = [
  { flag: '--data <bundle>', key: 'data', path: 'data', help: 'dataset bundle folder (from `bgfill dataset build`)' },
  { flag: '--init <checkpoint>', key: 'init', path: 'init', help: 'initial generator: .pth, .safetensors or bgfill checkpoint (default: from scratch)' },
  { flag: '--arch <name>', key: 'arch', path: 'arch', help: 'inpaintsanet or rfrnet (default: the architecture --init holds, else inpaintsanet)' },
  { flag: '--vgg <file>', key: 'vgg', path: 'rfrnet.vgg', help: "rfrnet: torchvision's ImageNet VGG-16 weights (vgg16-397923af.pth) for the perceptual and style losses" },
  { flag: '--batch-norm <mode>', key: 'batchNorm', path: 'rfrnet.batchNorm', help: "rfrnet: 'frozen' (running statistics, the authors' fine-tuning) or 'train' (default: frozen with --init, else train)" },
  { flag: '--epochs <n>', key: 'epochs', path: 'epochs', help: 'epochs', default: 12, num: true },
  { flag: '--steps-per-epoch <n>', key: 'stepsPerEpoch', path: 'stepsPerEpoch', help: 'steps per epoch (default: one pass over the split)', num: true },
  { flag: '--batch-size <n>', key: 'batchSize', path: 'batchSize', help: 'images per step', default: 8, num: true },
  { flag: '--crop <px>', key: 'crop', path: 'crop', help: 'random square crop side (default: the bundle image size)', num: true },
  { flag: '--lr <rate>', key: 'lr', path: 'optimizer.lr', help: 'generator learning rate (Adam)', default: 1e-4, num: true },
  { flag: '--d-lr <rate>', key: 'dLr', path: 'optimizer.dLr', help: 'discriminator learning rate (default: --lr)', num: true },
  { flag: '--schedule <type>', key: 'schedule', path: 'optimizer.schedule.type', help: 'learning-rate schedule: constant, step or cosine', default: 'constant' },
  { flag: '--masks <recipe>', key: 'masks', path: 'masks', help: 'online mask recipe (short form or JSON; person banks and ramps too, e.g. "person-bank:bank/(dilate=ramp(2,10,0,8))"), or "bundle" for the stored masks', default: 'person-box+scribble:0-3' },
  { flag: '--l1-hole-weight <w>', key: 'l1HoleWeight', path: 'loss.hole', help: 'L1 weight inside the hole', default: 1, num: true },
  { flag: '--l1-valid-weight <w>', key: 'l1ValidWeight', path: 'loss.valid', help: 'L1 weight outside the hole', default: 1, num: true },
  { flag: '--adv-weight <w>', key: 'advWeight', path: 'loss.adv', help: 'hinge adversarial loss weight (0: the discriminator is not trained)', default: 1, num: true },
  { flag: '--msssim-weight <w>', key: 'msssimWeight', path: 'loss.msssim', help: 'weight of 1 − MS-SSIM on the refined output', default: 0, num: true },
  { flag: '--cnum <n>', key: 'cnum', path: 'generator.cnum', help: 'generator width (default: from --init, else 32)', num: true },
  { flag: '--d-cnum <n>', key: 'dCnum', path: 'discriminator.cnum', help: 'discriminator width', default: 64, num: true },
  { flag: '--backend <name>', key: 'backend', path: 'backend', help: 'auto, webgpu, tensorflow, wasm or cpu', default: 'auto' },
  {
    flag: '--kernels <set>',
    key: 'kernels',
    path: 'kernels',
    help: "webgpu backend only: stock (tfjs's kernels) or fused (bgfill's fused WGSL training kernels: opt-in, checked against the cpu backend, not yet timed on a GPU) (default: $BGFILL_WEBGPU_KERNELS, else stock)",
  },
  { flag: '--seed <n>', key: 'seed', path: 'seed', help: 'seed of initialisation, data order, crops and masks', default: 0, num: true },
  { flag: '--split <name>', key: 'split', path: 'split', help: 'training split', default: 'train' },
  { flag: '--val-split <name>', key: 'valSplit', path: 'valSplit', help: 'split whose first images are drawn in samples.png', default: 'val' },
] as const;

export interface TrainCliOptions {
  out: string;
  config?: string;
  freeze?: string[];
  resume?: boolean;
  progress?: boolean;
  json?: boolean;
  [key: string]: unknown;
}

/**
 * Add `bgfill train` to a program.
 * @example registerTrainCommand(program)
 */
export function registerTrainCommand(program: Command): void {
  const cmd = program
    .command('train')
    .description(
      'Fine-tune an inpainting network on a dataset bundle with online person-shaped masks: InpaintSANet with L1 + hinge-GAN ' +
        '(SN-PatchGAN) + optional MS-SSIM losses, or RFR-Net (--arch rfrnet) with its published L1/perceptual/style/TV objective; ' +
        'writes RUN/epoch-NNNN/ checkpoints, samples.png, log.jsonl and config.json.',
    )
    .requiredOption('--out <run>', 'run folder (must not exist unless --resume)')
    .option('--config <file>', 'JSON training config (flags override its fields)');
  for (const f of TRAIN_FLAGS) {
    const parser = 'num' in f && f.num ? number(f.flag.split(' ')[0]) : undefined;
    if (parser && 'default' in f) cmd.option(f.flag, f.help, parser, f.default as number);
    else if (parser) cmd.option(f.flag, f.help, parser);
    else if ('default' in f) cmd.option(f.flag, f.help, f.default as string);
    else cmd.option(f.flag, f.help);
  }
  addOutputOptions(
    cmd
      .option('--freeze <pattern...>', 'keep parameters whose names match (glob with * and ?, or /regex/) frozen')
      .option('--resume', 'continue the run in --out from its newest complete epoch', false),
    'print a JSON summary on stdout at the end: run folder, checkpoints written, last epoch, steps, the resolved config (the log lines go to stderr)',
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill train --data places-bundle --out runs/gates --init InpaintSANet.pth --epochs 12 --batch-size 8 \\\n' +
        "      --masks 'person-box+scribble:0-3' --freeze '*.conv2d.*' --msssim-weight 0.2\n" +
        '  $ bgfill train --data places-bundle --out runs/rfr --init RFR_places2.pth --vgg vgg16-397923af.pth --lr 5e-5 --batch-size 6\n' +
        '  $ bgfill train --out runs/gates --resume\n' +
        '  $ bgfill train --data places-bundle --out runs/gpu --backend webgpu --kernels fused\n' +
        '\nRFR-Net (--arch rfrnet, or an --init holding it) trains with rfrnet.loss weights (valid 1, hole 6, perceptual 0.05,\n' +
        "style 120, tv 0.1; set in --config) and no discriminator: --adv-weight, --msssim-weight, --l1-*-weight, --cnum and\n" +
        '--d-cnum are InpaintSANet\'s. The authors fine-tuned with Adam at lr 5e-5, betas (0.9, 0.999) (optimizer.betas in --config).',
    )
    .action(async (options: TrainCliOptions, command: Command) => {
      const { runTrainCommand } = await import('./run-train.js');
      const overrides: Record<string, unknown> = {};
      const flagOf: Record<string, string> = {};
      for (const f of TRAIN_FLAGS) {
        if (command.getOptionValueSource(f.key) !== 'cli') continue;
        overrides[f.path] = options[f.key];
        flagOf[f.path] = f.flag.split(' ')[0];
      }
      if (options.freeze) {
        overrides.freeze = options.freeze;
        flagOf.freeze = '--freeze';
      }
      overrides.out = options.out;
      flagOf.out = '--out';
      // An unknown --arch is refused with the known names and the nearest (the config schema alone would not say it).
      if (overrides.arch !== undefined) (await import('../arch/registry.js')).parseArchOption(String(overrides.arch));
      await runTrainCommand({ configFile: options.config, overrides, flagOf, resume: options.resume === true, progress: options.progress !== false, json: options.json === true });
    });
}

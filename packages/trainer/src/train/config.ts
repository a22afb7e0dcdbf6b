import { readFile } from 'node:fs/promises';
import { z } from 'zod';
import { BgfillError, badFile } from '@bgfill/core';
import { ARCH_NAMES } from '../arch/names.js';
import { WEBGPU_KERNEL_CHOICES } from '../backend/webgpu-fused/kernel-choice.js';

/** The split drawn in samples.png and scored each epoch, unless --val-split names another. */
export const DEFAULT_VAL_SPLIT = 'val';

/**
 * The training configuration: one zod schema is the single list of fields, defaults and limits.
 * A JSON file (`--config`) is validated against it, CLI flags override single fields, and the resolved
 * result is written to `RUN/config.json` (a resumed run reads it back from there).
 *
 * Defaults follow DeepFill v2's published trainer where it has one: Adam with lr 1e-4, β = (0.5, 0.999)
 * for both networks, L1 and GAN loss weights of 1 (`inpaint.yml`: l1_loss_alpha 1, gan_loss_alpha 1),
 * SN-PatchGAN discriminator width 64.
 */

const positiveInt = z.number().int().positive();
const finiteNonNegative = z.number().finite().nonnegative();

export const LR_SCHEDULES = ['constant', 'step', 'cosine'] as const;
export const BACKEND_CHOICES = ['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu'] as const;
/** Names of InpaintSANet's logged loss terms. */
export const LOSS_NAMES = ['l1Coarse', 'l1Refined', 'adv', 'msssim', 'dReal', 'dFake'] as const;
export type LossName = (typeof LOSS_NAMES)[number];
/** Names of RFR-Net's logged loss terms (its published objective). */
export const RFRNET_LOSS_NAMES = ['l1Valid', 'l1Hole', 'perceptual', 'style', 'tv'] as const;
export type RfrNetLossName = (typeof RFRNET_LOSS_NAMES)[number];

const scheduleSchema = z.strictObject({
  /** constant: lr throughout; step: × gamma every `stepEpochs` epochs; cosine: from lr to minLr over the run. */
  type: z.enum(LR_SCHEDULES).default('constant'),
  stepEpochs: positiveInt.default(4),
  gamma: z.number().positive().max(1).default(0.1),
  minLr: finiteNonNegative.default(0),
  /** Linear warm-up from 0 over this many steps (all schedules). */
  warmupSteps: z.number().int().nonnegative().default(0),
});

const optimizerSchema = z.strictObject({
  lr: z.number().finite().positive().default(1e-4),
  /** Discriminator learning rate; null = same as `lr`. */
  dLr: z.number().finite().positive().nullable().default(null),
  betas: z.tuple([z.number().min(0).lt(1), z.number().min(0).lt(1)]).default([0.5, 0.999]),
  eps: z.number().finite().positive().default(1e-8),
  schedule: scheduleSchema.default(() => scheduleSchema.parse({})),
});

const lossSchema = z.strictObject({
  /** Weight of the L1 term on the coarse output. */
  l1Coarse: finiteNonNegative.default(1),
  /** Weight of the L1 term on the refined output. */
  l1Refined: finiteNonNegative.default(1),
  /** Per-pixel weight of L1 inside the hole (mask = 1). */
  hole: finiteNonNegative.default(1),
  /** Per-pixel weight of L1 outside the hole. */
  valid: finiteNonNegative.default(1),
  /** Weight of the generator's hinge adversarial loss; 0 disables the discriminator entirely. */
  adv: finiteNonNegative.default(1),
  /** Weight of (1 − MS-SSIM) on the refined output; 0 disables it. */
  msssim: finiteNonNegative.default(0),
  /** MS-SSIM scales; null = as many as the crop allows, up to the standard 5 (small crops need fewer). */
  msssimScales: z.number().int().min(1).max(5).nullable().default(null),
  /** MS-SSIM Gaussian window side (odd; 11 is the standard). */
  msssimWindow: z.number().int().min(3).refine((w) => w % 2 === 1, 'must be odd').default(11),
});

/**
 * Generator options; a field left out comes from the `init` checkpoint when there is one, else the model's default
 * (cnum 32, spatial gate, no attention variants). The run's config.json holds the generator's full resolved config.
 */
const generatorSchema = z.strictObject({
  cnum: positiveInt.optional(),
  inChannels: z.literal(4).optional(),
  gate: z.enum(['spatial', 'gct', 'spatial*gct']).optional(),
  scaledAttention: z.boolean().optional(),
  coordAttention: z.boolean().optional(),
});

/**
 * RFR-Net's training settings (`--arch rfrnet`). Its objective is the authors' (RFRNetModel.get_g_loss): L1 on the
 * output outside (valid) and inside (hole) the hole, perceptual and style losses on VGG-16's pool1, pool2 and pool3
 * features of the output and of the composite, and total variation of the composite inside the hole.
 */
export const rfrnetTrainSchema = z.strictObject({
  /** Network width; default: from --init, else 64 (the authors'). */
  width: positiveInt.optional(),
  /** Recurrences of the feature-reasoning module; default: from a bgfill --init, else 6. */
  iterations: positiveInt.optional(),
  /**
   * 'frozen': every batch norm keeps its running statistics, not updated, while its weight and bias train (the
   * authors' `finetune` mode); 'train': batch statistics. null: 'frozen' with --init (fine-tuning), else 'train'.
   */
  batchNorm: z.enum(['train', 'frozen']).nullable().default(null),
  /** torchvision's ImageNet VGG-16 weights (`vgg16-397923af.pth`) for the perceptual and style losses. */
  vgg: z.string().min(1).nullable().default(null),
  loss: z
    .strictObject({
      valid: finiteNonNegative.default(1),
      hole: finiteNonNegative.default(6),
      perceptual: finiteNonNegative.default(0.05),
      style: finiteNonNegative.default(120),
      tv: finiteNonNegative.default(0.1),
    })
    .default(() => ({ valid: 1, hole: 6, perceptual: 0.05, style: 120, tv: 0.1 })),
});
export type RfrNetTrainConfig = z.infer<typeof rfrnetTrainSchema>;

const discriminatorSchema = z.strictObject({
  cnum: positiveInt.default(64),
  /** Power iterations per discriminator update (DeepFill v2 and PyTorch's spectral_norm use 1). */
  powerIterations: positiveInt.default(1),
});

const debugSchema = z.strictObject({
  /** Fault injection for tests and drills: this loss becomes NaN at this global step (1-based). */
  injectNan: z.strictObject({ step: positiveInt, loss: z.enum([...LOSS_NAMES, ...RFRNET_LOSS_NAMES]) }).optional(),
});

export const trainConfigSchema = z.strictObject({
  /** Dataset bundle folder (from `bgfill dataset build`). */
  data: z.string().min(1),
  /** Run folder. */
  out: z.string().min(1),
  split: z.string().min(1).default('train'),
  /** Split with the fixed images drawn in each epoch's samples.png (falls back to the train split if absent). */
  valSplit: z.string().min(1).default(DEFAULT_VAL_SPLIT),
  /** Initial generator weights: .pth / .safetensors / bgfill checkpoint; null = from scratch (seeded). */
  init: z.string().min(1).nullable().default(null),
  /**
   * The architecture (src/arch); absent = the one --init holds, else InpaintSANet. config.json holds the resolved
   * name, except InpaintSANet's, left out as in the runs before the registry (absent = InpaintSANet).
   */
  arch: z.enum(ARCH_NAMES).optional(),
  epochs: positiveInt.default(12),
  /** Steps per epoch; null = one pass over the split (count / batch size, rounded down, at least 1). */
  stepsPerEpoch: positiveInt.nullable().default(null),
  batchSize: positiveInt.default(8),
  /** Random square crop side; null = the bundle's image size. */
  crop: positiveInt.nullable().default(null),
  /** Mask strategy short form / JSON for online masks, or "bundle" for the masks stored in the records. */
  masks: z.string().min(1).default('person-box+scribble:0-3'),
  /** SHA-256 of each person bank the recipe reads, by the path it names (recorded by train; a change refuses --resume). */
  maskBanks: z.record(z.string(), z.string()).optional(),
  /** Parameter-name patterns (globs such as `*.mask_conv2d.*`, or /regex/) to keep frozen. */
  freeze: z.array(z.string().min(1)).default([]),
  shuffleBuffer: z.number().int().nonnegative().default(1000),
  /** Validation images drawn in samples.png. */
  sampleCount: z.number().int().min(1).max(16).default(4),
  seed: z.number().int().nonnegative().default(0),
  backend: z.enum(BACKEND_CHOICES).default('auto'),
  /** Kernels on the webgpu backend: stock (tfjs's) or fused (bgfill's, opt-in); null = BGFILL_WEBGPU_KERNELS, else stock. */
  kernels: z.enum(WEBGPU_KERNEL_CHOICES).nullable().default(null),
  generator: generatorSchema.default({}),
  /** RFR-Net's settings; only for --arch rfrnet (config.json holds them resolved). */
  rfrnet: rfrnetTrainSchema.optional(),
  discriminator: discriminatorSchema.default(() => discriminatorSchema.parse({})),
  optimizer: optimizerSchema.default(() => optimizerSchema.parse({})),
  loss: lossSchema.default(() => lossSchema.parse({})),
  debug: debugSchema.default({}),
});

/** The fully resolved configuration, as saved in `RUN/config.json`. */
export type TrainConfig = z.infer<typeof trainConfigSchema>;
/** What a user may write: every field optional except where the schema has no default. */
export type TrainConfigInput = z.input<typeof trainConfigSchema>;

/** Turn zod issues into one BgfillError that names each bad field by its path. */
function configError(issues: readonly z.core.$ZodIssue[], source: string): BgfillError {
  const lines = issues.map((issue) => {
    const path = issue.path.length ? issue.path.map(String).join('.') : '(root)';
    return `  ${path}: ${issue.message}`;
  });
  return new BgfillError(`Invalid training config (${source}):\n${lines.join('\n')}`, { subject: source });
}

/**
 * Validate a configuration object and fill defaults.
 * @example parseTrainConfig({ data: 'bundle', out: 'run', epochs: 2 }).optimizer.lr // 1e-4
 */
export function parseTrainConfig(input: unknown, source = 'config'): TrainConfig {
  const result = trainConfigSchema.safeParse(input);
  if (!result.success) throw configError(result.error.issues, source);
  return result.data;
}

/**
 * Read a JSON config file (any subset of the fields) without validating it yet.
 * @example resolveTrainConfig(await readConfigFile('train.json'), { epochs: 3 }, 'train.json')
 */
export async function readConfigFile(path: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    throw badFile(path, `cannot read the config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, err);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (err) {
    throw badFile(path, `not valid JSON: ${(err as Error).message}`, err);
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) throw badFile(path, 'expected a JSON object');
  return value as Record<string, unknown>;
}

/** A flat override such as `{ 'optimizer.lr': 1e-3 }`, applied by dotted path. */
export type ConfigOverrides = Record<string, unknown>;

/**
 * Merge dotted-path overrides into a plain config object (the file's content), then validate.
 * @example resolveTrainConfig({ epochs: 3 }, { 'optimizer.lr': 5e-5, data: 'b', out: 'r' })
 */
export function resolveTrainConfig(base: Record<string, unknown>, overrides: ConfigOverrides, source = 'config'): TrainConfig {
  const merged: Record<string, unknown> = structuredClone(base);
  for (const [path, value] of Object.entries(overrides)) {
    if (value === undefined) continue;
    const keys = path.split('.');
    let node = merged;
    for (const key of keys.slice(0, -1)) {
      const child = node[key];
      if (child === undefined || child === null || typeof child !== 'object') node[key] = {};
      node = node[key] as Record<string, unknown>;
    }
    node[keys[keys.length - 1]] = value;
  }
  return parseTrainConfig(merged, source);
}

/** Read a dotted path from a resolved config (for comparing overrides against a saved run). */
export function configValueAt(config: TrainConfig, path: string): unknown {
  let node: unknown = config;
  for (const key of path.split('.')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

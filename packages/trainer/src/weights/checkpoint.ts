import { stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError, badFile, errorMessage, invalidParameter } from '@bgfill/core';
import { resolveGeneratorConfig, type GeneratorConfig } from '../model/config.js';
import { InpaintGenerator } from '../model/generator.js';
import { parseSafetensors, writeSafetensors } from './safetensors.js';
import { readSource, readTorchStateDict } from './torch-reader.js';
import { inferGeneratorConfig } from './infer-config.js';
import { permuteLayout, type WeightMap, type WeightTensor } from './weight-tensor.js';
import { GENERATOR_ANCHOR_KEY, selectNetworkWeights } from './generator-prefix.js';
import { otherNetHint } from './other-nets.js';
import { loadedOrDisposed } from '../model/param-store.js';

/** `__metadata__.format` of a bgfill generator checkpoint. */
export const CHECKPOINT_FORMAT = 'bgfill-generator';
/** Metadata keys a checkpoint reserves for itself. */
export const RESERVED_METADATA_KEYS = ['format', 'config', 'arch'] as const;
/**
 * The architecture of a bgfill checkpoint without `arch` metadata: InpaintSANet, the one net of every checkpoint
 * written before the model registry. Its checkpoints still leave `arch` out, so they stay byte-identical to those.
 */
export const UNMARKED_CHECKPOINT_ARCH = 'inpaintsanet';

/** What a checkpoint needs of a network: its architecture's name, config, state_dict specs and tensors. */
export type CheckpointNet = Pick<InpaintGenerator, 'specs' | 'params' | 'buffers'> & { readonly arch: string; readonly config: object };

/**
 * The generator's state_dict as a WeightMap in PyTorch layout (OIHW kernels, int64 num_batches_tracked), exactly
 * what the PyTorch module's `state_dict()` holds, so it loads there with `load_state_dict`.
 * @example
 * const weights = await generatorWeights(g); await writeSafetensors('g.safetensors', weights);
 */
export async function generatorWeights(generator: Pick<CheckpointNet, 'specs' | 'params' | 'buffers'>): Promise<WeightMap> {
  const weights: WeightMap = new Map();
  for (const spec of generator.specs) {
    const variable = generator.params.get(spec.name) ?? generator.buffers.get(spec.name);
    if (!variable) throw new Error(`internal: generator lacks ${spec.name}`);
    const values = await variable.data();
    const tensor: WeightTensor =
      spec.dtype === 'int32'
        ? { shape: [...spec.shape], dtype: 'int64', data: BigInt64Array.from(values as Int32Array, (v) => BigInt(v)), layout: 'pytorch' }
        : {
            shape: [...spec.shape],
            dtype: 'float32',
            // A new array either way: permuted for kernels, copied otherwise (data() may hand out the backend's own).
            data: spec.shape.length === 4 ? permuteLayout(values as Float32Array, variable.shape, 'tfjs', 'pytorch') : (values as Float32Array).slice(),
            layout: 'pytorch',
          };
    weights.set(spec.name, tensor);
  }
  return weights;
}

/**
 * Save a bgfill generator checkpoint: a `.safetensors` file (written atomically) with the weights in PyTorch
 * layout and `__metadata__` holding `format: "bgfill-generator"`, `arch: <architecture name>` (left out for
 * InpaintSANet, see UNMARKED_CHECKPOINT_ARCH), `config: <the network's config as JSON>` and the given string metadata
 * (epoch, metrics, …). Any safetensors reader, and PyTorch through it, can load it.
 * @example
 * await saveGeneratorCheckpoint('runs/a/epoch-012.safetensors', g, { epoch: '12' });
 */
export async function saveGeneratorCheckpoint(path: string, generator: CheckpointNet, metadata: Record<string, string> = {}): Promise<void> {
  for (const key of RESERVED_METADATA_KEYS) {
    if (key in metadata) throw invalidParameter(`metadata key "${key}"`, `a key other than ${RESERVED_METADATA_KEYS.join(', ')}`, key);
  }
  const weights = await generatorWeights(generator);
  const arch: Record<string, string> = generator.arch === UNMARKED_CHECKPOINT_ARCH ? {} : { arch: generator.arch };
  await writeSafetensors(path, weights, { ...metadata, format: CHECKPOINT_FORMAT, ...arch, config: JSON.stringify(generator.config) });
}

/** A weight file's contents, whatever its format. */
export interface WeightFile {
  weights: WeightMap;
  /** safetensors `__metadata__`; {} for PyTorch checkpoints. */
  metadata: Record<string, string>;
  format: 'torch' | 'safetensors';
  source: string;
}

function looksLikeSafetensors(bytes: Uint8Array): boolean {
  if (bytes.length < 10) return false;
  const n = new DataView(bytes.buffer, bytes.byteOffset, 8).getBigUint64(0, true);
  return n > 1n && n <= BigInt(bytes.length - 8) && bytes[8] === 0x7b; // '{'
}

/**
 * Read weights from a `.pth`/`.pt`/`.tar` (zip or legacy) PyTorch checkpoint or a `.safetensors` file, telling
 * them apart by content, not by extension.
 * @example
 * const { weights, format } = await readWeightFile('model.safetensors');
 */
export async function readWeightFile(input: string | Uint8Array): Promise<WeightFile> {
  const { bytes, source } = await readSource(input, 'weights');
  if (looksLikeSafetensors(bytes)) {
    const { weights, metadata } = parseSafetensors(bytes, source);
    return { weights, metadata, format: 'safetensors', source };
  }
  const weights = await readTorchStateDict(typeof input === 'string' ? input : bytes);
  return { weights, metadata: {}, format: 'torch', source };
}

/** The generator file of a bgfill epoch folder (`runs/a/epoch-0004/generator.safetensors`). */
const EPOCH_GENERATOR_FILE = 'generator.safetensors';

/**
 * A weight file path as given, or, for a folder, the epoch folder's generator file (with a note); a folder without
 * one is an error naming what to give.
 */
export async function weightFileIn(path: string, onNote?: (message: string) => void): Promise<string> {
  const info = await stat(path).catch(() => undefined);
  if (!info?.isDirectory()) return path;
  const inside = join(path, EPOCH_GENERATOR_FILE);
  if (!(await stat(inside).then((s) => s.isFile(), () => false))) {
    throw badFile(path, `is a folder without ${EPOCH_GENERATOR_FILE}: give a weight file (.pth, .safetensors) or an epoch folder`);
  }
  onNote?.(`${path}: using its ${EPOCH_GENERATOR_FILE}`);
  return inside;
}

/** The other files of a bgfill epoch folder, by their safetensors `format` metadata. */
const OTHER_BGFILL_FORMATS: Readonly<Record<string, string>> = {
  'bgfill-sn-patchgan': 'a discriminator checkpoint (SN-PatchGAN)',
  'bgfill-adam': 'an optimizer state file (Adam moments)',
};

export interface LoadGeneratorOptions {
  /** Overrides for the config; fields not given come from the checkpoint's metadata, then from the weights' shapes. */
  config?: Partial<GeneratorConfig>;
  /** Default true: unknown, missing or mismatched keys throw one BgfillError naming the file and the keys. */
  strict?: boolean;
  /** With strict false, receives the problems as a warning. */
  onWarning?: (message: string) => void;
  /** Receives what the loader chose on its own (weights found under a name prefix). */
  onNote?: (message: string) => void;
}

/**
 * The config a bgfill checkpoint stores ({} for other files); an unreadable one is a BgfillError naming the file.
 * @example storedConfig(await readWeightFile('epoch-0003/generator.safetensors')) // → { cnum: 32, … }
 */
export function storedConfig(file: WeightFile): Record<string, unknown> {
  if (file.metadata.format !== CHECKPOINT_FORMAT || file.metadata.config === undefined) return {};
  try {
    const parsed: unknown = JSON.parse(file.metadata.config);
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) throw new Error('not a JSON object');
    return parsed as Record<string, unknown>;
  } catch (err) {
    throw badFile(file.source, `bgfill checkpoint with an unreadable config (${errorMessage(err)})`, err);
  }
}

/**
 * Refuse the other files of a bgfill epoch folder (discriminator, optimizer state), saying what they are rather
 * than listing every key.
 * @example checkGeneratorFile(await readWeightFile('epoch-0003/discriminator.safetensors')) // throws
 */
export function checkGeneratorFile(file: WeightFile): void {
  const format = file.metadata.format;
  if (format !== undefined && format.startsWith('bgfill-') && format !== CHECKPOINT_FORMAT) {
    const what = OTHER_BGFILL_FORMATS[format] ?? `a bgfill file of format ${format}`;
    throw badFile(file.source, `this is ${what}, not generator weights: give the epoch folder's generator.safetensors`);
  }
}

/**
 * Build a generator from a weight file: a PyTorch checkpoint (InpaintSANet state_dict, wrapped or not), a
 * safetensors file, or a bgfill checkpoint (whose stored config is used). Without a stored config, cnum, input
 * channels, gate and coordinate attention are inferred from the weights.
 * @example
 * const g = await loadGenerator('runs/a/epoch-012.safetensors');
 * const g2 = await loadGenerator('deepfillv2_places2.pth', { config: { scaledAttention: false } });
 */
export async function loadGenerator(path: string, options: LoadGeneratorOptions = {}): Promise<InpaintGenerator> {
  const file = await readWeightFile(await weightFileIn(path, options.onNote));
  checkGeneratorFile(file);
  return generatorFromFile(file, options);
}

/**
 * An InpaintSANet generator from a weight file already read (loadGenerator without the reading): the generator is
 * found under a name prefix if need be, its config comes from the options, the stored config and the weights.
 * U²-Net weights are named for what they are (otherNetHint) rather than listed key by key.
 * @example const g = generatorFromFile(await readWeightFile('netG.pth'), { strict: true });
 */
export function generatorFromFile(file: WeightFile, options: LoadGeneratorOptions = {}): InpaintGenerator {
  const weights = selectNetworkWeights(file, GENERATOR_ANCHOR_KEY, options.onNote);
  const otherNet = weights.has(GENERATOR_ANCHOR_KEY) ? undefined : otherNetHint(file.weights);
  if (otherNet) throw badFile(file.source, otherNet);
  const stored = storedConfig(file) as Partial<GeneratorConfig>;
  if (stored.scaledAttention === undefined && options.config?.scaledAttention === undefined) {
    // The one switch the weights cannot show: say what was assumed, since a wrong guess changes every output.
    options.onNote?.(`${file.source}: no stored config: attention energy assumed unscaled (InpaintSANet's default); pass --scaled-attention if the net was trained with 1/√d scaling`);
  }
  const merged = { ...inferGeneratorConfig(weights), ...stored, ...(options.config ?? {}) };
  let config: GeneratorConfig;
  try {
    config = resolveGeneratorConfig(merged);
  } catch (err) {
    if (err instanceof BgfillError) throw badFile(file.source, `cannot build a generator from these weights: ${err.message}`, err);
    throw err;
  }
  return loadedOrDisposed((initial) => new InpaintGenerator(config, { initial }), weights, { strict: options.strict ?? true, onWarning: options.onWarning, source: file.source });
}

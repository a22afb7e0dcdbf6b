import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { atomicWriteJson, badFile } from '@bgfill/core';
import type { InpaintNet } from '../arch/net.js';
import { saveGeneratorCheckpoint } from '../weights/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../weights/safetensors.js';
import { toFloat32, toLayout, type WeightMap } from '../weights/weight-tensor.js';
import type { Adam } from './adam.js';
import type { SnPatchDiscriminator } from './discriminator.js';
import { writeEpochDir } from './epoch-dir.js';

/**
 * One epoch's checkpoint folder, `RUN/epoch-NNNN/`:
 * - `generator.safetensors` — a bgfill generator checkpoint of any architecture (`loadInpaintNet`, `bgfill inpaint`,
 *   `bgfill eval`);
 * - `discriminator.safetensors` — where the architecture trains one (InpaintSANet): SN-PatchGAN weights
 *   (`weight_orig`, `bias`) and power-iteration vectors (`weight_u`, `weight_v`), PyTorch layout and order, as
 *   `torch.nn.utils.spectral_norm` names them;
 * - `optimizer.safetensors` — Adam moments `generator.<param>.exp_avg|exp_avg_sq` and `discriminator.<param>.…`
 *   (PyTorch layout), step counts in the metadata;
 * - `state.json` — epoch, global step, data position, seed, learning rates, epoch-mean losses, SHA-256 of each file;
 * - `samples.png` — masked input | output | target rows on the fixed validation images.
 */

export const GENERATOR_FILE = 'generator.safetensors';
export const DISCRIMINATOR_FILE = 'discriminator.safetensors';
export const OPTIMIZER_FILE = 'optimizer.safetensors';
export const STATE_FILE = 'state.json';
export const SAMPLES_FILE = 'samples.png';

export const STATE_FORMAT = 'bgfill-train-state';

export interface TrainState {
  format: typeof STATE_FORMAT;
  version: 1;
  /** The epoch this checkpoint ends (1-based). */
  epoch: number;
  /** Steps done since the start of the run. */
  globalStep: number;
  seed: number;
  /** Where the data stream continues: epoch e + 1 from its start (each epoch's order derives from (seed, epoch)). */
  dataPosition: { nextEpoch: number; nextIndex: number; examplesSeen: number };
  /** Learning rates and optimizer steps; `discriminator` only where the architecture trains one. */
  lr: { generator: number; discriminator?: number };
  optimizerSteps: { generator: number; discriminator?: number };
  /** Mean of each loss over the epoch's steps. */
  losses: Record<string, number>;
  /** SHA-256 of each weight file, checked on resume. */
  files: Record<string, string>;
}

/** Read variables into a float32 weight map in PyTorch layout (asynchronous reads: every backend has them). */
async function toWeightMap(tensors: Iterable<[string, tf.Tensor]>): Promise<WeightMap> {
  const out: WeightMap = new Map();
  for (const [name, t] of tensors) {
    const values = await t.data();
    const data = values instanceof Float32Array ? values.slice() : Float32Array.from(values as ArrayLike<number>);
    out.set(name, toLayout({ shape: [...t.shape], dtype: 'float32', data, layout: 'tfjs' }, 'pytorch'));
  }
  return out;
}

/** Assign float32 weights (any layout) to variables by name; every name must be present with its shape. */
function assignAll(targets: Iterable<[string, tf.Variable]>, weights: WeightMap, source: string): void {
  const problems: string[] = [];
  const pending: Array<[tf.Variable, Float32Array]> = [];
  for (const [name, variable] of targets) {
    const w = weights.get(name);
    if (!w) {
      problems.push(`missing ${name}`);
      continue;
    }
    const t = toLayout(w, 'tfjs');
    if (t.shape.join('x') !== variable.shape.join('x')) problems.push(`${name} has shape [${t.shape}] instead of [${variable.shape}]`);
    else pending.push([variable, toFloat32(t)]);
  }
  if (problems.length > 0) throw badFile(source, `does not match this run's networks: ${problems.join('; ')}`);
  tf.tidy(() => {
    for (const [variable, data] of pending) variable.assign(tf.tensor(data, variable.shape, 'float32'));
  });
}

/**
 * The discriminator's state in PyTorch's spectral_norm layout. `weight_v` is kept internally in the tfjs kernel's
 * row order (kh, kw, cin); PyTorch's is (cin, kh, kw), so it is permuted on the way out and back.
 */
function discriminatorTensors(d: SnPatchDiscriminator): Array<[string, tf.Tensor]> {
  const out: Array<[string, tf.Tensor]> = [];
  for (const [name, p] of d.params) out.push([name, p]);
  for (const [name, b] of d.buffers) {
    if (!name.endsWith('.weight_v')) out.push([name, b]);
    else {
      const kernel = d.params.get(name.replace(/weight_v$/, 'weight_orig'))!;
      const [kh, kw, cin] = kernel.shape as number[];
      out.push([name, tf.tidy(() => tf.reshape(tf.transpose(tf.reshape(b, [kh, kw, cin]), [2, 0, 1]), [-1]))]);
    }
  }
  return out;
}

function loadDiscriminator(d: SnPatchDiscriminator, weights: WeightMap, source: string): void {
  const converted: WeightMap = new Map(weights);
  for (const [name, w] of weights) {
    if (!name.endsWith('.weight_v')) continue;
    const kernel = d.params.get(name.replace(/weight_v$/, 'weight_orig'));
    if (!kernel) continue;
    const [kh, kw, cin] = kernel.shape as number[];
    // (cin, kh, kw) → (kh, kw, cin), in JavaScript: no round trip through the device.
    const chw = toFloat32(w);
    const hwi = new Float32Array(chw.length);
    for (let c = 0; c < cin; c++) for (let i = 0; i < kh * kw; i++) hwi[i * cin + c] = chw[c * kh * kw + i];
    converted.set(name, { shape: [hwi.length], dtype: 'float32', data: hwi, layout: 'pytorch' });
  }
  assignAll([...d.params, ...d.buffers], converted, source);
}

const sha256 = async (path: string): Promise<string> => createHash('sha256').update(await readFile(path)).digest('hex');

/** The networks and optimizers of a run; the discriminator and its optimizer only where the architecture has one. */
export interface CheckpointParts {
  generator: InpaintNet;
  discriminator?: SnPatchDiscriminator;
  gOptimizer: Adam;
  dOptimizer?: Adam;
}

/**
 * Write `RUN/epoch-NNNN/` atomically (see epoch-dir.ts). `extra` writes further files (samples.png) into the folder.
 * @example await saveTrainingCheckpoint('run', parts, state, (dir) => writeSampleGrid(join(dir, SAMPLES_FILE), rows))
 */
export async function saveTrainingCheckpoint(
  runDir: string,
  parts: CheckpointParts,
  state: Omit<TrainState, 'files' | 'format' | 'version'>,
  extra?: (dir: string) => Promise<void>,
): Promise<string> {
  return writeEpochDir(runDir, state.epoch, async (dir) => {
    await saveGeneratorCheckpoint(join(dir, GENERATOR_FILE), parts.generator, { epoch: String(state.epoch), step: String(state.globalStep) });
    const { discriminator, dOptimizer } = parts;
    if (discriminator) {
      const dTensors = discriminatorTensors(discriminator);
      await writeSafetensors(join(dir, DISCRIMINATOR_FILE), await toWeightMap(dTensors), { format: 'bgfill-sn-patchgan', config: JSON.stringify(discriminator.config) });
      for (const [name, t] of dTensors) if (name.endsWith('.weight_v')) t.dispose();
    }
    const moments: Array<[string, tf.Tensor]> = [];
    for (const [name, t] of parts.gOptimizer.stateTensors()) moments.push([`generator.${name}`, t]);
    if (dOptimizer) for (const [name, t] of dOptimizer.stateTensors()) moments.push([`discriminator.${name}`, t]);
    try {
      await writeSafetensors(join(dir, OPTIMIZER_FILE), await toWeightMap(moments), {
        format: 'bgfill-adam',
        generatorStep: String(parts.gOptimizer.step),
        ...(dOptimizer ? { discriminatorStep: String(dOptimizer.step) } : {}),
      });
    } finally {
      tf.dispose(moments.map(([, t]) => t)); // stateTensors() makes new tensors
    }
    if (extra) await extra(dir);
    const files: Record<string, string> = {};
    for (const f of discriminator ? [GENERATOR_FILE, DISCRIMINATOR_FILE, OPTIMIZER_FILE] : [GENERATOR_FILE, OPTIMIZER_FILE]) files[f] = await sha256(join(dir, f));
    const full: TrainState = { format: STATE_FORMAT, version: 1, ...state, files };
    await atomicWriteJson(join(dir, STATE_FILE), full);
  });
}

/** Read and check `state.json` of an epoch folder. */
export async function readTrainState(dir: string): Promise<TrainState> {
  const path = join(dir, STATE_FILE);
  let state: TrainState;
  try {
    state = JSON.parse(await readFile(path, 'utf8')) as TrainState;
  } catch (err) {
    throw badFile(path, `cannot read the training state (${(err as Error).message})`, err);
  }
  if (state.format !== STATE_FORMAT || state.version !== 1) throw badFile(path, `not a ${STATE_FORMAT} version 1 file`);
  return state;
}

/**
 * Restore every network and optimizer from an epoch folder, after checking each file's SHA-256 against state.json.
 * @example const state = await loadTrainingCheckpoint('run/epoch-0003', parts);
 */
export async function loadTrainingCheckpoint(dir: string, parts: CheckpointParts): Promise<TrainState> {
  const state = await readTrainState(dir);
  for (const [file, digest] of Object.entries(state.files)) {
    const actual = await sha256(join(dir, file)).catch(() => 'missing');
    if (actual !== digest) throw badFile(join(dir, file), `${actual === 'missing' ? 'is missing' : 'does not match its SHA-256 in state.json'}: the checkpoint is damaged`);
  }
  const g = await readSafetensors(join(dir, GENERATOR_FILE));
  parts.generator.loadStateDict(g.weights, { strict: true, source: join(dir, GENERATOR_FILE) });
  if (parts.discriminator) {
    const d = await readSafetensors(join(dir, DISCRIMINATOR_FILE));
    loadDiscriminator(parts.discriminator, d.weights, join(dir, DISCRIMINATOR_FILE));
  }
  const o = await readSafetensors(join(dir, OPTIMIZER_FILE));
  const optimizerSource = join(dir, OPTIMIZER_FILE);
  const slice = (prefix: string) =>
    new Map([...o.weights].filter(([k]) => k.startsWith(prefix)).map(([k, w]) => {
      const t = toLayout(w, 'tfjs');
      return [k.slice(prefix.length), { shape: t.shape, data: toFloat32(t) }] as const;
    }));
  parts.gOptimizer.loadState(slice('generator.'), Number(o.metadata.generatorStep), optimizerSource);
  parts.dOptimizer?.loadState(slice('discriminator.'), Number(o.metadata.discriminatorStep), optimizerSource);
  return state;
}

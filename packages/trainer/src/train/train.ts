import { join } from 'node:path';
import { stat } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import { BgfillError, createProgress } from '@bgfill/core';
import { createMaskGenerator, type Mask, type MaskGenerator, type Size } from '@bgfill/masks';
import { readBundle, readManifest } from '@bgfill/dataset';
import { architectureNamed, DEFAULT_ARCH, resolveArchitecture } from '../arch/registry.js';
import type { TrainingKit } from '../arch/training.js';
import { checkGeneratorFile, readWeightFile, weightFileIn, type WeightFile } from '../weights/checkpoint.js';
import { SAMPLES_FILE, loadTrainingCheckpoint, saveTrainingCheckpoint } from './checkpoint.js';
import { DEFAULT_VAL_SPLIT, type TrainConfig } from './config.js';
import { batches, epochSeed, prepareItem, toBatchTensors, type SourceExample, type TrainItem } from './data.js';
import { epochDirName } from './epoch-dir.js';
import { planFreeze, describeFreezePlan } from './freeze.js';
import { snapshotTensors, verifyFrozen, type FrozenSnapshot } from './freeze-guard.js';
import { NonFiniteLossError } from './nan-guard.js';
import { maskProgress, recordMaskBanks } from './online-masks.js';
import { RunLog } from './run-log.js';
import { absolutePaths, checkFreshRun, newestEpoch, writeRunConfig } from './run-folder.js';
import { learningRate } from './schedule.js';
import { renderValidation, validationItem } from './validation.js';

export interface TrainOptions {
  /** Continue the run in `config.out` from its newest finished epoch (config must be the run's config.json). */
  resume?: boolean;
  /** Information lines (backend, freeze plan, epoch summaries); default: none. */
  log?: (line: string) => void;
  /** Progress bar on stderr; default: on a TTY outside CI. */
  progress?: boolean;
}

export interface TrainResult {
  runDir: string;
  /** Epoch folders written by this call. */
  checkpoints: string[];
  lastEpoch: number;
  globalStep: number;
  /** The resolved configuration, as saved in config.json. */
  config: TrainConfig;
}

/** Everything a run holds in memory, freed together. */
interface Session {
  config: TrainConfig;
  /** The architecture's training machinery: the networks and optimizers (kit.parts) and the step. */
  kit: TrainingKit;
  frozen: FrozenSnapshot;
  maskFor?: (size: Size, index: string) => Mask;
  /** The online mask recipe (absent with --masks bundle); a ramping one is drawn at each example's progress. */
  maskGenerator?: MaskGenerator;
  valItems: TrainItem[];
  /** The split valItems come from (the training split when the bundle has no validation split). */
  valSplit: string;
  splitCount: number;
  log: (line: string) => void;
  progress?: boolean;
  /** The backend that runs the session, for the log. */
  backend: string;
}

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));
const isDir = (p: string) => stat(p).then((s) => s.isDirectory(), () => false);
const isFile = (p: string) => stat(p).then((s) => s.isFile(), () => false);

async function firstExamples(stream: AsyncIterable<SourceExample>, n: number): Promise<SourceExample[]> {
  const out: SourceExample[] = [];
  for await (const ex of stream) {
    out.push(ex);
    if (out.length >= n) break;
  }
  return out;
}

/**
 * Fine-tune the generator (see config.ts for every option). Writes `RUN/config.json`, `RUN/log.jsonl` and one
 * `RUN/epoch-NNNN/` per epoch. Every input is checked before anything is written. On a deterministic backend
 * (wasm, cpu) a run that was killed at any point and resumed ends with byte-identical checkpoints to one that
 * never stopped. A NaN or infinite loss stops the run with a BgfillError naming the loss, the step and the last
 * good checkpoint.
 * @example
 * const config = parseTrainConfig({ data: 'bundle', out: 'runs/a', epochs: 2, batchSize: 2, crop: 64 });
 * await train(config, { log: console.log });
 */
export async function train(input: TrainConfig, options: TrainOptions = {}): Promise<TrainResult> {
  const log = options.log ?? (() => undefined);
  let config = absolutePaths(input);
  const runDir = config.out;

  // ---- cheap checks first: run folder, bundle, split, masks, init file
  if (!options.resume) await checkFreshRun(runDir);
  if (!(await isDir(config.data))) throw new BgfillError(`--data ${config.data}: no such dataset bundle folder`, { subject: config.data });
  const manifest = await readManifest(config.data);
  const split = manifest.splits[config.split];
  if (!split || split.count === 0) {
    throw new BgfillError(`${config.data}: no "${config.split}" split with records (splits: ${Object.keys(manifest.splits).join(', ') || 'none'})`, {
      subject: config.split,
    });
  }
  const useBundleMasks = config.masks === 'bundle';
  if (useBundleMasks && !split.hasMasks) throw new BgfillError(`--masks bundle: the "${config.split}" split of ${config.data} has no stored masks`, { subject: 'masks' });
  const maskGenerator = useBundleMasks ? undefined : await createMaskGenerator(config.masks);
  if (maskGenerator) config = await recordMaskBanks(config, maskGenerator.banks, options.resume === true);
  const maskFor = maskGenerator ? (size: Size, index: string): Mask => maskGenerator.generate(size, config.seed, index) : undefined;
  // --init: a weight file, or an earlier run's epoch folder (its generator.safetensors).
  if (config.init !== null && !(await isFile(config.init)) && !(await isFile(join(config.init, 'generator.safetensors')))) {
    throw new BgfillError(`--init ${config.init}: no such file (give a .pth, .safetensors, bgfill checkpoint or an epoch folder)`, { subject: config.init });
  }
  const valName = manifest.splits[config.valSplit]?.count ? config.valSplit : config.split;
  if (valName !== config.valSplit) {
    // Only the default may be missing (a bundle built without a validation split); a name the user gave must exist.
    if (config.valSplit !== DEFAULT_VAL_SPLIT) {
      throw new BgfillError(`--val-split ${config.valSplit}: ${config.data} has no such split with records (splits: ${Object.keys(manifest.splits).join(', ')})`, {
        subject: 'valSplit',
      });
    }
    log(`no "${config.valSplit}" split: samples.png and the per-epoch sample L1 use the first ${config.split} images`);
  }
  const valExamples = await firstExamples(readBundle(config.data, { split: valName, repeat: true }), config.sampleCount);
  const valItems = valExamples.map((ex, i) => validationItem(ex, i, config.crop, maskFor));
  const side = valItems[0].image.width;
  // The architecture: the one --init holds (read once, before tfjs starts), else --arch, else InpaintSANet.
  let initFile: WeightFile | undefined;
  if (config.init !== null) {
    initFile = await readWeightFile(await weightFileIn(config.init, log));
    checkGeneratorFile(initFile);
  }
  const arch = initFile ? resolveArchitecture(initFile, config.arch, { onNote: log }) : architectureNamed(config.arch ?? DEFAULT_ARCH);
  const injected = config.debug.injectNan?.loss;
  if (injected !== undefined && !arch.training.lossNames.includes(injected)) {
    throw new BgfillError(`debug.injectNan.loss "${injected}" is not a loss of ${arch.name} (${arch.training.lossNames.join(', ')})`, { subject: 'debug.injectNan' });
  }
  const training = await arch.training.prepare(config, { side, log });

  const { initBackend } = await import('../backend/index.js');
  const backend = await initBackend(config.backend, { log });
  log(`backend: ${backend.name} (${backend.detail})${backend.deterministic ? '' : ' — not bit-deterministic: a resumed run may differ slightly'}`);
  (await import('../backend/webgpu-fused/install.js')).selectWebGpuKernels(config.kernels, backend.name, log);

  // ---- networks and optimizers
  const generator = initFile ? arch.fromFile(initFile, { config: training.netConfig, onNote: log }) : arch.create(training.netConfig, config.seed);
  const disposables: Array<{ dispose(): void }> = [generator];
  try {
    if (side % generator.requiredMultiple !== 0) {
      throw new BgfillError(`image side ${side} is not a multiple of ${generator.requiredMultiple}: pass --crop with a multiple of ${generator.requiredMultiple}`, {
        subject: 'crop',
      });
    }
    const { arch: _requested, ...resolved } = training.resolve(config, generator);
    config = arch.name === DEFAULT_ARCH ? resolved : { ...resolved, arch: arch.name };
    const plan = planFreeze(generator.params, config.freeze);
    const kit = await training.setup(generator, plan.trainable);
    disposables.push(kit);
    for (const line of describeFreezePlan(plan, generator.params)) log(line);
    const session: Session = {
      config,
      kit,
      frozen: await snapshotTensors(generator.params, plan.frozen),
      maskFor,
      maskGenerator,
      valItems,
      valSplit: valName,
      splitCount: split.count,
      log,
      progress: options.progress,
      backend: backend.name,
    };
    return await runEpochs(session, options.resume === true);
  } finally {
    for (const d of disposables) d.dispose();
  }
}

/** Resume state (if any), then the epochs, each ending in a checkpoint. */
async function runEpochs(session: Session, resume: boolean): Promise<TrainResult> {
  const { config, kit, log } = session;
  const { parts } = kit;
  const { generator, gOptimizer, dOptimizer } = parts;
  const runDir = config.out;
  let startEpoch = 0;
  let globalStep = 0;
  let examplesSeen = 0;
  if (resume) {
    const found = await newestEpoch(runDir);
    for (const r of found.removed) log(`removed ${r} (an epoch interrupted while being written)`);
    startEpoch = found.epoch;
    if (startEpoch > 0) {
      const dir = join(runDir, epochDirName(startEpoch));
      const state = await loadTrainingCheckpoint(dir, parts);
      globalStep = state.globalStep;
      examplesSeen = state.dataPosition.examplesSeen;
      await verifyFrozen(session.frozen, generator.params, `between the initial weights and ${dir}`);
      log(`resuming after epoch ${startEpoch} (step ${globalStep}) from ${dir}`);
    } else {
      log(`no finished epoch in ${runDir}: starting from the beginning`);
    }
  }
  await writeRunConfig(runDir, config);
  const runLog = await RunLog.open(runDir, { truncateAfterStep: resume ? globalStep : undefined });
  await runLog.append({ type: 'start', step: globalStep, epoch: startEpoch + 1, backend: session.backend, resumed: startEpoch > 0 });

  const stepsPerEpoch = config.stepsPerEpoch ?? Math.max(1, Math.floor(session.splitCount / config.batchSize));
  const totalSteps = stepsPerEpoch * config.epochs;
  const dLrBase = config.optimizer.dLr ?? config.optimizer.lr;
  log(`data: ${session.splitCount} ${config.split} images, ${stepsPerEpoch} steps × ${config.batchSize} per epoch, ${config.epochs} epochs`);
  if (startEpoch >= config.epochs) log(`the run already has ${startEpoch} of ${config.epochs} epochs: nothing to do`);

  const checkpoints: string[] = [];
  let lastGood = startEpoch > 0 ? join(runDir, epochDirName(startEpoch)) : null;
  try {
    for (let epoch = startEpoch + 1; epoch <= config.epochs; epoch++) {
      const progress = createProgress({
        label: `epoch ${epoch}/${config.epochs}`,
        total: stepsPerEpoch,
        enabled: session.progress,
        extraFormat: kit.progressFormat,
      });
      const sums: Record<string, number> = Object.fromEntries([...kit.lossNames, 'gTotal', 'dTotal'].map((k) => [k, 0]));
      let gLr = 0;
      let dLr = 0;
      const started = performance.now();
      const ramped = session.maskGenerator?.ramps ? session.maskGenerator : undefined;
      const masksAt = ramped?.labelAt(maskProgress(epoch, 0, stepsPerEpoch, config.batchSize));
      if (masksAt) log(`masks for epoch ${epoch}: ${masksAt} (recipe ${ramped?.label})`);
      const stream = batches(
        readBundle(config.data, { split: config.split, shuffleBuffer: config.shuffleBuffer, seed: epochSeed(config.seed, epoch), repeat: true }),
        {
          batchSize: config.batchSize,
          steps: stepsPerEpoch,
          source: `${config.data} (${config.split})`,
          prepare: (ex, index) => {
            const at = ramped ? maskProgress(epoch, index, stepsPerEpoch, config.batchSize) : undefined;
            const maskFor = at && ramped ? (size: Size, key: string) => ramped.generate(size, config.seed, key, at) : session.maskFor;
            return prepareItem(ex, { seed: config.seed, epoch, index, crop: config.crop, maskFor });
          },
        },
      );
      try {
        for await (const items of stream) {
          const at = { step: globalStep, stepsPerEpoch, totalSteps };
          gLr = learningRate(config.optimizer.schedule, config.optimizer.lr, at);
          dLr = learningRate(config.optimizer.schedule, dLrBase, at);
          const step = globalStep + 1;
          const batch = toBatchTensors(items, generator.pixels);
          let losses: Record<string, number>;
          try {
            losses = await kit.step(batch, {
              gLr,
              dLr,
              step,
              injectNan: config.debug.injectNan?.step === step ? config.debug.injectNan.loss : undefined,
            });
          } finally {
            tf.dispose([batch.images, batch.masks]);
          }
          globalStep = step;
          examplesSeen += items.length;
          for (const k of Object.keys(sums)) sums[k] += losses[k] ?? 0;
          const done = globalStep - (epoch - 1) * stepsPerEpoch;
          const imagesPerSecond = (done * config.batchSize) / ((performance.now() - started) / 1000);
          await runLog.append({ type: 'step', epoch, step: globalStep, lr: gLr, dLr, ...losses, imagesPerSecond });
          progress.tick(1, { ips: imagesPerSecond.toFixed(2), ...kit.progressValues(losses) });
        }
      } finally {
        progress.stop();
      }
      await verifyFrozen(session.frozen, generator.params, `during epoch ${epoch}`);
      const means = Object.fromEntries(Object.entries(sums).map(([k, v]) => [k, v / stepsPerEpoch]));
      let validation = { l1: NaN, l1Hole: NaN };
      const dir = await saveTrainingCheckpoint(
        runDir,
        parts,
        {
          epoch,
          globalStep,
          seed: config.seed,
          dataPosition: { nextEpoch: epoch + 1, nextIndex: 0, examplesSeen },
          lr: dOptimizer ? { generator: gLr, discriminator: dLr } : { generator: gLr },
          optimizerSteps: dOptimizer ? { generator: gOptimizer.step, discriminator: dOptimizer.step } : { generator: gOptimizer.step },
          losses: means,
        },
        async (tmp) => {
          validation = await renderValidation(generator, session.valItems, tmp, SAMPLES_FILE);
        },
      );
      checkpoints.push(dir);
      lastGood = dir;
      await runLog.append({
        type: 'epoch',
        epoch,
        step: globalStep,
        ...means,
        valL1: validation.l1,
        valL1Hole: validation.l1Hole,
        valSplit: session.valSplit,
        checkpoint: dir,
        ...(masksAt ? { masks: masksAt } : {}),
      });
      log(
        `epoch ${epoch}/${config.epochs} step ${globalStep}: ` +
          kit.lossNames.map((k) => `${k} ${fmt(means[k])}`).join(' ') +
          ` | ${session.valSplit} L1 ${fmt(validation.l1)} (hole ${fmt(validation.l1Hole)}) → ${dir}`,
      );
    }
  } catch (err) {
    if (err instanceof NonFiniteLossError) {
      await runLog.append({ type: 'stop', step: err.step, reason: err.message });
      throw new BgfillError(`${err.message}; the last good checkpoint is ${lastGood ?? 'none (no epoch finished)'}`, { subject: err.loss, cause: err });
    }
    throw err;
  } finally {
    await runLog.close();
  }
  return { runDir, checkpoints, lastEpoch: Math.max(startEpoch, config.epochs), globalStep, config };
}

import { mkdir, readdir, readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { atomicWriteJson, BgfillError, badFile } from '@bgfill/core';
import { parseTrainConfig, type TrainConfig } from './config.js';
import { listEpochs, removeStaleTemporaries } from './epoch-dir.js';

/** `RUN/config.json`: the resolved configuration of a run. */
export const CONFIG_FILE = 'config.json';

/**
 * Check that a fresh run may start in `dir`: it must not exist, or be empty. An existing run is never overwritten.
 * Creates nothing (the trainer creates the folder once every other check has passed).
 * @example await checkFreshRun('runs/a')
 */
export async function checkFreshRun(dir: string): Promise<void> {
  const entries = await readdir(dir).catch((err: NodeJS.ErrnoException) => {
    if (err.code === 'ENOENT') return null;
    if (err.code === 'ENOTDIR') throw badFile(dir, 'exists and is not a folder');
    throw err;
  });
  if (entries && entries.length > 0) {
    const isRun = entries.includes(CONFIG_FILE);
    const unfinished = isRun && (await listEpochs(dir)).length === 0;
    throw new BgfillError(
      unfinished
        ? `${dir} already exists and holds a training run that finished no epoch: pass --resume to start it again (any setting may change then), or choose another --out`
        : `${dir} already exists${isRun ? ' and holds a training run' : ' and is not empty'}: pass --resume to continue it, or choose another --out`,
      { subject: dir },
    );
  }
}

/** Read a run's saved configuration. */
export async function readRunConfig(dir: string): Promise<TrainConfig> {
  const path = join(dir, CONFIG_FILE);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch {
    const exists = await stat(dir).then(() => true, () => false);
    throw new BgfillError(
      exists ? `${dir} is not a training run (no ${CONFIG_FILE}): cannot --resume it` : `${dir} does not exist: nothing to --resume`,
      { subject: dir },
    );
  }
  try {
    return parseTrainConfig(JSON.parse(text), path);
  } catch (err) {
    if (err instanceof SyntaxError) throw badFile(path, `not valid JSON: ${err.message}`, err);
    throw err;
  }
}

/** Write `RUN/config.json` (creating the run folder). */
export async function writeRunConfig(dir: string, config: TrainConfig): Promise<void> {
  await mkdir(dir, { recursive: true });
  await atomicWriteJson(join(dir, CONFIG_FILE), config);
}

/** Paths in a config made absolute, so a run can be resumed from another working directory. */
export function absolutePaths(config: TrainConfig): TrainConfig {
  const rfrnet = config.rfrnet && config.rfrnet.vgg !== null ? { rfrnet: { ...config.rfrnet, vgg: resolve(config.rfrnet.vgg) } } : {};
  return { ...config, data: resolve(config.data), out: resolve(config.out), init: config.init === null ? null : resolve(config.init), ...rfrnet };
}

/** The newest finished epoch of a run (0 when none), after deleting temporary folders of a killed run. */
export async function newestEpoch(dir: string): Promise<{ epoch: number; removed: string[] }> {
  const removed = await removeStaleTemporaries(dir);
  const epochs = await listEpochs(dir);
  return { epoch: epochs.length ? epochs[epochs.length - 1] : 0, removed };
}

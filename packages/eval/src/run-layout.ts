import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readdir, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError, badFile, errorMessage } from '@bgfill/core';

/**
 * A training run folder, as the trainer writes it: `RUN/config.json`, `RUN/log.jsonl`, and one folder per finished
 * epoch, `RUN/epoch-0001/` (at least four digits), holding `generator.safetensors` (the checkpoint scored here),
 * `state.json` and `samples.png`. Folders still being written are named `.epoch-0001.<pid>.<random>.tmp` and are ignored.
 */

/** The checkpoint file scored in each epoch folder. */
export const GENERATOR_FILE = 'generator.safetensors';

const EPOCH_DIR = /^epoch-(\d{4,})$/;

/** One epoch's checkpoint in a run. */
export interface RunCheckpoint {
  /** From the folder name: `epoch-0012` → 12. */
  epoch: number;
  /** The epoch folder's name, e.g. `epoch-0012`. */
  name: string;
  /** `RUN/epoch-0012`. */
  dir: string;
  /** `RUN/epoch-0012/generator.safetensors` (it may be missing or damaged; scoring finds out and reports it). */
  path: string;
  /** The same, relative to the run folder, with `/` separators: `epoch-0012/generator.safetensors`. */
  relativePath: string;
}

/**
 * The epoch number an epoch folder's name holds, or undefined for any other name.
 * @example epochFromDirName('epoch-0012') // 12
 */
export function epochFromDirName(name: string): number | undefined {
  const m = EPOCH_DIR.exec(name);
  return m ? Number(m[1]) : undefined;
}

/**
 * Every epoch folder of a run, by ascending epoch. Throws a BgfillError when the folder is missing, is not a
 * folder, holds no epoch folders (not a training run, or no epoch finished yet), or names one epoch twice
 * (`epoch-0001` and `epoch-00001`).
 * @example const checkpoints = await listRunCheckpoints('runs/places-a'); // [{ epoch: 1, path: 'runs/places-a/epoch-0001/generator.safetensors', … }, …]
 */
export async function listRunCheckpoints(runDir: string): Promise<RunCheckpoint[]> {
  let entries;
  try {
    const info = await stat(runDir);
    if (!info.isDirectory()) throw badFile(runDir, 'is a file, not a run folder');
    entries = await readdir(runDir, { withFileTypes: true });
  } catch (err) {
    if (err instanceof BgfillError) throw err;
    const code = (err as NodeJS.ErrnoException).code;
    throw badFile(runDir, code === 'ENOENT' ? 'no such run folder' : `cannot read the run folder (${errorMessage(err)})`, err);
  }
  const byEpoch = new Map<number, RunCheckpoint>();
  for (const entry of entries) {
    const epoch = epochFromDirName(entry.name);
    if (epoch === undefined || !entry.isDirectory()) continue;
    const previous = byEpoch.get(epoch);
    if (previous) throw badFile(runDir, `epoch ${epoch} has two folders, ${previous.name} and ${entry.name}; remove one`);
    const dir = join(runDir, entry.name);
    byEpoch.set(epoch, { epoch, name: entry.name, dir, path: join(dir, GENERATOR_FILE), relativePath: `${entry.name}/${GENERATOR_FILE}` });
  }
  if (byEpoch.size === 0) {
    throw badFile(
      runDir,
      `no checkpoints: expected epoch folders such as epoch-0001/${GENERATOR_FILE} (is this a training run folder, and has an epoch finished?)`,
    );
  }
  return [...byEpoch.values()].sort((a, b) => a.epoch - b.epoch);
}

/**
 * SHA-256 of a file's bytes, as 64 hex digits, read as a stream. Throws a BgfillError naming the file when it
 * cannot be read.
 * @example await fileDigest('runs/a/epoch-0001/generator.safetensors') // 'e3b0c442…'
 */
export async function fileDigest(path: string): Promise<string> {
  const hash = createHash('sha256');
  try {
    for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw badFile(path, code === 'ENOENT' ? 'no such file' : code === 'EISDIR' ? 'is a folder, not a file' : `cannot read (${errorMessage(err)})`, err);
  }
  return hash.digest('hex');
}

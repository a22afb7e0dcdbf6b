import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError } from '@bgfill/core';

/**
 * Epoch checkpoint folders: `RUN/epoch-0001/` … A folder under its final name is always complete: it is written
 * as `RUN/.epoch-0001.<pid>.<random>.tmp/`, every file and the folder are fsynced, and only then renamed.
 * A killed run leaves at most a temporary folder, which `removeStaleTemporaries` deletes on resume.
 */

const EPOCH_DIR = /^epoch-(\d{4,})$/;
const TEMP_DIR = /^\.epoch-\d{4,}\..*\.tmp$/;

/** `epoch-0001` for epoch 1. */
export function epochDirName(epoch: number): string {
  return `epoch-${String(epoch).padStart(4, '0')}`;
}

async function fsyncPath(path: string): Promise<void> {
  const handle = await open(path, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/**
 * Create `RUN/epoch-NNNN/` atomically: `write` fills a temporary folder (any files), then everything is flushed
 * and the folder renamed. Refuses to replace an existing epoch folder.
 * @example await writeEpochDir('run', 3, async (dir) => { await atomicWriteJson(join(dir, 'state.json'), state); });
 */
export async function writeEpochDir(runDir: string, epoch: number, write: (tempDir: string) => Promise<void>): Promise<string> {
  const finalDir = join(runDir, epochDirName(epoch));
  const tempDir = join(runDir, `.${epochDirName(epoch)}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`);
  await mkdir(tempDir, { recursive: true });
  try {
    await write(tempDir);
    for (const name of await readdir(tempDir)) await fsyncPath(join(tempDir, name));
    await fsyncPath(tempDir);
    if (await exists(finalDir)) throw new BgfillError(`${finalDir} already exists: refusing to overwrite a finished epoch`, { subject: finalDir });
    await rename(tempDir, finalDir);
    await fsyncPath(runDir);
  } catch (err) {
    await rm(tempDir, { recursive: true, force: true });
    throw err;
  }
  return finalDir;
}

async function exists(path: string): Promise<boolean> {
  try {
    await stat(path);
    return true;
  } catch {
    return false;
  }
}

/** Epoch numbers of the finished epoch folders in a run, ascending. */
export async function listEpochs(runDir: string): Promise<number[]> {
  const names = await readdir(runDir).catch(() => [] as string[]);
  return names
    .map((n) => EPOCH_DIR.exec(n))
    .filter((m): m is RegExpExecArray => m !== null)
    .map((m) => Number(m[1]))
    .sort((a, b) => a - b);
}

/** Delete temporary epoch folders left by a killed run; returns their names. */
export async function removeStaleTemporaries(runDir: string): Promise<string[]> {
  const names = (await readdir(runDir).catch(() => [] as string[])).filter((n) => TEMP_DIR.test(n));
  for (const n of names) await rm(join(runDir, n), { recursive: true, force: true });
  return names;
}

import { stat } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { badFile, errorMessage } from '@bgfill/core';

/**
 * Checks on output paths, made before any work so that a wrong `--out` fails at once with a clear message instead
 * of after minutes of scoring with a raw ENOTDIR / EISDIR from the file system.
 */

type Kind = 'folder' | 'file' | 'missing';

async function kindOf(path: string): Promise<Kind> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw badFile(path, `cannot check the output path (${errorMessage(err)})`, err);
  }
}

/** The nearest existing ancestor of `path` (the path itself excluded), when it is not a folder. */
async function fileAncestor(path: string): Promise<string | undefined> {
  let dir = dirname(path);
  for (;;) {
    const kind = await kindOf(dir);
    if (kind === 'file') return dir;
    if (kind === 'folder') return undefined;
    const up = dirname(dir);
    if (up === dir || resolve(up) === resolve(dir)) return undefined;
    dir = up;
  }
}

/**
 * Throw a BgfillError unless `path` can be an output folder: it is a folder, or it is missing and can be created
 * (no part of the way to it is a file).
 * @example await checkOutputFolder('img/room.jpg') // throws "img/room.jpg: exists and is not a folder"
 */
export async function checkOutputFolder(path: string): Promise<void> {
  const kind = await kindOf(path);
  if (kind === 'folder') return;
  if (kind === 'file') throw badFile(path, 'exists and is not a folder');
  const file = await fileAncestor(path);
  if (file !== undefined) throw badFile(path, `cannot be created: ${file} is a file, not a folder`);
}

/**
 * Throw a BgfillError unless `path` can be an output file: it is a file (replaced atomically), or it is missing and
 * its folder exists or can be created. `hint` is added to the message when `path` is a folder.
 * @example await checkOutputFile('out', '--out takes a file for the JSON report') // throws "out: is a folder; --out takes …"
 */
export async function checkOutputFile(path: string, hint?: string): Promise<void> {
  const kind = await kindOf(path);
  if (kind === 'folder') throw badFile(path, `is a folder${hint === undefined ? ', not a file' : `; ${hint}`}`);
  if (kind === 'file') return;
  const file = await fileAncestor(path);
  if (file !== undefined) throw badFile(path, `cannot be created: ${file} is a file, not a folder`);
}

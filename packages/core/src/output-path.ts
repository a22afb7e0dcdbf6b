import { access, constants, realpath, stat } from 'node:fs/promises';
import { basename, dirname, extname, isAbsolute, join, relative, resolve } from 'node:path';
import { BgfillError, errorMessage } from './errors.js';

/**
 * The one check every command makes on where it writes, before any work, so that a wrong `--out` fails at once with
 * a sentence instead of after minutes of work with a raw ENOTDIR / EISDIR: the path is of the right kind (a file or
 * a folder), nothing on the way to it is a file, the folder it goes into (or the nearest one that exists) can be written,
 * an existing file is replaced only when allowed, a file name has an extension the writer knows, and an output folder
 * does not overlap the inputs it is made from.
 */
export interface OutputPathOptions {
  /** What is written at the path: one file, or a folder of outputs. */
  readonly kind: 'file' | 'folder';
  /**
   * Files only: may an existing file be replaced? Default true (the file is replaced atomically); commands that take
   * `--overwrite` pass its value, and the refusal says to pass it.
   */
  readonly overwrite?: boolean;
  /** Files only: the extensions the writer accepts (lower case, with the dot: `['.png']`). */
  readonly extensions?: readonly string[];
  /** What the path is for, e.g. "the contact sheet"; used in messages about the extension. */
  readonly what?: string;
  /** Added when a folder is given for a file (or a file for a folder): how to give the right thing. */
  readonly hint?: string;
  /**
   * Folders only: input folders the output must stay apart from. The output may never be an input or contain one;
   * with `insideInput: 'refuse'` it may not lie inside one either (a build that lists every file under its input
   * would read its own output on the next run).
   */
  readonly inputs?: readonly string[];
  readonly insideInput?: 'allow' | 'refuse';
}

type Kind = 'folder' | 'file' | 'missing';

async function kindOf(path: string, given: string): Promise<Kind> {
  try {
    return (await stat(path)).isDirectory() ? 'folder' : 'file';
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    if (code === 'ENOENT' || code === 'ENOTDIR') return 'missing';
    throw new BgfillError(`${given}: cannot use as output (${errorMessage(err)})`, { subject: given, cause: err });
  }
}

/** Is `inner` the path `outer` or somewhere under it? (both absolute) */
export function isWithin(inner: string, outer: string): boolean {
  const rel = relative(outer, inner);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/** Throws, naming `given`, when `folder` (which exists) cannot be written: no permission, a read-only file system. */
async function checkWritable(folder: string, given: string): Promise<void> {
  try {
    await access(folder, constants.W_OK);
  } catch (err) {
    const where = folder === given ? 'it' : folder;
    throw new BgfillError(`${given}: cannot be written: no write access to ${where} (${(err as NodeJS.ErrnoException).code ?? errorMessage(err)})`, { subject: given, cause: err });
  }
}

/**
 * The real path of `path` (which does not exist): symlinks resolved in its existing part, the missing rest appended.
 * Throws when something on the way is a file, naming it as the user wrote it (relative stays relative), or when the
 * nearest existing folder cannot be written (nothing could be created in it).
 */
async function resolveMissing(path: string): Promise<string> {
  let existing = path;
  const rest: string[] = [];
  for (;;) {
    const parent = dirname(existing);
    if (parent === existing) break;
    rest.unshift(basename(existing));
    existing = parent;
    const kind = await kindOf(existing, path);
    if (kind === 'folder') break;
    if (kind === 'file') throw new BgfillError(`${path}: cannot be created: ${existing} is a file, not a folder`, { subject: path });
  }
  await checkWritable(existing, path);
  return join(await realpath(existing).catch(() => resolve(existing)), ...rest);
}

/**
 * Check an output path before any work; returns its real path (for overlap checks of the caller's own).
 * @example await checkOutputPath('maps', { kind: 'folder', inputs: ['photos'] })
 * @example await checkOutputPath('sheet.png', { kind: 'file', overwrite: false, extensions: ['.png'], what: 'the contact sheet' })
 */
export async function checkOutputPath(path: string, options: OutputPathOptions): Promise<string> {
  const kind = await kindOf(path, path);
  if (options.kind === 'file') {
    if (options.extensions && !options.extensions.includes(extname(path).toLowerCase())) {
      const list = options.extensions.join(', ');
      throw new BgfillError(`${path}: ${options.what ?? 'this output'} is written as ${list}: give a file name ending in ${list}`, { subject: path });
    }
    if (kind === 'folder') throw new BgfillError(`${path}: is a folder; ${options.hint ?? 'give a file name'}`, { subject: path });
    if (kind === 'file') {
      if (options.overwrite === false) throw new BgfillError(`${path}: exists; pass --overwrite to replace it`, { subject: path });
      const real = await realpath(path);
      await checkWritable(dirname(real), path);
      return real;
    }
    return resolveMissing(path);
  }
  if (kind === 'file') throw new BgfillError(`${path}: exists and is not a folder${options.hint ? `; ${options.hint}` : ''}`, { subject: path });
  const real = kind === 'folder' ? await realpath(path) : await resolveMissing(path);
  if (kind === 'folder') await checkWritable(real, path);
  for (const input of options.inputs ?? []) {
    const inputReal = await realpath(input).catch(() => resolve(input));
    if (real === inputReal) throw new BgfillError(`${path}: is the input folder; write to a folder of its own`, { subject: path });
    if (isWithin(inputReal, real)) {
      const what = (await kindOf(inputReal, input)) === 'file' ? 'file' : 'folder';
      throw new BgfillError(`${path}: contains the input ${what} ${input}; write to a folder of its own`, { subject: path });
    }
    if (options.insideInput === 'refuse' && isWithin(real, inputReal)) {
      throw new BgfillError(`${path}: is inside the input folder ${input} (every file under it is read); write outside it`, { subject: path });
    }
  }
  return real;
}

// Checks of a build's input and output folders, made before any listing or image work.
import { readdir, realpath, stat } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { BgfillError, checkOutputPath, isWithin } from '@bgfill/core';
import { MANIFEST_FILE, PARTS_DIR, QUALITY_FILE, REJECTS_FILE } from './manifest.js';
import { PLACES365_FILES } from './sources/places365.js';

/** What a build reads and writes, as the user gave the paths (messages name them so). */
export interface BuildFolders {
  readonly source: 'places365' | 'folder';
  /** The input root ('' for a folder build from `--list` alone). */
  readonly input: string;
  /** The list file of a folder build, if any (its entries are explicit, so a bundle inside the root is harmless). */
  readonly list?: string | null;
  readonly out: string;
  /** The splits the build produces and whether shards are GZIP'd: they decide the file names a bundle may hold. */
  readonly splits: readonly string[];
  readonly gzip: boolean;
}

function errnoCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

/**
 * An input root must exist and be a folder.
 * @example await checkInputFolder('photos') // throws "photos: no such folder" when it is absent
 */
export async function checkInputFolder(given: string): Promise<void> {
  let isDirectory: boolean;
  try {
    isDirectory = (await stat(given)).isDirectory();
  } catch (err) {
    if (errnoCode(err) === 'ENOENT' || errnoCode(err) === 'ENOTDIR') throw new BgfillError(`${given}: no such folder`, { subject: given });
    throw new BgfillError(`${given}: cannot read (${errnoCode(err) ?? String(err)})`, { subject: given, cause: err });
  }
  if (!isDirectory) throw new BgfillError(`${given}: not a folder (give the folder that holds the images)`, { subject: given });
}

/**
 * The output must not be the input root, nor contain it. A folder build that globs its root must not write inside it
 * either (the next listing would walk the bundle); a Places365 build must not write inside its image folders
 * (`data_256/` …), but may write beside them in the root, since only listed files are read.
 */
export function checkApart(folders: BuildFolders, inputReal: string, outReal: string): void {
  const { input, out } = folders;
  if (outReal === inputReal) throw new BgfillError(`${out}: is the input folder; write the bundle to a folder of its own`, { subject: out });
  if (isWithin(inputReal, outReal)) throw new BgfillError(`${out}: contains the input folder ${input}; write the bundle to a folder of its own`, { subject: out });
  if (!isWithin(outReal, inputReal)) return;
  if (folders.source === 'folder' && !folders.list) {
    throw new BgfillError(`${out}: is inside the input folder ${input} (every image under it is read); write the bundle outside it`, { subject: out });
  }
  if (folders.source === 'places365') {
    const dirs = Object.values(PLACES365_FILES.dirs).flat();
    const inside = dirs.find((d) => isWithin(outReal, join(inputReal, d)));
    if (inside) throw new BgfillError(`${out}: is inside the Places365 image folder ${join(input, inside)}; write the bundle outside it`, { subject: out });
  }
}

/**
 * Can `name` (an entry directly in the output folder) belong to a finished or interrupted bundle of a build with these
 * splits and compression? The manifest, rejects, shards and index files, worker manifests, the part folder, and the
 * temporary names `.NAME.<pid>.<hex>.tmp` of any of them.
 * @example bundleEntry('train-00000-of-00004.tfrecord', ['train', 'val'], false) // true
 */
export function bundleEntry(name: string, splits: readonly string[], gzip: boolean): boolean {
  const temp = /^\.(.+)\.\d+\.[0-9a-f]{8}\.tmp$/.exec(name);
  const base = temp ? temp[1] : name;
  if (base === MANIFEST_FILE || base === REJECTS_FILE || base === QUALITY_FILE || (!temp && base === PARTS_DIR)) return true;
  if (/^worker-\d{5}-of-\d{5}\.json$/.test(base)) return true;
  const shard = /^([a-z][a-z0-9_]*)-\d{5}-of-\d{5}\.(tfrecord|tfrecord\.gz|index)$/.exec(base);
  if (!shard || !splits.includes(shard[1])) return false;
  return shard[2] === 'index' || shard[2] === (gzip ? 'tfrecord.gz' : 'tfrecord');
}

/** Entries of an existing output folder that no bundle of this build would write (sorted; empty when none). */
export async function foreignEntries(folders: BuildFolders): Promise<string[]> {
  let entries: Array<{ name: string; isDirectory(): boolean }>;
  try {
    entries = await readdir(folders.out, { withFileTypes: true });
  } catch (err) {
    if (errnoCode(err) === 'ENOENT') return [];
    throw err;
  }
  return entries
    .filter((e) => !bundleEntry(e.name, folders.splits, folders.gzip) || (e.name === PARTS_DIR && !e.isDirectory()))
    .map((e) => (e.isDirectory() ? `${e.name}/` : e.name))
    .sort();
}

/**
 * Everything checked about a build's folders before any work: the input root exists and is a folder, the output is not a file, the two do not overlap, and the output holds
 * nothing but a bundle of this build (an interrupted run's files are fine, so a rerun resumes; a *different* build's
 * bundle is refused later by its fingerprint).
 * @example await checkBuildFolders({ source: 'folder', input: 'photos', out: 'bundles/photos', splits: ['train'], gzip: false })
 */
export async function checkBuildFolders(folders: BuildFolders): Promise<void> {
  const { input, out } = folders;
  const outReal = await checkOutputPath(out, { kind: 'folder' });
  if (input !== '') {
    await checkInputFolder(input);
    checkApart(folders, await realpath(input), outReal);
  } else if (folders.list) {
    checkApart(folders, await realpath(dirname(resolve(folders.list))).catch(() => resolve(dirname(folders.list!))), outReal);
  }
  const foreign = await foreignEntries(folders);
  if (foreign.length > 0) {
    const shown = foreign.slice(0, 5).join(', ') + (foreign.length > 5 ? `, … (${foreign.length} in all)` : '');
    throw new BgfillError(
      `${out}: holds files that are not part of this bundle (${shown}); choose a new or empty --out folder, or move them away`,
      { subject: out },
    );
  }
}

/**
 * Each Places365 split whose list names images needs its image folder under the root (`data_256/` or `data_large/`
 * for train, …); otherwise every image would be rejected as missing. Checked after listing, before any image is read.
 * @example await checkPlacesImageFolders('/data/places365', listing.items)
 */
export async function checkPlacesImageFolders(root: string, items: ReadonlyArray<{ split?: string }>): Promise<void> {
  const splits = [...new Set(items.map((i) => i.split ?? ''))];
  for (const split of splits) {
    const dirs = (PLACES365_FILES.dirs as Record<string, readonly string[] | undefined>)[split];
    if (!dirs) continue;
    const found = await Promise.all(dirs.map((d) => stat(join(root, d)).then((s) => s.isDirectory(), () => false)));
    if (!found.includes(true)) {
      throw new BgfillError(
        `${root}: no ${dirs.map((d) => `${d}/`).join(' or ')} folder for the ${split} images its list names; give the folder that holds them`,
        { subject: root },
      );
    }
  }
}

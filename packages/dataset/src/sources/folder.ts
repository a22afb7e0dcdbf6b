import { readFile } from 'node:fs/promises';
import { dirname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import fg from 'fast-glob';
import { BgfillError } from '@bgfill/core';
import { categoryPredicate } from './categories.js';
import type { CategoryFilter, SourceItem, SourceListing } from './source.js';

/** Image file extensions the default pattern matches (case-insensitive). */
export const IMAGE_EXTENSIONS = ['jpg', 'jpeg', 'png', 'webp', 'tif', 'tiff', 'gif', 'avif', 'heic', 'heif'] as const;

/** The default fast-glob pattern: every image file, recursively. */
export const DEFAULT_PATTERN = `**/*.{${IMAGE_EXTENSIONS.join(',')}}`;

export interface FolderOptions extends CategoryFilter {
  /** The input root: globbed, and the base of relative paths in `list` ('' with a list: the list file's folder). */
  readonly root: string;
  /** fast-glob patterns relative to `root` (default: {@link DEFAULT_PATTERN}). Ignored with `list`. */
  readonly patterns?: readonly string[];
  /** A file listing inputs, one path per line, optionally followed by whitespace and an integer label. */
  readonly list?: string;
  /** `top-folder` (default): the first folder under the root names the class; `none`: unlabelled. */
  readonly labels?: 'top-folder' | 'none';
}

const imageExt = new RegExp(`\\.(${IMAGE_EXTENSIONS.join('|')})$`, 'i');

function toPosix(path: string): string {
  return sep === '/' ? path : path.split(sep).join('/');
}

interface Entry {
  path: string;
  filename: string;
  listLabel?: number;
}

async function globEntries(root: string, patterns: readonly string[]): Promise<Entry[]> {
  // onlyFiles: false, so that dangling symlinks, FIFOs and directories named like images reach the build and are
  // recorded as rejects instead of vanishing silently. Plain directories are dropped.
  const found = await fg.glob([...patterns], {
    cwd: root,
    onlyFiles: false,
    objectMode: true,
    followSymbolicLinks: true,
    caseSensitiveMatch: false,
    dot: false,
    unique: true,
    suppressErrors: true,
  });
  return found
    .filter((e) => !e.dirent.isDirectory() || imageExt.test(e.path))
    .map((e) => ({ path: join(root, e.path), filename: toPosix(e.path) }));
}

async function listEntries(root: string, listFile: string): Promise<Entry[]> {
  let text: string;
  try {
    text = await readFile(listFile, 'utf8');
  } catch (err) {
    throw new BgfillError(`${listFile}: cannot read list (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { subject: listFile });
  }
  const entries: Entry[] = [];
  for (const raw of text.split(/\r?\n/)) {
    const line = raw.trim();
    if (line === '' || line.startsWith('#')) continue;
    const m = /^(.*\S)\s+(-?\d+)$/.exec(line);
    const given = m ? m[1] : line;
    const path = isAbsolute(given) ? given : resolve(root, given);
    const rel = relative(root, path);
    const inside = rel !== '' && !rel.startsWith('..') && !isAbsolute(rel);
    entries.push({ path, filename: inside ? toPosix(rel) : toPosix(path), ...(m ? { listLabel: Number(m[2]) } : {}) });
  }
  return entries;
}

/** The error for a listing that found nothing at all: names the folder (or list) and what was looked for. */
function noInputs(root: string, listFile: string | undefined, patterns: readonly string[] | undefined): BgfillError {
  if (listFile) return new BgfillError(`${listFile}: lists no files`, { subject: listFile });
  const what =
    patterns && patterns.length > 0
      ? `no file matches --pattern ${patterns.join(' ')}`
      : `no image files found (looked for ${IMAGE_EXTENSIONS.map((e) => `.${e}`).join(', ')}, in any letter case, in every subfolder)`;
  return new BgfillError(`${root}: ${what}`, { subject: root });
}

/**
 * List a plain folder (fast-glob patterns, recursive) or a list file of paths. With `labels: 'top-folder'`, classes are
 * the sorted names of the first folder level (files directly under the root are unlabelled); a list file's own labels
 * win when it has them. Category filters apply to those class names. Finding no file at all is an error naming the
 * folder and the extensions (or patterns) looked for.
 * @example await listFolder({ root: 'photos', patterns: ['**\/*.jpg'] })
 */
export async function listFolder(options: FolderOptions): Promise<SourceListing> {
  const listFile = options.list;
  // With a list file and no root, paths are relative to the list file's folder.
  const root = listFile && options.root === '' ? dirname(resolve(listFile)) : resolve(options.root);
  const entries = listFile
    ? await listEntries(root, listFile)
    : await globEntries(root, options.patterns && options.patterns.length > 0 ? options.patterns : [DEFAULT_PATTERN]);
  if (entries.length === 0) throw noInputs(root, listFile, options.patterns);
  const useListLabels = entries.some((e) => e.listLabel !== undefined);
  const folderOf = (e: Entry): string => {
    const slash = e.filename.indexOf('/');
    return slash > 0 && !isAbsolute(e.filename) ? e.filename.slice(0, slash) : '';
  };
  let categories: string[];
  let labelOf: (e: Entry) => { label: number; labelText: string };
  if (useListLabels) {
    const max = Math.max(-1, ...entries.map((e) => e.listLabel ?? -1));
    categories = Array.from({ length: max + 1 }, (_, i) => String(i));
    labelOf = (e) => (e.listLabel === undefined || e.listLabel < 0 ? { label: -1, labelText: '' } : { label: e.listLabel, labelText: String(e.listLabel) });
  } else if ((options.labels ?? 'top-folder') === 'top-folder') {
    categories = [...new Set(entries.map(folderOf).filter((f) => f !== ''))].sort();
    const index = new Map(categories.map((c, i) => [c, i]));
    labelOf = (e) => {
      const f = folderOf(e);
      return f === '' ? { label: -1, labelText: '' } : { label: index.get(f) ?? -1, labelText: f };
    };
  } else {
    categories = [];
    labelOf = () => ({ label: -1, labelText: '' });
  }
  const keep = categoryPredicate(options, categories);
  const filtering = (options.include?.length ?? 0) > 0 || (options.exclude?.length ?? 0) > 0;
  const items: SourceItem[] = [];
  for (const e of entries) {
    const { label, labelText } = labelOf(e);
    if (filtering && (label < 0 ? (options.include?.length ?? 0) > 0 : !keep(labelText))) continue;
    items.push({ path: e.path, filename: e.filename, label, labelText });
  }
  return { items, categories };
}

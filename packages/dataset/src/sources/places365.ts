import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { BgfillError, invalidParameter } from '@bgfill/core';
import { categoryPredicate } from './categories.js';
import type { CategoryFilter, SourceItem, SourceListing } from './source.js';

/**
 * The Places365-Standard release layout (http://places2.csail.mit.edu/download.html, "small images 256×256"):
 * `data_256/` (train, `/a/abbey/00000000.jpg`), `val_256/`, `test_256/`, and the file lists from
 * `filelist_places365-standard.tar`. The high-resolution release uses `data_large/`, `val_large/`, `test_large/`.
 */
export const PLACES365_FILES = {
  categories: 'categories_places365.txt',
  lists: { train: 'places365_train_standard.txt', val: 'places365_val.txt', test: 'places365_test.txt' },
  dirs: { train: ['data_256', 'data_large'], val: ['val_256', 'val_large'], test: ['test_256', 'test_large'] },
} as const;

export type Places365Split = keyof typeof PLACES365_FILES.lists;

export interface Places365Options extends CategoryFilter {
  /** The folder holding `data_256/` (and `val_256/`, `test_256/`). */
  readonly root: string;
  /** The folder holding the list files (default: `root`, then `root/filelist_places365-standard`). */
  readonly lists?: string;
  /** Which lists to read (default train and val). */
  readonly splits?: readonly string[];
}

/** `/a/abbey` and `abbey` both name the category `abbey`; `/a/apartment_building/outdoor` is `apartment_building/outdoor`. */
export function placesCategoryName(raw: string): string {
  return raw.replace(/^\/[a-z]\//, '');
}

async function readLines(file: string): Promise<string[]> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new BgfillError(`${file}: cannot read (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { subject: file });
  }
  return text.split(/\r?\n/);
}

function listsDir(options: Places365Options): string {
  if (options.lists) return options.lists;
  const nested = join(options.root, 'filelist_places365-standard');
  return existsSync(join(options.root, PLACES365_FILES.categories)) || !existsSync(nested) ? options.root : nested;
}

/**
 * Parse `categories_places365.txt` (`/a/abbey 0` per line) into names by index.
 * @example parsePlacesCategories(['/a/abbey 0', '/a/airfield 1'], 'f') // ['abbey', 'airfield']
 */
export function parsePlacesCategories(lines: readonly string[], file: string): string[] {
  const names: string[] = [];
  lines.forEach((line, i) => {
    if (line.trim() === '') return;
    const m = /^(\S+)\s+(\d+)\s*$/.exec(line);
    if (!m) throw new BgfillError(`${file}:${i + 1}: expected "/x/name index", got ${JSON.stringify(line)}`, { subject: file });
    const index = Number(m[2]);
    if (names[index] !== undefined) throw new BgfillError(`${file}:${i + 1}: index ${index} listed twice`, { subject: file });
    names[index] = placesCategoryName(m[1]);
  });
  for (let i = 0; i < names.length; i++) {
    if (names[i] === undefined) throw new BgfillError(`${file}: category index ${i} is missing`, { subject: file });
  }
  return names;
}

/**
 * List a Places365-style folder: one item per line of each requested file list, labelled from the list and named by
 * `categories_places365.txt`, with the category filters applied (they keep unlabelled test images only when no
 * include list is given). Missing image files are not checked here: the build records them as rejects.
 * @example await listPlaces365({ root: '/data/places365', splits: ['train', 'val'], include: ['abbey'] })
 */
export async function listPlaces365(options: Places365Options): Promise<SourceListing> {
  const dir = listsDir(options);
  const categoriesFile = join(dir, PLACES365_FILES.categories);
  const categories = parsePlacesCategories(await readLines(categoriesFile), categoriesFile);
  const keep = categoryPredicate(options, categories, placesCategoryName);
  const splits = options.splits ?? ['train', 'val'];
  const items: SourceItem[] = [];
  for (const split of splits) {
    if (!(split in PLACES365_FILES.lists)) throw invalidParameter('--split', 'train, val or test (the Places365 lists)', split);
    const s = split as Places365Split;
    const listFile = join(dir, PLACES365_FILES.lists[s]);
    const imageDir = PLACES365_FILES.dirs[s].find((d) => existsSync(join(options.root, d))) ?? PLACES365_FILES.dirs[s][0];
    const lines = await readLines(listFile);
    lines.forEach((line, i) => {
      const trimmed = line.trim();
      if (trimmed === '') return;
      const m = /^(\S+)(?:\s+(\d+))?$/.exec(trimmed);
      if (!m) throw new BgfillError(`${listFile}:${i + 1}: expected "path [label]", got ${JSON.stringify(line)}`, { subject: listFile });
      const rel = m[1].replace(/^\/+/, '');
      const label = m[2] === undefined ? -1 : Number(m[2]);
      if (label >= categories.length) {
        throw new BgfillError(`${listFile}:${i + 1}: label ${label} is not in ${PLACES365_FILES.categories}`, { subject: listFile });
      }
      const labelText = label >= 0 ? categories[label] : '';
      if (label >= 0 ? !keep(labelText) : options.include !== undefined && options.include.length > 0) return;
      const filename = `${imageDir}/${rel}`;
      items.push({ path: join(options.root, filename), filename, label, labelText, split });
    });
  }
  return { items, categories };
}

import { readFileSync } from 'node:fs';
import { BgfillError, invalidParameter } from '@bgfill/core';
import type { CategoryFilter } from './source.js';

/**
 * Parse a category list argument: comma-separated names, or `@file` with one name per line (only the first
 * whitespace-separated token of each line counts, so Places365's `categories_places365.txt` lines work as-is).
 * @example parseCategoryList('abbey,airfield') // ['abbey', 'airfield']
 */
export function parseCategoryList(value: string): string[] {
  if (value.startsWith('@')) {
    const file = value.slice(1);
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      throw new BgfillError(`${file}: cannot read category list (${(err as NodeJS.ErrnoException).code ?? String(err)})`, { subject: file });
    }
    return text
      .split('\n')
      .map((l) => l.trim().split(/\s+/)[0])
      .filter((l) => l !== undefined && l !== '' && !l.startsWith('#'));
  }
  return value
    .split(',')
    .map((s) => s.trim())
    .filter((s) => s !== '');
}

/**
 * Make a predicate over category names from include/exclude lists. Each listed name must be one of `known`
 * (compared after `normalise`), so a typo is an error rather than an empty dataset.
 * @example categoryPredicate({ include: ['abbey'] }, ['abbey', 'airfield'])('airfield') // false
 */
export function categoryPredicate(
  filter: CategoryFilter,
  known: readonly string[],
  normalise: (name: string) => string = (n) => n,
  option = 'categories',
): (name: string) => boolean {
  const knownSet = new Set(known.map(normalise));
  const check = (list: readonly string[] | undefined, which: string): Set<string> | null => {
    if (!list || list.length === 0) return null;
    const set = new Set<string>();
    for (const raw of list) {
      const n = normalise(raw);
      if (!knownSet.has(n)) throw invalidParameter(`--${which}-${option}`, `a known category name`, raw);
      set.add(n);
    }
    return set;
  };
  const include = check(filter.include, 'include');
  const exclude = check(filter.exclude, 'exclude');
  return (name) => {
    const n = normalise(name);
    if (include && !include.has(n)) return false;
    if (exclude && exclude.has(n)) return false;
    return true;
  };
}

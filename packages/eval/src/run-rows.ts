import { readFile, stat } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { badFile, errorMessage, invalidParameter } from '@bgfill/core';
import { CLASSICAL_METHOD_NAMES, parseClassicalMethod, type ClassicalMethod } from './classical/inpaint.js';
import { GENERATOR_FILE } from './run-layout.js';

/**
 * The rows of an evaluation besides the run's epochs: the net the run started from (epoch 0, "start", from the
 * run's config.json `init`), other nets given with `--compare NAME=PATH`, and classical fills (`--baseline`).
 * Every row is scored on the same records and masks; each has a name, by which `--reference` and `--grid-epochs`
 * pick it (epochs by their number).
 */
export type RowKind = 'start' | 'epoch' | 'compare' | 'baseline';

/** The name of the starting point's row. */
export const START_ROW = 'start';

/** Words a compare net may not be named: they already mean a row or a column. */
export const RESERVED_ROW_NAMES: readonly string[] = [START_ROW, 'best', 'last', 'first', 'epoch', ...CLASSICAL_METHOD_NAMES];

/** A net given with `--compare NAME=PATH`. */
export interface CompareNet {
  name: string;
  path: string;
}

const NAME = /^[A-Za-z][A-Za-z0-9_.-]{0,39}$/;

/**
 * Parse `--compare NAME=PATH` values (one or many, or `{ name, path }` entries): a name of letters, digits, `_ . -` starting with a letter (not
 * `start`, `best`, `last`, `first`, `epoch` or a baseline's name), `=`, and the checkpoint (any format bgfill loads:
 * a PyTorch `.pth`, safetensors, a bgfill checkpoint, or an epoch folder). Names must differ.
 * @example parseCompareOption(['shipped=models/InpaintSANet.pth']) // [{ name: 'shipped', path: 'models/InpaintSANet.pth' }]
 */
export function parseCompareOption(values: string | ReadonlyArray<string | CompareNet> | undefined): CompareNet[] {
  const list = values === undefined ? [] : typeof values === 'string' ? [values] : values;
  const nets: CompareNet[] = [];
  for (const item of list) {
    const value = typeof item === 'string' ? item : `${item.name}=${item.path}`;
    const eq = value.indexOf('=');
    const name = eq > 0 ? value.slice(0, eq).trim() : '';
    const path = eq > 0 ? value.slice(eq + 1).trim() : '';
    if (!NAME.test(name) || path === '') throw invalidParameter('compare', 'NAME=PATH, NAME a letter then letters, digits, _ . - (e.g. shipped=InpaintSANet.pth)', value);
    if (RESERVED_ROW_NAMES.includes(name.toLowerCase())) throw invalidParameter('compare', `a name other than ${RESERVED_ROW_NAMES.join(', ')}`, name);
    if (nets.some((n) => n.name.toLowerCase() === name.toLowerCase())) throw invalidParameter('compare', 'a name given once', name);
    nets.push({ name, path });
  }
  return nets;
}

/**
 * Parse `--baseline` (a comma list, or several values; `none` or empty for none) into classical methods, each once.
 * @example parseBaselineOption('telea,ns') // ['telea', 'ns']
 */
export function parseBaselineOption(values: string | readonly string[] | undefined): ClassicalMethod[] {
  const parts = (values === undefined ? [] : typeof values === 'string' ? [values] : values)
    .flatMap((v) => v.split(','))
    .map((s) => s.trim())
    .filter((s) => s !== '' && s.toLowerCase() !== 'none');
  const methods: ClassicalMethod[] = [];
  for (const part of parts) {
    const method = parseClassicalMethod(part, 'baseline');
    if (!methods.includes(method)) methods.push(method);
  }
  return methods;
}

/** What a run says about its starting point. */
export interface RunStart {
  /** The `init` checkpoint, absolute; null when the run was trained from scratch (or says nothing). */
  init: string | null;
  /** Why there is no start row, when there is none. */
  reason?: string;
}

/**
 * The starting point of a run, from `RUN/config.json`'s `init` (the trainer writes it absolute; a relative one is
 * taken from the working folder). No config.json, or `init: null`, means no start row, with the reason.
 * @example await readRunStart('runs/a') // { init: '/models/InpaintSANet.pth' }
 */
export async function readRunStart(run: string): Promise<RunStart> {
  const path = join(run, 'config.json');
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { init: null, reason: `${path} does not exist, so the run's starting point is unknown` };
    throw badFile(path, `cannot read the run's config (${errorMessage(err)})`, err);
  }
  let init: unknown;
  try {
    init = (JSON.parse(text) as { init?: unknown }).init;
  } catch (err) {
    throw badFile(path, `not valid JSON: ${errorMessage(err)}`, err);
  }
  if (init === null || init === undefined) return { init: null, reason: 'the run was trained from scratch (no --init), so it has no epoch 0' };
  if (typeof init !== 'string' || init === '') throw badFile(path, `"init" must be a checkpoint path or null, not ${JSON.stringify(init)}`);
  return { init: resolve(init) };
}

/**
 * The file a checkpoint path stands for: the path itself, or for a bgfill epoch folder its generator file (the
 * file whose digest keys the cache). Throws a BgfillError naming the path when neither exists.
 * @example await checkpointFile('runs/a/epoch-0009') // 'runs/a/epoch-0009/generator.safetensors'
 */
export async function checkpointFile(path: string): Promise<string> {
  const info = await stat(path).catch((err: NodeJS.ErrnoException) => {
    throw badFile(path, err.code === 'ENOENT' ? 'no such file' : `cannot read (${errorMessage(err)})`, err);
  });
  if (!info.isDirectory()) return path;
  const inside = join(path, GENERATOR_FILE);
  if (!(await stat(inside).then((s) => s.isFile(), () => false))) {
    throw badFile(path, `is a folder without ${GENERATOR_FILE}: give a weight file (.pth, .safetensors) or an epoch folder`);
  }
  return inside;
}

/**
 * Check the row names a list of requests may use against the rows that can exist: numbers are epochs; words must be
 * `start`, `best`, `last`, `first`, a compare name or a baseline. Throws a BgfillError naming the option otherwise
 * (a baseline's name that was not asked for says which `--baseline` adds it).
 * @example checkRowWords('grid epochs', ['start', 'telea'], [], ['telea']) // passes
 */
export function checkRowWords(option: string, words: readonly string[], compare: readonly CompareNet[], baselines: readonly ClassicalMethod[]): void {
  const known = [START_ROW, 'best', 'last', 'first', ...compare.map((c) => c.name.toLowerCase()), ...baselines];
  for (const word of words) {
    if (/^\d+$/.test(word) || known.includes(word.toLowerCase())) continue;
    const baseline = (CLASSICAL_METHOD_NAMES as readonly string[]).includes(word.toLowerCase());
    throw invalidParameter(option, `epoch numbers, start, best, last, first, a compare name or a baseline${baseline ? ` (add --baseline ${word.toLowerCase()})` : ''}`, word);
  }
}

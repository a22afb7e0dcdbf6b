import { readFile } from 'node:fs/promises';
import { BgfillError, errorMessage, invalidParameter } from '@bgfill/core';
import { MAX_MASK_SIDE, type Size } from './mask.js';

/** The most masks one `bgfill masks generate` run may write. */
export const MAX_MASK_COUNT = 10_000_000;

/**
 * `256` → 256×256, `320x240` (or `320×240`) → width 320, height 240; each side 1…16384.
 * @example parseSizeOption('320x240', '--size') // { width: 320, height: 240 }
 */
export function parseSizeOption(text: string, name = '--size'): Size {
  const m = /^\s*(\d+)\s*(?:[x×]\s*(\d+))?\s*$/i.exec(text);
  const expected = `WIDTHxHEIGHT or one side, integers between 1 and ${MAX_MASK_SIDE}`;
  if (!m) throw invalidParameter(name, expected, text);
  const width = Number(m[1]);
  const height = m[2] === undefined ? width : Number(m[2]);
  for (const v of [width, height]) if (v < 1 || v > MAX_MASK_SIDE) throw invalidParameter(name, expected, text);
  return { width, height };
}

/**
 * The recipe of a command that takes `--masks` (and the older name `--strategy`, kept as a hidden alias that prints a
 * note): the text of whichever was given, undefined when neither. Both at once is an error.
 * @example recipeOption({ masks: 'person-box' }) // 'person-box'
 */
export function recipeOption(opts: { masks?: string; strategy?: string }, warn: (line: string) => void = (l) => process.stderr.write(`${l}\n`)): string | undefined {
  if (opts.masks !== undefined && opts.strategy !== undefined) {
    throw new BgfillError('give the mask recipe once: --masks (--strategy is its old name)', { subject: '--masks' });
  }
  if (opts.strategy !== undefined) warn('bgfill: note: --strategy is now called --masks (the old name still works)');
  return opts.masks ?? opts.strategy;
}

/**
 * The text of a `--masks` option: itself, or the content of the file after `@` (`@config.json`).
 * @example await readStrategyOption('@recipes/thick.json')
 */
export async function readStrategyOption(text: string): Promise<string> {
  if (!text.startsWith('@')) return text;
  const file = text.slice(1);
  try {
    return await readFile(file, 'utf8');
  } catch (err) {
    throw new BgfillError(`${file}: cannot read the mask config file (${errorMessage(err)})`, { subject: file, cause: err });
  }
}

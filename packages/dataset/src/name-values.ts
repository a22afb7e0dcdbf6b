import { invalidParameter } from '@bgfill/core';

/**
 * Parse `a=1,b=0.5` (an option's comma-separated name=number pairs) in order; `example` goes into the error message.
 * Names are checked by the caller.
 * @example parseNameValues('train=0.9,val=0.1', '--split-ratios', 'train=0.9,val=0.1') // [['train', 0.9], ['val', 0.1]]
 */
export function parseNameValues(value: string, option: string, example: string): Array<[string, number]> {
  return value
    .split(',')
    .map((p) => p.trim())
    .filter((p) => p !== '')
    .map((p) => {
      const m = /^([^=\s]+)\s*=\s*([0-9.eE+-]+)$/.exec(p);
      if (!m) throw invalidParameter(option, `name=value pairs such as ${example}`, value);
      return [m[1], Number(m[2])];
    });
}

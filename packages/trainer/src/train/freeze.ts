import { BgfillError, invalidParameter } from '@bgfill/core';

/**
 * Freezing by parameter-name patterns. A pattern is either a glob over the PyTorch state_dict name
 * (`*` = any run of characters, dots included; `?` = one character), e.g. `*.mask_conv2d.*`, or a regular
 * expression written between slashes, e.g. `/^refine_(attn|upsample)\./`.
 *
 * A pattern that matches no parameter is an error: a typo must never leave the whole net silently trainable.
 */

/** Anything with a shape, keyed by name (tf.Variable qualifies). */
export interface NamedShape {
  readonly shape: readonly number[];
}

export interface FreezePlan {
  /** Names that the optimizer updates, in the model's order. */
  readonly trainable: readonly string[];
  /** Names kept bit-identical. */
  readonly frozen: readonly string[];
  /** Which names each pattern matched. */
  readonly matches: ReadonlyMap<string, readonly string[]>;
  readonly trainableElements: number;
  readonly frozenElements: number;
}

/**
 * Compile one freeze pattern into a predicate over names.
 * @example compileFreezePattern('*.mask_conv2d.*')('coarse_net.0.mask_conv2d.weight') // true
 */
export function compileFreezePattern(pattern: string): (name: string) => boolean {
  const regexForm = /^\/(.+)\/([a-z]*)$/.exec(pattern);
  if (regexForm) {
    let re: RegExp;
    try {
      re = new RegExp(regexForm[1], regexForm[2]);
    } catch (err) {
      throw invalidParameter('freeze', `a valid regular expression (${(err as Error).message})`, pattern);
    }
    return (name) => re.test(name);
  }
  const source = pattern
    .split('')
    .map((ch) => (ch === '*' ? '.*' : ch === '?' ? '.' : ch.replace(/[\\^$.|+()[\]{}]/g, '\\$&')))
    .join('');
  const re = new RegExp(`^${source}$`);
  return (name) => re.test(name);
}

const elements = (shape: readonly number[]): number => shape.reduce((a, b) => a * b, 1);

/**
 * Split parameters into trainable and frozen. Throws a BgfillError listing every pattern that matched
 * nothing (with a few real names as a hint), or when nothing would be left to train.
 * @example planFreeze(generator.params, ['*.mask_conv2d.*']).trainable.length
 */
export function planFreeze(params: ReadonlyMap<string, NamedShape>, patterns: readonly string[]): FreezePlan {
  const names = [...params.keys()];
  const matches = new Map<string, string[]>();
  const frozenSet = new Set<string>();
  for (const pattern of patterns) {
    const test = compileFreezePattern(pattern);
    const hit = names.filter(test);
    matches.set(pattern, hit);
    for (const n of hit) frozenSet.add(n);
  }
  const unmatched = patterns.filter((p) => matches.get(p)!.length === 0);
  if (unmatched.length > 0) {
    const examples = names.slice(0, 3).join(', ');
    throw new BgfillError(
      `Freeze pattern${unmatched.length > 1 ? 's' : ''} ${unmatched.map((p) => `"${p}"`).join(', ')} matched no parameter ` +
        `(${names.length} parameters, e.g. ${examples}; globs match the whole name, "*" spans dots, /…/ is a regex)`,
      { subject: 'freeze' },
    );
  }
  const trainable = names.filter((n) => !frozenSet.has(n));
  const frozen = names.filter((n) => frozenSet.has(n));
  if (trainable.length === 0) {
    throw new BgfillError(`Freeze patterns ${patterns.map((p) => `"${p}"`).join(', ')} freeze every parameter: nothing left to train`, {
      subject: 'freeze',
    });
  }
  return {
    trainable,
    frozen,
    matches,
    trainableElements: trainable.reduce((s, n) => s + elements(params.get(n)!.shape), 0),
    frozenElements: frozen.reduce((s, n) => s + elements(params.get(n)!.shape), 0),
  };
}

/** Human-readable summary printed at the start of a run: counts, then every trainable tensor with its shape. */
export function describeFreezePlan(plan: FreezePlan, params: ReadonlyMap<string, NamedShape>): string[] {
  const lines = [
    `trainable: ${plan.trainable.length} tensors, ${plan.trainableElements.toLocaleString('en-US')} parameters; ` +
      `frozen: ${plan.frozen.length} tensors, ${plan.frozenElements.toLocaleString('en-US')} parameters`,
  ];
  for (const [pattern, hit] of plan.matches) lines.push(`  freeze "${pattern}": ${hit.length} tensors`);
  lines.push('trainable tensors:');
  for (const n of plan.trainable) lines.push(`  ${n} [${params.get(n)!.shape.join('×')}]`);
  return lines;
}

import type { z } from 'zod';
import { BgfillError, describeValue } from '@bgfill/core';
import type { MaskConfig, MixComponent, PostStepRecipe } from './config-types.js';
import { fromFilesSchema } from './from-files.js';
import { mixShallowSchema, mixWeightSchema, unionShallowSchema } from './mix.js';
import { POST_STEP_SCHEMAS, postListSchema, postStepSchema } from './post.js';
import { isRamp, numericKind, rampAt, rampBreakpoints, rampSchema, type NumericKind, type Ramp, type TrainingProgress } from './ramp.js';
import { leafSchema, STRATEGY_NAMES } from './registry.js';
import { parseShortForm } from './short-form.js';

export type { MaskConfig, MaskConfigInput, WithPost } from './config-types.js';

type PathSegment = string | number;

/**
 * A field path as written in error messages.
 * @example formatConfigPath(['components', 0, 'config', 'count']) // 'components[0].config.count'
 */
export function formatConfigPath(path: ReadonlyArray<PathSegment>): string {
  let out = '';
  for (const seg of path) out += typeof seg === 'number' ? `[${seg}]` : out === '' ? seg : `.${seg}`;
  return out;
}

function configError(path: ReadonlyArray<PathSegment>, message: string): BgfillError {
  const where = path.length ? ` at ${formatConfigPath(path)}` : '';
  return new BgfillError(`Invalid mask config${where}: ${message}`, { subject: formatConfigPath(path) || 'mask config' });
}

function valueAt(root: unknown, path: ReadonlyArray<PropertyKey>): unknown {
  let v = root;
  for (const seg of path) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<PropertyKey, unknown>)[seg];
  }
  return v;
}

function brief(value: unknown): string {
  if (value === undefined) return 'nothing';
  try {
    const json = JSON.stringify(value);
    if (json !== undefined && json.length <= 60) return json;
  } catch {
    // fall through
  }
  return describeValue(value);
}

/** Validate `value` against `schema`; every issue becomes part of one BgfillError naming its field path. */
function check<T>(schema: z.ZodType<T>, value: unknown, path: ReadonlyArray<PathSegment>, strategy?: string): T {
  const result = schema.safeParse(value);
  if (result.success) return result.data;
  const shape = (schema as { shape?: Record<string, unknown> }).shape;
  const messages = result.error.issues.map((issue) => {
    const where = [...path, ...issue.path.map((p) => (typeof p === 'symbol' ? String(p) : p))];
    const received = valueAt(value, issue.path);
    let text = issue.message;
    if (issue.code === 'unrecognized_keys' && shape) {
      text += `; ${strategy ?? 'this node'} accepts: ${Object.keys(shape).join(', ')}`;
    } else if (issue.code !== 'invalid_type' && !/received/.test(text)) {
      text += ` (received ${brief(received)})`;
    }
    return `${formatConfigPath(where) || '(root)'}${strategy ? ` (${strategy})` : ''}: ${text}`;
  });
  const first = result.error.issues[0];
  const subject = formatConfigPath([...path, ...first.path.map((p) => (typeof p === 'symbol' ? String(p) : p))]);
  throw new BgfillError(`Invalid mask config: ${messages.join('; ')}`, { subject: subject || 'mask config' });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function describeProgress(at: TrainingProgress): string {
  return [at.epoch === undefined ? '' : `epoch ${at.epoch}`, at.step === undefined ? '' : `step ${at.step}`].filter(Boolean).join(', ');
}

/**
 * Validate a node whose numeric options may be ramps: each ramp is checked (shape, and that its option is a number or
 * a range of the same kind), then the node is validated with its ramps at every breakpoint (each start and end), which
 * covers every progress since the values are piecewise linear; the ramps are then put back in place of the values.
 */
function checkRamped<T>(schema: z.ZodType<T>, value: Record<string, unknown>, path: ReadonlyArray<PathSegment>, strategy?: string): T {
  const keys = Object.keys(value).filter((k) => isRamp(value[k]));
  if (keys.length === 0) return check(schema, value, path, strategy);
  const shape = (schema as { shape?: Record<string, unknown> }).shape ?? {};
  const ramps = new Map<string, { ramp: Ramp; kind: NumericKind }>();
  for (const key of keys) {
    const kind = Object.hasOwn(shape, key) ? numericKind(shape[key]) : undefined;
    if (!kind) throw configError([...path, key], `${strategy ?? 'this node'}'s ${key} cannot ramp: only numbers and [min, max] ranges can`);
    const ramp = check(rampSchema, value[key], [...path, key], 'ramp') as Ramp;
    const { from, to } = ramp.ramp;
    if ((typeof from !== 'number') !== kind.pair) {
      throw configError(
        [...path, key],
        kind.pair ? `${key} is a [min, max] range: ramp it between ranges, e.g. ramp(0-1,0-3,0,8)` : `${key} is a number: ramp it between numbers`,
      );
    }
    if (kind.integer && ![from, to].flat().every(Number.isInteger)) throw configError([...path, key], `${key} takes integers: ramp it between integers`);
    ramps.set(key, { ramp, kind });
  }
  let out: T | undefined;
  for (const at of rampBreakpoints([...ramps.values()].map((r) => r.ramp))) {
    const concrete = { ...value };
    for (const [key, r] of ramps) concrete[key] = rampAt(r.ramp, at, r.kind.integer);
    try {
      out = check(schema, concrete, path, strategy);
    } catch (err) {
      if (err instanceof BgfillError) throw new BgfillError(`${err.message} (with its ramps at ${describeProgress(at)})`, { subject: err.subject });
      throw err;
    }
  }
  const node = { ...(out as Record<string, unknown>) };
  for (const [key, r] of ramps) node[key] = r.ramp;
  return node as T;
}

function validatePost(post: unknown, path: PathSegment[]): PostStepRecipe[] {
  const steps = check(postListSchema, post, path, 'post');
  return steps.map((step, i) => {
    const op = isPlainObject(step) ? step.op : undefined;
    if (typeof op !== 'string' || !Object.hasOwn(POST_STEP_SCHEMAS, op)) return check(postStepSchema, step, [...path, i], 'post') as PostStepRecipe;
    return checkRamped(POST_STEP_SCHEMAS[op as keyof typeof POST_STEP_SCHEMAS] as z.ZodType<unknown>, step as Record<string, unknown>, [...path, i], op) as PostStepRecipe;
  });
}

/** Validate one node (recursively for mix / union), filling defaults. */
function validateNode(value: unknown, path: PathSegment[]): MaskConfig {
  if (!isPlainObject(value)) {
    throw configError(path, `expected an object with a "strategy" field, received ${describeValue(value)}`);
  }
  const { post, ...rest } = value;
  const name = rest.strategy;
  if (typeof name !== 'string' || !(STRATEGY_NAMES as ReadonlyArray<string>).includes(name)) {
    throw configError(
      [...path, 'strategy'],
      `${name === undefined ? 'missing strategy' : `unknown strategy ${describeValue(name)}`}; allowed: ${STRATEGY_NAMES.join(', ')}`,
    );
  }
  let node: MaskConfig;
  if (name === 'mix') {
    const shallow = check(mixShallowSchema, rest, path, 'mix');
    node = {
      strategy: 'mix',
      components: shallow.components.map((c, i): MixComponent => ({
        weight: checkRamped(mixWeightSchema, { weight: c.weight }, [...path, 'components', i], 'mix').weight as MixComponent['weight'],
        config: validateNode(c.config, [...path, 'components', i, 'config']),
      })),
    };
  } else if (name === 'union') {
    const shallow = check(unionShallowSchema, rest, path, 'union');
    node = { strategy: 'union', parts: shallow.parts.map((p, i) => validateNode(p, [...path, 'parts', i])) };
  } else if (name === 'from-files') {
    const ramped = Object.keys(rest).find((k) => isRamp(rest[k]));
    if (ramped) throw configError([...path, ramped], `from-files options cannot ramp; ramp a post step instead (from-files:'maps/*.png'>dilate:ramp(0,4,0,8))`);
    node = check(fromFilesSchema, rest, path, name);
  } else {
    const schema = leafSchema(name);
    if (!schema) throw configError([...path, 'strategy'], `unknown strategy ${describeValue(name)}`);
    node = checkRamped(schema, rest, path, name) as MaskConfig;
  }
  if (post !== undefined) {
    const steps = validatePost(post, [...path, 'post']);
    if (steps.length > 0) node.post = steps;
  }
  return node;
}

/**
 * Read a mask config from a short form (`'person-box+scribble:0-3'`, `'person-box*0.7|irregular:thick*0.3'`; see
 * `short-form.ts` and the README), a JSON string, or an object, filling every default. Bad input throws a BgfillError
 * whose message names the field path and the allowed values.
 * @example parseMaskConfig('person-box+scribble:0-3')
 * // { strategy: 'union', parts: [{ strategy: 'person-box', mode: 'compatible' }, { strategy: 'scribble', count: [0, 3], … }] }
 */
export function parseMaskConfig(input: string | unknown): MaskConfig {
  if (typeof input === 'string') {
    const text = input.trim();
    if (text === '') throw configError([], `empty; give a strategy (${STRATEGY_NAMES.join(', ')}), a short form or JSON`);
    if (text.startsWith('{')) {
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch {
        parsed = undefined;
      }
      if (parsed !== undefined) return validateNode(parsed, []);
    }
    return validateNode(parseShortForm(text), []);
  }
  return validateNode(input, []);
}

/**
 * The short form of a mask config: a one-line recipe for the command line and for dataset labels.
 *
 *   recipe     := mixture
 *   mixture    := component ('|' component)*          one component is drawn per mask, by weight
 *   component  := union ['*' weight] ('>' op)*        weight: a positive number or a ramp, default 1
 *   union      := postfixed ('+' postfixed)*          every part drawn, holes OR-ed
 *   postfixed  := primary ('>' op)*                   post-processing, applied left to right
 *   primary    := name [':' value] ['(' options ')'] | '(' mixture ')' | {JSON config}
 *   op         := ('dilate' | 'erode') [':' iterations] ['(' options ')'] | 'invert'
 *   options    := key '=' value (',' key '=' value)*
 *   value      := number | min-max | word | 'text' | "json string" | [json array] | {json object} | true | false | ramp
 *   ramp       := 'ramp(' value ',' value ',' start ',' end [',' ('epoch' | 'step')] ')'
 *
 * `name:value` sets the strategy's main option (SHORT_ARGUMENTS): `scribble:0-3` is count [0, 3],
 * `irregular:thick` the preset, `person-box:general` the mode, `from-files:'masks/*.png'` the paths.
 * A single number where a [min, max] range is expected means [n, n]. Whitespace around operators is ignored.
 * Precedence, loosest first: `|`, `*weight`, `+`, `>`. So `person-box+scribble:0-3*0.7|irregular:thick*0.3` mixes the
 * union (person-box + scribble) at 0.7 with irregular at 0.3, and `(a+b)>dilate:2` grows the union's hole.
 * `ramp(2,10,0,8)` moves from 2 to 10 between epochs 0 and 8 (LaMa's LinearRamp, see ramp.ts); `,step` counts steps.
 */
import { BgfillError } from '@bgfill/core';
import type { MaskConfig, PostStepRecipe } from './config-types.js';
import { POST_OPS } from './post.js';
import { formatRamp, isRamp, RAMP_UNITS, type Ramp, type RampValue } from './ramp.js';
import { FILE_STRATEGY_SCHEMAS, leafSchema, SHORT_ARGUMENTS, STRATEGY_NAMES } from './registry.js';

/** Characters that end a bare word. */
const BARE = /[^\s+|*()>,:=[\]{}"']+/y;
const NUMBER = /^-?(?:\d+(?:\.\d*)?|\.\d+)(?:e-?\d+)?$/i;
const RANGE = /^(\d+(?:\.\d+)?)-(\d+(?:\.\d+)?)$/;
const NAME = /[a-z][a-z0-9-]*/iy;
const KEY = /[A-Za-z_][A-Za-z0-9_]*/y;

/** Names a short-form term may use (mix and union are written with `|` and `+`). */
const TERM_NAMES = STRATEGY_NAMES.filter((n) => n !== 'mix' && n !== 'union');

type RawNode = Record<string, unknown>;

const defaultsCache = new Map<string, Record<string, unknown>>();

/** The config a strategy has with every option left out (from its schema); `{}` when it needs more. */
function defaultsOf(name: string): Record<string, unknown> {
  let d = defaultsCache.get(name);
  if (d) return d;
  d = {};
  if (name === 'dilate' || name === 'erode') {
    d = { iterations: 1, kernel: 'square' };
  } else if (Object.hasOwn(FILE_STRATEGY_SCHEMAS, name)) {
    // File-backed strategies need their main option (the files); fill it to read the others' defaults, then drop it.
    const required = SHORT_ARGUMENTS[name].option;
    const parsed = leafSchema(name)?.safeParse({ strategy: name, [required]: '.' });
    if (parsed?.success) {
      const { [required]: _given, ...rest } = parsed.data as Record<string, unknown>;
      d = rest;
    }
  } else {
    const parsed = leafSchema(name)?.safeParse({ strategy: name });
    if (parsed?.success) d = parsed.data as Record<string, unknown>;
  }
  defaultsCache.set(name, d);
  return d;
}

interface SchemaDef {
  type?: string;
  innerType?: { _zod?: { def?: SchemaDef } };
  items?: unknown[];
}

/** The zod definition inside a schema's optional / default / readonly wrappers. */
function innerDef(schema: unknown): SchemaDef | undefined {
  let def = (schema as { _zod?: { def?: SchemaDef } } | undefined)?._zod?.def;
  for (let depth = 0; def?.innerType && depth < 8; depth++) def = def.innerType._zod?.def;
  return def;
}

/** The schema of `option` of strategy `name`, when it has one. */
function optionSchema(name: string, option: string): unknown {
  const shape = (leafSchema(name) as { shape?: Record<string, unknown> } | undefined)?.shape;
  return shape !== undefined && Object.hasOwn(shape, option) ? shape[option] : undefined;
}

/** True when a zod schema is (an optional / default / readonly wrapper of) a 2-tuple. */
function isPairSchema(schema: unknown): boolean {
  const def = innerDef(schema);
  return def?.type === 'tuple' && def.items?.length === 2;
}

/**
 * True when `option` of `name` takes text only (a bank path, a SHA-256 pin), so that a bare word made of digits
 * (`sha256=0123…`, `person-bank:2024`) stays the text it is instead of turning into a number.
 */
function isTextOption(name: string, option: string): boolean {
  return innerDef(optionSchema(name, option))?.type === 'string';
}

/** True when `option` of `name` is a [min, max] range, so that a single number n reads as [n, n]. */
function isRangeOption(name: string, option: string): boolean {
  const short = SHORT_ARGUMENTS[name];
  if (short?.option === option && short.range) return true;
  const d = defaultsOf(name)[option];
  if (Array.isArray(d) && d.length === 2 && d.every((v) => typeof v === 'number')) return true;
  return isPairSchema(optionSchema(name, option));
}

class Parser {
  pos = 0;
  constructor(readonly text: string) {}

  fail(message: string, at = this.pos): never {
    const shown = this.text.length > 120 ? `${this.text.slice(0, 117)}...` : this.text;
    throw new BgfillError(`Bad mask short form ${JSON.stringify(shown)} at character ${at + 1}: ${message}`, {
      subject: 'mask config',
    });
  }

  skipWs(): void {
    while (this.pos < this.text.length && /\s/.test(this.text[this.pos])) this.pos++;
  }

  peek(): string {
    this.skipWs();
    return this.text[this.pos] ?? '';
  }

  eat(ch: string): boolean {
    if (this.peek() !== ch) return false;
    this.pos++;
    return true;
  }

  match(re: RegExp): string | undefined {
    this.skipWs();
    re.lastIndex = this.pos;
    const m = re.exec(this.text);
    if (!m) return undefined;
    this.pos += m[0].length;
    return m[0];
  }

  describeHere(): string {
    return this.pos >= this.text.length ? 'the end' : JSON.stringify(this.text[this.pos]);
  }

  mixture(): RawNode {
    const components: Array<{ config: RawNode; weight: number | Ramp | undefined }> = [this.component()];
    while (this.eat('|')) components.push(this.component());
    if (components.length === 1 && components[0].weight === undefined) return components[0].config;
    return {
      strategy: 'mix',
      components: components.map((c) => ({ weight: c.weight ?? 1, config: c.config })),
    };
  }

  component(): { config: RawNode; weight: number | Ramp | undefined } {
    const config = this.union();
    let weight: number | Ramp | undefined;
    if (this.eat('*')) {
      const at = this.pos;
      const word = this.match(BARE);
      if (word === 'ramp' && this.peek() === '(') weight = this.ramp();
      else {
        if (word === undefined || !NUMBER.test(word)) this.fail('expected a weight (a positive number or a ramp) after "*"', at);
        weight = Number(word);
        if (!(weight > 0)) this.fail(`weight must be positive, got ${word}`, at);
      }
    }
    while (this.eat('>')) appendPost(config, this.op());
    return { config, weight };
  }

  union(): RawNode {
    const parts = [this.postfixed()];
    while (this.eat('+')) parts.push(this.postfixed());
    return parts.length === 1 ? parts[0] : { strategy: 'union', parts };
  }

  postfixed(): RawNode {
    const node = this.primary();
    while (this.eat('>')) appendPost(node, this.op());
    return node;
  }

  primary(): RawNode {
    const c = this.peek();
    if (c === '(') {
      this.pos++;
      const node = this.mixture();
      if (!this.eat(')')) this.fail(`expected ")" but found ${this.describeHere()}`);
      return node;
    }
    if (c === '{') {
      const value = this.json();
      if (typeof value !== 'object' || value === null || Array.isArray(value)) this.fail('expected a JSON object');
      return { ...(value as RawNode) };
    }
    const at = this.pos;
    const name = this.match(NAME);
    if (name === undefined) {
      this.fail(`expected a strategy name (${TERM_NAMES.join(', ')}) but found ${this.describeHere()}`);
    }
    if (!(TERM_NAMES as ReadonlyArray<string>).includes(name)) {
      const hint = name === 'mix' || name === 'union' ? ' (write mixtures with "|" and unions with "+")' : '';
      this.fail(`unknown strategy ${JSON.stringify(name)}${hint}; allowed: ${TERM_NAMES.join(', ')}`, at);
    }
    const node: RawNode = { strategy: name };
    this.argAndOptions(name, node);
    return node;
  }

  /** `:value` then `(key=value, …)`, both optional, into `node`. */
  argAndOptions(name: string, node: RawNode): void {
    if (this.eat(':')) {
      const short = SHORT_ARGUMENTS[name];
      if (!short) this.fail(`${name} takes no ":" argument; use ${name}(option=value)`);
      node[short.option] = this.coerce(name, short.option, this.value(isTextOption(name, short.option)));
    }
    if (this.eat('(')) {
      if (this.eat(')')) return;
      do {
        const at = this.pos;
        const key = this.match(KEY);
        if (key === undefined) this.fail(`expected an option name but found ${this.describeHere()}`);
        if (key === 'strategy' || Object.hasOwn(node, key)) this.fail(`option ${key} given twice`, at);
        if (!this.eat('=')) this.fail(`expected "=" after ${key}`);
        node[key] = this.coerce(name, key, this.value(isTextOption(name, key)));
      } while (this.eat(','));
      if (!this.eat(')')) this.fail(`expected "," or ")" but found ${this.describeHere()}`);
    }
  }

  coerce(name: string, option: string, value: unknown): unknown {
    if (!isRangeOption(name, option)) return value;
    const pair = (v: unknown) => (typeof v === 'number' ? [v, v] : v);
    if (isRamp(value)) return { ramp: { ...value.ramp, from: pair(value.ramp.from), to: pair(value.ramp.to) } };
    return pair(value);
  }

  /** After the word `ramp`: `(from, to, start, end[, unit])`, into `{ ramp: { … } }` (checked by parseMaskConfig). */
  ramp(): Ramp {
    if (!this.eat('(')) this.fail('expected "(" after ramp');
    const args: unknown[] = [];
    do args.push(this.value());
    while (this.eat(','));
    if (!this.eat(')')) this.fail(`expected "," or ")" in ramp(…) but found ${this.describeHere()}`);
    if (args.length < 4 || args.length > 5) this.fail(`ramp takes (from, to, start, end[, ${RAMP_UNITS.join(' | ')}]), got ${args.length} values`);
    const [from, to, start, end, unit = 'epoch'] = args;
    return { ramp: { from, to, start, end, unit } as unknown as Ramp['ramp'] };
  }

  op(): RawNode {
    const at = this.pos;
    const name = this.match(NAME);
    if (name === undefined || !(POST_OPS as ReadonlyArray<string>).includes(name)) {
      this.fail(`expected a post-processing step (${POST_OPS.join(', ')}) after ">"`, at);
    }
    const node: RawNode = { op: name };
    if (name !== 'invert') this.argAndOptions(name, node);
    return node;
  }

  /** A value; with `text`, a bare word stays a string (a digits-only pin or path is not a number). */
  value(text = false): unknown {
    const c = this.peek();
    if (c === '[' || c === '{' || c === '"') return this.json();
    if (c === "'") {
      const end = this.text.indexOf("'", this.pos + 1);
      if (end < 0) this.fail('unterminated quote');
      const s = this.text.slice(this.pos + 1, end);
      this.pos = end + 1;
      return s;
    }
    const word = this.match(BARE);
    if (word === undefined) this.fail(`expected a value but found ${this.describeHere()}`);
    if (word === 'ramp' && this.peek() === '(') return this.ramp();
    return text ? word : interpretWord(word);
  }

  /** A JSON value starting here: find its end by bracket depth (outside strings), then JSON.parse. */
  json(): unknown {
    this.skipWs();
    const start = this.pos;
    let depth = 0;
    let i = start;
    for (; i < this.text.length; i++) {
      const ch = this.text[i];
      if (ch === '"') {
        i++;
        while (i < this.text.length && this.text[i] !== '"') i += this.text[i] === '\\' ? 2 : 1;
        if (i >= this.text.length) this.fail('unterminated JSON string', start);
        if (depth === 0) break;
      } else if (ch === '[' || ch === '{') depth++;
      else if (ch === ']' || ch === '}') {
        depth--;
        if (depth === 0) break;
      }
    }
    if (i >= this.text.length) this.fail('unterminated JSON value', start);
    const slice = this.text.slice(start, i + 1);
    try {
      this.pos = i + 1;
      return JSON.parse(slice);
    } catch (err) {
      return this.fail(`bad JSON ${slice.length > 40 ? `${slice.slice(0, 37)}...` : slice} (${(err as Error).message})`, start);
    }
  }
}

function appendPost(node: RawNode, step: RawNode): void {
  node.post = [...(Array.isArray(node.post) ? node.post : []), step];
}

/** A bare word's value: number, `min-max` range, boolean, or the word itself. */
function interpretWord(word: string): unknown {
  if (NUMBER.test(word)) return Number(word);
  const range = RANGE.exec(word);
  if (range) return [Number(range[1]), Number(range[2])];
  if (word === 'true') return true;
  if (word === 'false') return false;
  return word;
}

/**
 * Parse a short form into a raw (not yet validated, defaults not filled) config object; `parseMaskConfig` validates.
 * Syntax errors throw a BgfillError with the character position.
 * @example parseShortForm('irregular:thick*0.3|person-box') // { strategy: 'mix', components: [...] }
 */
export function parseShortForm(text: string): Record<string, unknown> {
  const p = new Parser(text);
  const node = p.mixture();
  if (p.peek() !== '') p.fail(`unexpected ${p.describeHere()}`);
  return node;
}

// ---------------------------------------------------------------------------------------------------------------
// Formatting

/**
 * JSON with object keys sorted (`strategy` first), so equal configs give equal text.
 * @example canonicalJson({ count: [0, 3], strategy: 'scribble' }) // '{"strategy":"scribble","count":[0,3]}'
 */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const keys = Object.keys(value)
      .filter((k) => (value as Record<string, unknown>)[k] !== undefined)
      .sort((a, b) => (a === 'strategy' ? -1 : b === 'strategy' ? 1 : a < b ? -1 : a > b ? 1 : 0));
    return `{${keys.map((k) => `${JSON.stringify(k)}:${canonicalJson((value as Record<string, unknown>)[k])}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

function formatNumber(n: number): string {
  return String(n).replace('e+', 'e');
}

function isBareWord(s: string): boolean {
  BARE.lastIndex = 0;
  const m = BARE.exec(s);
  // `ramp` is quoted: bare and followed by options it would read as a ramp.
  return m !== null && m[0] === s && interpretWord(s) === s && s !== 'ramp';
}

function formatValue(value: unknown, range: boolean): string {
  if (isRamp(value)) return formatRamp(value, (v: RampValue) => formatValue(v, range));
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'boolean') return String(value);
  if (typeof value === 'string') return isBareWord(value) ? value : JSON.stringify(value);
  if (Array.isArray(value) && value.length === 2 && value.every((v) => typeof v === 'number')) {
    const [a, b] = value as [number, number];
    if (range && a === b) return formatNumber(a);
    const plain = /^\d+(?:\.\d+)?$/;
    if (plain.test(String(a)) && plain.test(String(b))) return `${a}-${b}`;
  }
  return canonicalJson(value);
}

function sameValue(a: unknown, b: unknown): boolean {
  return canonicalJson(a) === canonicalJson(b);
}

/** `name:arg(key=value,…)` with only the options that differ from the defaults, keys sorted. */
function formatTerm(name: string, node: Record<string, unknown>, skip: ReadonlyArray<string>): string {
  const defaults = defaultsOf(name);
  const keys = Object.keys(node)
    .filter((k) => !skip.includes(k) && node[k] !== undefined && !sameValue(node[k], defaults[k]))
    .sort();
  let out = name;
  const short = SHORT_ARGUMENTS[name];
  if (short && keys.includes(short.option)) {
    out += `:${formatValue(node[short.option], isRangeOption(name, short.option))}`;
    keys.splice(keys.indexOf(short.option), 1);
  }
  if (keys.length > 0) out += `(${keys.map((k) => `${k}=${formatValue(node[k], isRangeOption(name, k))}`).join(',')})`;
  return out;
}

function formatPost(steps: ReadonlyArray<PostStepRecipe> | undefined): string {
  if (!steps) return '';
  return steps
    .map((s) => (s.op === 'invert' ? '>invert' : `>${formatTerm(s.op, s as unknown as Record<string, unknown>, ['op'])}`))
    .join('');
}

type Context = 'top' | 'component' | 'part';

function formatNode(config: MaskConfig, ctx: Context): string {
  const post = formatPost(config.post);
  if (config.strategy === 'mix') {
    const single = config.components.length === 1;
    const body = config.components
      .map((c) => {
        const inner = formatNode(c.config, 'component');
        return single || c.weight !== 1 ? `${inner}*${formatValue(c.weight, false)}` : inner;
      })
      .join('|');
    return ctx === 'top' && !post ? body : `(${body})${post}`;
  }
  if (config.strategy === 'union') {
    if (config.parts.length < 2) return `${canonicalJson(config)}`;
    const body = config.parts.map((p) => formatNode(p, 'part')).join('+');
    return ctx === 'part' || post ? `(${body})${post}` : body;
  }
  return formatTerm(config.strategy, config as unknown as Record<string, unknown>, ['strategy', 'post']) + post;
}

/**
 * A short, stable label for a (validated) config: the short form with only non-default options, keys sorted.
 * `parseMaskConfig(formatMaskConfig(c))` deep-equals `c`. Recorded as `mask/strategy` in datasets.
 * @example formatMaskConfig(parseMaskConfig({ strategy: 'scribble', count: [0, 3] })) // 'scribble:0-3'
 */
export function formatMaskConfig(config: MaskConfig): string {
  return formatNode(config, 'top');
}

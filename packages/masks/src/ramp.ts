/**
 * Difficulty ramps: an option of a mask recipe whose value moves with training progress.
 *
 * The rule is LaMa's `LinearRamp` (advimman/lama, saicinpainting/utils.py, used by the mask generators of
 * saicinpainting/training/data/masks.py through `ramp_kwargs`): at progress i,
 *
 *   i < start  → from;   i ≥ end → to;   otherwise, with part = (i − start) / (end − start), from·(1 − part) + to·part.
 *
 * LaMa counts i in samples drawn by a data worker; here a ramp counts in epochs (the number of finished epochs, so the
 * first epoch is at 0) or in optimizer steps (finished steps), chosen per ramp. A generator asked for a mask without
 * any progress uses the end value, as LaMa's generators take coefficient 1 when no iteration is given.
 * Options whose schema is an integer are rounded to the nearest integer (halves up, Math.round);
 * a [min, max] range ramps both ends.
 */
import { z } from 'zod';
import { BgfillError } from '@bgfill/core';

export const RAMP_UNITS = ['epoch', 'step'] as const;
export type RampUnit = (typeof RAMP_UNITS)[number];

/** What a ramp moves: a number, or both ends of a [min, max] range. */
export type RampValue = number | readonly [number, number];

/** `{ ramp: { from, to, start, end, unit } }`: from `from` at `start` to `to` at `end`, counted in `unit`s. */
export interface Ramp {
  readonly ramp: {
    readonly from: RampValue;
    readonly to: RampValue;
    readonly start: number;
    readonly end: number;
    readonly unit: RampUnit;
  };
}

/** A value an option may hold in a recipe: itself, or a ramp when it is a number or a range. */
export type Rampable<V> = V extends number ? V | Ramp : V extends readonly [number, number] ? V | Ramp : V;

/** A config node whose numeric options may ramp. */
export type RampableOptions<C> = { [K in keyof C]: Rampable<C[K]> };

/** Where training stands: finished epochs (may be fractional) and finished optimizer steps. */
export interface TrainingProgress {
  readonly epoch?: number;
  readonly step?: number;
}

const rampValueSchema = z.union([z.number().finite(), z.tuple([z.number().finite(), z.number().finite()])]);

export const rampSchema = z.strictObject({
  ramp: z
    .strictObject({
      from: rampValueSchema.describe('value before `start`'),
      to: rampValueSchema.describe('value from `end` on'),
      start: z.number().finite().min(0).describe('where the ramp starts, in units'),
      end: z.number().finite().min(0).describe('where it reaches `to`, in units'),
      unit: z.enum(RAMP_UNITS).default('epoch').describe("'epoch' (finished epochs, default) or 'step' (finished steps)"),
    })
    .refine((r) => r.start <= r.end, { message: 'a ramp must have start ≤ end', path: ['end'] })
    .refine((r) => typeof r.from === typeof r.to, { message: 'from and to must both be numbers or both [min, max] ranges', path: ['to'] }),
});

/**
 * True for a value written as a ramp (an object whose only key is `ramp`), before it is checked.
 * @example isRamp({ ramp: { from: 2, to: 10, start: 0, end: 8, unit: 'epoch' } }) // true
 */
export function isRamp(value: unknown): value is Ramp {
  return typeof value === 'object' && value !== null && !Array.isArray(value) && Object.keys(value).length === 1 && 'ramp' in value;
}

/**
 * LaMa's LinearRamp at `at` (exactly its formula, operation for operation).
 * @example linearRamp(2, 10, 0, 8, 4) // 6
 */
export function linearRamp(from: number, to: number, start: number, end: number, at: number): number {
  if (at < start) return from;
  if (at >= end) return to;
  const part = (at - start) / (end - start);
  return from * (1 - part) + to * part;
}

/** The unit count of `progress` a ramp reads, or undefined when the progress does not give it. */
function progressIn(unit: RampUnit, progress: TrainingProgress): number | undefined {
  return unit === 'epoch' ? progress.epoch : progress.step;
}

/**
 * A ramp's value at `progress` (its end value without progress), rounded when `integer`.
 * @example rampAt({ ramp: { from: 2, to: 10, start: 0, end: 8, unit: 'epoch' } }, { epoch: 3 }, true) // 5
 */
export function rampAt(ramp: Ramp, progress: TrainingProgress | undefined, integer: boolean): RampValue {
  const { from, to, start, end, unit } = ramp.ramp;
  let at = Infinity;
  if (progress !== undefined) {
    const given = progressIn(unit, progress);
    if (given === undefined) {
      throw new BgfillError(`${formatRamp(ramp)} counts in ${unit}s, but the training progress gives no ${unit}`, { subject: 'progress' });
    }
    at = given;
  }
  const one = (a: number, b: number) => {
    const v = linearRamp(a, b, start, end, at);
    return integer ? Math.round(v) : v;
  };
  if (typeof from === 'number' && typeof to === 'number') return one(from, to);
  const [a0, a1] = from as readonly [number, number];
  const [b0, b1] = to as readonly [number, number];
  return [one(a0, b0), one(a1, b1)];
}

/**
 * The short form of a ramp: `ramp(from,to,start,end)`, with `,step` when it counts steps.
 * @example formatRamp({ ramp: { from: 2, to: 10, start: 0, end: 8, unit: 'epoch' } }) // 'ramp(2,10,0,8)'
 */
export function formatRamp(ramp: Ramp, formatValue: (v: RampValue) => string = (v) => JSON.stringify(v)): string {
  const { from, to, start, end, unit } = ramp.ramp;
  return `ramp(${formatValue(from)},${formatValue(to)},${formatValue(start)},${formatValue(end)}${unit === 'step' ? ',step' : ''})`;
}

/** How a numeric option is stored, read from its zod schema: an integer or a real, alone or as a [min, max] pair. */
export interface NumericKind {
  readonly integer: boolean;
  readonly pair: boolean;
}

interface Def {
  type?: string;
  innerType?: unknown;
  items?: unknown[];
}

function defOf(schema: unknown): Def | undefined {
  return (schema as { _zod?: { def?: Def } } | undefined)?._zod?.def;
}

/** Unwrap optional / default / readonly / nullable wrappers. */
function unwrap(schema: unknown): unknown {
  let s = schema;
  for (let depth = 0; depth < 8; depth++) {
    const def = defOf(s);
    if (!def || def.innerType === undefined || !['optional', 'default', 'readonly', 'nullable', 'prefault'].includes(def.type ?? '')) return s;
    s = def.innerType;
  }
  return s;
}

function numberKind(schema: unknown): { integer: boolean } | undefined {
  const s = unwrap(schema);
  if (defOf(s)?.type !== 'number') return undefined;
  return { integer: (s as { isInt?: boolean }).isInt === true };
}

/**
 * Whether an option (given its zod schema) can ramp, and how: a number or a 2-tuple of numbers can; anything else
 * (strings, enums, lists) cannot.
 * @example numericKind(z.number().int().default(3)) // { integer: true, pair: false }
 */
export function numericKind(schema: unknown): NumericKind | undefined {
  const single = numberKind(schema);
  if (single) return { integer: single.integer, pair: false };
  const s = unwrap(schema);
  const def = defOf(s);
  if (def?.type !== 'tuple' || def.items?.length !== 2) return undefined;
  const first = numberKind(def.items[0]);
  const second = numberKind(def.items[1]);
  return first && second ? { integer: first.integer && second.integer, pair: true } : undefined;
}

/**
 * Every distinct progress at which a set of ramps changes course (each ramp's start and end, per unit, combined
 * across units): piecewise-linear values meet any linear bound at one of these if anywhere, so a node checked at all
 * of them is valid at every progress.
 * @example rampBreakpoints([r]) // [{ epoch: 0 }, { epoch: 8 }]
 */
export function rampBreakpoints(ramps: ReadonlyArray<Ramp>): TrainingProgress[] {
  const points = (unit: RampUnit) => [...new Set(ramps.filter((r) => r.ramp.unit === unit).flatMap((r) => [r.ramp.start, r.ramp.end]))];
  const epochs = points('epoch');
  const steps = points('step');
  const out: TrainingProgress[] = [];
  for (const epoch of epochs.length ? epochs : [undefined]) {
    for (const step of steps.length ? steps : [undefined]) out.push({ ...(epoch === undefined ? {} : { epoch }), ...(step === undefined ? {} : { step }) });
  }
  return out;
}

/**
 * A training progress from text: `4` or `epoch=4` (finished epochs, may be fractional), `step=1200`, or both
 * (`epoch=4,step=1200`). Throws a BgfillError naming `flag` otherwise.
 * @example parseProgress('epoch=2.5,step=300') // { epoch: 2.5, step: 300 }
 */
export function parseProgress(text: string, flag = '--progress'): TrainingProgress {
  const bad = () =>
    new BgfillError(`${flag} ${JSON.stringify(text)}: expected finished epochs (e.g. 4 or epoch=4.5), step=N, or both (epoch=4,step=1200)`, { subject: flag });
  const out: { epoch?: number; step?: number } = {};
  for (const part of text.split(',')) {
    const m = /^\s*(?:(epoch|step)\s*=\s*)?([0-9]+(?:\.[0-9]*)?(?:e[0-9]+)?)\s*$/i.exec(part);
    if (!m) throw bad();
    const key = (m[1]?.toLowerCase() ?? 'epoch') as 'epoch' | 'step';
    if (out[key] !== undefined) throw bad();
    out[key] = Number(m[2]);
  }
  return out;
}

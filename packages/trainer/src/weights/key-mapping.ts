import { BgfillError } from '@bgfill/core';
import type { ParamSpec } from '../model/architecture.js';
import { elementCount, shapeInLayout, toFloat32, toLayout, type WeightMap } from './weight-tensor.js';

/** A weight ready to assign: values in tfjs layout, as float32 (or int32 for counters). */
export interface MappedWeight {
  spec: ParamSpec;
  /** Shape in tfjs layout. */
  shape: number[];
  values: Float32Array | Int32Array;
}

export interface ShapeMismatch {
  name: string;
  /** Expected shape, in the layout the file's tensor is tagged with. */
  expected: number[];
  actual: number[];
}

/** What a weight map lacks or has too much of, against a model's state_dict. */
export interface KeyProblems {
  /** Keys the model does not have. */
  unknown: string[];
  /** Keys the model needs that the weights lack. */
  missing: string[];
  mismatched: ShapeMismatch[];
  /** Tensors whose dtype cannot hold the parameter (e.g. a string-typed or boolean weight). */
  badDtype: Array<{ name: string; dtype: string }>;
}

export interface MatchResult {
  weights: MappedWeight[];
  problems: KeyProblems;
}

/**
 * Buffers a state_dict may lack without harm: PyTorch < 0.4.1 saved BatchNorm without `num_batches_tracked`,
 * and PyTorch itself loads such files (the count is only used when momentum is None).
 */
function optionalWhenMissing(spec: ParamSpec): boolean {
  return spec.role === 'bn-num-batches';
}

/**
 * Match weights against a model's state_dict specs: convert each known key to tfjs layout and float32/int32,
 * and list unknown, missing and shape-mismatched keys.
 * @example
 * const { weights, problems } = matchWeights(readWeights, generatorParamSpecs(config));
 */
export function matchWeights(weights: WeightMap, specs: readonly ParamSpec[]): MatchResult {
  const bySpec = new Map(specs.map((s) => [s.name, s]));
  const problems: KeyProblems = { unknown: [], missing: [], mismatched: [], badDtype: [] };
  const mapped: MappedWeight[] = [];
  for (const [name, tensor] of weights) {
    const spec = bySpec.get(name);
    if (!spec) {
      problems.unknown.push(name);
      continue;
    }
    const expected = shapeInLayout(spec.shape, tensor.layout);
    const sameShape = expected.length === tensor.shape.length && expected.every((d, i) => d === tensor.shape[i]);
    if (!sameShape) {
      problems.mismatched.push({ name, expected, actual: [...tensor.shape] });
      continue;
    }
    if (spec.dtype === 'float32' && tensor.dtype === 'bool') {
      problems.badDtype.push({ name, dtype: tensor.dtype });
      continue;
    }
    const tfjs = toLayout(tensor, 'tfjs');
    const floats = toFloat32(tfjs);
    const values = spec.dtype === 'int32' ? Int32Array.from(floats, (v) => Math.min(Math.max(Math.round(v), -(2 ** 31)), 2 ** 31 - 1)) : floats;
    if (values.length !== elementCount(tfjs.shape)) {
      problems.mismatched.push({ name, expected, actual: [...tensor.shape] });
      continue;
    }
    mapped.push({ spec, shape: tfjs.shape, values });
  }
  for (const spec of specs) {
    if (!weights.has(spec.name) && !optionalWhenMissing(spec)) problems.missing.push(spec.name);
  }
  return { weights: mapped, problems };
}

/**
 * Whether a match found anything to report.
 * @example
 * hasProblems({ unknown: [], missing: ['a'], mismatched: [], badDtype: [] }) // → true
 */
export function hasProblems(problems: KeyProblems): boolean {
  return problems.unknown.length + problems.missing.length + problems.mismatched.length + problems.badDtype.length > 0;
}

/** Shapes are spelled out for this many mismatches; the rest are listed by name only. */
const SHAPES_SHOWN = 12;

function listNames(names: readonly string[]): string {
  return names.join(', ');
}

function count(n: number, singular: string, plural: string): string {
  return `${n} ${n === 1 ? singular : plural}`;
}

/**
 * One message naming every problem key, e.g. "weights.pth: does not match the generator (cnum 32, 4 input
 * channels, gate spatial):⏎  2 missing keys: a, b;⏎  1 unknown key: c; …" — the summary on the first line, each kind
 * of problem on a line of its own. `hint` (what the weights look like) goes before the lists, so the likely cause
 * reads first.
 * @example
 * describeProblems(problems, 'g.pth', 'the generator (cnum 8, 4 input channels, gate spatial)', 'cnum 32, 4 input channels, gate spatial')
 */
export function describeProblems(problems: KeyProblems, source: string, modelDescription: string, hint?: string): string {
  const parts: string[] = [];
  if (problems.missing.length) parts.push(`${count(problems.missing.length, 'missing key', 'missing keys')}: ${listNames(problems.missing)}`);
  if (problems.unknown.length) parts.push(`${count(problems.unknown.length, 'unknown key', 'unknown keys')}: ${listNames(problems.unknown)}`);
  if (problems.mismatched.length) {
    const items = problems.mismatched.map((m, i) =>
      i < SHAPES_SHOWN ? `${m.name} (expected [${m.expected.join(', ')}], file has [${m.actual.join(', ')}])` : m.name,
    );
    parts.push(`${count(problems.mismatched.length, 'shape mismatch', 'shape mismatches')}: ${listNames(items)}`);
  }
  if (problems.badDtype.length) {
    const items = problems.badDtype.map((b) => `${b.name} (${b.dtype})`);
    parts.push(`${count(problems.badDtype.length, 'unusable dtype', 'unusable dtypes')}: ${listNames(items)}`);
  }
  // The summary first, then one line per kind of problem, so that a message naming hundreds of keys still reads.
  return `${source}: does not match ${modelDescription}${hint ? ` (the weights look like ${hint})` : ''}:\n  ${parts.join(';\n  ')}`;
}

/**
 * Report a match's problems: one BgfillError naming the source and every key when strict, or the same message as one
 * warning through `onWarning` when not (the problem keys are then skipped; missing ones keep their values).
 * @example
 * reportProblems(problems, { strict: true, source: 'g.pth', model: 'the generator' }) // throws BgfillError
 */
export function reportProblems(
  problems: KeyProblems,
  options: { strict: boolean; source: string; model: string; hint?: string; onWarning?: (message: string) => void },
): void {
  if (!hasProblems(problems)) return;
  const message = describeProblems(problems, options.source, options.model, options.hint);
  if (options.strict) throw new BgfillError(message, { subject: options.source });
  options.onWarning?.(message);
}

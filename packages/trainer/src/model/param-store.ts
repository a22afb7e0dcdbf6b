import * as tf from '@tensorflow/tfjs';
import { BgfillError, type Seed } from '@bgfill/core';
import { matchWeights, reportProblems } from '../weights/key-mapping.js';
import { permuteLayout, shapeInLayout, type WeightMap } from '../weights/weight-tensor.js';
import type { ParamSpec } from './architecture.js';
import { initialValues } from './init.js';

/** Options of a network's `loadStateDict`. */
export interface LoadStateDictOptions {
  /** Default true: any unknown, missing or shape-mismatched key throws one BgfillError listing them all. */
  strict?: boolean;
  /** With strict false, receives the message that strict mode would throw (those keys are skipped). */
  onWarning?: (message: string) => void;
  /** Named in error messages (a file path); default "state dict". */
  source?: string;
}

/** A network's variables, by state_dict name: trainable parameters, buffers, and both together. */
export interface ParamVariables {
  params: Map<string, tf.Variable>;
  buffers: Map<string, tf.Variable>;
  all: Map<string, tf.Variable>;
}

/**
 * How a network's variables start: `seeded`, drawn by initialValues (a pure function of the seed and the name);
 * `zeros`, for a network whose every weight is loaded next (a strict state_dict load), which then skips the draw.
 */
export type InitialValues = 'seeded' | 'zeros';

/**
 * Create a variable for every spec, seeded (initialValues: a pure function of the seed and the name) or zero, in
 * tfjs layout (rank-4 kernels permuted from PyTorch's), named `${instance}/${name}`.
 * @example const { params, buffers, all } = createParamVariables(specs, 0, 'bgfill-rfrnet-1');
 */
export function createParamVariables(specs: readonly ParamSpec[], seed: Seed, instance: string, initial: InitialValues = 'seeded'): ParamVariables {
  const params = new Map<string, tf.Variable>();
  const buffers = new Map<string, tf.Variable>();
  const all = new Map<string, tf.Variable>();
  for (const spec of specs) {
    const shape = shapeInLayout(spec.shape, 'tfjs');
    const values = initial === 'zeros' ? undefined : permuteLayout(initialValues(spec, seed), spec.shape, 'pytorch', 'tfjs');
    const variable = tf.tidy(() => tf.variable(values === undefined ? tf.zeros(shape, spec.dtype) : tf.tensor(values, shape, spec.dtype), spec.trainable, `${instance}/${spec.name}`, spec.dtype));
    if (variable.shape.join() !== shape.join()) throw new Error(`internal: ${spec.name} has shape ${variable.shape}`);
    (spec.trainable ? params : buffers).set(spec.name, variable);
    all.set(spec.name, variable);
  }
  return { params, buffers, all };
}

/**
 * Assign weights by state_dict name (layout and dtype converted, see matchWeights). All keys are checked before
 * any is assigned: problems throw one BgfillError (strict) or go to one warning (the good keys are then loaded);
 * with strict false and no key matching, it throws rather than leave the random weights. `model` describes the
 * network in messages; `hint` says what the weights look like, when shapes mismatch.
 * @example assignStateDict(all, specs, weights, { source: 'g.pth' }, 'RFR-Net (width 64)');
 */
export function assignStateDict(
  all: ReadonlyMap<string, tf.Variable>,
  specs: readonly ParamSpec[],
  weights: WeightMap,
  options: LoadStateDictOptions,
  model: string,
  hint?: (weights: WeightMap) => string | undefined,
): void {
  const source = options.source ?? 'state dict';
  const { weights: mapped, problems } = matchWeights(weights, specs);
  if (mapped.length === 0 && (options.strict ?? true) === false) {
    // Non-strict loading skips what does not match; with nothing matching it would run on random weights.
    throw new BgfillError(`${source}: no weight matches ${model}: nothing to load (${weights.size} tensors in the file)`, { subject: source });
  }
  reportProblems(problems, {
    strict: options.strict ?? true,
    source,
    model,
    hint: problems.mismatched.length > 0 ? hint?.(weights) : undefined,
    onWarning: options.onWarning,
  });
  tf.tidy(() => {
    for (const w of mapped) {
      const variable = all.get(w.spec.name);
      if (!variable) throw new Error(`internal: no variable ${w.spec.name}`);
      variable.assign(tf.tensor(w.values, w.shape, w.spec.dtype));
    }
  });
}

/**
 * Build a network and load weights into it (its `loadStateDict`), disposing of the network when they do not fit, so
 * that a failed load leaves no variables behind. `build` gets the initial values to start from: a strict load (the
 * default) sets every weight, so it starts from zeros and skips the seeded draw; a lenient one starts seeded, which
 * is what the keys the weights lack keep.
 * @example const net = loadedOrDisposed((initial) => new RfrNet(config, { initial }), weights, { strict: true, source: 'rfr.pth' });
 */
export function loadedOrDisposed<T extends { loadStateDict(weights: WeightMap, options?: LoadStateDictOptions): void; dispose(): void }>(
  build: (initial: InitialValues) => T,
  weights: WeightMap,
  options: LoadStateDictOptions,
): T {
  const net = build((options.strict ?? true) ? 'zeros' : 'seeded');
  try {
    net.loadStateDict(weights, options);
  } catch (err) {
    net.dispose();
    throw err;
  }
  return net;
}

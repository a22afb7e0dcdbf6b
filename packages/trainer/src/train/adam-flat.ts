import * as tf from '@tensorflow/tfjs';
import { adamFormula, type AdamUpdate } from './adam-update.js';

/** A list of tensors as one flat vector, in order (no copy for a single tensor). */
function flat(tensors: readonly tf.Tensor[]): tf.Tensor1D {
  const pieces = tensors.map((t) => tf.reshape(t, [-1]));
  return (pieces.length === 1 ? pieces[0] : tf.concat(pieces)) as tf.Tensor1D;
}

/** A flat update's moment vectors and where each parameter starts in them (for a backend kernel working on them in place). */
export interface FlatAdamUpdate extends AdamUpdate {
  readonly m: tf.Variable;
  readonly v: tf.Variable;
  readonly offsets: readonly number[];
}

/**
 * Adam with the moments of all parameters in two flat vectors (parameters in order) and one run of the formula
 * over all of them: gradients and values are concatenated, updated and split back. That is ~13 element-wise
 * kernels, two concatenations, one split and a reshape per parameter, instead of ~13 kernels per parameter; it
 * copies every parameter and gradient twice more than perParameterAdam does. Faster where each kernel launch costs
 * host time: WebGPU (expected, unmeasured) and wasm, whose thread pool starts and joins for every kernel (measured:
 * DEFAULT_ADAM_UPDATE in adam-strategy.ts). A parameter without a gradient is kept through a 0/1 mask (tf.where).
 * @example const update = flatAdam([...generator.params.values()]);
 */
export function flatAdam(params: readonly tf.Variable[]): FlatAdamUpdate {
  const sizes = params.map((p) => p.size);
  const offsets = sizes.map((_, i) => sizes.slice(0, i).reduce((a, b) => a + b, 0));
  const total = sizes.reduce((a, b) => a + b, 0);
  const m = tf.tidy(() => tf.variable(tf.zeros([total]), false));
  const v = tf.tidy(() => tf.variable(tf.zeros([total]), false));
  return {
    m,
    v,
    offsets,
    apply(grads, c) {
      tf.tidy(() => {
        const g = flat(grads.map((grad, i) => grad ?? tf.zeros([sizes[i]])));
        const p = flat(params);
        let next = adamFormula(p, m, v, g, c);
        if (grads.includes(undefined)) {
          // Keep what has no gradient: a 0/1 mask over the flat vector.
          const keep = tf.concat(grads.map((grad, i) => tf.fill([sizes[i]], grad === undefined ? 0 : 1, 'bool')));
          next = { ...next, m: tf.where(keep, next.m, m), v: tf.where(keep, next.v, v) }; // p: only assigned where kept
        }
        m.assign(next.m);
        v.assign(next.v);
        const updated = sizes.length === 1 ? [next.p] : tf.split(next.p, sizes);
        params.forEach((param, i) => {
          if (grads[i] !== undefined) param.assign(tf.reshape(updated[i], param.shape));
        });
      });
    },
    moments: (i) => ({
      m: tf.tidy(() => tf.reshape(tf.slice(m, [offsets[i]], [sizes[i]]), params[i].shape)),
      v: tf.tidy(() => tf.reshape(tf.slice(v, [offsets[i]], [sizes[i]]), params[i].shape)),
    }),
    setMoments(ms, vs) {
      const join = (parts: readonly Float32Array[]) => {
        const all = new Float32Array(total);
        parts.forEach((part, i) => all.set(part, offsets[i]));
        return all;
      };
      tf.tidy(() => {
        m.assign(tf.tensor1d(join(ms)));
        v.assign(tf.tensor1d(join(vs)));
      });
    },
    dispose: () => tf.dispose([m, v]),
  };
}

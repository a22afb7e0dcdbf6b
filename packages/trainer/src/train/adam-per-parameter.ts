import * as tf from '@tensorflow/tfjs';
import { adamFormula, type AdamUpdate } from './adam-update.js';

/**
 * Adam with one pair of moment tensors per parameter and the formula run on each parameter in turn: about 13
 * kernels per parameter with a gradient, no copies. The default where launches are cheap and the flat update's
 * copies gain nothing (the cpu backend): see DEFAULT_ADAM_UPDATE (adam-strategy.ts) for what was measured.
 * @example const update = perParameterAdam([...generator.params.values()]);
 */
export function perParameterAdam(params: readonly tf.Variable[]): AdamUpdate {
  const m = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  const v = params.map((p) => tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
  return {
    apply(grads, c) {
      grads.forEach((g, i) => {
        if (g === undefined) return;
        tf.tidy(() => {
          const next = adamFormula(params[i], m[i], v[i], g, c);
          m[i].assign(next.m);
          v[i].assign(next.v);
          params[i].assign(next.p);
        });
      });
    },
    moments: (i) => ({ m: tf.clone(m[i]), v: tf.clone(v[i]) }),
    setMoments(ms, vs) {
      params.forEach((p, i) => {
        tf.tidy(() => {
          m[i].assign(tf.tensor(ms[i], p.shape));
          v[i].assign(tf.tensor(vs[i], p.shape));
        });
      });
    },
    dispose: () => tf.dispose([...m, ...v]),
  };
}

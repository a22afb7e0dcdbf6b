import * as tf from '@tensorflow/tfjs';

/** The numbers one Adam update uses besides the tensors (see adamFormula). */
export interface AdamCoefficients {
  beta1: number;
  beta2: number;
  eps: number;
  /** lr / (1 − β1^t) */
  stepSize: number;
  /** √(1 − β2^t) */
  sqrtBc2: number;
}

/**
 * How Adam's update runs on a backend: where the moments live and which kernels apply the formula. The Adam class
 * keeps the step count, the names and the PyTorch-named state; an AdamUpdate keeps the moments of its parameters
 * (given once, in order) and updates them and the parameters in place. Implementations: adam-per-parameter.ts,
 * adam-flat.ts; a backend-specific fused kernel registers itself with registerAdamUpdate (adam-strategy.ts).
 * Every implementation must give the bits of adamFormula (packages/trainer/test/train-adam.test.ts checks each).
 */
export interface AdamUpdate {
  /** One update. `grads[i]` belongs to parameter i; undefined: no gradient, parameter and moments stay as they are. */
  apply(grads: ReadonlyArray<tf.Tensor | undefined>, coefficients: AdamCoefficients): void;
  /** The moments of parameter i as new tensors of its shape (the caller disposes them). */
  moments(i: number): { m: tf.Tensor; v: tf.Tensor };
  /** Replace every parameter's moments (`m[i]`, `v[i]`: parameter i's values, its size). */
  setMoments(m: readonly Float32Array[], v: readonly Float32Array[]): void;
  dispose(): void;
}

/** Makes an AdamUpdate for these parameters on the current backend. */
export type AdamUpdateFactory = (params: readonly tf.Variable[]) => AdamUpdate;

/**
 * Adam in PyTorch's formulation (`torch.optim.Adam`, no weight decay, no amsgrad), as tfjs kernels:
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;  p ← p − stepSize · m / (√v / √(1−β2^t) + ε).
 * Element-wise, so it gives the same bits whether it runs per parameter or over all parameters at once; the caller
 * disposes (or tidies) the results.
 * @example const next = tf.tidy(() => adamFormula(p, m, v, g, coefficients)); // { p, m, v }
 */
export function adamFormula(p: tf.Tensor, m: tf.Tensor, v: tf.Tensor, g: tf.Tensor, c: AdamCoefficients): { p: tf.Tensor; m: tf.Tensor; v: tf.Tensor } {
  const mNew = tf.add(tf.mul(m, c.beta1), tf.mul(g, 1 - c.beta1));
  const vNew = tf.add(tf.mul(v, c.beta2), tf.mul(tf.square(g), 1 - c.beta2));
  const denom = tf.add(tf.div(tf.sqrt(vNew), c.sqrtBc2), c.eps);
  const pNew = tf.sub(p, tf.mul(tf.div(mNew, denom), c.stepSize));
  return { p: pNew, m: mNew, v: vNew };
}

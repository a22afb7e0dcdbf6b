import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';

export interface AdamOptions {
  betas: readonly [number, number];
  eps: number;
}

/** One update as a backend's own kernel receives it: parameters and gradients in order, moments flat. */
export interface AdamUpdate {
  params: readonly tf.Variable[];
  grads: readonly tf.Tensor[];
  /** Where each parameter's moments start in `m` and `v`. */
  offsets: readonly number[];
  m: tf.Variable;
  v: tf.Variable;
  lr: number;
  betas: readonly [number, number];
  eps: number;
  /** The update's number, 1-based. */
  step: number;
}

/**
 * A backend's own update over the flat moments (backend/webgpu-fused/adam-kernel.ts), installed with setAdamKernel:
 * it updates every parameter and both moment vectors in place and returns true, or changes nothing and returns false.
 */
export type AdamKernel = (update: AdamUpdate) => boolean;
let adamKernel: AdamKernel | undefined;

/** Install (or, with undefined, remove) the kernel Adam tries before its own ops; none by default. */
export function setAdamKernel(kernel: AdamKernel | undefined): void {
  adamKernel = kernel;
}

/**
 * Adam (Kingma & Ba 2015) in PyTorch's formulation (`torch.optim.Adam`, no weight decay, no amsgrad):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε).
 * Written out (instead of tf.train.adam) so that its whole state — the step count and the two moment
 * tensors per parameter, keyed by parameter name — can be saved and restored exactly, and so that only
 * the names it was given (the trainable ones) can ever be touched.
 *
 * The moments live in two flat vectors (parameters in `names` order) and one update runs the formula once over all
 * parameters: their gradients and values are concatenated, updated and split back. That is ~13 kernels plus the
 * concatenations and one slice per parameter, instead of ~13 kernels per parameter (about 2 800 for the generator),
 * which matters where every kernel launch costs host time (WebGPU: bench/RESULTS.md). Each element goes through
 * the same float32 operations as before, so the results are the same bits.
 */
export class Adam {
  /** Number of updates applied so far (PyTorch's `state['step']`). */
  step = 0;
  readonly names: readonly string[];
  private readonly params: ReadonlyMap<string, tf.Variable>;
  /** Element counts of the parameters, in `names` order. */
  private readonly sizes: number[];
  /** First and second moments of every parameter, concatenated in `names` order. */
  private readonly m: tf.Variable;
  private readonly v: tf.Variable;

  /**
   * @example const adam = new Adam(generator.params, plan.trainable, { betas: [0.5, 0.999], eps: 1e-8 });
   */
  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    names: readonly string[],
    readonly options: AdamOptions,
  ) {
    this.params = params;
    this.names = [...names];
    this.sizes = names.map((name) => {
      const p = params.get(name);
      if (!p) throw new BgfillError(`Adam: no parameter named ${name}`);
      return p.size;
    });
    const total = this.sizes.reduce((a, b) => a + b, 0);
    this.m = tf.variable(tf.zeros([total]), false);
    this.v = tf.variable(tf.zeros([total]), false);
  }

  /** A list of tensors as one flat vector, in order (no copy for a single tensor). */
  private flat(tensors: readonly tf.Tensor[]): tf.Tensor1D {
    const pieces = tensors.map((t) => tf.reshape(t, [-1]));
    return (pieces.length === 1 ? pieces[0] : tf.concat(pieces)) as tf.Tensor1D;
  }

  /**
   * One update with learning rate `lr`. `grads` is keyed by parameter name; a name without a gradient (not
   * connected to the loss) keeps its parameter and moments, as PyTorch skips parameters whose grad is None.
   */
  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    const [b1, b2] = this.options.betas;
    this.step += 1;
    const bc1 = 1 - b1 ** this.step;
    const bc2 = 1 - b2 ** this.step;
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    const present = this.names.map((name) => grads[name] !== undefined);
    if (!present.some(Boolean)) return;
    if (adamKernel && present.every(Boolean)) {
      let offset = 0;
      const offsets = this.sizes.map((size) => (offset += size) - size);
      const params = this.names.map((name) => this.params.get(name)!);
      const update = { params, grads: this.names.map((name) => grads[name]), offsets, m: this.m, v: this.v, lr, betas: this.options.betas, eps: this.options.eps, step: this.step };
      if (adamKernel(update)) return;
    }
    tf.tidy(() => {
      const g = this.flat(this.names.map((name, i) => grads[name] ?? tf.zeros([this.sizes[i]])));
      const p = this.flat(this.names.map((name) => this.params.get(name)!));
      let mNew = tf.add(tf.mul(this.m, b1), tf.mul(g, 1 - b1));
      let vNew = tf.add(tf.mul(this.v, b2), tf.mul(tf.square(g), 1 - b2));
      const denom = tf.add(tf.div(tf.sqrt(vNew), sqrtBc2), this.options.eps);
      let pNew = tf.sub(p, tf.mul(tf.div(mNew, denom), stepSize));
      if (present.includes(false)) {
        // Keep what has no gradient: a 0/1 mask over the flat vector.
        const keep = tf.concat(this.names.map((_, i) => tf.fill([this.sizes[i]], present[i] ? 1 : 0, 'bool')));
        mNew = tf.where(keep, mNew, this.m);
        vNew = tf.where(keep, vNew, this.v);
        pNew = tf.where(keep, pNew, p);
      }
      this.m.assign(mNew);
      this.v.assign(vNew);
      const updated = this.sizes.length === 1 ? [pNew] : tf.split(pNew, this.sizes);
      this.names.forEach((name, i) => {
        if (!present[i]) return;
        const param = this.params.get(name)!;
        param.assign(tf.reshape(updated[i], param.shape));
      });
    });
  }

  /** The moments of parameter `i` as a tensor of its shape (a new tensor). */
  private moment(flat: tf.Variable, i: number): tf.Tensor {
    const offset = this.sizes.slice(0, i).reduce((a, b) => a + b, 0);
    const shape = this.params.get(this.names[i])!.shape;
    return tf.tidy(() => tf.reshape(tf.slice(flat, [offset], [this.sizes[i]]), shape));
  }

  /**
   * The state as PyTorch names it, per parameter: `<name>.exp_avg` and `<name>.exp_avg_sq`, each a new tensor of
   * the parameter's shape (the caller disposes them).
   */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.names.forEach((name, i) => {
      out.set(`${name}.exp_avg`, this.moment(this.m, i));
      out.set(`${name}.exp_avg_sq`, this.moment(this.v, i));
    });
    return out;
  }

  /** Restore the state saved by `stateTensors` (all names must be present with matching shapes). */
  loadState(tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>, step: number, source: string): void {
    const problems: string[] = [];
    const total = this.sizes.reduce((a, b) => a + b, 0);
    const flat = { exp_avg: new Float32Array(total), exp_avg_sq: new Float32Array(total) };
    let offset = 0;
    this.names.forEach((name, i) => {
      const shape = this.params.get(name)!.shape;
      for (const suffix of ['exp_avg', 'exp_avg_sq'] as const) {
        const key = `${name}.${suffix}`;
        const t = tensors.get(key);
        if (!t) problems.push(`missing ${key}`);
        else if (t.shape.join('x') !== shape.join('x') || t.data.length !== this.sizes[i]) problems.push(`${key} has shape [${t.shape}] instead of [${shape}]`);
        else flat[suffix].set(t.data, offset);
      }
      offset += this.sizes[i];
    });
    if (problems.length > 0) throw new BgfillError(`${source}: optimizer state does not match the trainable parameters: ${problems.join('; ')}`);
    tf.tidy(() => {
      this.m.assign(tf.tensor1d(flat.exp_avg));
      this.v.assign(tf.tensor1d(flat.exp_avg_sq));
    });
    this.step = step;
  }

  dispose(): void {
    this.m.dispose();
    this.v.dispose();
  }
}

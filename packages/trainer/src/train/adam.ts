import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { adamUpdateFor, type AdamUpdateName } from './adam-strategy.js';
import type { AdamUpdate } from './adam-update.js';

export interface AdamOptions {
  betas: readonly [number, number];
  eps: number;
  /**
   * How the update runs (adam-strategy.ts): default $BGFILL_ADAM_UPDATE when set, else the current backend's
   * measured default (DEFAULT_ADAM_UPDATE). Every choice gives the same bits.
   */
  update?: AdamUpdateName;
}

/**
 * Adam (Kingma & Ba 2015) in PyTorch's formulation (`torch.optim.Adam`, no weight decay, no amsgrad):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε).
 * Written out (instead of tf.train.adam) so that its whole state — the step count and the two moment
 * tensors per parameter, keyed by parameter name — can be saved and restored exactly, and so that only
 * the names it was given (the trainable ones) can ever be touched. Where the moments live and which kernels run
 * the formula is an AdamUpdate chosen per backend (adam-strategy.ts); the state reads and writes the same.
 */
export class Adam {
  /** Number of updates applied so far (PyTorch's `state['step']`). */
  step = 0;
  readonly names: readonly string[];
  /** The AdamUpdate in use (`per-parameter`, `flat`, …). */
  readonly updateName: AdamUpdateName;
  private readonly params: readonly tf.Variable[];
  private readonly update: AdamUpdate;

  /**
   * @example const adam = new Adam(generator.params, plan.trainable, { betas: [0.5, 0.999], eps: 1e-8 });
   */
  constructor(
    params: ReadonlyMap<string, tf.Variable>,
    names: readonly string[],
    readonly options: AdamOptions,
  ) {
    this.names = [...names];
    this.params = names.map((name) => {
      const p = params.get(name);
      if (!p) throw new BgfillError(`Adam: no parameter named ${name}`);
      return p;
    });
    const { name, factory } = adamUpdateFor(tf.getBackend(), options.update);
    this.updateName = name;
    this.update = factory(this.params);
  }

  /**
   * One update with learning rate `lr`. `grads` is keyed by parameter name; a name without a gradient (not
   * connected to the loss) keeps its parameter and moments, as PyTorch skips parameters whose grad is None.
   */
  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    const [beta1, beta2] = this.options.betas;
    this.step += 1;
    const list = this.names.map((name) => grads[name]);
    if (list.every((g) => g === undefined)) return;
    this.update.apply(list, {
      beta1,
      beta2,
      eps: this.options.eps,
      stepSize: lr / (1 - beta1 ** this.step),
      sqrtBc2: Math.sqrt(1 - beta2 ** this.step),
    });
  }

  /**
   * The state as PyTorch names it, per parameter: `<name>.exp_avg` and `<name>.exp_avg_sq`, each a new tensor of
   * the parameter's shape (the caller disposes them).
   */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    this.names.forEach((name, i) => {
      const { m, v } = this.update.moments(i);
      out.set(`${name}.exp_avg`, m);
      out.set(`${name}.exp_avg_sq`, v);
    });
    return out;
  }

  /** Restore the state saved by `stateTensors` (all names must be present with matching shapes). */
  loadState(tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>, step: number, source: string): void {
    const problems: string[] = [];
    const moments = { exp_avg: [] as Float32Array[], exp_avg_sq: [] as Float32Array[] };
    this.names.forEach((name, i) => {
      const shape = this.params[i].shape;
      for (const suffix of ['exp_avg', 'exp_avg_sq'] as const) {
        const key = `${name}.${suffix}`;
        const t = tensors.get(key);
        if (!t) problems.push(`missing ${key}`);
        else if (t.shape.join('x') !== shape.join('x') || t.data.length !== this.params[i].size) problems.push(`${key} has shape [${t.shape}] instead of [${shape}]`);
        else moments[suffix].push(t.data);
      }
    });
    if (problems.length > 0) throw new BgfillError(`${source}: optimizer state does not match the trainable parameters: ${problems.join('; ')}`);
    this.update.setMoments(moments.exp_avg, moments.exp_avg_sq);
    this.step = step;
  }

  dispose(): void {
    this.update.dispose();
  }
}

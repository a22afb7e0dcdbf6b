import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/masks';

export interface AdamOptions {
  betas: readonly [number, number];
  eps: number;
}

/**
 * Adam (Kingma & Ba 2015) in PyTorch's formulation (`torch.optim.Adam`, no weight decay, no amsgrad):
 *   m ← β1·m + (1−β1)·g;  v ← β2·v + (1−β2)·g²;
 *   p ← p − (lr / (1−β1^t)) · m / (√v / √(1−β2^t) + ε).
 * Written out (instead of tf.train.adam) so that its whole state — the step count and the two moment
 * tensors per parameter, keyed by parameter name — can be saved and restored exactly, and so that only
 * the names it was given (the trainable ones) can ever be touched.
 */
export class Adam {
  /** Number of updates applied so far (PyTorch's `state['step']`). */
  step = 0;
  readonly names: readonly string[];
  private readonly params: ReadonlyMap<string, tf.Variable>;
  private readonly m = new Map<string, tf.Variable>();
  private readonly v = new Map<string, tf.Variable>();

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
    for (const name of names) {
      const p = params.get(name);
      if (!p) throw new BgfillError(`Adam: no parameter named ${name}`);
      this.m.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
      this.v.set(name, tf.tidy(() => tf.variable(tf.zerosLike(p), false)));
    }
  }

  /**
   * Apply one update at learning rate `lr`. A name without a gradient (no path from the loss to it, which
   * tf.variableGrads reports by omission) is skipped, moments untouched, as PyTorch skips a parameter whose grad is None.
   */
  apply(grads: Readonly<Record<string, tf.Tensor>>, lr: number): void {
    const [b1, b2] = this.options.betas;
    this.step += 1;
    const bc1 = 1 - b1 ** this.step;
    const bc2 = 1 - b2 ** this.step;
    const stepSize = lr / bc1;
    const sqrtBc2 = Math.sqrt(bc2);
    tf.tidy(() => {
      for (const name of this.names) {
        const g = grads[name];
        if (!g) continue;
        const m = this.m.get(name)!;
        const v = this.v.get(name)!;
        const p = this.params.get(name)!;
        const mNew = tf.add(tf.mul(m, b1), tf.mul(g, 1 - b1));
        const vNew = tf.add(tf.mul(v, b2), tf.mul(tf.square(g), 1 - b2));
        m.assign(mNew);
        v.assign(vNew);
        const denom = tf.add(tf.div(tf.sqrt(vNew), sqrtBc2), this.options.eps);
        p.assign(tf.sub(p, tf.mul(tf.div(mNew, denom), stepSize)));
      }
    });
  }

  /** The moment tensors as `<name>.exp_avg` / `<name>.exp_avg_sq` (PyTorch's state names), for saving. */
  stateTensors(): Map<string, tf.Tensor> {
    const out = new Map<string, tf.Tensor>();
    for (const name of this.names) {
      out.set(`${name}.exp_avg`, this.m.get(name)!);
      out.set(`${name}.exp_avg_sq`, this.v.get(name)!);
    }
    return out;
  }

  /** Restore the state saved by `stateTensors` (all names must be present with matching shapes). */
  loadState(tensors: ReadonlyMap<string, { shape: readonly number[]; data: Float32Array }>, step: number, source: string): void {
    const problems: string[] = [];
    for (const name of this.names) {
      for (const [suffix, slot] of [['exp_avg', this.m], ['exp_avg_sq', this.v]] as const) {
        const key = `${name}.${suffix}`;
        const t = tensors.get(key);
        const target = slot.get(name)!;
        if (!t) problems.push(`missing ${key}`);
        else if (t.shape.join('x') !== target.shape.join('x')) problems.push(`${key} has shape [${t.shape}] instead of [${target.shape}]`);
        else tf.tidy(() => target.assign(tf.tensor(t.data, target.shape, 'float32')));
      }
    }
    if (problems.length > 0) throw new BgfillError(`${source}: optimizer state does not match the trainable parameters: ${problems.join('; ')}`);
    this.step = step;
  }

  dispose(): void {
    for (const t of [...this.m.values(), ...this.v.values()]) t.dispose();
  }
}

import * as tf from '@tensorflow/tfjs';
import { batchNormInference, batchNormTraining, type BatchNormWeights } from './batch-norm.js';

/**
 * How a forward pass treats its batch norms: 'eval' uses the running statistics; 'train' the batch's (gradients
 * flow through them) and updates the running statistics; 'frozen' uses the running statistics and leaves them as
 * they are while the affine weights still train (the authors' fine-tuning mode of RFR-Net, and PConv's).
 */
export type BatchNormMode = 'eval' | 'train' | 'frozen';

/**
 * The batch norms of one forward pass. A batch norm may run several times in one pass (RFR-Net's recurrence):
 * in 'train' mode each call updates the running statistics from the previous call's, and `num_batches_tracked`
 * counts every call, as PyTorch does when a module is called repeatedly. `commit` assigns the results after the
 * forward pass (no gradient flows into buffers); `dispose` frees what was kept.
 * @example
 * const pass = new BatchNormPass((name) => vars.get(name)!, 'train');
 * const y = pass.apply(x, 'bn1'); … pass.commit(); pass.dispose();
 */
export class BatchNormPass {
  private readonly running = new Map<string, { mean: tf.Tensor1D; variance: tf.Tensor1D; calls: number }>();
  private readonly kept: tf.Tensor[] = [];

  constructor(
    private readonly variable: (name: string) => tf.Variable,
    readonly mode: BatchNormMode,
  ) {}

  /** Batch norm `prefix` (its `.weight`, `.bias`, `.running_mean`, `.running_var`) on x, NHWC. */
  apply(x: tf.Tensor4D, prefix: string): tf.Tensor4D {
    const current = this.running.get(prefix);
    const weights: BatchNormWeights = {
      weight: this.variable(`${prefix}.weight`) as tf.Tensor1D,
      bias: this.variable(`${prefix}.bias`) as tf.Tensor1D,
      runningMean: current?.mean ?? (this.variable(`${prefix}.running_mean`) as tf.Tensor1D),
      runningVar: current?.variance ?? (this.variable(`${prefix}.running_var`) as tf.Tensor1D),
    };
    if (this.mode !== 'train') return batchNormInference(x, weights);
    const { y, runningMean, runningVar } = batchNormTraining(x, weights);
    this.kept.push(tf.keep(runningMean), tf.keep(runningVar));
    this.running.set(prefix, { mean: runningMean, variance: runningVar, calls: (current?.calls ?? 0) + 1 });
    return y;
  }

  /** Assign the running statistics and add each batch norm's call count to its `num_batches_tracked`. */
  commit(): void {
    tf.tidy(() => {
      for (const [prefix, { mean, variance, calls }] of this.running) {
        this.variable(`${prefix}.running_mean`).assign(mean);
        this.variable(`${prefix}.running_var`).assign(variance);
        const count = this.variable(`${prefix}.num_batches_tracked`);
        count.assign(tf.add(count, tf.scalar(calls, 'int32')));
      }
    });
  }

  dispose(): void {
    tf.dispose(this.kept);
    this.kept.length = 0;
    this.running.clear();
  }
}

import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/masks';

/**
 * The after-the-fact half of freezing: a byte snapshot of every frozen tensor taken at the start, compared
 * after each epoch. The optimizer never receives frozen variables, so this should never fire; it exists so
 * that a future bug (a shared variable, an in-place assign) cannot silently train a frozen layer.
 */
export type FrozenSnapshot = ReadonlyMap<string, Uint8Array>;

const bytesOf = (t: tf.Tensor): Uint8Array => {
  const data = t.dataSync();
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
};

/** Copy the bytes of the named tensors. */
export function snapshotTensors(params: ReadonlyMap<string, tf.Tensor>, names: readonly string[]): FrozenSnapshot {
  return new Map(names.map((n) => [n, bytesOf(params.get(n)!)]));
}

/** Names whose current bytes differ from the snapshot. */
export function changedTensors(snapshot: FrozenSnapshot, params: ReadonlyMap<string, tf.Tensor>): string[] {
  const changed: string[] = [];
  for (const [name, before] of snapshot) {
    const now = bytesOf(params.get(name)!);
    if (Buffer.compare(now, before) !== 0) changed.push(name);
  }
  return changed;
}

/**
 * Throw when any frozen tensor changed.
 * @example verifyFrozen(snapshot, generator.params, 'after epoch 3')
 */
export function verifyFrozen(snapshot: FrozenSnapshot, params: ReadonlyMap<string, tf.Tensor>, when: string): void {
  const changed = changedTensors(snapshot, params);
  if (changed.length > 0) {
    throw new BgfillError(`Frozen parameters changed ${when}: ${changed.join(', ')} (a freeze bug: training stopped)`, {
      subject: 'freeze',
    });
  }
}

import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';

/**
 * The after-the-fact half of freezing: a byte snapshot of every frozen tensor taken at the start, compared
 * after each epoch. The optimizer never receives frozen variables, so this should never fire; it exists so
 * that a future bug (a shared variable, an in-place assign) cannot silently train a frozen layer.
 */
export type FrozenSnapshot = ReadonlyMap<string, Uint8Array>;

const bytesOf = async (t: tf.Tensor): Promise<Uint8Array> => {
  const data = await t.data();
  return new Uint8Array(data.buffer.slice(data.byteOffset, data.byteOffset + data.byteLength));
};

/** Copy the bytes of the named tensors. */
export async function snapshotTensors(params: ReadonlyMap<string, tf.Tensor>, names: readonly string[]): Promise<FrozenSnapshot> {
  return new Map(await Promise.all(names.map(async (n) => [n, await bytesOf(params.get(n)!)] as const)));
}

/** Names whose current bytes differ from the snapshot. */
export async function changedTensors(snapshot: FrozenSnapshot, params: ReadonlyMap<string, tf.Tensor>): Promise<string[]> {
  const changed: string[] = [];
  for (const [name, before] of snapshot) {
    const now = await bytesOf(params.get(name)!);
    if (Buffer.compare(now, before) !== 0) changed.push(name);
  }
  return changed;
}

/**
 * Throw when any frozen tensor changed.
 * @example await verifyFrozen(snapshot, generator.params, 'after epoch 3')
 */
export async function verifyFrozen(snapshot: FrozenSnapshot, params: ReadonlyMap<string, tf.Tensor>, when: string): Promise<void> {
  const changed = await changedTensors(snapshot, params);
  if (changed.length > 0) {
    throw new BgfillError(`Frozen parameters changed ${when}: ${changed.join(', ')} (a freeze bug: training stopped)`, {
      subject: 'freeze',
    });
  }
}

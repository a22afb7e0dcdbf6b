// What the WebGPU benches (gpu.ts, gpu-fused.ts) share: releasing tfjs-webgpu's buffer pool between parts, and
// comparing two sets of gradients.
import * as tf from '@tensorflow/tfjs';

/**
 * Destroy the GPU buffers tfjs-backend-webgpu keeps for reuse. Its pool never shrinks, so after parts with other
 * shapes (other batches, the three filter-gradient strategies) a batch-32 step ran out of device memory.
 */
export function releasePooledBuffers(): void {
  const manager = (tf.backend() as unknown as { bufferManager?: { freeBuffers: Map<string, Array<{ destroy(): void }>>; numFreeBuffers: number } }).bufferManager;
  if (!manager) return;
  for (const buffers of manager.freeBuffers.values()) {
    for (const b of buffers) b.destroy();
    buffers.length = 0; // keep the keys: releaseBuffer treats an empty map as "disposed"
  }
  manager.numFreeBuffers = 0;
}

/** How far one set of gradients is from a reference set, by name. */
export interface GradientDifference {
  tensors: number;
  /** ‖got − ref‖ / ‖ref‖ over all tensors together. */
  overall: number;
  /** The largest per-tensor ‖got − ref‖ / ‖ref‖ among tensors whose ‖ref‖ is ≥ 1 % of the largest (not float noise). */
  worst: number;
  worstName: string;
}

/**
 * Per tensor ‖got − ref‖ / ‖ref‖, over tensors whose gradient is not float noise (‖ref‖ ≥ 1 % of the largest: a conv
 * bias before batch norm has a near-zero gradient), and once over all gradients together.
 * @example const { overall, worst } = gradientDifference(cpuGrads, gpuGrads);
 */
export function gradientDifference(reference: ReadonlyMap<string, Float32Array>, got: ReadonlyMap<string, Float32Array>): GradientDifference {
  const norm = (a: Float32Array) => Math.sqrt(a.reduce((s, v) => s + v * v, 0));
  const norms = new Map([...reference].map(([name, ref]) => [name, norm(ref)]));
  const largest = Math.max(...norms.values());
  let worst = 0;
  let worstName = '';
  let allNum = 0;
  let allDen = 0;
  for (const [name, ref] of reference) {
    const mine = got.get(name);
    if (!mine || mine.length !== ref.length) return { tensors: reference.size, overall: Infinity, worst: Infinity, worstName: name };
    let num = 0;
    for (let i = 0; i < ref.length; i++) num += (mine[i] - ref[i]) ** 2;
    allNum += num;
    allDen += norms.get(name)! ** 2;
    const rel = Math.sqrt(num) / norms.get(name)!;
    if (norms.get(name)! >= 0.01 * largest && rel > worst) [worst, worstName] = [rel, name];
  }
  return { tensors: reference.size, overall: Math.sqrt(allNum / allDen), worst, worstName };
}

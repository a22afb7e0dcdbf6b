import { invalidParameter } from '@bgfill/core';
import { erode, type Mask } from '@bgfill/masks';

/** The most refill passes accepted (each is a full network run). */
export const MAX_PASSES = 32;

/**
 * The hole of each refill pass: pass k (counting from 0) fills `erode(mask, k·K)`. Pass 0 fills the whole hole;
 * each later pass takes the previous result as its input and refills a hole shrunk by K more erosion iterations
 * (3×3 square kernel), so its border ring keeps the earlier fill as context. Passes whose hole has vanished are
 * dropped.
 * @example passMasks(mask, 3, 4) // [mask, erode(mask, 4 iterations), erode(mask, 8 iterations)] (non-empty ones)
 */
export function passMasks(mask: Mask, passes: number, erodeBy: number): Mask[] {
  if (!Number.isInteger(passes) || passes < 1 || passes > MAX_PASSES) throw invalidParameter('passes', `integer from 1 to ${MAX_PASSES}`, passes);
  if (!Number.isInteger(erodeBy) || erodeBy < 0) throw invalidParameter('erode', 'non-negative integer', erodeBy);
  const masks: Mask[] = [mask];
  for (let k = 1; k < passes; k++) {
    const m = erode(mask, { iterations: k * erodeBy, kernel: 'square' });
    if (!m.data.includes(1)) break;
    masks.push(m);
  }
  return masks;
}

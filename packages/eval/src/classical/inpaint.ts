import { invalidParameter } from '@bgfill/core';
import type { Mask } from '@bgfill/masks';
import { checkImage, checkMaskFor, type RgbImage } from '../metrics/image.js';
import { borderMeanFill } from './border-mean.js';
import { fillKernel } from './fill-kernel.js';
import type { FillTarget } from './fill-target.js';
import type { FillThreads } from './fill-threads.js';

/** The classical (non-learned) fills, by name, with what each is. */
export const CLASSICAL_METHODS = {
  telea: { label: 'Telea', description: "Telea's fast-marching inpainting (2004), as OpenCV's INPAINT_TELEA" },
  ns: { label: 'Navier–Stokes', description: 'Navier–Stokes-based inpainting (Bertalmío, Bertozzi, Sapiro 2001), as OpenCV\'s INPAINT_NS' },
  mean: { label: 'border mean', description: "the mean colour of the hole's border" },
} as const;
export type ClassicalMethod = keyof typeof CLASSICAL_METHODS;
export const CLASSICAL_METHOD_NAMES = Object.keys(CLASSICAL_METHODS) as ClassicalMethod[];

/** OpenCV's default neighbourhood radius for `cv2.inpaint` in its samples and bgfill's default. */
export const DEFAULT_INPAINT_RADIUS = 3;
/** OpenCV clamps the radius to 1…100. */
export const MAX_INPAINT_RADIUS = 100;

export interface ClassicalInpaintOptions {
  method: ClassicalMethod;
  /** Neighbourhood radius in pixels for `telea` and `ns`, an integer from 1 to 100 (default 3). */
  radius?: number;
}

/**
 * Parse a method name (case-insensitive; `navier-stokes` is accepted for `ns`).
 * @example parseClassicalMethod('Telea') // 'telea'
 */
export function parseClassicalMethod(value: string, name = 'method'): ClassicalMethod {
  const lower = String(value).trim().toLowerCase();
  const method = lower === 'navier-stokes' || lower === 'navierstokes' ? 'ns' : lower;
  if ((CLASSICAL_METHOD_NAMES as string[]).includes(method)) return method as ClassicalMethod;
  throw invalidParameter(name, `one of ${CLASSICAL_METHOD_NAMES.join(', ')}`, value);
}

/** Check a radius: an integer from 1 to 100. */
export function checkInpaintRadius(radius: number, name = 'radius'): number {
  if (!Number.isInteger(radius) || radius < 1 || radius > MAX_INPAINT_RADIUS) throw invalidParameter(name, `an integer from 1 to ${MAX_INPAINT_RADIUS}`, radius);
  return radius;
}

/**
 * Fill the hole of an 8-bit RGB image with a classical method, as `cv2.inpaint(image, mask, radius, flags)` does
 * for `telea` (INPAINT_TELEA) and `ns` (INPAINT_NS); `mean` paints the hole with its border's mean colour. Any
 * non-zero mask byte is hole. Pixels outside the hole are returned unchanged; a mask without a hole returns a copy.
 * The hole is first painted with its border's mean colour (the `mean` fill), so the result never depends on the
 * input's values inside the hole: cv2 reads a few of them near the image's edges, where it lets the first row /
 * column stand in for the missing one outside, and the last row / column for the one before it. bgfill's output
 * equals cv2's on the image so pre-filled. A hole over the whole image comes back black.
 * @example const filled = classicalInpaint(image, mask, { method: 'telea' }); // radius 3
 */
export function classicalInpaint(image: RgbImage, mask: Mask, options: ClassicalInpaintOptions): RgbImage {
  const { target, method, radius } = preparedFill(image, mask, options);
  if (method !== 'mean') fillKernel().fill(method, target, radius);
  return { data: target.out, width: target.width, height: target.height, channels: 3 };
}

/**
 * `classicalInpaint` with Telea's and the Navier–Stokes fill on fill threads (the border-mean pre-fill, and `mean`,
 * on this one): the same bytes, while this thread does other work.
 * @example const filled = await classicalInpaintOn(threads, image, mask, { method: 'ns' });
 */
export async function classicalInpaintOn(threads: FillThreads, image: RgbImage, mask: Mask, options: ClassicalInpaintOptions): Promise<RgbImage> {
  const { target, method, radius } = preparedFill(image, mask, options);
  if (method !== 'mean') await threads.fill(method, target, radius);
  return { data: target.out, width: target.width, height: target.height, channels: 3 };
}

/** Check a fill's inputs and make its target: a copy of the image, the hole painted with its border's mean colour. */
function preparedFill(image: RgbImage, mask: Mask, options: ClassicalInpaintOptions): { target: FillTarget; method: ClassicalMethod; radius: number } {
  checkImage(image, 'image');
  if (image.channels !== 3) throw invalidParameter('image.channels', '3 (8-bit RGB)', image.channels);
  if (!(image.data instanceof Uint8Array)) throw invalidParameter('image.data', 'a Uint8Array (8-bit RGB)', image.data);
  checkMaskFor(mask, image);
  const method = parseClassicalMethod(options.method);
  const radius = checkInpaintRadius(options.radius ?? DEFAULT_INPAINT_RADIUS);
  const target: FillTarget = { mask, out: Uint8Array.from(image.data), width: image.width, height: image.height };
  borderMeanFill(target);
  return { target, method, radius };
}

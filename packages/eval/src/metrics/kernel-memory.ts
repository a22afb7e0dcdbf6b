import { copyIn, type KernelExports } from '../wasm-kernel.js';
import type { MetricImage } from './image.js';

/**
 * The metrics kernel's calling surface (metrics.wasm's exports) and the images copied into its memory, shared by
 * metrics-kernel.ts, which loads the kernel, and ssim-pass.ts, which drives its SSIM functions.
 */

/** What metrics.wasm exports (assembly/metrics/index.ts). */
export interface MetricsExports extends KernelExports {
  prepare(width: number, height: number, pad: number): void;
  weight(k: number, value: number): void;
  plane(length: number): number;
  channel(kind: number, at: number, length: number, channels: number, c: number, dst: number): void;
  downsample(src: number, width: number, height: number, dst: number): void;
  sums(x: number, y: number, width: number, height: number, c1: number, c2: number, term: number, shortcut: number, integers: number): number;
  contrastSum(): number;
  differenceSums(kind: number, x: number, y: number, length: number, channels: number, mask: number): void;
  difference(which: number): number;
}

/** An image copied into the kernel's memory: its value type (bytes per value), address, value count and channels. */
export interface CopiedImage {
  kind: 1 | 4 | 8;
  at: number;
  length: number;
  channels: number;
}

/** Copy an image's values into the kernel's memory. */
export function copyImage(k: MetricsExports, image: MetricImage): CopiedImage {
  const { data } = image;
  return { kind: data.BYTES_PER_ELEMENT as 1 | 4 | 8, at: copyIn(k, data), length: data.length, channels: image.channels };
}


import * as tf from '@tensorflow/tfjs';
import type { KernelConfig } from '@tensorflow/tfjs';
import { conv2DBackpropFilterKernel, conv2dFilterGradient } from './conv-filter-gradient.js';
import { conv2dFilterGradientIm2col } from './conv-filter-gradient-im2col.js';
import { conv2DBackpropInputKernel } from './conv-input-gradient.js';
import { meanGradient, sumGradient } from './reduction-gradients.js';
import { spaceBatchKernels } from './space-batch-kernels.js';
import { wasmIdentityKernel } from './wasm-identity-kernel.js';
import { wasmSliceKernels } from './wasm-slice-kernels.js';

/**
 * Kernels bgfill adds to backends that lack them. tfjs-backend-wasm 4.22 has no Conv2DBackpropFilter, which every
 * convolution's weight gradient needs; its Conv2DBackpropInput exists, and the generator has no depthwise
 * convolutions, so nothing else is missing for training (the kernel tests run a full generator gradient on wasm).
 */
export const BGFILL_KERNELS: ReadonlyArray<{ kernelName: string; backendName: string; create: () => KernelConfig }> = [
  { kernelName: 'Conv2DBackpropFilter', backendName: 'wasm', create: () => conv2DBackpropFilterKernel('wasm') },
];

/**
 * Kernels bgfill replaces because the backend's own is far slower than it needs to be: wasm's SpaceToBatchND and
 * BatchToSpaceND (every dilated convolution of the generator runs through both), see space-batch-kernels.ts, and
 * wasm's Conv2DBackpropInput (every stride as s² stride-1 forward convolutions on XNNPACK; mostly-padding geometries to the stock kernel), see
 * conv-input-gradient.ts; `BGFILL_WASM_INPUT_GRADIENT=stock` (read at registration) keeps the stock one, for benchmarks;
 * wasm's Slice and SplitV, which copied the whole input once per slice (wasm-slice-kernels.ts;
 * `BGFILL_WASM_SLICE=stock` keeps them, for benchmarks); and wasm's Identity, which copies every tensor tfjs saves
 * for a gradient — replaced only with `BGFILL_WASM_IDENTITY=shared` (wasm-identity-kernel.ts), not by default.
 */
export const BGFILL_REPLACED_KERNELS: ReadonlyArray<{ kernelName: string; backendName: string }> = [
  { kernelName: 'SpaceToBatchND', backendName: 'wasm' },
  { kernelName: 'BatchToSpaceND', backendName: 'wasm' },
  { kernelName: 'Conv2DBackpropInput', backendName: 'wasm' },
  { kernelName: 'Slice', backendName: 'wasm' },
  { kernelName: 'SplitV', backendName: 'wasm' },
];

/**
 * How a backend computes the filter gradient of conv2d (`Conv2DBackpropFilter`):
 * - `stock`: the backend's own kernel (wasm has none);
 * - `batch-axis`: one forward convolution over the batch axis (conv-filter-gradient.ts), the wasm default;
 * - `im2col`: gathered columns and a split batched matrix product (conv-filter-gradient-im2col.ts), for GPUs.
 */
export type FilterGradientStrategy = 'stock' | 'batch-axis' | 'im2col';
export const FILTER_GRADIENT_STRATEGIES: readonly FilterGradientStrategy[] = ['stock', 'batch-axis', 'im2col'];

/**
 * Each backend's default; `BGFILL_FILTER_GRADIENT` (one of the strategies) overrides it, for benchmarks.
 * webgpu: im2col measured 5–38× faster than tfjs-webgpu's own kernel and 1.5–4× faster than batch-axis on the
 * generator's layer shapes at batch 8 (H200, bench/gpu.ts, bench/RESULTS.md); on wasm batch-axis is the fast one.
 */
const DEFAULT_FILTER_GRADIENT: Readonly<Record<string, FilterGradientStrategy>> = { wasm: 'batch-axis', webgpu: 'im2col' };

/** The backends' own Conv2DBackpropFilter kernels, kept when replaced so that `stock` can restore them. */
const stockFilterKernels = new Map<string, KernelConfig | undefined>();
const activeFilterGradient = new Map<string, FilterGradientStrategy>();

/**
 * Select how `backendName` computes conv2d filter gradients from now on (see FilterGradientStrategy). The backend's
 * own kernels must be registered (its package imported). Throws for `stock` on a backend without its own kernel.
 * @example useFilterGradient('webgpu', 'im2col')
 */
export function useFilterGradient(backendName: string, strategy: FilterGradientStrategy): void {
  if (!FILTER_GRADIENT_STRATEGIES.includes(strategy)) {
    throw new Error(`unknown filter-gradient strategy ${String(strategy)} (one of ${FILTER_GRADIENT_STRATEGIES.join(', ')})`);
  }
  if (!stockFilterKernels.has(backendName)) {
    const current = tf.getKernel('Conv2DBackpropFilter', backendName);
    stockFilterKernels.set(backendName, current && !installed.has(current.kernelFunc) ? current : undefined);
  }
  const stockKernel = stockFilterKernels.get(backendName);
  if (strategy === 'stock' && !stockKernel) throw new Error(`backend ${backendName} has no Conv2DBackpropFilter kernel of its own`);
  if (activeFilterGradient.get(backendName) === strategy) return;
  if (tf.getKernel('Conv2DBackpropFilter', backendName)) tf.unregisterKernel('Conv2DBackpropFilter', backendName);
  const kernel =
    strategy === 'stock' ? stockKernel! : conv2DBackpropFilterKernel(backendName, strategy === 'im2col' ? conv2dFilterGradientIm2col : conv2dFilterGradient);
  tf.registerKernel(kernel);
  installed.add(kernel.kernelFunc);
  activeFilterGradient.set(backendName, strategy);
}

/** The strategy `backendName` uses now, if bgfill chose one. */
export function filterGradientStrategy(backendName: string): FilterGradientStrategy | undefined {
  return activeFilterGradient.get(backendName);
}

function defaultFilterGradient(backendName: string): FilterGradientStrategy | undefined {
  const fromEnv = process.env.BGFILL_FILTER_GRADIENT;
  if (fromEnv && (FILTER_GRADIENT_STRATEGIES as readonly string[]).includes(fromEnv)) return fromEnv as FilterGradientStrategy;
  return DEFAULT_FILTER_GRADIENT[backendName];
}

let gradientsRegistered = false;
/** The kernel functions bgfill installed, to recognise them (idempotency). */
const installed = new Set<unknown>();

function replaceSpaceBatchKernels(backendName: string): void {
  const s2b = tf.getKernel('SpaceToBatchND', backendName);
  const b2s = tf.getKernel('BatchToSpaceND', backendName);
  if (!s2b || !b2s || installed.has(s2b.kernelFunc)) return;
  for (const kernel of spaceBatchKernels(backendName, s2b, b2s)) {
    tf.unregisterKernel(kernel.kernelName, backendName);
    tf.registerKernel(kernel);
    installed.add(kernel.kernelFunc);
  }
}

/**
 * Replace the backend's own `kernelNames` with `create(stock kernels)` unless the environment variable `envName`
 * says `stock` (for benchmarks; any other value than `stock` or `ours` is an error). Idempotent.
 */
function replaceUnlessStock(
  backendName: string,
  envName: string,
  ours: string,
  kernelNames: readonly string[],
  create: (stock: KernelConfig[]) => KernelConfig[],
  fallback: string = ours,
): void {
  const choice = process.env[envName] || fallback;
  if (choice !== ours && choice !== 'stock') throw new Error(`${envName} must be one of ${ours}, stock, got ${choice}`);
  const stock = kernelNames.map((name) => tf.getKernel(name, backendName));
  if (choice === 'stock' || stock.some((k) => !k || installed.has(k.kernelFunc))) return;
  for (const kernel of create(stock as KernelConfig[])) {
    tf.unregisterKernel(kernel.kernelName, backendName);
    tf.registerKernel(kernel);
    installed.add(kernel.kernelFunc);
  }
}

/**
 * Register bgfill's kernels and gradient overrides. Idempotent: a missing kernel is added once, a replaced kernel
 * is replaced once, and the Mean/Sum gradients are replaced once. Call before running models (initBackend does);
 * the wasm replacements need @tensorflow/tfjs-backend-wasm imported (its kernels registered) first.
 * @example
 * registerBgfillKernels();
 * tf.getKernel('Conv2DBackpropFilter', 'wasm') // → defined
 */
export function registerBgfillKernels(): void {
  for (const { kernelName, backendName, create } of BGFILL_KERNELS) {
    if (tf.getKernel(kernelName, backendName) === undefined) {
      const config = create();
      tf.registerKernel(config);
      installed.add(config.kernelFunc);
    }
  }
  replaceSpaceBatchKernels('wasm');
  replaceUnlessStock('wasm', 'BGFILL_WASM_INPUT_GRADIENT', 'flipped-conv', ['Conv2DBackpropInput'], ([stock]) => [conv2DBackpropInputKernel('wasm', stock)]);
  replaceUnlessStock('wasm', 'BGFILL_WASM_SLICE', 'heap-view', ['Slice', 'SplitV'], ([slice, split]) => wasmSliceKernels(slice, split));
  // Opt-in until a same-process measurement shows it pays (bench/wasm-identity.ts): BGFILL_WASM_IDENTITY=shared.
  replaceUnlessStock('wasm', 'BGFILL_WASM_IDENTITY', 'shared', ['Identity'], ([identity]) => [wasmIdentityKernel(identity)], 'stock');
  for (const backendName of ['wasm', 'webgpu']) {
    const strategy = defaultFilterGradient(backendName);
    // Only once the backend's own kernels are registered (its package imported), and only the first time.
    if (strategy && !activeFilterGradient.has(backendName) && tf.getKernel('Conv2D', backendName)) useFilterGradient(backendName, strategy);
  }
  if (!gradientsRegistered) {
    tf.registerGradient(meanGradient);
    tf.registerGradient(sumGradient);
    gradientsRegistered = true;
  }
}

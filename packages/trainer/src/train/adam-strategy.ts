import * as tf from '@tensorflow/tfjs';
import { invalidParameter } from '@bgfill/core';
import { flatAdam } from './adam-flat.js';
import { perParameterAdam } from './adam-per-parameter.js';
import type { AdamUpdateFactory } from './adam-update.js';

/**
 * How Adam's update runs (see AdamUpdate): `per-parameter` (adam-per-parameter.ts) or `flat` (adam-flat.ts), plus
 * any backend-specific kernel registered with registerAdamUpdate (e.g. a fused WebGPU kernel).
 */
export type AdamUpdateName = 'per-parameter' | 'flat' | (string & {});

const updates = new Map<string, AdamUpdateFactory>([
  ['per-parameter', perParameterAdam],
  ['flat', flatAdam],
]);

/** The environment variable that overrides every backend's default (for benchmarks and comparisons). */
export const ADAM_UPDATE_ENV = 'BGFILL_ADAM_UPDATE';

/**
 * Each backend's default, chosen by measurement on that backend (bench/adam-update.ts times the strategies against
 * each other, bench/train-step.ts --adam all the whole step; figures in bench/RESULTS.md):
 * - wasm: `flat`. One update of G (cnum 32) + D (cnum 64), 2 threads, interleaved: 190 ms CPU / 727 ms wall against
 *   per-parameter's 276 / 1 182 (its ~3 000 small kernels each pay the thread pool's start and join); 1 thread:
 *   173 ms CPU each. It needs bgfill's Slice/SplitV (wasm-slice-kernels.ts): with tfjs-wasm's, the same update took
 *   2 687 ms (the 4–5× slower training step of issue 12).
 * - cpu: `per-parameter`. The same update, 6 interleaved rounds: 4.9 s CPU median against flat's 5.0 s (two earlier
 *   runs: 4.1 / 4.4 s and 5.2 / 4.7 s): a tie within this machine's noise, so the simpler update without copies
 *   stays; flat was a GPU optimisation and never showed a gain here.
 * - webgpu, tensorflow: `flat`, UNMEASURED on a GPU: kept from before. On lavapipe one flat generator update
 *   dispatches ~300 GPU programs where per-parameter would dispatch ~2 800 (each ~0.09 ms of host time on an H200),
 *   but it also copies every parameter and gradient twice more. The prepared GPU bench decides it: run
 *   `bench/adam-update.ts --backends webgpu` and `bench/train-step.ts --backends webgpu --adam all` in the same GPU
 *   run, and change this entry only with those figures (and a fused kernel, once registered, is measured the same
 *   way).
 * A backend not listed gets `per-parameter`.
 */
export const DEFAULT_ADAM_UPDATE: Readonly<Record<string, AdamUpdateName>> = {
  wasm: 'flat',
  cpu: 'per-parameter',
  webgpu: 'flat',
  tensorflow: 'flat',
};

/** Updates a backend's kernel set chose for its backend (setPreferredAdamUpdate), ahead of DEFAULT_ADAM_UPDATE. */
const preferred = new Map<string, AdamUpdateName>();

/**
 * Make `name` the update Adam uses on `backendName` unless one is requested or $BGFILL_ADAM_UPDATE is set (an opt-in
 * kernel set, such as the fused WebGPU kernels, selects its own update); undefined goes back to the default.
 * @example setPreferredAdamUpdate('webgpu', 'webgpu-fused')
 */
export function setPreferredAdamUpdate(backendName: string, name: AdamUpdateName | undefined): void {
  if (name === undefined) preferred.delete(backendName);
  else preferred.set(backendName, name);
}

/** Every registered AdamUpdate name. */
export function adamUpdateNames(): string[] {
  return [...updates.keys()];
}

/**
 * Make `name` available to Adam (a backend-specific kernel: register it when its backend loads). Replaces an
 * update of the same name.
 * @example registerAdamUpdate('webgpu-fused', (params) => fusedAdam(params))
 */
export function registerAdamUpdate(name: string, factory: AdamUpdateFactory): void {
  updates.set(name, factory);
}

/**
 * The update Adam uses on `backendName`: `requested` when given, else $BGFILL_ADAM_UPDATE when set, else the update
 * a kernel set preferred for the backend (setPreferredAdamUpdate), else the backend's default. Throws a BgfillError naming the option for an unknown name.
 * @example adamUpdateFor('cpu') // → { name: 'per-parameter', factory } (unless $BGFILL_ADAM_UPDATE is set)
 */
export function adamUpdateFor(backendName: string = tf.getBackend(), requested?: string): { name: AdamUpdateName; factory: AdamUpdateFactory } {
  const fromEnv = process.env[ADAM_UPDATE_ENV] || undefined;
  const name = requested ?? fromEnv ?? preferred.get(backendName) ?? DEFAULT_ADAM_UPDATE[backendName] ?? 'per-parameter';
  const factory = updates.get(name);
  if (!factory) throw invalidParameter(requested !== undefined ? 'Adam update' : ADAM_UPDATE_ENV, `one of ${adamUpdateNames().join(', ')}`, name);
  return { name, factory };
}

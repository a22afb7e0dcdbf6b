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
 * Each backend's default, chosen by measurement on that backend (bench/train-step.ts, bench/RESULTS.md):
 * - wasm, cpu: `per-parameter`. 64², cnum 32, one full step on 2 cores: the flat update took … (see RESULTS.md);
 *   kernel launches cost little there, and the flat update's concatenations and split are pure extra copies
 *   (on wasm, before bgfill's Slice/SplitV kernels, a split even copied the whole vector once per parameter).
 * - webgpu, tensorflow: `flat`, UNMEASURED: kept from before (it needs ~2 400 fewer kernel launches per full step,
 *   which is host time on a GPU). The prepared GPU bench (bench/gpu.ts --parts train, which runs the training step
 *   with BGFILL_ADAM_UPDATE=per-parameter and =flat in one run) decides it; change this entry only with its figures.
 * A backend not listed gets `per-parameter`.
 */
export const DEFAULT_ADAM_UPDATE: Readonly<Record<string, AdamUpdateName>> = {
  wasm: 'per-parameter',
  cpu: 'per-parameter',
  webgpu: 'flat',
  tensorflow: 'flat',
};

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
 * The update Adam uses on `backendName`: `requested` when given, else $BGFILL_ADAM_UPDATE when set, else the
 * backend's default. Throws a BgfillError naming the option for an unknown name.
 * @example adamUpdateFor('wasm') // → { name: 'per-parameter', factory }
 */
export function adamUpdateFor(backendName: string = tf.getBackend(), requested?: string): { name: AdamUpdateName; factory: AdamUpdateFactory } {
  const fromEnv = process.env[ADAM_UPDATE_ENV] || undefined;
  const name = requested ?? fromEnv ?? DEFAULT_ADAM_UPDATE[backendName] ?? 'per-parameter';
  const factory = updates.get(name);
  if (!factory) throw invalidParameter(requested !== undefined ? 'Adam update' : ADAM_UPDATE_ENV, `one of ${adamUpdateNames().join(', ')}`, name);
  return { name, factory };
}

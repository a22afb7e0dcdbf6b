import { rngFor, type Seed } from '@bgfill/core';
import type { ParamSpec } from './architecture.js';

/**
 * The initial values of one parameter, in PyTorch layout (row-major over `spec.shape`), drawn from a source
 * derived from (seed, parameter name): each parameter is a pure function of the seed, whatever the order.
 * @example
 * initialValues(spec, 0) // Float32Array of spec.shape's size
 */
export function initialValues(spec: ParamSpec, seed: Seed): Float32Array | Int32Array {
  const size = spec.shape.reduce((a, b) => a * b, 1);
  if (spec.dtype === 'int32') return new Int32Array(size).fill(spec.init.kind === 'constant' ? spec.init.value : 0);
  const values = new Float32Array(size);
  const init = spec.init;
  if (init.kind === 'constant') return values.fill(init.value);
  const rng = rngFor(seed, 'inpaint-generator-init', spec.name);
  if (init.kind === 'normal') for (let i = 0; i < size; i++) values[i] = rng.normal() * init.std;
  else for (let i = 0; i < size; i++) values[i] = rng.uniform(-init.bound, init.bound);
  return values;
}

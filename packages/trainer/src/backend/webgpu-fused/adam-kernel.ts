import * as tf from '@tensorflow/tfjs';
import type { TensorInfo } from '@tensorflow/tfjs';
import { flatAdam } from '../../train/adam-flat.js';
import type { AdamCoefficients, AdamUpdate } from '../../train/adam-update.js';
import { newTensor, perIndex, runProgram, spread, webgpuBackend, type GpuProgramSpec, type WebGpuBackendInternals } from './gpu-program.js';

/**
 * Adam over all parameters on the GPU, in place: the parameters' own buffers and the optimizer's two flat moment
 * vectors are updated by one program, PARAMS_PER_DISPATCH parameters per dispatch — WebGPU guarantees 8 storage
 * buffers per shader stage and tfjs creates its device with that default, which is what bounds a dispatch: the two
 * moment vectors plus, per parameter, its value (read-write) and its gradient. Each element goes through
 * torch.optim.Adam's formula, in the float32 operations of train/adam.ts:
 *
 *   m ← m·β1 + g·(1 − β1);  v ← v·β2 + g²·(1 − β2);  p ← p − (m / (√v / √(1 − β2^t) + ε)) · lr / (1 − β1^t)
 *
 * The generator's 219 parameter tensors take 73 dispatches and the discriminator's 12 take 4, where the stock update
 * (concatenate gradients and parameters, 13 element-wise kernels, split back) takes about 500 (measured:
 * bench/RESULTS.md). A parameter or moment buffer that another tensor shares (a clone still alive, or the tensor a
 * variable was made from) is first given a buffer of its own (one copy), so that nothing else sees the update.
 */

export const PARAMS_PER_DISPATCH = 3;

const slots = Array.from({ length: PARAMS_PER_DISPATCH }, (_, i) => i);

const ADAM: GpuProgramSpec = {
  name: 'BgfillAdam',
  outputs: ['m', 'v', ...slots.map((i) => `p${i}`)],
  inputs: slots.map((i) => `g${i}`),
  uniforms: [
    ['b1', 'f32'],
    ['oneMinusB1', 'f32'],
    ['b2', 'f32'],
    ['oneMinusB2', 'f32'],
    ['sqrtBc2', 'f32'],
    ['eps', 'f32'],
    ['stepSize', 'f32'],
    ...slots.flatMap((i) => [
      [`size${i}`, 'i32'],
      [`offset${i}`, 'i32'],
    ] as const),
  ],
  code: `
fn moments(k : i32, g : f32) -> f32 {
  let mNew = m[k] * u.b1 + g * u.oneMinusB1;
  let vNew = v[k] * u.b2 + (g * g) * u.oneMinusB2;
  m[k] = mNew;
  v[k] = vNew;
  return (mNew / (sqrt(vNew) / u.sqrtBc2 + u.eps)) * u.stepSize;
}
${perIndex(
    slots.map((i) => `u.size${i}`).join(' + '),
    `  var i = index;
${slots
  .map(
    (s) => `  if (i < u.size${s}) {
    p${s}[i] = p${s}[i] - moments(u.offset${s} + i, g${s}[i]);
    return;
  }
  i = i - u.size${s};`,
  )
  .join('\n')}`,
    256,
  )}`,
};

/** One update as the kernel receives it: parameters and gradients in order, moments flat. */
export interface FusedAdamStep {
  params: readonly tf.Variable[];
  grads: readonly tf.Tensor[];
  /** Where each parameter's moments start in `m` and `v`. */
  offsets: readonly number[];
  m: tf.Variable;
  v: tf.Variable;
  coefficients: AdamCoefficients;
}

function backendRefCount(t: tf.Tensor): number {
  return (tf.backend() as unknown as { refCount(dataId: object): number }).refCount(t.dataId);
}

/**
 * Apply one Adam update in place on the webgpu backend; false (nothing changed) on another backend or for tensors
 * that are not float32.
 * @example adamInPlace({ params, grads, offsets, m, v, coefficients })
 */
export function adamInPlace(s: FusedAdamStep): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const owned = [...s.params, s.m, s.v];
  if (owned.some((t) => t.dtype !== 'float32') || s.grads.some((g) => g.dtype !== 'float32')) return false;
  for (const t of owned) if (backendRefCount(t) !== 1) tf.tidy(() => t.assign(tf.add(t, tf.scalar(0))));
  const backend = webgpuBackend();
  const { beta1: b1, beta2: b2, sqrtBc2, eps, stepSize } = s.coefficients;
  const common = [b1, 1 - b1, b2, 1 - b2, sqrtBc2, eps, stepSize];
  for (let first = 0; first < s.params.length; first += PARAMS_PER_DISPATCH) {
    const group = slots.map((i) => first + i).filter((i) => i < s.params.length);
    // Slots past the last parameter have size 0: their gradient binding repeats one (read-only bindings may alias)
    // and their parameter binding is a spare buffer of its own (a buffer may be bound writable only once).
    const params: TensorInfo[] = group.map((i) => s.params[i]);
    const grads = group.map((i) => s.grads[i]);
    while (params.length < PARAMS_PER_DISPATCH) {
      params.push(spareBuffer(backend, params.length));
      grads.push(grads[0]);
    }
    const sizes = slots.map((i) => (i < group.length ? s.params[group[i]].size : 0));
    const total = sizes.reduce((a, b) => a + b, 0);
    runProgram(backend, ADAM, {
      outputs: [s.m, s.v, ...params],
      inputs: grads,
      uniforms: [...common, ...slots.flatMap((i) => [sizes[i], i < group.length ? s.offsets[group[i]] : 0])],
      workgroups: spread(Math.ceil(total / 256)),
    });
  }
  return true;
}

const spares = new WeakMap<object, TensorInfo[]>();
/** A one-element buffer for unused writable slot `slot`, one per slot and backend, outside tfjs's tensor count. */
function spareBuffer(backend: WebGpuBackendInternals, slot: number): TensorInfo {
  let list = spares.get(backend);
  if (!list) spares.set(backend, (list = []));
  return (list[slot] ??= newTensor(backend, [1]));
}

/** The name the fused update registers under (adam-strategy.ts's registerAdamUpdate). */
export const FUSED_ADAM_UPDATE = 'webgpu-fused';

/**
 * The fused update as an AdamUpdate: the flat update's moments (adam-flat.ts), updated in place by adamInPlace when
 * every parameter has a gradient on the webgpu backend, by the flat update's own kernels otherwise.
 * @example registerAdamUpdate(FUSED_ADAM_UPDATE, fusedAdam);
 */
export function fusedAdam(params: readonly tf.Variable[]): AdamUpdate {
  const flat = flatAdam(params);
  return {
    apply(grads, coefficients) {
      const all = grads.every((g): g is tf.Tensor => g !== undefined);
      if (all && adamInPlace({ params, grads, offsets: flat.offsets, m: flat.m, v: flat.v, coefficients })) return;
      flat.apply(grads, coefficients);
    },
    moments: (i) => flat.moments(i),
    setMoments: (m, v) => flat.setMoments(m, v),
    dispose: () => flat.dispose(),
  };
}

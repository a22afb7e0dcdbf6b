import * as tf from '@tensorflow/tfjs';
import type { AdamUpdate } from '../../train/adam.js';
import type { TensorInfo } from '@tensorflow/tfjs';
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

function backendRefCount(t: tf.Tensor): number {
  return (tf.backend() as unknown as { refCount(dataId: object): number }).refCount(t.dataId);
}

/**
 * Apply one Adam update in place on the webgpu backend; false (nothing changed) on another backend or for tensors
 * that are not float32.
 * @example adamInPlace({ params, grads, offsets, m, v, lr: 1e-4, betas: [0.5, 0.999], eps: 1e-8, step: 1 })
 */
export function adamInPlace(s: AdamUpdate): boolean {
  if (tf.getBackend() !== 'webgpu') return false;
  const owned = [...s.params, s.m, s.v];
  if (owned.some((t) => t.dtype !== 'float32') || s.grads.some((g) => g.dtype !== 'float32')) return false;
  for (const t of owned) if (backendRefCount(t) !== 1) tf.tidy(() => t.assign(tf.add(t, tf.scalar(0))));
  const backend = webgpuBackend();
  const [b1, b2] = s.betas;
  const common = [b1, 1 - b1, b2, 1 - b2, Math.sqrt(1 - b2 ** s.step), s.eps, s.lr / (1 - b1 ** s.step)];
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

import * as tf from '@tensorflow/tfjs';
import type { DataType, TensorInfo } from '@tensorflow/tfjs';

/**
 * bgfill's own WGSL programs, recorded into tfjs-backend-webgpu's command stream over tfjs's GPU buffers.
 *
 * tfjs's `runWebGPUProgram` gives a program one output buffer and builds its uniforms from every tensor's shape. The
 * fused kernels need several outputs per dispatch (a convolution writing its raw branches and their gated product, a
 * batch-norm finalisation writing the statistics and both running buffers, an Adam pass updating parameters and both
 * moments), so they bind buffers themselves: outputs first (read_write), then inputs (read), then one uniform block
 * of scalars. The dispatch is recorded exactly as tfjs records its own (same command encoder and compute pass, same
 * submit batching, same deferred release of the buffers it touches, same timestamp queries under `tf.profile`), so
 * the two interleave in order.
 */

/** The parts of the WebGPU API used here (Dawn's objects satisfy them; TypeScript's DOM lib has no WebGPU types). */
interface Gpu {
  createShaderModule(d: { code: string; label?: string }): unknown;
  createBindGroupLayout(d: { entries: unknown[] }): unknown;
  createPipelineLayout(d: { bindGroupLayouts: unknown[] }): unknown;
  createComputePipeline(d: { layout: unknown; compute: { module: unknown; entryPoint: string }; label?: string }): Pipeline;
  createBindGroup(d: { layout: unknown; entries: Array<{ binding: number; resource: unknown }> }): unknown;
  createQuerySet(d: { type: string; count: number }): unknown;
  readonly limits: { maxComputeWorkgroupsPerDimension: number; maxStorageBuffersPerShaderStage: number };
}
interface Pipeline {
  getBindGroupLayout(i: number): unknown;
}
interface PassEncoder {
  setPipeline(p: Pipeline): void;
  setBindGroup(i: number, g: unknown): void;
  dispatchWorkgroups(x: number, y: number, z: number): void;
}
/** tfjs-backend-webgpu's WebGPUBackend, the members this module touches (tfjs 4.22). */
export interface WebGpuBackendInternals {
  device: Gpu;
  tensorMap: { get(dataId: object): { resource: unknown; dtype: DataType; shape: number[] } | undefined; has(dataId: object): boolean };
  commandQueueOwnedIds: WeakSet<object>;
  commandEncoder: { beginComputePass(d: object): PassEncoder } | null;
  computePassEncoder: PassEncoder | null;
  dispatchCountInPass: number;
  activeTimers: Array<{ name: string; query: Promise<number> }> | null;
  supportTimestampQuery: boolean;
  querySet: unknown;
  querySetCount: number;
  ensureCommandEncoderReady(): void;
  endComputePassEncoder(): void;
  submitQueue(): void;
  getQueryTime(): Promise<number>;
  uploadToGPU(dataId: object): void;
  makeTensorInfo(shape: number[], dtype: DataType): TensorInfo;
  makeUniforms(fields: Array<{ type: 'int32' | 'float32' | 'uint32'; data: number[] }>): { offset: number; size: number; buffer: unknown };
  disposeData(dataId: object, force?: boolean): boolean;
}

/** One scalar of a program's uniform block. */
export type UniformType = 'i32' | 'f32';

/** A program: WGSL with its bindings declared here, compiled once per device. */
export interface GpuProgramSpec {
  /** Counted and profiled under this name. */
  name: string;
  /** read_write `array<f32>` bindings, in order. */
  outputs: readonly string[];
  /** read-only `array<f32>` bindings, in order. */
  inputs: readonly string[];
  /** The uniform block `u`'s scalars, in order. */
  uniforms: ReadonlyArray<readonly [string, UniformType]>;
  /** WGSL after the declarations: helper functions and `@compute @workgroup_size(…) fn main(…)`. */
  code: string;
}

/** The values of one dispatch. */
export interface GpuDispatch {
  /** Tensors written (allocated by `newTensor`, or existing ones updated in place). */
  outputs: readonly TensorInfo[];
  inputs: readonly TensorInfo[];
  /** Values of the uniform block, in the spec's order. */
  uniforms: readonly number[];
  /** Workgroup counts; each at most the device's maxComputeWorkgroupsPerDimension (65 535). */
  workgroups: readonly [number, number, number];
}

/** Called for every dispatch a bgfill program records; returns true to record it with no workgroups (a dry count). */
let dispatchListener: ((name: string) => boolean) | undefined;

/** Install (or remove, with undefined) the listener that dispatch-counter.ts uses. */
export function setDispatchListener(listener: ((name: string) => boolean) | undefined): void {
  dispatchListener = listener;
}

/** The current backend as tfjs-backend-webgpu's WebGPUBackend; throws on another backend. */
export function webgpuBackend(): WebGpuBackendInternals {
  if (tf.getBackend() !== 'webgpu') throw new Error(`bgfill's fused WebGPU kernels need the webgpu backend, not ${tf.getBackend()}`);
  return tf.backend() as unknown as WebGpuBackendInternals;
}

/** The WGSL declarations of a spec: storage bindings, then the uniform block. */
export function declarations(spec: GpuProgramSpec): string {
  const lines: string[] = [];
  let binding = 0;
  for (const name of spec.outputs) lines.push(`@group(0) @binding(${binding++}) var<storage, read_write> ${name} : array<f32>;`);
  for (const name of spec.inputs) lines.push(`@group(0) @binding(${binding++}) var<storage, read> ${name} : array<f32>;`);
  const fields = spec.uniforms.length > 0 ? spec.uniforms : ([['unused', 'i32']] as const);
  lines.push(`struct Uniforms { ${fields.map(([n, t]) => `${n} : ${t},`).join(' ')} };`);
  lines.push(`@group(0) @binding(${binding}) var<uniform> u : Uniforms;`);
  return lines.join('\n');
}

interface Compiled {
  pipeline: Pipeline;
  layout: unknown;
  /** The device's maxComputeWorkgroupsPerDimension (read once: a property of a native object). */
  limit: number;
}
const compiled = new WeakMap<object, Map<GpuProgramSpec, Compiled>>();

function compile(device: Gpu, spec: GpuProgramSpec): Compiled {
  let cache = compiled.get(device);
  if (!cache) compiled.set(device, (cache = new Map()));
  const hit = cache.get(spec);
  if (hit) return hit;
  const storage = (type: string) => ({ visibility: 4 /* GPUShaderStage.COMPUTE */, buffer: { type } });
  const entries = [
    ...spec.outputs.map(() => storage('storage')),
    ...spec.inputs.map(() => storage('read-only-storage')),
    storage('uniform'),
  ].map((e, binding) => ({ binding, ...e }));
  const bindGroupLayout = device.createBindGroupLayout({ entries });
  const module = device.createShaderModule({ code: `${declarations(spec)}\n${spec.code}`, label: spec.name });
  const pipeline = device.createComputePipeline({
    layout: device.createPipelineLayout({ bindGroupLayouts: [bindGroupLayout] }),
    compute: { module, entryPoint: 'main' },
    label: spec.name,
  });
  const result = { pipeline, layout: bindGroupLayout, limit: device.limits.maxComputeWorkgroupsPerDimension };
  cache.set(spec, result);
  return result;
}

/** A new float32 tensor of the backend, with its GPU buffer allocated (contents undefined until a program writes it). */
export function newTensor(backend: WebGpuBackendInternals, shape: number[]): TensorInfo {
  const info = backend.makeTensorInfo(shape, 'float32');
  backend.uploadToGPU(info.dataId);
  return info;
}

/**
 * Record one dispatch of `spec` into tfjs's command stream.
 * @example runProgram(backend, ADAM, { outputs: [p, m, v], inputs: [g], uniforms: [n, lr], workgroups: [64, 1, 1] });
 */
export function runProgram(backend: WebGpuBackendInternals, spec: GpuProgramSpec, d: GpuDispatch): void {
  if (d.outputs.length !== spec.outputs.length || d.inputs.length !== spec.inputs.length || d.uniforms.length !== spec.uniforms.length) {
    throw new Error(`${spec.name}: ${d.outputs.length}/${d.inputs.length}/${d.uniforms.length} outputs/inputs/uniforms for ${spec.outputs.length}/${spec.inputs.length}/${spec.uniforms.length}`);
  }
  const { pipeline, layout, limit } = compile(backend.device, spec);
  if (d.workgroups.some((n) => !Number.isInteger(n) || n < 0 || n > limit)) throw new Error(`${spec.name}: workgroups ${d.workgroups.join('×')} (limit ${limit} per dimension)`);
  const tensors = [...d.outputs, ...d.inputs];
  for (const t of tensors) {
    if (t.dtype !== 'float32') throw new Error(`${spec.name}: ${t.dtype} tensor; the fused kernels take float32`);
    backend.uploadToGPU(t.dataId);
  }
  const uniform = backend.makeUniforms(
    spec.uniforms.length > 0 ? spec.uniforms.map(([, type], i) => ({ type: type === 'f32' ? 'float32' : 'int32', data: [d.uniforms[i]] })) : [{ type: 'int32', data: [0] }],
  );
  const entries = tensors.map((t, binding) => ({ binding, resource: { buffer: backend.tensorMap.get(t.dataId)!.resource } }));
  entries.push({ binding: tensors.length, resource: uniform });
  const bindGroup = backend.device.createBindGroup({ layout, entries });
  for (const t of tensors) backend.commandQueueOwnedIds.add(t.dataId);
  const dry = dispatchListener?.(spec.name) === true;
  // As tfjs-backend-webgpu's recordAndSubmit (4.22): one open compute pass, submitted every
  // WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE dispatches; under tf.profile, one timed pass per dispatch.
  const timed = backend.activeTimers != null;
  backend.ensureCommandEncoderReady();
  if (timed && backend.supportTimestampQuery) {
    backend.endComputePassEncoder();
    backend.querySet ??= backend.device.createQuerySet({ type: 'timestamp', count: backend.querySetCount });
    backend.computePassEncoder = backend.commandEncoder!.beginComputePass({
      timestampWrites: { querySet: backend.querySet, beginningOfPassWriteIndex: 0, endOfPassWriteIndex: 1 },
    });
  } else if (!backend.computePassEncoder) {
    backend.computePassEncoder = backend.commandEncoder!.beginComputePass({});
  }
  const pass = backend.computePassEncoder!;
  pass.setPipeline(pipeline);
  pass.setBindGroup(0, bindGroup);
  const [x, y, z] = dry ? [0, 0, 0] : d.workgroups;
  pass.dispatchWorkgroups(x, y, z);
  backend.dispatchCountInPass++;
  if (timed || tf.env().getNumber('WEBGPU_DEFERRED_SUBMIT_BATCH_SIZE') <= backend.dispatchCountInPass) {
    backend.endComputePassEncoder();
    if (timed) backend.activeTimers!.push({ name: spec.name, query: backend.getQueryTime() });
    else backend.submitQueue();
  }
}

/**
 * WGSL of a program with one thread per index below `count` (a WGSL expression): `index` is defined for `body`,
 * threads past the count return. Dispatch it with `spread(Math.ceil(threads / size))`.
 * @example perIndex('u.size', 'y[index] = 2.0 * x[index];')
 */
export function perIndex(count: string, body: string, size = 64): string {
  return `
@compute @workgroup_size(${size}, 1, 1)
fn main(@builtin(global_invocation_id) gid : vec3<u32>, @builtin(num_workgroups) nwg : vec3<u32>) {
  let index = i32(gid.x) + i32(gid.y) * i32(nwg.x) * ${size};
  if (index >= ${count}) { return; }
${body}
}`;
}

/**
 * Workgroup counts for `count` workgroups laid out along x, spilling into y past the per-dimension limit; a program
 * recovers the flat index as `wid.x + wid.y * nwg.x` and returns when it is ≥ count.
 * @example spread(70000) // → [65535, 2, 1]
 */
export function spread(count: number, limit = 65535): [number, number, number] {
  if (count <= limit) return [Math.max(1, count), 1, 1];
  return [limit, Math.ceil(count / limit), 1];
}

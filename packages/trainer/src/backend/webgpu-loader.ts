import * as tf from '@tensorflow/tfjs';
import { firstLine, type LoadResult } from './load-result.js';
import { missingVulkanReason } from './vulkan-loader.js';

/** What a WebGPU adapter says about itself (GPUAdapterInfo; `isFallbackAdapter` moved there from the adapter). */
export interface AdapterInfo {
  vendor?: string;
  architecture?: string;
  device?: string;
  description?: string;
  isFallbackAdapter?: boolean;
}

/** The part of the WebGPU API the loader touches (the full types come with the `webgpu` package). */
interface MinimalGpu {
  requestAdapter(options?: { powerPreference?: 'high-performance' | 'low-power' }): Promise<{
    info?: AdapterInfo;
    isFallbackAdapter?: boolean;
  } | null>;
}

type Adapter = NonNullable<Awaited<ReturnType<MinimalGpu['requestAdapter']>>>;

/**
 * Dawn's WebGPU object and a high-performance adapter, or why there is none (one line). `software` is set when the
 * adapter is a CPU implementation (see softwareAdapter).
 */
export type AdapterProbe = { ok: true; gpu: MinimalGpu; adapter: Adapter; name: string; software: boolean } | { ok: false; reason: string };

/** Drivers that run Vulkan/D3D on the CPU: Mesa's llvmpipe (lavapipe) and softpipe, Google's SwiftShader, WARP. */
const SOFTWARE_DRIVERS = /\b(llvmpipe|lavapipe|softpipe|swiftshader|microsoft basic render driver)\b/i;

/**
 * Whether an adapter is a software (CPU) implementation of WebGPU: flagged as a fallback adapter, or named after a
 * software driver. Such an adapter is slower than bgfill's CPU backends (it runs WGSL on the CPU through LLVM), so
 * `auto` passes it over; `--backend webgpu` still uses it.
 * @example softwareAdapter({ vendor: 'mesa', description: 'llvmpipe (LLVM 15.0.6, 256 bits)' }) // → true
 */
export function softwareAdapter(info: AdapterInfo | undefined, isFallbackAdapter = false): boolean {
  if (isFallbackAdapter || info?.isFallbackAdapter === true) return true;
  return [info?.vendor, info?.architecture, info?.device, info?.description].some((v) => typeof v === 'string' && SOFTWARE_DRIVERS.test(v));
}

/**
 * Load Dawn (the `webgpu` package), install its globals (GPUBufferUsage, …) and ask for a high-performance adapter.
 * Silent: a machine without a usable GPU driver gives `{ ok: false, reason }` (Dawn returns null), no console noise.
 * @example const probe = await probeWebGpuAdapter(); probe.ok ? probe.name : probe.reason // "nvidia … h200" or "no WebGPU adapter …"
 */
export function probeWebGpuAdapter(): Promise<AdapterProbe> {
  // Once per process: Dawn prints a native warning when it finds no Vulkan loader, and engine selection asks twice
  // (onnx-webgpu, then webgpu); the adapter itself is reusable.
  probe ??= requestAdapter();
  return probe;
}

let probe: Promise<AdapterProbe> | undefined;

async function requestAdapter(): Promise<AdapterProbe> {
  // Without a Vulkan loader Dawn prints a native warning to stderr and finds nothing: say why, without the noise.
  const noVulkan = missingVulkanReason();
  if (noVulkan) return { ok: false, reason: noVulkan };
  let gpu: MinimalGpu;
  try {
    const webgpu = await import('webgpu');
    Object.assign(globalThis, webgpu.globals);
    gpu = webgpu.create([]) as unknown as MinimalGpu;
  } catch (err) {
    return { ok: false, reason: `Dawn does not load: ${firstLine(err)}` };
  }
  let adapter: Awaited<ReturnType<MinimalGpu['requestAdapter']>>;
  try {
    adapter = await gpu.requestAdapter({ powerPreference: 'high-performance' });
  } catch (err) {
    return { ok: false, reason: `requesting a WebGPU adapter failed: ${firstLine(err)}` };
  }
  if (!adapter) return { ok: false, reason: 'no WebGPU adapter (Dawn found no usable Vulkan/Metal/D3D12 GPU)' };
  const info = adapter.info;
  const name = [info?.vendor, info?.architecture, info?.device || info?.description].filter(Boolean).join(' ');
  return { ok: true, gpu, adapter, name, software: softwareAdapter(info, adapter.isFallbackAdapter === true) };
}

/**
 * The one-line reason `auto` skips a software adapter.
 * @example softwareAdapterReason('mesa llvmpipe') // → 'only a software WebGPU adapter (mesa llvmpipe), slower than the CPU backends; …'
 */
export function softwareAdapterReason(name: string): string {
  return `only a software WebGPU adapter (${name || 'unnamed'}), slower than the CPU backends; --backend webgpu uses it anyway`;
}

/**
 * Bring up tfjs-backend-webgpu on Dawn. The `webgpu` package's globals (GPUBufferUsage, …) and a
 * `navigator.gpu` must exist before tfjs-backend-webgpu is imported, so both are installed first; an adapter is
 * requested up front so that a machine without a usable GPU driver is reported in one line (Dawn returns null),
 * rather than through tfjs's multi-line initialisation warnings. A software adapter (llvmpipe, SwiftShader) is
 * refused unless `allowSoftware` (an explicit `--backend webgpu`).
 * @example const r = await loadWebGpu(); if (!r.ok) console.log(r.reason) // e.g. "no WebGPU adapter …"
 */
export async function loadWebGpu(options: { allowSoftware?: boolean } = {}): Promise<LoadResult> {
  const probe = await probeWebGpuAdapter();
  if (!probe.ok) return probe;
  const { gpu, name } = probe;
  if (probe.software && !options.allowSoftware) return { ok: false, reason: softwareAdapterReason(name) };
  // Node ≥ 21 has a global navigator (hardwareConcurrency, userAgent…) without gpu: add gpu to it; older Node has
  // none: install one. tfjs-backend-webgpu registers itself on import only if navigator.gpu exists.
  const existing = (globalThis as { navigator?: object }).navigator;
  if (existing && !('gpu' in existing)) Object.defineProperty(existing, 'gpu', { value: gpu, configurable: true });
  else if (!existing) Object.defineProperty(globalThis, 'navigator', { value: { gpu }, configurable: true, writable: true });
  try {
    await import('@tensorflow/tfjs-backend-webgpu');
    if (!(await tf.setBackend('webgpu'))) return { ok: false, reason: 'tfjs-backend-webgpu did not initialise on this adapter' };
    // The data gradient of conv2d through tfjs's matrix-product program rather than its naive default: a training
    // step at batch 8, 256², took 7 % less time (7.36 against 6.85 images/s on an H200, bench/gpu.ts).
    tf.env().set('WEBGPU_USE_NAIVE_CONV2D_TRANSPOSE', false);
  } catch (err) {
    return { ok: false, reason: `tfjs-backend-webgpu failed: ${firstLine(err)}` };
  }
  return { ok: true, detail: `WebGPU via Dawn${name ? ` on ${name}` : ''}${probe.software ? ' (a software adapter: slow)' : ''}` };
}

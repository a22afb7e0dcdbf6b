import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';

/** The Vulkan loader's soname, which Dawn opens on Linux. */
export const VULKAN_LOADER = 'libvulkan.so.1';

/**
 * Whether the Vulkan loader can be found the way the dynamic linker finds it: in `LD_LIBRARY_PATH`'s folders or in
 * the linker cache (`ldconfig -p` output). Pure; `exists` is injected for tests. `cache` undefined means the cache
 * could not be read: then the answer is "maybe" (true), so that Dawn still gets to try.
 * @example hasVulkanLoader('\tlibvulkan.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libvulkan.so.1\n', undefined) // → true
 */
export function hasVulkanLoader(cache: string | undefined, libraryPath: string | undefined, exists: (path: string) => boolean = existsSync): boolean {
  for (const dir of (libraryPath ?? '').split(':').filter(Boolean)) if (exists(join(dir, VULKAN_LOADER))) return true;
  if (cache === undefined) return true;
  return cache.split('\n').some((line) => line.trim().startsWith(`${VULKAN_LOADER} `));
}

/**
 * On Linux, why Dawn cannot work here before it is loaded, if the Vulkan loader is missing (Dawn would print a
 * native warning to stderr on every run, then find no adapter); undefined when it may work (or on other systems).
 * @example missingVulkanReason() // → 'no Vulkan loader (libvulkan.so.1 is not in the linker cache or LD_LIBRARY_PATH): …' on a CPU-only Linux box
 */
export function missingVulkanReason(): string | undefined {
  if (process.platform !== 'linux') return undefined;
  let cache: string | undefined;
  for (const ldconfig of ['ldconfig', '/sbin/ldconfig']) {
    try {
      cache = execFileSync(ldconfig, ['-p'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'], timeout: 5000 });
      break;
    } catch {
      // not on PATH (or not this one): try the next
    }
  }
  if (hasVulkanLoader(cache, process.env.LD_LIBRARY_PATH)) return undefined;
  return `no Vulkan loader (${VULKAN_LOADER} is not in the linker cache or LD_LIBRARY_PATH): install libvulkan1 and the GPU driver's Vulkan support`;
}

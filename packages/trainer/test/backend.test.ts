// Backend selection and its guarantees: one-line fallbacks, wasm agreeing with the pure-JS reference backend,
// and bit-identical wasm results whatever the thread count.
import test from 'ava';
import { execFile } from 'node:child_process';
import { availableParallelism } from 'node:os';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { candidatesFor, parseBackendRequest } from '../src/backend/backend-name.js';
import { initBackend } from '../src/backend/init-backend.js';
import { defaultWasmThreads } from '../src/backend/wasm-threads.js';
import { hasVulkanLoader, missingVulkanReason } from '../src/backend/vulkan-loader.js';
import { softwareAdapter, softwareAdapterReason } from '../src/backend/webgpu-loader.js';
import { calibratedGenerator, fixedForwardDigest } from './fixtures/inference-generator.js';

const run = promisify(execFile);

test('backend names are checked at the edge; auto tries the fastest first, a named one falls back to slower ones', (t) => {
  t.is(parseBackendRequest('wasm'), 'wasm');
  t.is(parseBackendRequest('auto'), 'auto');
  const err = t.throws(() => parseBackendRequest('gpu', '--backend'), { instanceOf: BgfillError });
  t.is(err?.message, 'Expected one of auto, webgpu, tensorflow, wasm, cpu for --backend but received "gpu"');
  t.deepEqual(candidatesFor('auto'), ['webgpu', 'tensorflow', 'wasm', 'cpu']);
  t.deepEqual(candidatesFor('tensorflow'), ['tensorflow', 'wasm', 'cpu']);
  t.deepEqual(candidatesFor('cpu'), ['cpu']);
});

test('BGFILL_WASM_THREADS overrides the default thread count; nonsense is ignored', (t) => {
  t.is(defaultWasmThreads({ BGFILL_WASM_THREADS: '3' }), 3);
  t.is(defaultWasmThreads({ BGFILL_WASM_THREADS: '64' }), 8);
  t.is(defaultWasmThreads({ BGFILL_WASM_THREADS: 'many' }), Math.min(8, availableParallelism()));
  t.is(defaultWasmThreads({}), Math.min(8, availableParallelism()));
});

test.serial('auto picks the first backend that initialises and says, one line each, why the others were skipped', async (t) => {
  const lines: string[] = [];
  const chosen = await initBackend('auto', { log: (line) => lines.push(line) });
  t.log(`chosen: ${chosen.name} (${chosen.reason})`);
  for (const line of lines) t.log(line);
  t.is(tf.getBackend(), chosen.name);
  const order = ['webgpu', 'tensorflow', 'wasm', 'cpu'];
  const skipped = order.slice(0, order.indexOf(chosen.name));
  t.deepEqual(
    lines.map((l) => /^backend (\w+) skipped: ./.exec(l)?.[1]),
    skipped,
    'every faster backend is reported as skipped, in order',
  );
  for (const line of lines) t.false(line.includes('\n'), 'one line');
  for (const name of skipped) t.true(chosen.reason.includes(`${name} (`), `the reason names ${name}`);
  if (chosen.name === 'wasm') {
    t.true(chosen.deterministic);
    t.regex(chosen.reason, /^XNNPACK, SIMD, \d+ threads?/);
  }
});

test.serial('a named backend that does not load falls back (or throws with strict); cpu and wasm switch back and forth', async (t) => {
  const lines: string[] = [];
  const got = await initBackend('tensorflow', { log: (line) => lines.push(line) });
  if (got.name === 'tensorflow') {
    t.log('native TensorFlow loads on this machine: the fallback cannot be observed here');
  } else {
    t.is(got.name, 'wasm');
    t.is(lines.length, 1);
    t.regex(lines[0], /^backend tensorflow skipped: @tensorflow\/tfjs-node-gpu (is not installed|is installed but its native addon|does not load)/);
    await t.throwsAsync(initBackend('tensorflow', { strict: true }), { instanceOf: BgfillError, message: /^--backend tensorflow is not available here: / });
  }
  const cpu = await initBackend('cpu');
  t.is(tf.getBackend(), 'cpu');
  t.true(cpu.deterministic);
  await initBackend('wasm');
  t.is(tf.getBackend(), 'wasm');
});

test.serial('a generator forward on wasm agrees with the pure-JS cpu backend within 1e-3', async (t) => {
  await initBackend('wasm');
  // Calibrated on wasm; its variables move to the cpu backend when first used there.
  const generator = calibratedGenerator({ cnum: 8 }, 5, 8);
  const forward = async (backend: string) => {
    await tf.setBackend(backend);
    const out = tf.tidy(() => {
      const x = tf.randomUniform([1, 40, 56, 3], -1, 1, 'float32', 11) as tf.Tensor4D;
      const mask = tf.cast(tf.greater(tf.randomUniform([1, 40, 56, 1], 0, 1, 'float32', 12), 0.5), 'float32') as tf.Tensor4D;
      const { coarse, refined } = generator.apply(x, mask);
      return tf.concat([coarse, refined], 3);
    });
    const values = (await out.data()) as Float32Array;
    out.dispose();
    return values;
  };
  const cpu = await forward('cpu');
  const wasm = await forward('wasm');
  generator.dispose();
  let worst = 0;
  let spread = 0;
  for (let i = 0; i < cpu.length; i++) {
    worst = Math.max(worst, Math.abs(cpu[i] - wasm[i]));
    spread = Math.max(spread, Math.abs(cpu[i] - cpu[0]));
  }
  t.log(`max |wasm − cpu| = ${worst.toExponential(2)} over outputs spanning ${spread.toFixed(3)}`);
  t.true(spread > 0.1, 'the outputs vary (a near-constant output would make the comparison empty)');
  t.true(worst < 1e-3, `max |wasm − cpu| = ${worst}`);
});

test.serial('wasm results are bit-identical with 1 and 2 threads (separate processes) and in this process', async (t) => {
  const script = fileURLToPath(new URL('./fixtures/backend-digest.ts', import.meta.url));
  const child = async (threads: number) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, String(threads)], { env: { ...process.env, BGFILL_WASM_THREADS: '' } });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { reason: string; digest: string };
  };
  const [one, two] = await Promise.all([child(1), child(2)]);
  t.log(`1 thread: ${one.reason}`);
  t.log(`2 threads: ${two.reason}`);
  t.regex(one.reason, /, 1 thread\b/);
  t.regex(two.reason, /, 2 threads\b/, 'threaded wasm works under Node here');
  t.is(two.digest, one.digest);
  // In this process (default thread count), the same computation:
  await initBackend('wasm');
  t.is(await fixedForwardDigest(), one.digest);
});

test('the Vulkan loader is looked for as the dynamic linker would, before Dawn is loaded', (t) => {
  const cache = '1203 libs found in cache `/etc/ld.so.cache\'\n\tlibvulkan.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libvulkan.so.1\n\tlibz.so.1 (libc6,x86-64) => /lib/x86_64-linux-gnu/libz.so.1\n';
  const nothing = () => false;
  t.true(hasVulkanLoader(cache, undefined, nothing), 'in the linker cache');
  t.false(hasVulkanLoader(cache.replace(/libvulkan/g, 'libvulkan_lvp'), undefined, nothing), 'a similar name is not the loader');
  t.false(hasVulkanLoader('\tlibz.so.1 (libc6,x86-64) => /lib/libz.so.1\n', '/opt/a:/opt/b', nothing));
  t.true(hasVulkanLoader('', '/opt/a:/opt/vk', (p) => p === '/opt/vk/libvulkan.so.1'), 'in LD_LIBRARY_PATH');
  t.true(hasVulkanLoader(undefined, undefined, nothing), 'cache unreadable: let Dawn try');
});

test('software WebGPU adapters (llvmpipe, SwiftShader, WARP, fallback) are told from GPUs, which auto keeps', (t) => {
  // As Dawn and Chromium report them (GPUAdapterInfo fields).
  t.true(softwareAdapter({ vendor: 'mesa', architecture: '', device: 'llvmpipe (LLVM 15.0.6, 256 bits)', description: '' }));
  t.true(softwareAdapter({ vendor: 'mesa', description: 'lavapipe' }));
  t.true(softwareAdapter({ vendor: 'google', architecture: 'swiftshader', device: '', description: '' }));
  t.true(softwareAdapter({ vendor: 'microsoft', description: 'Microsoft Basic Render Driver' }));
  t.true(softwareAdapter({ vendor: 'unknown', isFallbackAdapter: true }), 'the spec\'s fallback flag, in the info');
  t.true(softwareAdapter(undefined, true), 'the fallback flag on the adapter (older Dawn)');
  t.false(softwareAdapter({ vendor: 'nvidia', architecture: 'hopper', device: '', description: '' }));
  t.false(softwareAdapter({ vendor: 'amd', architecture: 'rdna-3', description: 'AMD Radeon RX 7900 XTX (RADV NAVI31)' }));
  t.false(softwareAdapter({ vendor: 'intel', architecture: 'gen-12lp', description: 'Mesa Intel(R) UHD Graphics 770 (ADL-S GT1)' }), '"Mesa" alone is a hardware driver');
  t.false(softwareAdapter(undefined));
  t.regex(softwareAdapterReason('mesa llvmpipe'), /^only a software WebGPU adapter \(mesa llvmpipe\).*--backend webgpu/);
});

test.serial('without a Vulkan loader, webgpu is skipped with that reason and Dawn prints nothing', async (t) => {
  if (process.platform !== 'linux' || !missingVulkanReason()) return t.pass('this machine has a Vulkan loader');
  // A child process, so that its stderr (where Dawn's native warning would go) can be read whole.
  const script = `import { initBackend } from ${JSON.stringify(new URL('../src/backend/init-backend.ts', import.meta.url).href)};
const lines = []; const info = await initBackend('auto', { threads: 1, log: (l) => lines.push(l) }); console.log(JSON.stringify({ name: info.name, lines })); process.exit(0);`;
  const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', '--input-type=module', '-e', script], { cwd: fileURLToPath(new URL('..', import.meta.url)) });
  const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { name: string; lines: string[] };
  t.regex(result.lines[0], /^backend webgpu skipped: no Vulkan loader \(libvulkan\.so\.1 is not in the linker cache or LD_LIBRARY_PATH\)/);
  t.notRegex(stderr, /Couldn't load Vulkan/);
  t.is(result.name, 'wasm');
});

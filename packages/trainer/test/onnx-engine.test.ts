// The onnxruntime engine behind `--backend onnx`: its NHWC interface against the tfjs engine, bitwise determinism
// across thread counts, engine selection (order, fallback, strict), and a clean report when onnxruntime cannot
// load — simulated by pointing the loader at modules that are missing, throw on import, or are not onnxruntime.
import test from 'ava';
import { createHash } from 'node:crypto';
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import * as tf from '@tensorflow/tfjs';
import { BgfillError } from '@bgfill/core';
import { initBackend } from '../src/backend/init-backend.js';
import type { InpaintGenerator } from '../src/model/generator.js';
import type { EngineInput } from '../src/inference/engine.js';
import { AUTO_ENGINES, ENGINE_PREFERENCE, engineCandidates, parseEngineRequest } from '../src/inference/engine-name.js';
import { selectEngine } from '../src/inference/engine-select.js';
import { tfjsEngine } from '../src/inference/tfjs-engine.js';
import { exportGeneratorOnnx } from '../src/onnx/export-generator.js';
import { OnnxEngine, sessionOptions } from '../src/onnx/onnx-engine.js';
import { probeOnnxProvider } from '../src/onnx/provider-probe.js';
import { defaultOnnxThreads, loadOnnxRuntime, ONNX_DETERMINISTIC, ORT_TELEMETRY_SWITCH } from '../src/onnx/onnx-runtime.js';
import { liveGenerator, seededInputs } from './fixtures/live-generator.js';

const run = promisify(execFile);

let dir: string;
let generator: InpaintGenerator;
let five: InpaintGenerator;
let missing: string;
let throwing: string;
let impostor: string;

test.before(async () => {
  await initBackend('wasm');
  dir = await mkdtemp(join(tmpdir(), 'bgfill-onnx-engine-'));
  missing = join(dir, 'no-such-onnxruntime.mjs');
  throwing = join(dir, 'broken-onnxruntime.mjs');
  impostor = join(dir, 'not-onnxruntime.mjs');
  // What a platform without the native binary looks like: the module throws while loading its addon.
  await writeFile(throwing, "throw new Error('libonnxruntime.so.1: cannot open shared object file: No such file or directory\\n    at Module._extensions');\n");
  await writeFile(impostor, 'export default { InferenceSession: {} };\n');
  generator = await liveGenerator({ cnum: 4 }, 8);
  five = await liveGenerator({ cnum: 4, inChannels: 5, gate: 'gct', coordAttention: true }, 9);
});

test.after.always(async () => {
  generator?.dispose();
  five?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

async function engineInput(n: number, h: number, w: number, seed: number): Promise<EngineInput> {
  const x = seededInputs(n, h, w, seed);
  const input = { image: new Float32Array(await x.image.data()), mask: new Float32Array(await x.mask.data()), n, height: h, width: w };
  tf.dispose(x);
  return input;
}

function maxDiff(a: Float32Array, b: Float32Array): number {
  let d = 0;
  for (let i = 0; i < a.length; i++) d = Math.max(d, Math.abs(a[i] - b[i]));
  return a.length === b.length ? d : Infinity;
}

function digest(values: Float32Array): string {
  return createHash('sha256').update(new Uint8Array(values.buffer, values.byteOffset, values.byteLength)).digest('hex');
}

test.serial('the NHWC engine gives what the tfjs engine gives (refined and composite, batch 2, 40×56), within 1e-4', async (t) => {
  const onnx = await OnnxEngine.fromGenerator(generator, { threads: 1 });
  const input = await engineInput(2, 40, 56, 5);
  for (const output of ['refined', 'composite'] as const) {
    const expected = await tfjsEngine(generator).run(input, output);
    const actual = await onnx.run(input, output);
    t.is(actual.length, 2 * 40 * 56 * 3);
    const d = maxDiff(actual, expected);
    t.log(`${output}: max |diff| ${d.toExponential(2)}`);
    t.true(d < 1e-4, `${output}: ${d}`);
  }
  await onnx.dispose();
  await t.throwsAsync(onnx.run(input, 'refined'), { message: /after dispose/ });
});

test.serial('a 5-channel generator gets a guidance map of ones, as apply() without guidance', async (t) => {
  const onnx = await OnnxEngine.fromGenerator(five, { threads: 1 });
  const input = await engineInput(1, 32, 48, 6);
  const expected = await tfjsEngine(five).run(input, 'refined');
  const d = maxDiff(await onnx.run(input, 'refined'), expected);
  t.true(d < 1e-4, `max |diff| ${d}`);
  // And the guidance matters: zeros instead of ones change the output (so "ones" above was a real choice).
  const zeros = tf.tidy(() => five.apply(tf.tensor4d(input.image, [1, 32, 48, 3]), tf.tensor4d(input.mask, [1, 32, 48, 1]), { guidance: tf.zeros([1, 32, 48, 1]) }).refined);
  t.true(maxDiff(new Float32Array(await zeros.data()), expected) > 1e-3);
  zeros.dispose();
  await onnx.dispose();
});

test.serial('same inputs, same bits: 1 and 2 intra-op threads, run after run', async (t) => {
  const wider = await liveGenerator({ cnum: 8 }, 10);
  const model = await exportGeneratorOnnx(wider);
  const config = wider.config;
  wider.dispose();
  const input = await engineInput(2, 64, 64, 7);
  const digests: string[] = [];
  for (const threads of [1, 2, 1, 2]) {
    const engine = await OnnxEngine.fromModel(model, config, { threads });
    digests.push(digest(await engine.run(input, 'refined')));
    await engine.dispose();
  }
  t.is(new Set(digests).size, 1, digests.join('\n'));
  t.true(ONNX_DETERMINISTIC, 'the documented claim agrees with the test');
});

test.serial('engine input sizes are checked', async (t) => {
  const onnx = await OnnxEngine.fromGenerator(generator, { threads: 1 });
  const input = await engineInput(1, 32, 32, 8);
  await t.throwsAsync(onnx.run({ ...input, height: 30, width: 32 }, 'refined'), { message: /multiple of 4/ });
  await t.throwsAsync(onnx.run({ ...input, mask: input.mask.subarray(1) }, 'refined'), { message: /mask values/ });
  await onnx.dispose();
});

test('parseEngineRequest and engineCandidates: onnx-webgpu first but only on request, onnx between the GPU backends and wasm', (t) => {
  t.deepEqual(ENGINE_PREFERENCE, ['onnx-webgpu', 'webgpu', 'tensorflow', 'onnx', 'wasm', 'cpu']);
  t.is(parseEngineRequest('onnx'), 'onnx');
  t.is(parseEngineRequest('onnx-webgpu'), 'onnx-webgpu');
  t.is(parseEngineRequest('auto'), 'auto');
  t.throws(() => parseEngineRequest('onnxruntime', '--backend'), { instanceOf: BgfillError, message: /auto, onnx-webgpu, webgpu, tensorflow, onnx, wasm, cpu for --backend/ });
  t.deepEqual(sessionOptions(2, 'webgpu').executionProviders, ['webgpu']);
  t.deepEqual(sessionOptions(2).executionProviders, ['cpu']);
  t.deepEqual(engineCandidates('onnx'), ['onnx', 'wasm', 'cpu']);
  t.deepEqual(engineCandidates('auto'), ['webgpu', 'tensorflow', 'onnx', 'wasm', 'cpu']);
  t.deepEqual(engineCandidates('onnx-webgpu'), [...ENGINE_PREFERENCE]);
  t.is(defaultOnnxThreads({ BGFILL_ONNX_THREADS: '3' }), 3);
  t.true(defaultOnnxThreads({ BGFILL_ONNX_THREADS: 'x' }) >= 1);
});

test.serial('onnxruntime that cannot load is reported in one line, never thrown by the loader', async (t) => {
  const gone = await loadOnnxRuntime(missing);
  t.false(gone.ok);
  if (!gone.ok) t.is(gone.reason, `${missing} was not found`);
  const broken = await loadOnnxRuntime(throwing);
  t.false(broken.ok);
  if (!broken.ok) t.is(broken.reason, `${throwing} does not load: libonnxruntime.so.1: cannot open shared object file: No such file or directory`);
  const other = await loadOnnxRuntime(impostor);
  t.false(other.ok);
  if (!other.ok) t.regex(other.reason, /loaded but is not onnxruntime/);
  const real = await loadOnnxRuntime();
  t.true(real.ok, 'the installed onnxruntime-node loads');
});

test.serial('--backend onnx without onnxruntime: strict throws a BgfillError, otherwise it falls back to wasm and says why', async (t) => {
  await t.throwsAsync(selectEngine('onnx', { onnxModule: throwing, strict: true }), {
    instanceOf: BgfillError,
    message: /^--backend onnx is not available here: .*broken-onnxruntime\.mjs does not load: libonnxruntime\.so\.1/,
  });
  const lines: string[] = [];
  const fallback = await selectEngine('onnx', { onnxModule: missing, log: (l) => lines.push(l) });
  t.is(fallback.name, 'wasm');
  t.deepEqual(lines, [`backend onnx skipped: ${missing} was not found`]);
  t.regex(fallback.reason, /skipped onnx \(.*was not found\)/);
  await t.throwsAsync(OnnxEngine.fromModel(await exportGeneratorOnnx(generator), generator.config, { module: impostor }), {
    instanceOf: BgfillError,
    message: /^onnxruntime is not available: .*not onnxruntime/,
  });
});

test.serial('onnx-webgpu where Vulkan finds no GPU: skipped with the adapter’s reason, falls back in order; strict throws', async (t) => {
  // In a child process whose Vulkan loader finds no driver (VK_ICD_FILENAMES and VK_DRIVER_FILES point nowhere), so
  // that this runs on machines with an adapter too (CI has lavapipe); without a Vulkan loader the reason says so.
  const script = fileURLToPath(new URL('./fixtures/select-engine.ts', import.meta.url));
  const env = { ...process.env, VK_ICD_FILENAMES: '/nonexistent/icd.json', VK_DRIVER_FILES: '/nonexistent/icd.json' };
  const child = async (...args: string[]) => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', script, ...args], { env });
    return JSON.parse(stdout.trim().split('\n').at(-1)!) as { name?: string; reason?: string; detail?: string; error?: string; lines: string[] };
  };
  const noGpu = /^(no WebGPU adapter|no Vulkan loader)/;
  const relaxed = await child('onnx-webgpu');
  t.deepEqual(relaxed.lines.map((l) => /^backend (\S+) skipped: /.exec(l)?.[1]), ['onnx-webgpu', 'webgpu', 'tensorflow'], 'onnx-webgpu → webgpu → tensorflow → onnx');
  t.regex(relaxed.lines[0].replace('backend onnx-webgpu skipped: ', ''), noGpu);
  t.regex(relaxed.lines[1].replace('backend webgpu skipped: ', ''), noGpu);
  t.is(relaxed.name, 'onnx');
  t.regex(relaxed.reason!, /^onnxruntime 1\.30\.0, CPU execution provider, 1 thread; skipped onnx-webgpu \((no WebGPU adapter|no Vulkan loader)/);
  t.is(relaxed.detail, 'onnxruntime 1.30.0, CPU execution provider, 1 thread', 'what runs, for logs that printed each skip already');
  const strict = await child('onnx-webgpu', 'strict');
  t.regex(strict.error!, /^--backend onnx-webgpu is not available here: (no WebGPU adapter|no Vulkan loader)/);
  // The provider probe itself, on the CPU provider (always present).
  const runtime = await loadOnnxRuntime();
  if (!runtime.ok) return t.fail(runtime.reason);
  t.deepEqual(await probeOnnxProvider(runtime.runtime, 'cpu'), { ok: true });
});

test.serial('onnxruntime runs with its telemetry off unless the user set the switch: no device id, no /tmp/mat-debug-<pid>.log', async (t) => {
  // onnxruntime 1.30's 1DS client, when on, leaves /tmp/mat-debug-<pid>.log behind on every run (checked by hand with
  // ORT_DISABLE_TELEMETRY=0; not repeated here, so that the tests never start the uploader).
  const script = fileURLToPath(new URL('./fixtures/onnx-session.ts', import.meta.url));
  const env = { ...process.env };
  delete env[ORT_TELEMETRY_SWITCH];
  const { stdout } = await run(process.execPath, ['--import', 'tsx', script], { env });
  const { pid, telemetry } = JSON.parse(stdout.trim().split('\n').at(-1)!) as { pid: number; telemetry: string | null };
  t.is(telemetry, '1', 'set before onnxruntime loaded');
  for (const dir of new Set(['/tmp', tmpdir()])) t.false(existsSync(join(dir, `mat-debug-${pid}.log`)), `nothing left in ${dir}`);
  const { stdout: kept } = await run(process.execPath, ['--import', 'tsx', script], { env: { ...env, [ORT_TELEMETRY_SWITCH]: 'true' } });
  t.is((JSON.parse(kept.trim().split('\n').at(-1)!) as { telemetry: string }).telemetry, 'true', 'a value the user set is kept');
});

test.serial('auto takes the first engine in preference order that loads, and reports every one skipped before it', async (t) => {
  const lines: string[] = [];
  const chosen = await selectEngine('auto', { log: (l) => lines.push(l), threads: 1 });
  const before = AUTO_ENGINES.slice(0, AUTO_ENGINES.indexOf(chosen.name));
  t.deepEqual(
    lines.map((l) => /^backend (\S+) skipped: /.exec(l)?.[1]),
    before,
    lines.join('\n'),
  );
  // onnxruntime-node is installed here, so nothing after onnx can be chosen.
  t.true(AUTO_ENGINES.indexOf(chosen.name) <= AUTO_ENGINES.indexOf('onnx'));
  if (chosen.name === 'onnx') {
    t.is(chosen.threads, 1);
    t.regex(chosen.reason, /^onnxruntime 1\.30\.0, CPU execution provider, 1 thread/);
  }
  await initBackend('wasm');
});

// The WebGPU backend for real: tfjs-backend-webgpu's WGSL shaders on Dawn, on whatever adapter this machine has.
// CI installs Mesa's lavapipe (a Vulkan driver that runs on the CPU; scripts/install-system-deps.sh), so these run on
// every CI run without a GPU; where no adapter exists they are skipped, and the summary line counts them as skipped.
// What only the webgpu path has is checked against the pure-JS cpu backend: the forward pass, every parameter's
// gradient (im2col filter gradient, matrix-product data gradient), attention in image chunks, a whole training run
// with asynchronous reads only (a synchronous read on tfjs-webgpu in Node needs an OffscreenCanvas and fails), and
// `bgfill inpaint --backend webgpu` in batches; onnxruntime's WebGPU provider on bgfill's exported graph; and U²-Net
// against its PyTorch fixture.
import test from 'ava';
import { mkdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import sharp from 'sharp';
import { initBackend } from '../src/backend/init-backend.js';
import { filterGradientStrategy, useFilterGradient } from '../src/backend/register-kernels.js';
import { probeWebGpuAdapter } from '../src/backend/webgpu-loader.js';
import { InpaintGenerator } from '../src/model/generator.js';
import { attentionChunk, selfAttention, type SelfAttentionWeights } from '../src/model/self-attention.js';
import { parseTrainConfig } from '../src/train/config.js';
import { train } from '../src/train/train.js';
import { parseLog } from '../src/train/run-log.js';
import { saveGeneratorCheckpoint } from '../src/weights/checkpoint.js';
import { openEngine, selectEngine } from '../src/inference/engine-select.js';
import { calibratedGenerator } from './fixtures/inference-generator.js';
import { U2NET_OUTPUTS } from '../src/segment/u2net-architecture.js';
import { tfjsSegmenter } from '../src/segment/segmenter.js';
import { loadU2NetWeights } from '../src/segment/u2net-weights.js';
import { maxAbs as maxAbsU2, nchwToNhwc, readRaw, readU2NetManifest, u2netFixture } from './fixtures/u2net/load-fixture.js';
import { makeBundle, runCli, tempDir } from './train-helpers.js';

const probe = await probeWebGpuAdapter();
const gpuTest = probe.ok ? test.serial : test.serial.skip;

test.before(async () => {
  if (probe.ok) await initBackend('webgpu', { strict: true }); // by name: a software adapter is accepted
});

/** Values of a tensor computed on `backend` (the tensor is made and read there, then freed). */
async function on(backend: string, make: () => tf.Tensor): Promise<Float32Array> {
  await tf.setBackend(backend);
  const out = tf.tidy(make);
  const values = (await out.data()) as Float32Array;
  out.dispose();
  return values;
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let worst = a.length === b.length ? 0 : Infinity;
  for (let i = 0; i < a.length; i++) worst = Math.max(worst, Math.abs(a[i] - b[i]));
  return worst;
}

function maxAbs(a: Float32Array): number {
  let m = 0;
  for (const v of a) m = Math.max(m, Math.abs(v));
  return m;
}

gpuTest('a generator forward on webgpu agrees with the pure-JS cpu backend within 1e-3', async (t) => {
  t.log(`adapter: ${probe.ok ? probe.name : ''}${probe.ok && probe.software ? ' (software)' : ''}`);
  await tf.setBackend('cpu'); // weights made on cpu move to webgpu when used there (never back: that read is synchronous)
  const generator = calibratedGenerator({ cnum: 8 }, 5, 8);
  const forward = () => {
    const x = tf.randomUniform([1, 40, 56, 3], -1, 1, 'float32', 11) as tf.Tensor4D;
    const mask = tf.cast(tf.greater(tf.randomUniform([1, 40, 56, 1], 0, 1, 'float32', 12), 0.5), 'float32') as tf.Tensor4D;
    const { coarse, refined } = generator.apply(x, mask);
    return tf.concat([coarse, refined], 3);
  };
  const cpu = await on('cpu', forward);
  const gpu = await on('webgpu', forward);
  generator.dispose();
  const spread = maxAbs(cpu.map((v) => v - cpu[0]));
  t.log(`max |webgpu − cpu| = ${maxAbsDiff(cpu, gpu).toExponential(2)} over outputs spanning ${spread.toFixed(3)}`);
  t.true(spread > 0.1, 'the outputs vary');
  t.true(maxAbsDiff(cpu, gpu) < 1e-3);
});

gpuTest('every parameter gradient on webgpu (im2col filter gradient) agrees with the cpu backend', async (t) => {
  t.is(filterGradientStrategy('webgpu'), 'im2col', 'the webgpu default');
  await tf.setBackend('cpu');
  const image = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 21) as tf.Tensor4D;
  const maskValues = new Float32Array(2 * 32 * 32);
  for (let y = 8; y < 24; y++) for (let x = 10; x < 20; x++) maskValues[y * 32 + x] = maskValues[1024 + y * 32 + x + 2] = 1;
  const mask = tf.tensor4d(maskValues, [2, 32, 32, 1]);
  const run = async (backend: string) => {
    await tf.setBackend(backend);
    // Attention variants on and gamma off 0, so attention's q/k/v and coordinate weights get gradients too. (GCT's beta
    // gradient cancels so much that float32 order alone moves it by ~3e-3 of its size, wasm against cpu: left out.)
    const generator = new InpaintGenerator({ cnum: 4, scaledAttention: true, coordAttention: true }, { seed: 3 });
    generator.params.get('refine_attn.gamma')!.assign(tf.tensor1d([0.5]));
    const { value, grads } = tf.variableGrads(() => {
      const out = generator.apply(tf.clipByValue(image, -1, 1) as tf.Tensor4D, mask, { training: true });
      return tf.add(tf.mean(tf.abs(tf.sub(out.coarse, image))), tf.mean(tf.abs(tf.sub(out.refined, image)))) as tf.Scalar;
    });
    const values = new Map<string, Float32Array>();
    for (const [k, g] of Object.entries(grads)) values.set(k.slice(k.indexOf('/') + 1), (await g.data()) as Float32Array);
    const loss = (await value.data())[0];
    tf.dispose([value, grads]);
    generator.dispose();
    return { loss, grads: values };
  };
  const cpu = await run('cpu');
  const gpu = await run('webgpu');
  t.true(Math.abs(cpu.loss - gpu.loss) < 1e-5, `loss ${cpu.loss} vs ${gpu.loss}`);
  t.deepEqual([...gpu.grads.keys()].sort(), [...cpu.grads.keys()].sort());
  let worst = 0;
  let worstName = '';
  for (const [name, g] of cpu.grads) {
    const d = maxAbsDiff(g, gpu.grads.get(name)!) / Math.max(1e-3, maxAbs(g));
    if (d > worst) [worst, worstName] = [d, name];
  }
  t.log(`${cpu.grads.size} gradients, worst relative difference ${worst.toExponential(2)} (${worstName})`);
  t.true(worst < 1e-3);
  tf.dispose([image, mask]);
});

gpuTest('the three filter-gradient strategies give the cpu backend\'s kernel gradient on webgpu', async (t) => {
  // The generator's geometries: the 5×5 stem, a stride-2 3×3 and a 'valid' 3×3 (atrous convolutions reach the kernel
  // as spaceToBatch + 'valid'; dilation inside the kernel is checked on wasm in kernels.test.ts).
  const cases = [
    { x: [2, 17, 19, 5], k: [5, 5, 5, 6], strides: 1, pad: 'same' },
    { x: [2, 16, 16, 4], k: [3, 3, 4, 8], strides: 2, pad: 'same' },
    { x: [1, 15, 13, 3], k: [3, 3, 3, 4], strides: 1, pad: 'valid' },
  ] as const;
  for (const [i, c] of cases.entries()) {
    await tf.setBackend('cpu');
    const x = tf.randomUniform([...c.x], -1, 1, 'float32', 30 + i) as tf.Tensor4D;
    const yShape = tf.tidy(() => tf.conv2d(x, tf.zeros([...c.k]) as tf.Tensor4D, c.strides, c.pad).shape);
    const dy = tf.randomUniform(yShape, -1, 1, 'float32', 50 + i) as tf.Tensor4D;
    const attrs = { strides: c.strides, pad: c.pad, dataFormat: 'NHWC', filterShape: [...c.k], dilations: 1 };
    const grad = () => tf.engine().runKernel('Conv2DBackpropFilter', { x, dy }, attrs as unknown as tf.NamedAttrMap) as tf.Tensor;
    const cpu = await on('cpu', grad);
    for (const strategy of ['stock', 'batch-axis', 'im2col'] as const) {
      useFilterGradient('webgpu', strategy);
      const gpu = await on('webgpu', grad);
      const relative = maxAbsDiff(cpu, gpu) / maxAbs(cpu);
      t.true(relative < 1e-5, `case ${i}, ${strategy}: relative difference ${relative.toExponential(2)}`);
    }
    tf.dispose([x, dy]);
  }
  useFilterGradient('webgpu', 'im2col');
});

gpuTest('attention in image chunks gives the values of one pass on webgpu, and the cpu backend\'s', async (t) => {
  const n = 5;
  const c = 16;
  await tf.setBackend('cpu');
  const x = tf.randomUniform([n, 6, 7, c], -1, 1, 'float32', 61) as tf.Tensor4D;
  const w = <R extends tf.Rank>(shape: number[], seed: number) => tf.randomUniform(shape as tf.ShapeMap[R], -0.5, 0.5, 'float32', seed) as tf.Tensor<R>;
  const weights: SelfAttentionWeights = {
    queryKernel: w<tf.Rank.R4>([1, 1, c, c / 8], 62),
    queryBias: w<tf.Rank.R1>([c / 8], 63),
    keyKernel: w<tf.Rank.R4>([1, 1, c, c / 8], 64),
    keyBias: w<tf.Rank.R1>([c / 8], 65),
    valueKernel: w<tf.Rank.R4>([1, 1, c, c], 66),
    valueBias: w<tf.Rank.R1>([c], 67),
    gamma: tf.tensor1d([0.7]),
  };
  const positions = 6 * 7;
  const cpu = await on('cpu', () => selfAttention(x, weights, { scaled: true }));
  const whole = await on('webgpu', () => selfAttention(x, weights, { scaled: true }));
  // Room for two images' scores per chunk: chunks of 2, 2 and 1 images.
  const maxChunkBytes = 2 * positions * positions * 4;
  t.is(attentionChunk(n, positions, maxChunkBytes), 2);
  const chunked = await on('webgpu', () => selfAttention(x, weights, { scaled: true, maxChunkBytes }));
  t.deepEqual(chunked, whole, 'chunking changes nothing');
  t.true(maxAbsDiff(cpu, whole) < 1e-5, `webgpu against cpu: ${maxAbsDiff(cpu, whole)}`);
  tf.dispose([x, ...Object.values(weights)]);
});

gpuTest('a training run on webgpu: steps with every loss, checkpoints, a resume — with asynchronous reads only', async (t) => {
  const data = await makeBundle({ count: 4, size: 32, splitRatios: 'train=0.5,val=0.5' });
  const out = join(await tempDir('train-webgpu'), 'run');
  const base = { batchSize: 2, generator: { cnum: 4 }, discriminator: { cnum: 4 }, seed: 5, backend: 'webgpu' as const, data, out, stepsPerEpoch: 1, loss: { msssim: 0.5 } };
  await train(parseTrainConfig({ ...base, epochs: 1 }));
  await train(parseTrainConfig({ ...base, epochs: 2 }), { resume: true });
  const log = parseLog(await readFile(join(out, 'log.jsonl'), 'utf8'));
  const steps = log.filter((e) => e.type === 'step');
  t.is(steps.length, 2, 'one step in each of two epochs, the second after a resume');
  for (const step of steps) {
    for (const name of ['l1Coarse', 'l1Refined', 'adv', 'msssim', 'dReal', 'dFake']) t.true(Number.isFinite(step[name]), `${name} finite`);
  }
  t.is(tf.getBackend(), 'webgpu', 'trained on webgpu');
});

gpuTest('bgfill inpaint --backend webgpu: a batch of 3 gives what one at a time gives, and what the cpu backend gives', async (t) => {
  const dir = await tempDir('inpaint-webgpu');
  const size = 32;
  const images = join(dir, 'images');
  const masks = join(dir, 'masks');
  await mkdir(images);
  await mkdir(masks);
  for (let i = 0; i < 3; i++) {
    const pixels = Buffer.alloc(size * size * 3);
    for (let p = 0; p < pixels.length; p++) pixels[p] = (p * (7 + i) + i * 31) % 256;
    await sharp(pixels, { raw: { width: size, height: size, channels: 3 } }).png().toFile(join(images, `p${i}.png`));
    const hole = Buffer.alloc(size * size);
    for (let y = 8 + i; y < 24; y++) for (let x = 10; x < 22 - i; x++) hole[y * size + x] = 255;
    await sharp(hole, { raw: { width: size, height: size, channels: 1 } }).png().toFile(join(masks, `p${i}.png`));
  }
  const checkpoint = join(dir, 'g.safetensors');
  const generator = calibratedGenerator({ cnum: 4 }, 5, 8);
  await saveGeneratorCheckpoint(checkpoint, generator);
  generator.dispose();
  const fill = async (backend: string, batch: number) => {
    const outDir = join(dir, `out-${backend}-${batch}`);
    const r = await runCli(['inpaint', '--checkpoint', checkpoint, '--image', images, '--mask', masks, '--out', outDir, '--backend', backend, '--batch-size', String(batch)]);
    t.is(r.code, 0, r.stderr);
    return Promise.all([0, 1, 2].map(async (i) => (await sharp(join(outDir, `p${i}.png`)).raw().toBuffer()) as Buffer));
  };
  const batched = await fill('webgpu', 3);
  const single = await fill('webgpu', 1);
  const cpu = await fill('cpu', 1);
  for (let i = 0; i < 3; i++) {
    let worstSingle = 0;
    let worstCpu = 0;
    for (let p = 0; p < batched[i].length; p++) {
      worstSingle = Math.max(worstSingle, Math.abs(batched[i][p] - single[i][p]));
      worstCpu = Math.max(worstCpu, Math.abs(batched[i][p] - cpu[i][p]));
    }
    t.true(worstSingle <= 1, `image ${i}: batch against single differ by ${worstSingle} levels`);
    t.true(worstCpu <= 1, `image ${i}: webgpu against cpu differ by ${worstCpu} levels`);
  }
});

gpuTest('onnx-webgpu (onnxruntime’s WebGPU provider) runs the exported graph as its CPU provider does', async (t) => {
  // A calibrated generator (outputs inside −1…1, not clipped), so that agreement means something.
  await tf.setBackend('cpu');
  const dir = await tempDir('onnx-webgpu');
  const checkpoint = join(dir, 'g.safetensors');
  const generator = calibratedGenerator({ cnum: 4 }, 5, 8);
  await saveGeneratorCheckpoint(checkpoint, generator);
  generator.dispose();
  const [n, height, width] = [2, 32, 32];
  const image = Float32Array.from({ length: n * height * width * 3 }, (_, i) => Math.sin(i * 0.37));
  const mask = Float32Array.from({ length: n * height * width }, (_, i) => {
    const [y, x] = [Math.floor(i / width) % height, i % width];
    return y > 8 && y < 24 && x > 8 && x < 20 ? 1 : 0;
  });
  const refined = async (request: 'onnx' | 'onnx-webgpu') => {
    const selection = await selectEngine(request, { strict: true, threads: 1 });
    t.is(selection.name, request);
    const engine = await openEngine(checkpoint, selection);
    try {
      return await engine.run({ image, mask, n, height, width }, 'refined');
    } finally {
      await engine.dispose();
    }
  };
  const cpu = await refined('onnx');
  const gpu = await refined('onnx-webgpu');
  const spread = maxAbs(cpu.map((v) => v - cpu[0]));
  t.log(`max |onnx-webgpu − onnx| = ${maxAbsDiff(cpu, gpu).toExponential(2)} over outputs spanning ${spread.toFixed(3)}`);
  t.true(spread > 0.1 && maxAbs(cpu) < 1, 'outputs vary and are not clipped');
  t.true(maxAbsDiff(cpu, gpu) < 1e-4);
  await initBackend('webgpu', { strict: true });
});

gpuTest('U²-Net (U2NETP) on webgpu: every side output within 2× PyTorch\'s float32 distance of its float64 output', async (t) => {
  await initBackend('webgpu', { strict: true });
  const [n, h, w] = [1, 45, 70];
  const manifest = await readU2NetManifest();
  const net = tfjsSegmenter(await loadU2NetWeights(u2netFixture('u2netp-half.pth')));
  const input = nchwToNhwc(await readRaw(u2netFixture('net-input.f32'), 'f32'), 2, 3, h, w).subarray(0, n * h * w * 3);
  const expected = await readRaw(u2netFixture('net-output.f64'), 'f64');
  const outputs = await net.run({ data: input, n, height: h, width: w }, U2NET_OUTPUTS);
  await net.dispose();
  U2NET_OUTPUTS.forEach((name, k) => {
    const diff = maxAbsU2(outputs[k], expected.subarray(k * 2 * h * w, k * 2 * h * w + n * h * w));
    const torch = manifest.f32_vs_f64.net[name];
    t.log(`${name}: ${(diff / torch).toFixed(2)} × PyTorch's float32 distance`);
    t.true(diff <= 2 * torch, `${name}: ${diff.toExponential(2)}`);
  });
});

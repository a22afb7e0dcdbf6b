/**
 * Training-step speed: one full `bgfill train` step (generator forward/backward on L1 + hinge GAN, SN-PatchGAN
 * discriminator update, both Adam updates) at 256² on every backend that initialises here.
 *
 *   node --import tsx bench/train-step.ts [--size 256] [--batch N] [--cnum 32] [--steps 3] [--backends webgpu,tensorflow,wasm]
 *
 * Batch defaults to 1 on CPU backends and 8 on GPU ones. Baseline, in the same process and backend: a "bare" step —
 * generator forward, L1, gradients and nothing else (no discriminator, no optimizer) — so the ratio shows what the
 * training machinery adds. GPU runs also print the ratio to PyTorch's float32 figure for the same net:
 * 78.6 images/s at batch 8 on one H100 (/work/shared/notes/gpu-baseline.md).
 */
import * as tf from '@tensorflow/tfjs';
import { initBackend, type BackendName } from '../packages/trainer/src/backend/index.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { Adam } from '../packages/trainer/src/train/adam.js';
import { parseTrainConfig } from '../packages/trainer/src/train/config.js';
import { SnPatchDiscriminator } from '../packages/trainer/src/train/discriminator.js';
import { maskedL1 } from '../packages/trainer/src/train/losses.js';
import { trainStep } from '../packages/trainer/src/train/step.js';

const PYTORCH_H100_FP32_TRAIN = 78.6;
const GPU: ReadonlySet<BackendName> = new Set(['webgpu', 'tensorflow']);

function arg(name: string, fallback: string): string {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 && process.argv[i + 1] ? process.argv[i + 1] : fallback;
}

const size = Number(arg('size', '256'));
const cnum = Number(arg('cnum', '32'));
const steps = Number(arg('steps', '3'));
const backends = arg('backends', 'webgpu,tensorflow,wasm').split(',') as BackendName[];
const batchArg = arg('batch', '');

async function timeSteps(run: () => void): Promise<number> {
  run(); // warm-up: kernel compilation, allocations
  const t0 = performance.now();
  for (let i = 0; i < steps; i++) run();
  return (performance.now() - t0) / 1000 / steps;
}

for (const requested of backends) {
  const got = await initBackend(requested, { log: () => undefined }).catch((err: Error) => ({ name: null, reason: err.message }));
  if (got.name !== requested) {
    console.log(`${requested}: not available here (${got.reason})`);
    continue;
  }
  const batch = Number(batchArg || (GPU.has(requested) ? 8 : 1));
  const generator = new InpaintGenerator({ cnum }, { seed: 0 });
  const discriminator = new SnPatchDiscriminator({ cnum: 64 }, { seed: 0 });
  const betas = [0.5, 0.999] as const;
  const gOptimizer = new Adam(generator.params, [...generator.params.keys()], { betas, eps: 1e-8 });
  const dOptimizer = new Adam(discriminator.params, [...discriminator.params.keys()], { betas, eps: 1e-8 });
  const images = tf.randomUniform([batch, size, size, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const masks = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([batch, size, size, 1], 0, 1, 'float32', 2), 0.7), 'float32')) as tf.Tensor4D;
  const { loss } = parseTrainConfig({ data: '-', out: '-' });
  const vars = [...generator.params.values()];

  const bare = await timeSteps(() => {
    const { value, grads } = tf.variableGrads(() => {
      const out = generator.apply(images, masks, { training: true });
      return tf.add(maskedL1(out.coarse, images, masks, loss), maskedL1(out.refined, images, masks, loss)) as tf.Scalar;
    }, vars);
    value.dataSync();
    tf.dispose([value, ...Object.values(grads)]);
  });
  let step = 0;
  const full = await timeSteps(() => {
    trainStep({ generator, discriminator, gOptimizer, dOptimizer }, { images, masks }, { loss, gLr: 1e-4, dLr: 1e-4, step: ++step });
  });
  const line = [
    `${requested} ${size}² batch ${batch} cnum ${cnum}:`,
    `train step ${full.toFixed(2)} s = ${(batch / full).toFixed(3)} images/s;`,
    `bare G forward+backward ${(batch / bare).toFixed(3)} images/s; full / bare = ${(bare / full).toFixed(2)}`,
  ];
  if (GPU.has(requested)) line.push(`; vs PyTorch fp32 H100 batch 8 (${PYTORCH_H100_FP32_TRAIN}/s) = ${(batch / full / PYTORCH_H100_FP32_TRAIN).toFixed(3)}`);
  console.log(line.join(' '));
  tf.dispose([images, masks]);
  generator.dispose();
  discriminator.dispose();
  gOptimizer.dispose();
  dOptimizer.dispose();
}

/**
 * Generator model and weight files: what differentiable dilated convolutions and the pure-TypeScript readers cost.
 *
 *   node --import tsx bench/generator.ts [--size 256] [--cnum 32] [--rounds 5] [--threads 1]
 *
 * Timings are process CPU time (user + system), best of --rounds with the compared functions taking turns in each
 * round, because the shared 2-core machine is loaded; the
 * wasm backend runs with --threads threads (default 1, so CPU time is the single-thread time). Each line prints a
 * ratio to a baseline run in the same process:
 *   1. atrous 3×3 convolution at the generator's 1/4 resolution (size/4, 4·cnum channels), rates 2/4/8/16:
 *      spaceToBatchND → conv2d → batchToSpaceND (used under a gradient tape: differentiable everywhere) vs tfjs's
 *      native dilated conv2d (used for inference; no gradient in tfjs) — same numbers;
 *   2. one generator forward (inference, so native dilated convolutions) at size² — absolute, and the estimated
 *      ratio had its 16 dilated convolutions used space-to-batch (what a training step's forward does);
 *   3. reading a PyTorch zip checkpoint of the cnum-`cnum` generator (written by /usr/bin/python3 with torch, if it
 *      is there) vs reading the same bytes from disk and unzipping them (fflate) — the pickle VM and tensor copies;
 *   4. reading / writing the same weights as safetensors vs fs.readFile / atomicWriteFile of the same bytes.
 */
import { spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as TF from '../packages/trainer/node_modules/@tensorflow/tfjs/dist/index.js';
import { atomicWriteFile } from '../packages/core/src/atomic-write.js';
import { initBackend } from '../packages/trainer/src/backend/index.js';
import { conv2dTorch } from '../packages/trainer/src/model/conv.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { generatorWeights } from '../packages/trainer/src/weights/checkpoint.js';
import { readSafetensors, writeSafetensors } from '../packages/trainer/src/weights/safetensors.js';
import { readTorchStateDict } from '../packages/trainer/src/weights/torch-reader.js';
import { arg, cpuSeconds } from './bench-helpers.js';

// The repository root has no dependencies of its own: load tfjs and fflate as the trainer package resolves them,
// which gives the very module instances its sources use.
const requireFromTrainer = createRequire(new URL('../packages/trainer/package.json', import.meta.url));
const tf = requireFromTrainer('@tensorflow/tfjs') as typeof TF;
const { unzipSync } = requireFromTrainer('fflate') as typeof import('../packages/trainer/node_modules/fflate/esm/index.mjs');

const size = Number(arg('size', '256'));
const cnum = Number(arg('cnum', '32'));
const rounds = Number(arg('rounds', '5'));
const threads = Number(arg('threads', '1'));

/**
 * Best CPU times of `rounds` runs of each function (after one warm-up run of each), in seconds. The functions take
 * turns within every round, so that both meet the same load on the shared machine.
 */
async function compare(...fns: Array<() => unknown | Promise<unknown>>): Promise<number[]> {
  for (const fn of fns) await fn();
  const min = fns.map(() => Number.POSITIVE_INFINITY);
  for (let r = 0; r < rounds; r++) {
    for (const [i, fn] of fns.entries()) {
      const t0 = cpuSeconds();
      await fn();
      min[i] = Math.min(min[i], cpuSeconds() - t0);
    }
  }
  return min;
}

async function best(fn: () => unknown | Promise<unknown>): Promise<number> {
  return (await compare(fn))[0];
}

const fmt = (s: number) => (s >= 1 ? `${s.toFixed(2)} s` : `${(s * 1000).toFixed(1)} ms`);

const info = await initBackend('wasm', { threads });
console.log(`backend ${info.name} (${info.reason}); Node ${process.version}; size ${size}, cnum ${cnum}, best of ${rounds}, CPU time`);

// 1. atrous convolutions
const quarter = size / 4;
const channels = 4 * cnum;
const x = tf.randomUniform([1, quarter, quarter, channels], -1, 1, 'float32', 1) as TF.Tensor4D;
const kernel = tf.randomNormal([3, 3, channels, channels], 0, 0.05, 'float32', 2) as TF.Tensor4D;
const bias = tf.zeros([channels]) as TF.Tensor1D;
let dilatedOverhead = 0;
for (const rate of [2, 4, 8, 16]) {
  // (block bodies: returning the dataSync() array from tidy would make tidy walk its 500k elements)
  const ours = () => tf.tidy(() => {
    conv2dTorch(x, kernel, bias, { stride: 1, padding: rate, dilation: rate }, 'space-to-batch').dataSync();
  });
  const native = () => tf.tidy(() => {
    conv2dTorch(x, kernel, bias, { stride: 1, padding: rate, dilation: rate }, 'native').dataSync();
  });
  const geometry = { stride: 1, padding: rate, dilation: rate };
  const diff = tf.tidy(() => tf.max(tf.abs(tf.sub(conv2dTorch(x, kernel, bias, geometry, 'space-to-batch'), conv2dTorch(x, kernel, bias, geometry, 'native')))).dataSync()[0]);
  const [tOurs, tNative] = await compare(ours, native);
  dilatedOverhead += 2 * 2 * (tOurs - tNative); // two stages × (feature + gate convolution) per rate
  console.log(`atrous rate ${String(rate).padStart(2)} at ${quarter}²×${channels}: ours ${fmt(tOurs)}, native ${fmt(tNative)}, ratio ${(tOurs / tNative).toFixed(2)} (max |diff| ${diff.toExponential(1)})`);
}

// 2. generator forward
const generator = new InpaintGenerator({ cnum }, { seed: 0 });
const image = tf.randomUniform([1, size, size, 3], -1, 1, 'float32', 3) as TF.Tensor4D;
const mask = tf.tidy(() => tf.cast(tf.greater(tf.randomUniform([1, size, size, 1], 0, 1, 'float32', 4), 0.7), 'float32')) as TF.Tensor4D;
const forward = await best(() => {
  const out = generator.apply(image, mask);
  out.composite.dataSync();
  tf.dispose(out);
});
console.log(
  `generator forward ${size}² cnum ${cnum} (inference: native dilated convs): ${fmt(forward)} (${(1 / forward).toFixed(2)} images/CPU-s); ` +
    `with space-to-batch for its 16 dilated convolutions, as under a gradient tape: ≈ ${fmt(forward + dilatedOverhead)}, ratio ${((forward + dilatedOverhead) / forward).toFixed(2)} (estimated from 1.)`,
);

// 3–4. weight files
const dir = await mkdtemp(join(tmpdir(), 'bgfill-bench-'));
try {
  const weights = await generatorWeights(generator);
  const st = join(dir, 'g.safetensors');
  await writeSafetensors(st, weights);
  const stBytes = await readFile(st);
  const [tWrite, tWriteRaw] = await compare(() => writeSafetensors(st, weights), () => atomicWriteFile(join(dir, 'raw.bin'), stBytes));
  console.log(`safetensors write ${(stBytes.length / 2 ** 20).toFixed(1)} MiB: ${fmt(tWrite)} vs atomicWriteFile of the bytes ${fmt(tWriteRaw)}, ratio ${(tWrite / tWriteRaw).toFixed(2)}`);
  const [tRead, tReadRaw] = await compare(() => readSafetensors(st), () => readFile(st));
  console.log(`safetensors read: ${fmt(tRead)} vs fs.readFile ${fmt(tReadRaw)}, ratio ${(tRead / tReadRaw).toFixed(2)}`);

  const pth = join(dir, 'g.pth');
  const script = `
import sys; sys.path.insert(0, ${JSON.stringify(join(process.cwd(), 'packages/trainer/test/fixtures/parity'))})
import torch; from reference_model import InpaintSANet
torch.save(InpaintSANet(cnum=${cnum}).state_dict(), ${JSON.stringify(pth)})`;
  const made = spawnSync('/usr/bin/python3', ['-c', script], { encoding: 'utf8' });
  if (made.status !== 0) {
    console.log(`torch checkpoint: skipped (/usr/bin/python3 with torch unavailable: ${(made.stderr || made.error?.message || '').trim().split('\n').pop()})`);
  } else {
    const pthSize = (await readFile(pth)).length;
    const [tTorch, tUnzip] = await compare(() => readTorchStateDict(pth), async () => unzipSync(new Uint8Array(await readFile(pth))));
    console.log(`torch .pth read ${(pthSize / 2 ** 20).toFixed(1)} MiB (${weights.size} tensors): ${fmt(tTorch)} vs readFile+unzip ${fmt(tUnzip)}, ratio ${(tTorch / tUnzip).toFixed(2)}`);
  }
} finally {
  await rm(dir, { recursive: true, force: true });
}
tf.dispose([x, kernel, bias, image, mask]);
generator.dispose();

/**
 * Kernel layouts at load and save: what moving the generator's rank-4 weights between PyTorch's OIHW and tfjs's HWIO
 * costs done in JavaScript (`permuteLayout`, what bgfill does) against a tfjs transpose on the backend, and what
 * loading a predictor costs in all.
 *
 *   node --import tsx bench/weight-layout.ts [--cnum 32] [--rounds 5] [--backends cpu,wasm]
 *
 * Per backend, best of --rounds in process CPU seconds (user + system; the machine is shared), the two sides taking
 * turns in each round, over every rank-4 weight of a cnum-`cnum` InpaintSANet generator:
 *   to tfjs     the initial values into variables: permuteLayout then tf.variable, against tf.variable of tf.transpose
 *               (what createParamVariables did before);
 *   to PyTorch  the variables back into PyTorch-layout arrays: data() then permuteLayout, against tf.transpose then
 *               data() (what generatorWeights, which the onnx engine and checkpoint saving call, did before);
 * each with the ratio ours / tfjs; and, on the onnx engine, the whole `createPredictor` of a saved checkpoint
 * (read, build, load, ONNX graph, session).
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createRequire } from 'node:module';
import type * as TF from '../packages/trainer/node_modules/@tensorflow/tfjs/dist/index.js';
import { initBackend } from '../packages/trainer/src/backend/index.js';
import { generatorParamSpecs } from '../packages/trainer/src/model/architecture.js';
import { resolveGeneratorConfig } from '../packages/trainer/src/model/config.js';
import { InpaintGenerator } from '../packages/trainer/src/model/generator.js';
import { initialValues } from '../packages/trainer/src/model/init.js';
import { createPredictor } from '../packages/trainer/src/predictor.js';
import { saveGeneratorCheckpoint } from '../packages/trainer/src/weights/checkpoint.js';
import { permuteLayout, shapeInLayout } from '../packages/trainer/src/weights/weight-tensor.js';
import { arg, cpuSeconds } from './bench-helpers.js';

const requireFromTrainer = createRequire(new URL('../packages/trainer/package.json', import.meta.url));
const tf = requireFromTrainer('@tensorflow/tfjs') as typeof TF;

const cnum = Number(arg('cnum', '32'));
const rounds = Number(arg('rounds', '5'));
const backends = arg('backends', 'cpu,wasm').split(',');
const kernels = generatorParamSpecs(resolveGeneratorConfig({ cnum })).filter((s) => s.shape.length === 4);
const values = kernels.map((spec) => initialValues(spec, 0) as Float32Array);
const count = values.reduce((n, v) => n + v.length, 0);

function best(fn: () => Promise<void> | void): () => Promise<number> {
  let min = Infinity;
  return async () => {
    const t = cpuSeconds();
    await fn();
    min = Math.min(min, cpuSeconds() - t);
    return min;
  };
}

console.log(`${kernels.length} rank-4 weights of a cnum-${cnum} generator (${(count / 1e6).toFixed(2)} M values), best of ${rounds}, process CPU time, Node ${process.version}`);
console.log('| backend | step | ours (permuteLayout) ms | tfjs transpose ms | ratio ours / tfjs |');
console.log('|---|---|---|---|---|');
for (const backend of backends) {
  await initBackend(backend as Parameters<typeof initBackend>[0]);
  let variables: TF.Variable[] = [];
  const toTfjsOurs = best(() => {
    variables = kernels.map((spec, k) => tf.variable(tf.tensor(permuteLayout(values[k], spec.shape, 'pytorch', 'tfjs'), shapeInLayout(spec.shape, 'tfjs'))));
  });
  const toTfjsTf = best(() => {
    const made = kernels.map((spec, k) => tf.tidy(() => tf.variable(tf.transpose(tf.tensor(values[k], spec.shape), [2, 3, 1, 0]))));
    made.forEach((v) => v.dispose());
  });
  const toTorchOurs = best(async () => {
    for (const v of variables) permuteLayout((await v.data()) as Float32Array, v.shape, 'tfjs', 'pytorch');
  });
  const toTorchTf = best(async () => {
    for (const v of variables) {
      const t = tf.transpose(v, [3, 2, 0, 1]);
      Float32Array.from((await t.data()) as Float32Array); // as generatorWeights did
      t.dispose();
    }
  });
  const times = { toTfjsOurs: 0, toTfjsTf: 0, toTorchOurs: 0, toTorchTf: 0 };
  for (let round = 0; round < rounds; round++) {
    variables.forEach((v) => v.dispose());
    times.toTfjsOurs = await toTfjsOurs();
    times.toTfjsTf = await toTfjsTf();
    times.toTorchOurs = await toTorchOurs();
    times.toTorchTf = await toTorchTf();
  }
  variables.forEach((v) => v.dispose());
  for (const [step, ours, theirs] of [['to tfjs (init, load)', times.toTfjsOurs, times.toTfjsTf], ['to PyTorch (ONNX export, save)', times.toTorchOurs, times.toTorchTf]] as const) {
    console.log(`| ${backend} | ${step} | ${(ours * 1000).toFixed(1)} | ${(theirs * 1000).toFixed(1)} | ${(ours / theirs).toFixed(3)} |`);
  }
}

const root = await mkdtemp(join(tmpdir(), 'bgfill-bench-layout-'));
try {
  const checkpoint = join(root, 'generator.safetensors');
  const g = new InpaintGenerator({ cnum }, { seed: 1 });
  await saveGeneratorCheckpoint(checkpoint, g);
  g.dispose();
  let min = Infinity;
  for (let round = 0; round < rounds; round++) {
    const t = cpuSeconds();
    (await createPredictor(checkpoint, { backend: 'onnx' })).dispose();
    min = Math.min(min, cpuSeconds() - t);
  }
  console.log(`\ncreatePredictor (onnx engine) of the cnum-${cnum} checkpoint: ${(min * 1000).toFixed(0)} ms CPU, best of ${rounds}`);
} finally {
  await rm(root, { recursive: true, force: true });
}

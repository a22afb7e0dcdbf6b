import * as tf from '@tensorflow/tfjs';
import { initBackend } from './packages/trainer/src/backend/init-backend.ts';
import { calibratedGenerator } from './packages/trainer/test/fixtures/inference-generator.ts';
await initBackend('wasm');
const generator = calibratedGenerator({ cnum: 8 }, 5, 8);
const forward = async (backend: string) => {
  await tf.setBackend(backend);
  const t0 = Date.now();
  const out = tf.tidy(() => {
    const x = tf.randomUniform([1, 40, 56, 3], -1, 1, 'float32', 11) as tf.Tensor4D;
    const mask = tf.cast(tf.greater(tf.randomUniform([1, 40, 56, 1], 0, 1, 'float32', 12), 0.5), 'float32') as tf.Tensor4D;
    const { coarse, refined } = generator.apply(x, mask);
    return tf.concat([coarse, refined], 3);
  });
  const values = (await out.data()) as Float32Array;
  out.dispose();
  console.log(backend, Date.now() - t0, 'ms');
  return values;
};
const cpu = await forward('cpu');
await initBackend('webgpu', { strict: true });
const gpu = await forward('webgpu');
const gpu2 = await forward('webgpu');
let worst = 0; for (let i = 0; i < cpu.length; i++) worst = Math.max(worst, Math.abs(cpu[i] - gpu[i]));
let same = 0; for (let i = 0; i < cpu.length; i++) same = Math.max(same, Math.abs(gpu2[i] - gpu[i]));
console.log('max |webgpu-cpu|', worst, 'run-to-run', same);
process.exit(0);

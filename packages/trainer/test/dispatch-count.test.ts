// The dispatch counter (src/backend/dispatch-count.ts) against what the code it watches must launch: ops whose
// kernels are known, nested and overlapping counters, and on webgpu (Mesa's lavapipe in CI; skipped where no adapter
// exists) the GPU programs behind them — one for an element-wise op, none for a reshape.
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { countDispatches, noteGpuDispatches, startDispatchCount } from '../src/backend/dispatch-count.js';
import { initBackend } from '../src/backend/init-backend.js';
import { probeWebGpuAdapter } from '../src/backend/webgpu-loader.js';

const probe = await probeWebGpuAdapter();
const gpuTest = probe.ok ? test.serial : test.serial.skip;

test.serial('counts every kernel the engine runs, by name; counters nest and stop', async (t) => {
  await tf.setBackend('cpu');
  const a = tf.tensor([1, 2, 3]);
  const outer = startDispatchCount();
  const { result, count } = await countDispatches(() => tf.tidy(() => tf.add(tf.mul(a, a), 1).arraySync()));
  t.deepEqual(result, [2, 5, 10]);
  t.is(count.kernels, 2);
  t.deepEqual([...count.byKernel].sort(), [['Add', 1], ['Multiply', 1]]);
  t.is(count.programs, undefined, 'no GPU programs on cpu');
  tf.tidy(() => tf.reshape(a, [3, 1]));
  noteGpuDispatches(5); // not a GPU backend: kept for none
  const total = outer.stop();
  t.is(total.kernels, 3, 'the outer counter saw the inner ops and the reshape');
  t.is(total.byKernel.get('Reshape'), 1);
  tf.tidy(() => tf.neg(a));
  t.is(outer.read().kernels, 3, 'nothing counted after stop');
  a.dispose();
});

gpuTest('on webgpu: one GPU program for an element-wise op, none for a reshape, and the ones noted by other engines', async (t) => {
  await initBackend('webgpu', { strict: true });
  try {
    // Over WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD (1 000 values): smaller inputs still on the host are added on the CPU.
    const a = tf.range(0, 4096);
    const { count } = await countDispatches(async () => {
      const y = tf.tidy(() => tf.reshape(tf.add(a, a), [64, 64]));
      await y.data();
      y.dispose();
      noteGpuDispatches(2); // what an engine encoding its own passes reports
    });
    t.is(count.kernels, 2);
    t.deepEqual([...count.byKernel].sort(), [['Add', 1], ['Reshape', 1]]);
    t.true(tf.env().getNumber('WEBGPU_CPU_HANDOFF_SIZE_THRESHOLD') < 4096);
    t.is(count.programs, 1 + 2);
    a.dispose();
  } finally {
    await tf.setBackend('cpu');
  }
});

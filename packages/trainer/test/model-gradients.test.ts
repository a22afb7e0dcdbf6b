// Gradients through the whole generator on the pure-JS cpu backend (the wasm backend lacks a Conv2DBackpropFilter
// kernel until src/backend registers one). Tiny shapes: the cpu backend's filter gradient is slow. Their values are
// checked against PyTorch autograd in parity.test.ts (finite differences are too noisy here: clamp and LeakyReLU
// kinks and float32 losses).
import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { InpaintGenerator } from '../src/model/generator.js';

test.before(async () => {
  await tf.setBackend('cpu');
  await tf.ready();
});

/** Every switch on, 5 channels: every kind of parameter the generator can have. */
const CONFIG = { cnum: 2, inChannels: 5, gate: 'spatial*gct', scaledAttention: true, coordAttention: true } as const;

function batch() {
  const x = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const mask = tf.cast(tf.greater(tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 2), 0.6), 'float32') as tf.Tensor4D;
  const guidance = tf.randomUniform([2, 16, 16, 1], 0, 1, 'float32', 3) as tf.Tensor4D;
  const target = tf.randomUniform([2, 16, 16, 3], -1, 1, 'float32', 4) as tf.Tensor4D;
  return { x, mask, guidance, target };
}

test.serial('a training-mode loss has a finite, non-zero gradient for every trainable parameter, buffers excluded', async (t) => {
  const g = new InpaintGenerator(CONFIG, { seed: 4 });
  t.deepEqual(Array.from(await g.params.get('refine_attn.gamma')!.data()), [0], 'gamma starts at 0');
  // Some parameters start where others get exactly zero gradient (attention gamma 0 silences q/k/v; GCT gamma 0
  // makes the gate constant in alpha): move them off those points first.
  g.params.get('refine_attn.gamma')!.assign(tf.tensor1d([0.5]));
  for (const [name, v] of g.params) if (name.endsWith('gct.gamma')) v.assign(tf.fill(v.shape, 0.5));
  const { x, mask, guidance, target } = batch();
  const { value, grads } = tf.variableGrads(() => {
    const out = g.apply(x, mask, { training: true, guidance });
    return tf.add(tf.mean(tf.abs(tf.sub(out.coarse, target))), tf.mean(tf.abs(tf.sub(out.refined, target)))) as tf.Scalar;
  });
  t.true(Number.isFinite((await value.data())[0]));
  const byName = new Map(Object.entries(grads).map(([variableName, grad]) => [variableName.slice(variableName.indexOf('/') + 1), grad]));
  t.deepEqual([...byName.keys()].sort(), [...g.params.keys()].sort(), 'a gradient for each trainable parameter and nothing else');
  for (const [name, variable] of g.params) {
    const grad = byName.get(name)!;
    t.deepEqual(grad.shape, variable.shape, name);
    const v = await grad.data();
    t.true(v.every(Number.isFinite), `${name}: finite`);
    t.true(v.some((e) => e !== 0), `${name}: non-zero`);
  }
  // The dilated convolutions: the centre tap always sees the input; at 1/4 of 16 px (4×4) the rate-2 taps do too.
  for (const prefix of ['coarse_net.6', 'refine_conv_net.7']) {
    const k = await byName.get(`${prefix}.conv2d.weight`)!.data(); // HWIO 3×3×8×8
    const tap = (h: number, w: number) => k.slice((h * 3 + w) * 64, (h * 3 + w + 1) * 64).some((e) => e !== 0);
    t.true(tap(1, 1) && tap(0, 0) && tap(2, 2), `${prefix}: rate-2 taps get gradients`);
  }
  tf.dispose([value, ...Object.values(grads), x, mask, guidance, target]);
  g.dispose();
});

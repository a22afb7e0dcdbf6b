import test from 'ava';
import * as tf from '@tensorflow/tfjs';
import { SnPatchDiscriminator } from '../src/train/discriminator.js';
import { Adam } from '../src/train/adam.js';
import { hingeDiscriminatorLoss } from '../src/train/losses.js';

test.before(async () => {
  await tf.setBackend('cpu');
});

/**
 * Largest singular value of a [rows, cols] matrix, computed independently of the module: float64 power iteration
 * on the Gram matrix AᵀA (its largest eigenvalue is σ²), run to convergence.
 */
function sigmaMax(a: Float32Array, rows: number, cols: number): number {
  const gram = new Float64Array(cols * cols);
  for (let r = 0; r < rows; r++) {
    for (let i = 0; i < cols; i++) {
      const ai = a[r * cols + i];
      if (ai === 0) continue;
      for (let j = 0; j < cols; j++) gram[i * cols + j] += ai * a[r * cols + j];
    }
  }
  let v = new Float64Array(cols).map((_, i) => 1 + ((i * 7919) % 13) / 13);
  let lambda = 0;
  for (let it = 0; it < 5000; it++) {
    const w = new Float64Array(cols);
    for (let i = 0; i < cols; i++) for (let j = 0; j < cols; j++) w[i] += gram[i * cols + j] * v[j];
    const norm = Math.hypot(...w);
    const next = w.map((x) => x / norm);
    const converged = Math.abs(norm - lambda) < 1e-13 * norm;
    lambda = norm;
    v = next;
    if (converged) break;
  }
  return Math.sqrt(lambda);
}

/** σ_max of every normalised kernel, reshaped to PyTorch's [Cout, Cin·kh·kw] (the order does not change σ). */
function sigmas(d: SnPatchDiscriminator): number[] {
  const out: number[] = [];
  for (const [, w] of d.normalizedWeights()) {
    const [kh, kw, cin, cout] = w.shape;
    const matrix = tf.tidy(() => tf.reshape(tf.transpose(w, [3, 2, 0, 1]), [cout, cin * kh * kw]).dataSync() as Float32Array);
    out.push(sigmaMax(matrix, cout, cin * kh * kw));
    w.dispose();
  }
  return out;
}

test('layout: six 5×5 stride-2 convolutions, widths cnum·(1,2,4,4,4,4), on image + mask', (t) => {
  const d = new SnPatchDiscriminator({ cnum: 3 }, { seed: 0 });
  const shapes = [...d.params].filter(([n]) => n.endsWith('weight_orig')).map(([, v]) => v.shape);
  t.deepEqual(shapes, [[5, 5, 4, 3], [5, 5, 3, 6], [5, 5, 6, 12], [5, 5, 12, 12], [5, 5, 12, 12], [5, 5, 12, 12]]);
  t.deepEqual([...d.buffers.keys()].slice(0, 2), ['discriminator_net.0.conv2d.weight_u', 'discriminator_net.0.conv2d.weight_v']);
  const scores = tf.tidy(() => d.apply(tf.zeros([2, 64, 64, 3]), tf.zeros([2, 64, 64, 1])));
  t.deepEqual(scores.shape, [2, 1 * 1 * 12]); // 64 / 2^6 = 1
  const wide = tf.tidy(() => d.apply(tf.zeros([1, 128, 96, 3]), tf.zeros([1, 128, 96, 1])));
  t.deepEqual(wide.shape, [1, 2 * 2 * 12]); // ceil(96 / 64) = 2 with 'SAME' padding
  tf.dispose([scores, wide]);
  d.dispose();
});

test('spectral norm: every normalised kernel has σ_max ≈ 1 after initialisation and after training updates', (t) => {
  const d = new SnPatchDiscriminator({ cnum: 4 }, { seed: 3 });
  for (const [n, w] of d.params) if (n.endsWith('weight_orig')) tf.tidy(() => w.assign(tf.mul(w, 3))); // far from σ = 1
  d.powerIterate(15);
  const rawSigmas = [...d.params].filter(([n]) => n.endsWith('weight_orig')).map(([, w]) => {
    const [kh, kw, cin, cout] = w.shape as number[];
    return sigmaMax(tf.tidy(() => tf.reshape(tf.transpose(w, [3, 2, 0, 1]), [cout, cin * kh * kw]).dataSync() as Float32Array), cout, cin * kh * kw);
  });
  t.true(rawSigmas.every((s) => s > 2.5), `raw kernels are not already normalised: ${rawSigmas}`);
  for (const s of sigmas(d)) t.true(Math.abs(s - 1) < 0.03, `after init σ_max = ${s}`);

  const adam = new Adam(d.params, [...d.params.keys()], { betas: [0.5, 0.999], eps: 1e-8 });
  const real = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 1) as tf.Tensor4D;
  const fake = tf.randomUniform([2, 32, 32, 3], -1, 1, 'float32', 2) as tf.Tensor4D;
  const mask = tf.zeros([2, 32, 32, 1]) as tf.Tensor4D;
  const vars = [...d.params.values()];
  for (let step = 0; step < 15; step++) {
    d.powerIterate();
    const { value, grads } = tf.variableGrads(() => {
      const h = hingeDiscriminatorLoss(d.apply(real, mask), d.apply(fake, mask));
      return tf.add(h.real, h.fake) as tf.Scalar;
    }, vars);
    const named = Object.fromEntries([...d.params].map(([n, v]) => [n, grads[v.name]]));
    adam.apply(named, 1e-4); // the default rate
    tf.dispose([value, ...Object.values(grads)]);
  }
  d.powerIterate();
  const trained = sigmas(d);
  for (const s of trained) t.true(Math.abs(s - 1) < 0.05, `after 15 updates σ_max = ${trained}`);
  d.powerIterate(200); // the estimate itself converges to the true σ: W / σ is then exactly unit-norm
  const converged = sigmas(d);
  for (const s of converged) t.true(Math.abs(s - 1) < 2e-3, `converged σ_max = ${converged}`);
  tf.dispose([real, fake, mask]);
  adam.dispose();
  d.dispose();
});

test('the same seed gives the same discriminator, another seed a different one', (t) => {
  const a = new SnPatchDiscriminator({ cnum: 2 }, { seed: 5 });
  const b = new SnPatchDiscriminator({ cnum: 2 }, { seed: 5 });
  const c = new SnPatchDiscriminator({ cnum: 2 }, { seed: 6 });
  const get = (d: SnPatchDiscriminator, n: string) => Array.from((d.params.get(n) ?? d.buffers.get(n))!.dataSync());
  for (const n of ['discriminator_net.2.conv2d.weight_orig', 'discriminator_net.2.conv2d.weight_u']) {
    t.deepEqual(get(a, n), get(b, n));
    t.notDeepEqual(get(a, n), get(c, n));
  }
  [a, b, c].forEach((d) => d.dispose());
});

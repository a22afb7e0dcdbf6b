import * as tf from '@tensorflow/tfjs';
import { BgfillError, invalidParameter, rngFor } from '@bgfill/core';
import { activeLeakyConvOverride } from '../model/layer-overrides.js';

/**
 * DeepFill v2's SN-PatchGAN discriminator (Yu et al., "Free-Form Image Inpainting with Gated Convolution",
 * ICCV 2019, §3.3): six 5×5 convolutions with stride 2 and 'SAME' padding, widths cnum·(1, 2, 4, 4, 4, 4),
 * each followed by LeakyReLU(0.2), on the image concatenated with the mask; the output feature map is flattened
 * and every element is a patch score for the hinge loss.
 *
 * Every kernel is spectrally normalised (Miyato et al. 2018): W_sn = W / σ(W), σ estimated by power iteration on
 * the weight reshaped to a matrix [Cout, Cin·5·5]. The vectors u ∈ R^Cout, v ∈ R^(Cin·25) are state, updated in
 * place by `powerIterate()` before each discriminator update (PyTorch's `spectral_norm` does one iteration per
 * training forward); at construction 15 iterations warm them up (as `torch.nn.utils.parametrizations.spectral_norm`).
 * Their random start is derived from the seed, and they are saved and restored with the weights.
 *
 * Parameter names follow PyTorch's `spectral_norm` over the public GatedConvolution_pytorch discriminator
 * (`discriminator_net.<i>.conv2d.weight_orig`, `.bias`, `.weight_u`, `.weight_v`).
 */

export interface DiscriminatorConfig {
  /** Width of the first layer; later layers use 2× and 4× it. DeepFill v2 uses 64. */
  cnum: number;
  /** Image channels plus the mask channel. */
  inChannels: number;
  /** Power iterations per update. */
  powerIterations: number;
}

export const DEFAULT_DISCRIMINATOR_CONFIG: DiscriminatorConfig = { cnum: 64, inChannels: 4, powerIterations: 1 };

const KERNEL = 5;
const STRIDE = 2;
const WIDTH_MULTIPLIERS = [1, 2, 4, 4, 4, 4] as const;
const WARMUP_ITERATIONS = 15;
/** F.normalize's default epsilon. */
const NORM_EPS = 1e-12;

interface Layer {
  readonly prefix: string;
  readonly cout: number;
  readonly weight: tf.Variable; // HWIO, the un-normalised weight ("weight_orig")
  readonly bias: tf.Variable;
  readonly u: tf.Variable; // [Cout]
  readonly v: tf.Variable; // [5·5·Cin], in HWI order (the order of the tfjs weight's rows)
}

const normalize = (x: tf.Tensor1D): tf.Tensor1D => tf.div(x, tf.maximum(tf.norm(x), NORM_EPS));

/** A deterministic Gaussian vector, normalised, from a named random source. */
function randomUnitVector(n: number, seed: number, ...path: Array<string | number>): Float32Array {
  const rng = rngFor(seed, ...path);
  const out = new Float32Array(n);
  let sum = 0;
  for (let i = 0; i < n; i++) {
    out[i] = rng.normal();
    sum += out[i] * out[i];
  }
  const norm = Math.max(Math.sqrt(sum), NORM_EPS);
  for (let i = 0; i < n; i++) out[i] /= norm;
  return out;
}

/** The SN-PatchGAN discriminator. */
export class SnPatchDiscriminator {
  readonly config: DiscriminatorConfig;
  /** Trainable: `…conv2d.weight_orig` (tfjs HWIO layout) and `…conv2d.bias`. */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** Power-iteration state: `…conv2d.weight_u`, `…conv2d.weight_v` (v in the tfjs weight's row order, HWI). */
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  private readonly layers: Layer[];

  /**
   * Glorot-uniform kernels and zero biases (TensorFlow's conv2d defaults, which DeepFill v2 used), drawn from
   * `rngFor(seed, 'discriminator', layer, …)`, so the same seed gives the same net on every backend.
   * @example const d = new SnPatchDiscriminator({ cnum: 8 }, { seed: 0 });
   */
  constructor(config: Partial<DiscriminatorConfig> = {}, options: { seed?: number } = {}) {
    this.config = { ...DEFAULT_DISCRIMINATOR_CONFIG, ...config };
    const { cnum, inChannels, powerIterations } = this.config;
    if (!Number.isInteger(cnum) || cnum < 1) throw invalidParameter('discriminator.cnum', 'positive integer', cnum);
    if (!Number.isInteger(powerIterations) || powerIterations < 1) {
      throw invalidParameter('discriminator.powerIterations', 'positive integer', powerIterations);
    }
    const seed = options.seed ?? 0;
    const params = new Map<string, tf.Variable>();
    const buffers = new Map<string, tf.Variable>();
    this.layers = [];
    let cin = inChannels;
    WIDTH_MULTIPLIERS.forEach((mult, i) => {
      const cout = cnum * mult;
      const prefix = `discriminator_net.${i}.conv2d`;
      const fanIn = KERNEL * KERNEL * cin;
      const fanOut = KERNEL * KERNEL * cout;
      const limit = Math.sqrt(6 / (fanIn + fanOut));
      const rng = rngFor(seed, 'discriminator', i, 'weight');
      const w = new Float32Array(fanIn * cout);
      for (let k = 0; k < w.length; k++) w[k] = rng.uniform(-limit, limit);
      const layer: Layer = tf.tidy(() => ({
        prefix,
        cout,
        weight: tf.variable(tf.tensor4d(w, [KERNEL, KERNEL, cin, cout]), true),
        bias: tf.variable(tf.zeros([cout]), true),
        u: tf.variable(tf.tensor1d(randomUnitVector(cout, seed, 'discriminator', i, 'u')), false),
        v: tf.variable(tf.tensor1d(randomUnitVector(fanIn, seed, 'discriminator', i, 'v')), false),
      }));
      this.layers.push(layer);
      params.set(`${prefix}.weight_orig`, layer.weight);
      params.set(`${prefix}.bias`, layer.bias);
      buffers.set(`${prefix}.weight_u`, layer.u);
      buffers.set(`${prefix}.weight_v`, layer.v);
      cin = cout;
    });
    this.params = params;
    this.buffers = buffers;
    this.powerIterate(WARMUP_ITERATIONS);
  }

  /** Update every layer's u, v by `iterations` steps of power iteration (outside any gradient tape). */
  powerIterate(iterations = this.config.powerIterations): void {
    tf.tidy(() => {
      for (const layer of this.layers) {
        const wt = tf.reshape(layer.weight, [-1, layer.cout]) as tf.Tensor2D; // [K, Cout] = Wmatᵀ
        let u = layer.u as tf.Tensor1D;
        let v = layer.v as tf.Tensor1D;
        for (let k = 0; k < iterations; k++) {
          v = normalize(tf.squeeze(tf.matMul(wt, tf.expandDims(u, 1)), [1]) as tf.Tensor1D); // v = Wmatᵀu / ‖·‖
          u = normalize(tf.squeeze(tf.matMul(wt, tf.expandDims(v, 1), true), [1]) as tf.Tensor1D); // u = Wmat v / ‖·‖
        }
        layer.u.assign(u);
        layer.v.assign(v);
      }
    });
  }

  /** σ estimate uᵀ W v of one layer, differentiable in W (u, v held constant, as in PyTorch). */
  private sigma(layer: Layer): tf.Scalar {
    const wt = tf.reshape(layer.weight, [-1, layer.cout]) as tf.Tensor2D;
    const wv = tf.squeeze(tf.matMul(wt, tf.expandDims(layer.v, 1), true), [1]);
    return tf.sum(tf.mul(layer.u, wv));
  }

  /** The normalised kernels W / σ (HWIO), by name `…weight`; for inspection and tests. Caller disposes. */
  normalizedWeights(): Map<string, tf.Tensor4D> {
    return new Map(this.layers.map((l) => [`${l.prefix}.weight`, tf.tidy(() => tf.div(l.weight, this.sigma(l)) as tf.Tensor4D)]));
  }

  /**
   * Patch scores for images (NHWC, −1…1) and masks (NHW1, 1 = hole): [N, h·w·C] after flattening.
   * Pure in its state: call `powerIterate()` first when the update should see fresh u, v.
   */
  apply(image: tf.Tensor4D, mask: tf.Tensor4D): tf.Tensor2D {
    if (image.shape[3] + mask.shape[3] !== this.config.inChannels) {
      throw new BgfillError(
        `Discriminator expects ${this.config.inChannels} input channels (image + mask), got ${image.shape[3]} + ${mask.shape[3]}`,
      );
    }
    return tf.tidy(() => {
      let x: tf.Tensor4D = tf.concat([image, mask], 3);
      for (const layer of this.layers) {
        const sigma = this.sigma(layer);
        // a backend's fused kernels (model/layer-overrides.ts), else the stock ops
        const fused = activeLeakyConvOverride()?.(x, layer.weight as tf.Tensor4D, layer.bias as tf.Tensor1D, sigma, STRIDE, 0.2);
        x = fused ?? (tf.leakyRelu(tf.add(tf.conv2d(x, tf.div(layer.weight, sigma) as tf.Tensor4D, STRIDE, 'same'), layer.bias), 0.2) as tf.Tensor4D);
      }
      return tf.reshape(x, [x.shape[0], -1]) as tf.Tensor2D;
    });
  }

  dispose(): void {
    for (const v of [...this.params.values(), ...this.buffers.values()]) v.dispose();
  }
}

import * as tf from '@tensorflow/tfjs';
import { invalidParameter, type Seed } from '@bgfill/core';
import { describeWeights } from '../weights/infer-config.js';
import type { WeightMap } from '../weights/weight-tensor.js';
import {
  REQUIRED_MULTIPLE,
  generatorArchitecture,
  generatorParamSpecs,
  type GatedConvSpec,
  type GeneratorArchitecture,
  type ParamSpec,
} from './architecture.js';
import { resolveGeneratorConfig, type GeneratorConfig } from './config.js';
import { gatedConv, type GatedConvWeights } from './gated-conv.js';
import { assignStateDict, createParamVariables, type InitialValues, type LoadStateDictOptions } from './param-store.js';
import { selfAttention, type SelfAttentionWeights } from './self-attention.js';
import { SIGNED_UNIT_PIXELS, type PixelCodec } from '../inference/pixel-range.js';

export interface GeneratorOptions {
  /** Seed of the deterministic initialisation (default 0): same seed, same weights, bit for bit. */
  seed?: Seed;
  /** `zeros` skips the seeded draw, for a generator whose every weight is loaded next (default `seeded`). */
  initial?: InitialValues;
}

export interface ApplyOptions {
  /**
   * Training mode: batch normalisation uses the batch's statistics (gradients flow through them), and after the
   * forward pass the running mean/variance (momentum 0.1, unbiased variance) and `num_batches_tracked` buffers are
   * updated. Default false (inference: running statistics, no buffer changes).
   */
  training?: boolean;
  /** NHW1 guidance map for a 5-channel generator; when absent, a map of ones (what the public 5-channel model feeds). */
  guidance?: tf.Tensor4D;
}

/** The generator's three outputs, NHWC with 3 channels, all in −1…1 (a type alias, so `tf.dispose(outputs)` accepts it). */
export type GeneratorOutputs = {
  /** The coarse stage's result, clamped to −1…1. */
  coarse: tf.Tensor4D;
  /** The refine stage's result, clamped to −1…1. */
  refined: tf.Tensor4D;
  /** The refined result inside the hole, the input outside: refined·mask + x·(1 − mask). */
  composite: tf.Tensor4D;
};

export type { LoadStateDictOptions } from './param-store.js';

let instances = 0;

/**
 * The InpaintSANet-compatible inpainting generator on TensorFlow.js (NHWC):
 * a coarse stage of 17 gated convolutions, a refine stage of 11 gated convolutions, self-attention at 1/4
 * resolution and an upsampling stage of 7 gated convolutions, with parameters named as the PyTorch module's
 * state_dict keys (`coarse_net.0.conv2d.weight`, `refine_attn.gamma`, …).
 *
 * Input forming and output clamping follow the public PyTorch InpaintSANet (GatedConvolution_pytorch `sa_gan.py`,
 * iPERCore `inpaintor.py`): holes are filled with 1 before the coarse stage; the refine stage sees the input with
 * the clamped coarse result pasted into the hole; both stage outputs are clamped (not tanh) to −1…1.
 * Channels in: masked RGB, mask, and (5-channel generators) the guidance map.
 *
 * @example
 * const g = new InpaintGenerator({ cnum: 32 }, { seed: 1 });
 * const { composite } = g.apply(image, mask);          // image NHWC in −1…1, mask NHW1 with 1 = hole
 * g.dispose();
 */
export class InpaintGenerator {
  /** The architecture's registry name. */
  readonly arch = 'inpaintsanet' as const;
  /** Pixels map to −1…1 and back (toNetRange / fromNetRange). */
  readonly pixels: PixelCodec = SIGNED_UNIT_PIXELS;
  readonly config: GeneratorConfig;
  /** The layer list this generator runs. */
  readonly architecture: GeneratorArchitecture;
  /** Every state_dict entry (PyTorch names, PyTorch shapes), in state_dict order. */
  readonly specs: readonly ParamSpec[];
  /** Trainable parameters keyed by state_dict name; convolution kernels are HWIO. */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** Non-trainable buffers (batch-norm running_mean, running_var, num_batches_tracked) keyed by state_dict name. */
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  /** Input height and width must be multiples of this (two stride-2 stages, two ×2 upsamplings). */
  readonly requiredMultiple: number = REQUIRED_MULTIPLE;
  private readonly all: Map<string, tf.Variable>;
  private disposed = false;

  constructor(config: Partial<GeneratorConfig> = {}, options: GeneratorOptions = {}) {
    this.config = resolveGeneratorConfig(config);
    this.architecture = generatorArchitecture(this.config);
    this.specs = generatorParamSpecs(this.config);
    const { params, buffers, all } = createParamVariables(this.specs, options.seed ?? 0, `bgfill-generator-${++instances}`, options.initial);
    this.params = params;
    this.buffers = buffers;
    this.all = all;
  }

  /**
   * Bytes of the float32 self-attention score matrix of one image of `width` × `height` (multiples of 4): attention
   * runs at 1/4 resolution, so (H·W/16)² scores.
   * @example g.attentionBytes(512, 512) // → 2 ** 30
   */
  attentionBytes(width: number, height: number): number {
    const positions = (width * height) / 16;
    return positions * positions * 4;
  }

  /** A short description for messages, e.g. "the generator (cnum 32, 4 input channels, gate spatial)". */
  describe(): string {
    const { cnum, inChannels, gate, scaledAttention, coordAttention } = this.config;
    const extras = [scaledAttention ? 'scaled attention' : '', coordAttention ? 'coordinate attention' : ''].filter(Boolean);
    return `the generator (cnum ${cnum}, ${inChannels} input channels, gate ${gate}${extras.length ? `, ${extras.join(', ')}` : ''})`;
  }

  private variable(name: string): tf.Variable {
    const v = this.all.get(name);
    if (!v) throw new Error(`internal: generator has no parameter ${name}`);
    return v;
  }

  private gatedConvWeights(spec: GatedConvSpec): GatedConvWeights {
    const get = (suffix: string) => this.all.get(`${spec.name}.${suffix}`);
    const v = (suffix: string) => this.variable(`${spec.name}.${suffix}`);
    const gateKernel = get('mask_conv2d.weight');
    const alpha = get('gct.alpha');
    return {
      featureKernel: v('conv2d.weight') as tf.Tensor4D,
      featureBias: v('conv2d.bias') as tf.Tensor1D,
      gateKernel: gateKernel as tf.Tensor4D | undefined,
      gateBias: gateKernel ? (v('mask_conv2d.bias') as tf.Tensor1D) : undefined,
      channelGate: alpha
        ? { alpha: alpha as tf.Tensor1D, gamma: v('gct.gamma') as tf.Tensor1D, beta: v('gct.beta') as tf.Tensor1D }
        : undefined,
      batchNorm: {
        weight: v('batch_norm2d.weight') as tf.Tensor1D,
        bias: v('batch_norm2d.bias') as tf.Tensor1D,
        runningMean: v('batch_norm2d.running_mean') as tf.Tensor1D,
        runningVar: v('batch_norm2d.running_var') as tf.Tensor1D,
      },
    };
  }

  private attentionWeights(): SelfAttentionWeights {
    const v = (name: string) => this.variable(`refine_attn.${name}`);
    return {
      queryKernel: v('query_conv.weight') as tf.Tensor4D,
      queryBias: v('query_conv.bias') as tf.Tensor1D,
      keyKernel: v('key_conv.weight') as tf.Tensor4D,
      keyBias: v('key_conv.bias') as tf.Tensor1D,
      valueKernel: v('value_conv.weight') as tf.Tensor4D,
      valueBias: v('value_conv.bias') as tf.Tensor1D,
      gamma: v('gamma') as tf.Tensor1D,
      coordKernel: this.config.coordAttention ? (v('coord_conv.weight') as tf.Tensor4D) : undefined,
      coordBias: this.config.coordAttention ? (v('coord_conv.bias') as tf.Tensor1D) : undefined,
    };
  }

  private runStage(layers: readonly GatedConvSpec[], x: tf.Tensor4D, training: boolean, updates: BufferUpdate[]): tf.Tensor4D {
    let y = x;
    for (const layer of layers) {
      const result = gatedConv(y, layer, this.gatedConvWeights(layer), training);
      if (result.runningStats) {
        const prefix = `${layer.name}.batch_norm2d`;
        updates.push(
          { name: `${prefix}.running_mean`, value: tf.keep(result.runningStats.runningMean) },
          { name: `${prefix}.running_var`, value: tf.keep(result.runningStats.runningVar) },
        );
      }
      y = result.y;
    }
    return y;
  }

  private checkInputs(x: tf.Tensor4D, mask: tf.Tensor4D, options: ApplyOptions): void {
    if (this.disposed) throw new Error('InpaintGenerator: used after dispose()');
    if (x.rank !== 4 || x.shape[3] !== 3) throw invalidParameter('image', 'an NHWC tensor with 3 channels', `shape [${x.shape.join(', ')}]`);
    const [n, h, w] = x.shape;
    if (mask.rank !== 4 || mask.shape[0] !== n || mask.shape[1] !== h || mask.shape[2] !== w || mask.shape[3] !== 1) {
      throw invalidParameter('mask', `shape [${n}, ${h}, ${w}, 1] (like the image, 1 channel)`, `shape [${mask.shape.join(', ')}]`);
    }
    const m = this.requiredMultiple;
    if (h < m || w < m || h % m !== 0 || w % m !== 0) {
      throw invalidParameter('image size', `height and width that are positive multiples of ${m}`, `${h}×${w}`);
    }
    if (x.dtype !== 'float32' || mask.dtype !== 'float32') throw invalidParameter('image and mask dtype', 'float32', `${x.dtype} and ${mask.dtype}`);
    const g = options.guidance;
    if (g !== undefined) {
      if (this.config.inChannels !== 5) throw invalidParameter('guidance', 'no guidance map for a 4-channel generator', 'a guidance map');
      if (g.rank !== 4 || g.shape[0] !== n || g.shape[1] !== h || g.shape[2] !== w || g.shape[3] !== 1 || g.dtype !== 'float32') {
        throw invalidParameter('guidance', `a float32 tensor of shape [${n}, ${h}, ${w}, 1]`, `${g.dtype} shape [${g.shape.join(', ')}]`);
      }
    }
    if (options.training && n * (h / 4) * (w / 4) < 2) {
      throw invalidParameter('training batch', 'more than one value per channel at 1/4 resolution for batch norm', `${n} image(s) of ${h}×${w}`);
    }
  }

  /**
   * Run the generator. x: NHWC image in −1…1 (hole pixels are ignored, even NaN); mask: NHW1, 1 = hole, 0 = known.
   * Returns new tensors the caller disposes. Differentiable (use inside tf.variableGrads / optimizer.minimize).
   *
   * In training mode, batch-norm running statistics are updated after the forward pass by assigning the buffers
   * (no gradient flows into buffers; the update ops hang off the graph and never reach a loss). Calling apply
   * inside tf.variableGrads therefore updates them once per step, as PyTorch's train-mode forward does.
   * @example
   * const { coarse, refined, composite } = g.apply(x, mask, { training: true });
   */
  apply(x: tf.Tensor4D, mask: tf.Tensor4D, options: ApplyOptions = {}): GeneratorOutputs {
    this.checkInputs(x, mask, options);
    const training = options.training === true;
    const updates: BufferUpdate[] = [];
    try {
      const outputs = tf.tidy(() => {
        const keep = tf.sub(1, mask);
        // Hole pixels may hold anything (NaN included): zero non-finite values so that x·(1 − mask) is exact.
        const known = tf.mul(tf.where(tf.isFinite(x), x, tf.zerosLike(x)), keep) as tf.Tensor4D;
        const extra: tf.Tensor4D[] = [];
        if (this.config.inChannels === 5) extra.push(options.guidance ?? (tf.onesLike(mask) as tf.Tensor4D));
        const coarseInput = tf.concat([tf.add(known, mask), mask, ...extra], 3) as tf.Tensor4D;
        const coarse = tf.clipByValue(this.runStage(this.architecture.coarse, coarseInput, training, updates), -1, 1) as tf.Tensor4D;
        const refineInput = tf.concat([tf.add(known, tf.mul(coarse, mask)), mask, ...extra], 3) as tf.Tensor4D;
        let features = this.runStage(this.architecture.refineConv, refineInput, training, updates);
        features = selfAttention(features, this.attentionWeights(), { scaled: this.config.scaledAttention });
        const refined = tf.clipByValue(this.runStage(this.architecture.refineUpsample, features, training, updates), -1, 1) as tf.Tensor4D;
        const composite = tf.add(tf.mul(refined, mask), known) as tf.Tensor4D;
        return { coarse, refined, composite };
      });
      if (training) this.commitBufferUpdates(updates);
      return outputs;
    } finally {
      for (const u of updates) u.value.dispose();
    }
  }

  private commitBufferUpdates(updates: readonly BufferUpdate[]): void {
    for (const { name, value } of updates) this.variable(name).assign(value);
    tf.tidy(() => {
      for (const [name, v] of this.buffers) if (name.endsWith('.num_batches_tracked')) v.assign(tf.add(v, tf.scalar(1, 'int32')));
    });
  }

  /**
   * Parameters and buffers as new tensors (the caller disposes them), keyed by state_dict name, in state_dict
   * order, in tfjs layout (convolution kernels HWIO; num_batches_tracked int32).
   * @example
   * const sd = g.stateDict(); sd.get('coarse_net.0.conv2d.weight')?.shape // → [5, 5, 4, cnum]
   */
  stateDict(): Map<string, tf.Tensor> {
    return new Map(this.specs.map((spec) => [spec.name, tf.clone(this.variable(spec.name))]));
  }

  /**
   * Assign weights by state_dict name, converting layout (tagged per tensor) and dtype (float16/bfloat16/float64
   * to float32, int64 counters to int32). All keys are checked before any is assigned: unknown, missing and
   * shape-mismatched keys are listed in one BgfillError (strict, the default) or one warning (strict: false, the
   * good keys are then loaded). A missing num_batches_tracked is accepted (files from PyTorch < 0.4.1 lack it).
   * @example
   * g.loadStateDict(await readTorchStateDict('netG.pth'));
   */
  loadStateDict(weights: WeightMap, options: LoadStateDictOptions = {}): void {
    if (this.disposed) throw new Error('InpaintGenerator: used after dispose()');
    assignStateDict(this.all, this.specs, weights, options, this.describe(), describeWeights);
  }

  /** Free every variable. The generator cannot be used afterwards. */
  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.all.values()) v.dispose();
  }
}

interface BufferUpdate {
  name: string;
  value: tf.Tensor;
}

import * as tf from '@tensorflow/tfjs';
import { invalidParameter, type Seed } from '@bgfill/core';
import type { ParamSpec } from '../model/architecture.js';
import { BatchNormPass, type BatchNormMode } from '../model/batch-norm-pass.js';
import { blockedConv } from '../model/blocked-conv.js';
import { assignStateDict, createParamVariables, type InitialValues, type LoadStateDictOptions } from '../model/param-store.js';
import { upsampleNearest2x } from '../model/upsample.js';
import { UNIT_PIXELS, type PixelCodec } from '../inference/pixel-range.js';
import type { WeightMap } from '../weights/weight-tensor.js';
import type { InpaintNet, NetOutputs } from '../arch/net.js';
import { knowledgeConsistentAttention, type AttentionState } from './attention.js';
import { resolveRfrNetConfig, type RfrNetConfig } from './config.js';
import { LEAKY_SLOPE, RFRNET_MULTIPLE, rfrNetLayout, rfrNetParamSpecs, type RfrBlockSpec, type RfrConvSpec, type RfrLayout } from './layout.js';
import { partialConv } from './partial-conv.js';

/**
 * Fewest input channels per block of a blocked convolution (blocked-conv.ts): the 7×7 partial convolutions then sum
 * 784 products per block. Measured on the authors' fixture (wasm, 256²): float32 error 6.5e-6 against PyTorch's own
 * 4.7e-6; 1.3e-5 without blocks, 9.4e-6 with the partial convolutions unblocked.
 */
const MIN_BLOCK = 16;

/** Added to the mean mask before dividing in the feature merge (the authors' `amp_vec + 1e-7`). */
export const MERGE_EPS = 1e-7;

export interface RfrApplyOptions {
  /** Training mode (default false): batch norm on the batch's statistics, unless `frozenBatchNorm`. */
  training?: boolean;
  /**
   * In training mode, keep every batch norm on its running statistics, not updated, while its weight and bias still
   * train: the authors' `finetune` mode (`RFRNet.train(finetune=True)` puts every BatchNorm2d in eval mode).
   */
  frozenBatchNorm?: boolean;
}

let instances = 0;

/** An activation after batch norm: ReLU for slope 0, else LeakyReLU. */
function activate(x: tf.Tensor4D, slope: number): tf.Tensor4D {
  return (slope === 0 ? tf.relu(x) : tf.leakyRelu(x, slope)) as tf.Tensor4D;
}

/**
 * RFR-Net (Li et al., "Recurrent Feature Reasoning for Image Inpainting", CVPR 2020) on TensorFlow.js, NHWC, with
 * the authors' state_dict names (`Pconv1.weight`, `RFRModule.att.att.ratio`, …). See layout.ts for the layers.
 *
 * `forward` is the authors' `RFRNet.forward(in_image, mask)`: the masked image in 0…1 and a 3-channel mask with
 * 1 = known, returning the raw (unclamped) output. `apply` is bgfill's convention for every architecture: the image in
 * 0…1 (hole pixels ignored) and a one-channel mask with 1 = hole, returning the raw output as `refined` and the
 * composite (output in the hole, input elsewhere).
 * @example
 * const net = new RfrNet({ width: 64 });
 * const { composite } = net.apply(image, hole); // image NHWC in 0…1, hole NHW1 with 1 = hole; sizes multiples of 16
 */
export class RfrNet implements InpaintNet {
  readonly arch = 'rfrnet' as const;
  readonly pixels: PixelCodec = UNIT_PIXELS;
  readonly requiredMultiple = RFRNET_MULTIPLE;
  readonly config: RfrNetConfig;
  readonly layout: RfrLayout;
  readonly specs: readonly ParamSpec[];
  readonly params: ReadonlyMap<string, tf.Variable>;
  readonly buffers: ReadonlyMap<string, tf.Variable>;
  private readonly all: Map<string, tf.Variable>;
  private disposed = false;

  constructor(config: Partial<RfrNetConfig> = {}, options: { seed?: Seed; initial?: InitialValues } = {}) {
    this.config = resolveRfrNetConfig(config);
    this.layout = rfrNetLayout(this.config);
    this.specs = rfrNetParamSpecs(this.config);
    const { params, buffers, all } = createParamVariables(this.specs, options.seed ?? 0, `bgfill-rfrnet-${++instances}`, options.initial);
    this.params = params;
    this.buffers = buffers;
    this.all = all;
  }

  /** e.g. "RFR-Net (width 64, 6 recurrences)". */
  describe(): string {
    return `RFR-Net (width ${this.config.width}, ${this.config.iterations} recurrence${this.config.iterations === 1 ? '' : 's'})`;
  }

  /**
   * Bytes of the float32 attention score matrix of one image of `width` × `height` (multiples of 16): the attention
   * runs at 1/8 resolution, every pixel against every pixel.
   * @example net.attentionBytes(256, 256) // → 4 MiB
   */
  attentionBytes(width: number, height: number): number {
    const positions = (width / 8) * (height / 8);
    return positions * positions * 4;
  }

  private variable(name: string): tf.Variable {
    const v = this.all.get(name);
    if (!v) throw new Error(`internal: RFR-Net has no parameter ${name}`);
    return v;
  }

  /** A convolution of the layout: PyTorch Conv2d (symmetric zero padding, dilation) or ConvTranspose2d. */
  private conv(x: tf.Tensor4D, spec: RfrConvSpec): tf.Tensor4D {
    const kernel = this.variable(`${spec.name}.weight`) as tf.Tensor4D;
    const bias = spec.bias ? (this.variable(`${spec.name}.bias`) as tf.Tensor1D) : null;
    if (!spec.transposed) return blockedConv(x, kernel, bias, spec, { transposed: false }, MIN_BLOCK);
    const [n, h, w] = x.shape;
    // ConvTranspose2d: out = (in − 1)·stride − 2·padding + kernel; tfjs takes the padding of the forward convolution.
    const size = (v: number) => (v - 1) * spec.stride - 2 * spec.padding + spec.kernel;
    return blockedConv(x, kernel, bias, spec, { transposed: true, outputShape: [n, size(h), size(w), spec.outChannels] }, MIN_BLOCK);
  }

  private block(x: tf.Tensor4D, block: RfrBlockSpec, bn: BatchNormPass): tf.Tensor4D {
    return activate(bn.apply(this.conv(x, block.conv), block.bn), block.slope);
  }

  private pconv(x: tf.Tensor4D, mask: tf.Tensor4D, spec: RfrConvSpec): { y: tf.Tensor4D; mask: tf.Tensor4D } {
    return partialConv(x, mask, this.variable(`${spec.name}.weight`) as tf.Tensor4D, spec, MIN_BLOCK);
  }

  /**
   * The feature-reasoning module (the authors' RFRModule): encoder, decoder with skips, attention after dec_3 under
   * the mask taken at the attention's resolution (nearest, i.e. every 8th pixel of the full-size mask).
   */
  private reason(x: tf.Tensor4D, mask: tf.Tensor4D, previous: AttentionState | null, bn: BatchNormPass): { y: tf.Tensor4D; state: AttentionState } {
    const l = this.layout;
    const h: tf.Tensor4D[] = [x];
    for (const block of l.encoder) h.push(this.block(h[h.length - 1], block, bn));
    let y = h[h.length - 1];
    let state: AttentionState | undefined;
    l.decoder.forEach((block, j) => {
      y = this.block(tf.concat([y, h[l.decoder.length - j]], 3) as tf.Tensor4D, block, bn);
      if (block.conv.name !== l.attentionAfter) return;
      const [n, ah, aw] = y.shape;
      const step = mask.shape[1] / ah;
      const small = tf.stridedSlice(mask, [0, 0, 0, 0], [n, mask.shape[1], mask.shape[2], 1], [1, step, step, 1]) as tf.Tensor4D;
      if (small.shape[1] !== ah || small.shape[2] !== aw) throw new Error(`internal: attention mask ${small.shape} for features ${y.shape}`);
      const attended = knowledgeConsistentAttention(y, small, this.variable(l.ratio), previous);
      state = attended.state;
      y = this.conv(tf.concat([attended.y, y], 3) as tf.Tensor4D, l.combiner);
    });
    if (!state) throw new Error('internal: RFR-Net decoder without attention');
    return { y, state };
  }

  /** The tail's ResNet bottleneck (the authors' `Bottleneck(w/2, w/8)`): three convolutions and a residual. */
  private bottleneck(x: tf.Tensor4D, bn: BatchNormPass): tf.Tensor4D {
    const b = this.layout.bottleneck;
    let y = tf.relu(bn.apply(this.conv(x, b.conv1), b.bn1)) as tf.Tensor4D;
    y = tf.relu(bn.apply(this.conv(y, b.conv2), b.bn2)) as tf.Tensor4D;
    y = bn.apply(this.conv(y, b.conv3), b.bn3);
    return tf.relu(tf.add(y, x)) as tf.Tensor4D;
  }

  private checkSizes(x: tf.Tensor4D, mask: tf.Tensor4D, maskChannels: number): void {
    if (this.disposed) throw new Error('RfrNet: used after dispose()');
    if (x.rank !== 4 || x.shape[3] !== 3) throw invalidParameter('image', 'an NHWC tensor with 3 channels', `shape [${x.shape.join(', ')}]`);
    const [n, h, w] = x.shape;
    if (mask.rank !== 4 || mask.shape[0] !== n || mask.shape[1] !== h || mask.shape[2] !== w || mask.shape[3] !== maskChannels) {
      throw invalidParameter('mask', `shape [${n}, ${h}, ${w}, ${maskChannels}]`, `shape [${mask.shape.join(', ')}]`);
    }
    const m = this.requiredMultiple;
    if (h < m || w < m || h % m !== 0 || w % m !== 0) throw invalidParameter('image size', `height and width that are positive multiples of ${m}`, `${h}×${w}`);
    if (x.dtype !== 'float32' || mask.dtype !== 'float32') throw invalidParameter('image and mask dtype', 'float32', `${x.dtype} and ${mask.dtype}`);
  }

  /**
   * The authors' forward pass: `maskedImage` NHWC in 0…1 with zeros in the hole, `mask` NHW3 with 1 = known.
   * Returns the raw output (not clamped), a new tensor. In training mode the batch-norm buffers are updated after
   * the pass (every recurrence's call counts), unless `frozenBatchNorm`.
   * @example const output = net.forward(maskedImage, mask3);
   */
  forward(maskedImage: tf.Tensor4D, mask: tf.Tensor4D, options: RfrApplyOptions = {}): tf.Tensor4D {
    this.checkSizes(maskedImage, mask, 3);
    const mode: BatchNormMode = options.training ? (options.frozenBatchNorm ? 'frozen' : 'train') : 'eval';
    const [n] = maskedImage.shape;
    if (mode === 'train' && n * (maskedImage.shape[1] / 16) * (maskedImage.shape[2] / 16) < 2) {
      throw invalidParameter('training batch', 'more than one value per channel at 1/16 resolution for batch norm', `${n} image(s) of ${maskedImage.shape[1]}×${maskedImage.shape[2]}`);
    }
    const bn = new BatchNormPass((name) => this.variable(name), mode);
    try {
      const output = tf.tidy(() => {
        const l = this.layout;
        let { y: x, mask: m } = this.pconv(maskedImage, mask, l.pconv1);
        x = tf.relu(bn.apply(x, l.bn1)) as tf.Tensor4D;
        ({ y: x, mask: m } = this.pconv(x, m, l.pconv2));
        x = tf.relu(bn.apply(x, l.bn20)) as tf.Tensor4D;
        const features = [x];
        const masks = [m];
        let state: AttentionState | null = null;
        for (let i = 0; i < this.config.iterations; i++) {
          ({ y: x, mask: m } = this.pconv(x, m, l.pconv21));
          ({ y: x, mask: m } = this.pconv(x, m, l.pconv22));
          x = activate(bn.apply(x, l.bn2), LEAKY_SLOPE);
          const reasoned = this.reason(x, m, state, bn);
          state = reasoned.state;
          x = tf.mul(reasoned.y, m) as tf.Tensor4D;
          features.push(x);
          masks.push(m);
        }
        // Feature merging: each recurrence's features weighted by its mask, averaged, renormalised by the mean mask.
        const stackedMasks = tf.stack(masks);
        const merged = tf.div(tf.mean(tf.mul(tf.stack(features), stackedMasks), 0), tf.add(tf.mean(stackedMasks, 0), MERGE_EPS)) as tf.Tensor4D;
        const up = activate(bn.apply(this.conv(merged, l.tconv), l.bn3), LEAKY_SLOPE);
        const upMask = tf.tile(upsampleNearest2x(m), [1, 1, 1, l.width]) as tf.Tensor4D;
        const tail = this.pconv(tf.concat([maskedImage, up], 3) as tf.Tensor4D, tf.concat([mask, upMask], 3) as tf.Tensor4D, l.tail1);
        const t1 = activate(tail.y, LEAKY_SLOPE);
        return this.conv(tf.concat([t1, this.bottleneck(t1, bn)], 3) as tf.Tensor4D, l.out);
      });
      if (mode === 'train') bn.commit();
      return output;
    } finally {
      bn.dispose();
    }
  }

  /**
   * bgfill's convention: x NHWC in 0…1 (hole pixels ignored, even NaN), mask NHW1 with 1 = hole. The network sees
   * the image with zeros in the hole and the mask inverted on three channels, as the authors' test path feeds it;
   * `composite` is output · hole + image · (1 − hole). New tensors the caller disposes; differentiable.
   * @example const { refined, composite } = net.apply(x, hole);
   */
  apply(x: tf.Tensor4D, mask: tf.Tensor4D, options: RfrApplyOptions = {}): NetOutputs {
    this.checkSizes(x, mask, 1);
    return tf.tidy(() => {
      const known = tf.sub(1, mask) as tf.Tensor4D;
      const masked = tf.mul(tf.where(tf.isFinite(x), x, tf.zerosLike(x)), known) as tf.Tensor4D;
      const refined = this.forward(masked, tf.tile(known, [1, 1, 1, 3]) as tf.Tensor4D, options);
      return { refined, composite: tf.add(tf.mul(refined, mask), masked) as tf.Tensor4D };
    });
  }

  /**
   * Assign weights by state_dict name (see assignStateDict): every unknown, missing or mis-shaped key is named in one
   * BgfillError, or one warning with `strict: false`.
   * @example net.loadStateDict((await readTorchCheckpoint('rfrnet.pth')).generator);
   */
  loadStateDict(weights: WeightMap, options: LoadStateDictOptions = {}): void {
    if (this.disposed) throw new Error('RfrNet: used after dispose()');
    // When shapes mismatch, say what width the weights have, if it is another one.
    const hint = (w: WeightMap) => {
      const width = inferRfrNetWidth(w);
      return width !== undefined && width !== this.config.width ? `width ${width}` : undefined;
    };
    assignStateDict(this.all, this.specs, weights, options, this.describe(), hint);
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const v of this.all.values()) v.dispose();
  }
}

/** Keys whose shape shows the width, and where: [key, axis in PyTorch layout, axis in tfjs layout]. */
const WIDTH_KEYS: ReadonlyArray<readonly [string, number, number]> = [
  ['Pconv1.weight', 0, 3],
  ['Pconv2.weight', 0, 3],
  ['bn1.weight', 0, 0],
  ['out.weight', 1, 2],
];

/**
 * The width the weights show (the first partial convolution's, else another layer's that has it; undefined when
 * none does), for configs and messages.
 * @example inferRfrNetWidth(weights) // → 64
 */
export function inferRfrNetWidth(weights: WeightMap): number | undefined {
  for (const [key, pytorchAxis, tfjsAxis] of WIDTH_KEYS) {
    const w = weights.get(key);
    const rank = key.endsWith('bn1.weight') ? 1 : 4;
    if (w && w.shape.length === rank) return w.shape[w.layout === 'pytorch' ? pytorchAxis : tfjsAxis];
  }
  return undefined;
}

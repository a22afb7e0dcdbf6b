import * as tf from '@tensorflow/tfjs';
import { BATCH_NORM_EPS } from '../model/batch-norm.js';
import type { MappedWeight } from '../weights/key-mapping.js';
import { poolsAfter, rsuLayers, u2netArchitecture, type ConvBnReluSpec, type RsuSpec, type U2NetArchitecture } from './u2net-architecture.js';
import type { U2NetWeights } from './u2net-weights.js';

interface Conv {
  filter: tf.Tensor4D;
  bias: tf.Tensor1D;
  dilation: number;
}

function weight(mapped: ReadonlyMap<string, MappedWeight>, name: string): Float32Array {
  const w = mapped.get(name);
  if (!w || !(w.values instanceof Float32Array)) throw new Error(`internal: U²-Net weights lack ${name}`);
  return w.values;
}

/**
 * A conv + batch norm (inference statistics) as one convolution: the kernel scaled by γ/√(σ² + ε) per output
 * channel and the bias moved to (b − μ)·γ/√(σ² + ε) + β, computed in float64 and rounded once.
 */
function foldedConv(mapped: ReadonlyMap<string, MappedWeight>, layer: ConvBnReluSpec): Conv {
  const w = weight(mapped, `${layer.name}.conv_s1.weight`);
  const b = weight(mapped, `${layer.name}.conv_s1.bias`);
  const bn = `${layer.name}.bn_s1`;
  const [gamma, beta, mean, variance] = ['weight', 'bias', 'running_mean', 'running_var'].map((p) => weight(mapped, `${bn}.${p}`));
  const out = layer.outChannels;
  const scale = Float64Array.from(gamma, (g, o) => g / Math.sqrt(variance[o] + BATCH_NORM_EPS));
  const filter = new Float32Array(w.length);
  for (let i = 0; i < w.length; i++) filter[i] = w[i] * scale[i % out]; // HWIO: the output channel is the last axis
  const bias = Float32Array.from(b, (v, o) => (v - mean[o]) * scale[o] + beta[o]);
  return { filter: tf.tensor4d(filter, [3, 3, layer.inChannels, out]), bias: tf.tensor1d(bias), dilation: layer.dilation };
}

function plainConv(mapped: ReadonlyMap<string, MappedWeight>, name: string, cin: number, k: number): Conv {
  return { filter: tf.tensor4d(weight(mapped, `${name}.weight`), [k, k, cin, 1]), bias: tf.tensor1d(weight(mapped, `${name}.bias`)), dilation: 1 };
}

/** PyTorch's F.interpolate(x, size, mode='bilinear', align_corners=False): half-pixel centres, edges clamped. */
function resizeLike(x: tf.Tensor4D, like: tf.Tensor4D): tf.Tensor4D {
  const [, h, w] = like.shape;
  return x.shape[1] === h && x.shape[2] === w ? x : tf.image.resizeBilinear(x, [h, w], false, true);
}

/** nn.MaxPool2d(2, stride=2, ceil_mode=True): TensorFlow's 'same' padding puts the odd row/column's extra window at the end, padding ignored. */
function pool(x: tf.Tensor4D): tf.Tensor4D {
  return tf.maxPool(x, 2, 2, 'same');
}

/**
 * U²-Net in TensorFlow.js (NHWC, inference): each conv + batch norm + ReLU is one fused convolution with the batch
 * norm folded in, 3×3 with zero padding equal to the dilation; max pooling in ceil mode; bilinear upsampling to
 * the skip connection's size as the authors' `F.upsample(..., mode='bilinear')` (align_corners False).
 * @example
 * const net = U2NetModel.fromWeights(await loadU2NetWeights('u2netp.pth'));
 * const [d0] = net.predict(x); // x: [N, H, W, 3] ImageNet-normalised RGB → d0: [N, H, W, 1] in (0, 1)
 */
export class U2NetModel {
  private disposed = false;

  private constructor(
    readonly architecture: U2NetArchitecture,
    private readonly convs: ReadonlyMap<string, Conv>,
  ) {}

  /** Upload checked weights (see loadU2NetWeights); the tensors live until dispose(). */
  static fromWeights(weights: U2NetWeights): U2NetModel {
    const arch = u2netArchitecture(weights.variant);
    const convs = new Map<string, Conv>();
    for (const block of [...arch.encoder, ...arch.decoder]) {
      const { input, down, up } = rsuLayers(block);
      for (const layer of [input, ...down, ...up]) convs.set(layer.name, foldedConv(weights.mapped, layer));
    }
    arch.sideChannels.forEach((c, i) => convs.set(`side${i + 1}`, plainConv(weights.mapped, `side${i + 1}`, c, 3)));
    convs.set('outconv', plainConv(weights.mapped, 'outconv', 6, 1));
    return new U2NetModel(arch, convs);
  }

  private conv(x: tf.Tensor4D, name: string, activation: 'relu' | 'linear'): tf.Tensor4D {
    const c = this.convs.get(name);
    if (!c) throw new Error(`internal: U²-Net has no layer ${name}`);
    const pad = c.filter.shape[0] === 1 ? 0 : c.dilation;
    return tf.fused.conv2d({ x, filter: c.filter, bias: c.bias, strides: 1, pad, dilations: c.dilation, activation });
  }

  private block(x: tf.Tensor4D, block: RsuSpec): tf.Tensor4D {
    const { input, down, up } = rsuLayers(block);
    const xin = this.conv(x, input.name, 'relu');
    const skips: tf.Tensor4D[] = [];
    let h = xin;
    for (let i = 1; i < block.height; i++) {
      h = this.conv(h, down[i - 1].name, 'relu');
      skips.push(h);
      if (poolsAfter(block, i)) h = pool(h);
    }
    h = this.conv(h, down[block.height - 1].name, 'relu');
    for (let i = block.height - 1; i >= 1; i--) {
      const skip = skips[i - 1];
      if (poolsAfter(block, i)) h = resizeLike(h, skip);
      h = this.conv(tf.concat([h, skip], 3), up[block.height - 1 - i].name, 'relu');
    }
    return tf.add(h, xin);
  }

  /**
   * The seven sigmoid maps [d0 (fused), d1 … d6], each [N, H, W, 1] at the input's size. Any H and W of at least 1
   * work (the authors' scripts use 320 × 320). The caller disposes the results.
   */
  predict(x: tf.Tensor4D): tf.Tensor4D[] {
    if (this.disposed) throw new Error('U2NetModel: used after dispose()');
    if (x.shape[3] !== 3) throw new Error(`internal: U²-Net takes [N, H, W, 3], got [${x.shape.join(', ')}]`);
    return tf.tidy(() => {
      const arch = this.architecture;
      const encoded: tf.Tensor4D[] = [];
      let h = x;
      arch.encoder.forEach((block, i) => {
        h = this.block(i === 0 ? h : pool(h), block);
        encoded.push(h);
      });
      const decoded: tf.Tensor4D[] = [h]; // stage6, then stage5d … stage1d: side k reads decoded[6 − k]
      arch.decoder.forEach((block, i) => {
        const skip = encoded[4 - i];
        h = this.block(tf.concat([resizeLike(h, skip), skip], 3), block);
        decoded.push(h);
      });
      // side1 on stage1d … side5 on stage5d, side6 on stage6; all upsampled to side1's size.
      const sides = [1, 2, 3, 4, 5, 6].map((k) => this.conv(decoded[6 - k], `side${k}`, 'linear'));
      const full = sides.map((s) => resizeLike(s, sides[0]));
      const fused = this.conv(tf.concat(full, 3), 'outconv', 'linear');
      return [fused, ...full].map((d) => tf.sigmoid(d));
    });
  }

  dispose(): void {
    if (this.disposed) return;
    this.disposed = true;
    for (const c of this.convs.values()) tf.dispose([c.filter, c.bias]);
  }
}

import { BATCH_NORM_EPS } from '../model/batch-norm.js';
import { GraphBuilder, attr } from '../onnx/graph-builder.js';
import { ONNX_IR_VERSION, ONNX_OPSET, weightReader } from '../onnx/export-generator.js';
import { TensorDataType, encodeOnnxModel, type OnnxModel } from '../onnx/onnx-proto.js';
import { poolsAfter, rsuLayers, u2netArchitecture, U2NET_OUTPUTS, type ConvBnReluSpec, type RsuSpec, type U2NetVariant } from './u2net-architecture.js';
import type { WeightMap } from '../weights/weight-tensor.js';

/** The ONNX graph's input name; the outputs are U2NET_OUTPUTS (d0 … d6). */
export const U2NET_ONNX_INPUT = 'image';

/** Builds U²-Net's graph, NCHW as the PyTorch module, initializers named by the state_dict keys. */
class U2NetGraph {
  readonly b = new GraphBuilder('bgfill_u2net');
  constructor(private readonly weight: (name: string, shape: number[]) => Float32Array) {}

  private param(name: string, shape: number[]): string {
    return this.b.floatInitializer(name, shape, this.weight(name, shape));
  }

  /** nn.Conv2d with square kernel k, zero padding = dilation (k 3) or 0 (k 1). */
  private conv(x: string, prefix: string, cin: number, cout: number, k: number, dilation: number): string {
    const pad = k === 1 ? 0 : dilation;
    return this.b.node(
      'Conv',
      [x, this.param(`${prefix}.weight`, [cout, cin, k, k]), this.param(`${prefix}.bias`, [cout])],
      [attr.ints('kernel_shape', [k, k]), attr.ints('pads', [pad, pad, pad, pad]), attr.ints('dilations', [dilation, dilation]), attr.ints('strides', [1, 1])],
      prefix,
    );
  }

  /** conv_s1 → bn_s1 (running statistics) → ReLU. */
  private convBnRelu(x: string, layer: ConvBnReluSpec): string {
    const c = layer.outChannels;
    const bn = `${layer.name}.bn_s1`;
    const conv = this.conv(x, `${layer.name}.conv_s1`, layer.inChannels, c, 3, layer.dilation);
    const norm = this.b.node(
      'BatchNormalization',
      [conv, ...['weight', 'bias', 'running_mean', 'running_var'].map((p) => this.param(`${bn}.${p}`, [c]))],
      [attr.float('epsilon', BATCH_NORM_EPS)],
      bn,
    );
    return this.b.node('Relu', [norm], [], `${layer.name}/relu`);
  }

  /** nn.MaxPool2d(2, stride=2, ceil_mode=True). */
  private pool(x: string, name: string): string {
    return this.b.node('MaxPool', [x], [attr.ints('kernel_shape', [2, 2]), attr.ints('strides', [2, 2]), attr.int('ceil_mode', 1)], `${name}/pool`);
  }

  /** F.interpolate(x, size=like's H×W, mode='bilinear', align_corners=False), the sizes read at run time. */
  private resizeLike(x: string, like: string, name: string): string {
    const b = this.b;
    const nc = b.node('Slice', [b.node('Shape', [x], [], `${name}/shape`), b.int64([0]), b.int64([2])], [], `${name}/nc`);
    const hw = b.node('Slice', [b.node('Shape', [like], [], `${name}/target_shape`), b.int64([2]), b.int64([4])], [], `${name}/hw`);
    const sizes = b.node('Concat', [nc, hw], [attr.int('axis', 0)], `${name}/sizes`);
    return b.node('Resize', [x, '', '', sizes], [attr.string('mode', 'linear'), attr.string('coordinate_transformation_mode', 'pytorch_half_pixel')], `${name}/upsample`);
  }

  private block(x: string, block: RsuSpec): string {
    const { input, down, up } = rsuLayers(block);
    const xin = this.convBnRelu(x, input);
    const skips: string[] = [];
    let h = xin;
    for (let i = 1; i < block.height; i++) {
      h = this.convBnRelu(h, down[i - 1]);
      skips.push(h);
      if (poolsAfter(block, i)) h = this.pool(h, down[i - 1].name);
    }
    h = this.convBnRelu(h, down[block.height - 1]);
    for (let i = block.height - 1; i >= 1; i--) {
      const skip = skips[i - 1];
      const layer = up[block.height - 1 - i];
      if (poolsAfter(block, i)) h = this.resizeLike(h, skip, layer.name);
      h = this.convBnRelu(this.b.node('Concat', [h, skip], [attr.int('axis', 1)], `${layer.name}/cat`), layer);
    }
    return this.b.node('Add', [h, xin], [], `${block.name}/residual`);
  }

  build(variant: U2NetVariant): OnnxModel['graph'] {
    const b = this.b;
    const arch = u2netArchitecture(variant);
    let h = b.input(U2NET_ONNX_INPUT, TensorDataType.FLOAT, ['N', 3, 'H', 'W'], 'RGB after the authors\' preprocessing (÷ max, ImageNet mean/std), NCHW');
    const encoded: string[] = [];
    arch.encoder.forEach((block, i) => {
      h = this.block(i === 0 ? h : this.pool(h, block.name), block);
      encoded.push(h);
    });
    const decoded = [h];
    arch.decoder.forEach((block, i) => {
      const skip = encoded[4 - i];
      h = this.block(b.node('Concat', [this.resizeLike(h, skip, `${block.name}/in`), skip], [attr.int('axis', 1)], `${block.name}/cat`), block);
      decoded.push(h);
    });
    const sides = arch.sideChannels.map((c, i) => this.conv(decoded[5 - i], `side${i + 1}`, c, 1, 3, 1));
    const full = sides.map((s, i) => (i === 0 ? s : this.resizeLike(s, sides[0], `side${i + 1}`)));
    const fused = this.conv(b.node('Concat', full, [attr.int('axis', 1)], 'sides/cat'), 'outconv', 6, 1, 1, 1);
    [fused, ...full].forEach((d, i) => {
      const name = U2NET_OUTPUTS[i];
      b.output(b.node('Sigmoid', [d], [], `${name}/sigmoid`), name, TensorDataType.FLOAT, ['N', 1, 'H', 'W'], i === 0 ? 'fused map (what the authors\' test scripts save)' : `side output ${i}`);
    });
    return b.build();
  }
}

/**
 * U²-Net as an ONNX model (opset 17, IR 8): input `image` [N, 3, H, W] (any N, H, W), outputs `d0` (fused) …
 * `d6` [N, 1, H, W], sigmoid maps as the authors' module returns them. Weights are float32 initializers named by
 * the state_dict keys (num_batches_tracked left out); batch norm stays a BatchNormalization node (onnxruntime folds
 * it into the convolution).
 * @example const bytes = encodeOnnxModel(u2netOnnxModel('U2NETP', (await loadU2NetWeights('u2netp.pth')).weights));
 */
export function u2netOnnxModel(variant: U2NetVariant, weights: WeightMap): OnnxModel {
  return {
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'bgfill',
    producerVersion: '0.1.0',
    docString: `U²-Net (${variant}), Qin et al. 2020; input NCHW after the authors' preprocessing, outputs d0 (fused) … d6.`,
    graph: new U2NetGraph(weightReader(weights)).build(variant),
    metadata: { 'bgfill.model': 'u2net', 'bgfill.variant': variant },
  };
}

/**
 * The ONNX file bytes of u2netOnnxModel.
 * @example await atomicWriteFile('u2net.onnx', exportU2NetOnnx(variant, weights));
 */
export function exportU2NetOnnx(variant: U2NetVariant, weights: WeightMap): Uint8Array {
  return encodeOnnxModel(u2netOnnxModel(variant, weights));
}

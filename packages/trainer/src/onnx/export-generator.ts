import { REQUIRED_MULTIPLE, generatorArchitecture, type GatedConvSpec } from '../model/architecture.js';
import { BATCH_NORM_EPS } from '../model/batch-norm.js';
import { GCT_EPS } from '../model/channel-gate.js';
import { hasChannelGate, hasSpatialGate, resolveGeneratorConfig, type GeneratorConfig } from '../model/config.js';
import { LEAKY_RELU_SLOPE } from '../model/gated-conv.js';
import type { InpaintGenerator } from '../model/generator.js';
import { generatorWeights } from '../weights/checkpoint.js';
import { toFloat32, type WeightMap } from '../weights/weight-tensor.js';
import { GraphBuilder, attr } from './graph-builder.js';
import { SIGNED_UNIT_PIXELS } from '../inference/pixel-range.js';
import type { OnnxIo } from '../arch/types.js';
import { TensorDataType, encodeOnnxModel, type OnnxModel } from './onnx-proto.js';

/** ONNX IR version of exported files (IR 8: ONNX 1.10+, onnxruntime 1.10+). */
export const ONNX_IR_VERSION = 8;
/** Default-domain operator set of exported files. */
export const ONNX_OPSET = 17;
/** The exported graph's input and output names. */
export const ONNX_INPUTS = { image: 'image', mask: 'mask', guidance: 'guidance' } as const;
export const ONNX_OUTPUTS = ['coarse', 'refined', 'composite'] as const;
export type OnnxOutputName = (typeof ONNX_OUTPUTS)[number];

export interface OnnxExportOptions {
  /** Extra metadata_props (string values), e.g. the source checkpoint. */
  metadata?: Record<string, string>;
  /** producer_version (default: the trainer package's version). */
  producerVersion?: string;
}

const PRODUCER_VERSION = '0.1.0';

/**
 * float32 values of a state_dict entry in PyTorch layout, checked against the shape the graph needs (also used by
 * the RFR-Net and U²-Net graphs, rfrnet/onnx-graph.ts and segment/u2net-onnx.ts).
 * @example const weight = weightReader(await generatorWeights(net)); weight('out.weight', [3, 64, 3, 3])
 */
export function weightReader(weights: WeightMap): (name: string, shape: number[]) => Float32Array {
  return (name, shape) => {
    const tensor = weights.get(name);
    if (!tensor) throw new Error(`internal: ONNX export lacks weight ${name}`);
    if (tensor.layout !== 'pytorch') throw new Error(`internal: ONNX export needs ${name} in PyTorch layout`);
    if (tensor.shape.join() !== shape.join()) throw new Error(`internal: ${name} has shape [${tensor.shape.join(', ')}], the graph needs [${shape.join(', ')}]`);
    return toFloat32(tensor);
  };
}

/**
 * How the generator's exported graph is fed: −1…1 pixels, a guidance map for 5-channel generators, outputs by name.
 * @example generatorOnnxIo(resolveGeneratorConfig()).outputs.refined // → 'refined'
 */
export function generatorOnnxIo(config: Pick<GeneratorConfig, 'inChannels'>): OnnxIo {
  return {
    requiredMultiple: REQUIRED_MULTIPLE,
    pixels: SIGNED_UNIT_PIXELS,
    guidance: config.inChannels === 5,
    outputs: { refined: 'refined', composite: 'composite' },
    // Self-attention at 1/4 resolution: (H·W/16)² float32 scores.
    attentionBytes: (width, height) => ((width * height) / 16) ** 2 * 4,
  };
}

/**
 * The image with non-finite values (hole pixels may hold anything) replaced by 0: IsNaN, IsInf, Or, Where.
 * @example const finite = finiteValues(b, image);
 */
export function finiteValues(b: GraphBuilder, image: string): string {
  const nonFinite = b.node('Or', [b.node('IsNaN', [image], [], 'input/is_nan'), b.node('IsInf', [image], [], 'input/is_inf')], [], 'input/non_finite');
  return b.node('Where', [nonFinite, b.floatScalar(0), image], [], 'input/finite');
}

/** Builds the graph; one instance per export. Values are NCHW throughout, as in the PyTorch module. */
class GeneratorGraph {
  readonly b = new GraphBuilder('bgfill_inpaint_generator');
  constructor(
    readonly config: GeneratorConfig,
    private readonly weight: (name: string, shape: number[]) => Float32Array,
  ) {}

  /** A state_dict entry as an initializer under its own name. */
  param(name: string, shape: number[]): string {
    return this.b.floatInitializer(name, shape, this.weight(name, shape));
  }

  /** A per-channel [C] parameter reshaped to [1, C, 1, 1] for broadcasting over NCHW (folded by onnxruntime). */
  channelParam(name: string, c: number): string {
    return this.b.node('Reshape', [this.param(name, [c]), this.b.int64([1, -1, 1, 1])], [], `${name}/nchw`);
  }

  /** PyTorch nn.Conv2d: symmetric zero padding; weight OIHW, bias [O]. */
  conv(x: string, prefix: string, cin: number, cout: number, k: number, stride: number, padding: number, dilation: number): string {
    const w = this.param(`${prefix}.weight`, [cout, cin, k, k]);
    const bias = this.param(`${prefix}.bias`, [cout]);
    return this.b.node(
      'Conv',
      [x, w, bias],
      [
        attr.ints('kernel_shape', [k, k]),
        attr.ints('strides', [stride, stride]),
        attr.ints('pads', [padding, padding, padding, padding]),
        attr.ints('dilations', [dilation, dilation]),
        attr.int('group', 1),
      ],
      prefix,
    );
  }

  /** Gated Channel Transformation gate of y, shape [N, C, 1, 1] (channel-gate.ts). */
  channelGate(y: string, prefix: string, c: number): string {
    const b = this.b;
    const eps = b.floatScalar(GCT_EPS);
    const sumSq = b.node('ReduceSum', [b.node('Mul', [y, y], [], `${prefix}/square`), b.int64([2, 3])], [attr.int('keepdims', 1)], `${prefix}/sum_sq`);
    const embedding = b.node('Mul', [b.node('Sqrt', [b.node('Add', [sumSq, eps], [], `${prefix}/sum_sq_eps`)], [], `${prefix}/l2`), this.channelParam(`${prefix}.alpha`, c)], [], `${prefix}/embedding`);
    const meanSq = b.node('ReduceMean', [b.node('Mul', [embedding, embedding], [], `${prefix}/embedding_sq`)], [attr.ints('axes', [1]), attr.int('keepdims', 1)], `${prefix}/mean_sq`);
    const norm = b.node('Div', [this.channelParam(`${prefix}.gamma`, c), b.node('Sqrt', [b.node('Add', [meanSq, eps], [], `${prefix}/mean_sq_eps`)], [], `${prefix}/rms`)], [], `${prefix}/norm`);
    const pre = b.node('Add', [b.node('Mul', [embedding, norm], [], `${prefix}/scaled`), this.channelParam(`${prefix}.beta`, c)], [], `${prefix}/shifted`);
    return b.node('Add', [b.node('Tanh', [pre], [], `${prefix}/tanh`), b.floatScalar(1)], [], `${prefix}/gate`);
  }

  /** One gated convolution (gated-conv.ts) in inference mode. */
  gatedConv(x: string, spec: GatedConvSpec): string {
    const b = this.b;
    const { name, inChannels: cin, outChannels: c, kernel: k, stride, padding, dilation } = spec;
    const input = spec.upsample
      ? b.node(
          'Resize',
          [x, '', this.upsampleScales()],
          [attr.string('mode', 'nearest'), attr.string('coordinate_transformation_mode', 'asymmetric'), attr.string('nearest_mode', 'floor')],
          `${name}/upsample`,
        )
      : x;
    const raw = this.conv(input, `${name}.conv2d`, cin, c, k, stride, padding, dilation);
    const feature = spec.activation ? b.node('LeakyRelu', [raw], [attr.float('alpha', LEAKY_RELU_SLOPE)], `${name}/feature`) : raw;
    let gated = feature;
    if (hasSpatialGate(this.config)) {
      const gate = b.node('Sigmoid', [this.conv(input, `${name}.mask_conv2d`, cin, c, k, stride, padding, dilation)], [], `${name}/spatial_gate`);
      gated = b.node('Mul', [gated, gate], [], `${name}/spatial_gated`);
    }
    if (hasChannelGate(this.config)) gated = b.node('Mul', [gated, this.channelGate(feature, `${name}.gct`, c)], [], `${name}/channel_gated`);
    const bn = `${name}.batch_norm2d`;
    return b.node(
      'BatchNormalization',
      [gated, this.param(`${bn}.weight`, [c]), this.param(`${bn}.bias`, [c]), this.param(`${bn}.running_mean`, [c]), this.param(`${bn}.running_var`, [c])],
      [attr.float('epsilon', BATCH_NORM_EPS), attr.int('training_mode', 0)],
      bn,
    );
  }

  private scales: string | undefined;
  /** Resize scales [1, 1, 2, 2] as a float32 initializer (shared). */
  upsampleScales(): string {
    if (!this.scales) this.scales = this.b.floatInitializer('const/upsample_scales', [4], Float32Array.of(1, 1, 2, 2));
    return this.scales;
  }

  stage(x: string, layers: readonly GatedConvSpec[]): string {
    return layers.reduce((y, layer) => this.gatedConv(y, layer), x);
  }

  /** The (y, x) pixel-centre coordinates of a feature map, [1, 2, h, w] (self-attention.ts coordinateMap). */
  coordinateMap(x: string): string {
    const b = this.b;
    const shape = b.node('Shape', [x], [], 'refine_attn/coords/shape');
    const axis = (i: number, label: 'y' | 'x') => {
      // (2i + 1) / n − 1 in float64, then rounded to float32: the same numbers as the JavaScript loop.
      const n = b.node('Gather', [shape, b.int64([i], true)], [attr.int('axis', 0)], `refine_attn/coords/${label}_size`);
      const index = b.node('Cast', [b.node('Range', [b.int64([0], true), n, b.int64([1], true)], [], `refine_attn/coords/${label}_range`)], [attr.int('to', TensorDataType.DOUBLE)], `refine_attn/coords/${label}_index`);
      const centre = b.node('Add', [b.node('Mul', [index, b.doubleScalar(2)], [], `refine_attn/coords/${label}_2i`), b.doubleScalar(1)], [], `refine_attn/coords/${label}_2i1`);
      const size = b.node('Cast', [n], [attr.int('to', TensorDataType.DOUBLE)], `refine_attn/coords/${label}_n`);
      const value = b.node('Sub', [b.node('Div', [centre, size], [], `refine_attn/coords/${label}_ratio`), b.doubleScalar(1)], [], `refine_attn/coords/${label}_f64`);
      return b.node('Cast', [value], [attr.int('to', TensorDataType.FLOAT)], `refine_attn/coords/${label}`);
    };
    const ys = b.node('Reshape', [axis(2, 'y'), b.int64([1, 1, -1, 1])], [], 'refine_attn/coords/y_column');
    const xs = b.node('Reshape', [axis(3, 'x'), b.int64([1, 1, 1, -1])], [], 'refine_attn/coords/x_row');
    const hw = b.node('Slice', [shape, b.int64([2]), b.int64([4])], [], 'refine_attn/coords/hw');
    const target = b.node('Concat', [b.int64([1, 1]), hw], [attr.int('axis', 0)], 'refine_attn/coords/map_shape');
    return b.node(
      'Concat',
      [b.node('Expand', [ys, target], [], 'refine_attn/coords/y_map'), b.node('Expand', [xs, target], [], 'refine_attn/coords/x_map')],
      [attr.int('axis', 1)],
      'refine_attn/coords/map',
    );
  }

  /** SAGAN self-attention (self-attention.ts): softmax over keys, gamma-weighted residual. */
  selfAttention(x: string, c: number): string {
    const b = this.b;
    const d = c / 8;
    const flat = (v: string, label: string) => b.node('Reshape', [v, b.int64([0, 0, -1])], [], `refine_attn/${label}_flat`);
    const query = flat(this.conv(x, 'refine_attn.query_conv', c, d, 1, 1, 0, 1), 'query');
    let keyMap = this.conv(x, 'refine_attn.key_conv', c, d, 1, 1, 0, 1);
    if (this.config.coordAttention) {
      const bias = this.conv(this.coordinateMap(x), 'refine_attn.coord_conv', 2, d, 1, 1, 0, 1);
      keyMap = b.node('Add', [keyMap, bias], [], 'refine_attn/key_with_coords');
    }
    const key = flat(keyMap, 'key');
    const value = flat(this.conv(x, 'refine_attn.value_conv', c, c, 1, 1, 0, 1), 'value');
    const queryT = b.node('Transpose', [query], [attr.ints('perm', [0, 2, 1])], 'refine_attn/query_t');
    let energy = b.node('MatMul', [queryT, key], [], 'refine_attn/energy');
    if (this.config.scaledAttention) energy = b.node('Mul', [energy, b.floatScalar(1 / Math.sqrt(d))], [], 'refine_attn/energy_scaled');
    const attention = b.node('Softmax', [energy], [attr.int('axis', -1)], 'refine_attn/attention');
    // out[:, :, i] = Σ_j attention[i, j] · value[:, :, j], computed as attention · valueᵀ (no P×P transpose).
    const valueT = b.node('Transpose', [value], [attr.ints('perm', [0, 2, 1])], 'refine_attn/value_t');
    const outT = b.node('MatMul', [attention, valueT], [], 'refine_attn/out_t');
    const out = b.node('Transpose', [outT], [attr.ints('perm', [0, 2, 1])], 'refine_attn/out_flat');
    const outMap = b.node('Reshape', [out, b.node('Shape', [x], [], 'refine_attn/shape')], [], 'refine_attn/out');
    const gamma = this.param('refine_attn.gamma', [1]);
    return b.node('Add', [b.node('Mul', [outMap, gamma], [], 'refine_attn/weighted'), x], [], 'refine_attn/result');
  }

  build(): OnnxModel['graph'] {
    const b = this.b;
    const arch = generatorArchitecture(this.config);
    const dims = (c: number) => ['N', c, 'H', 'W'];
    const image = b.input(ONNX_INPUTS.image, TensorDataType.FLOAT, dims(3), 'RGB in −1…1, NCHW; hole pixels are ignored (even NaN)');
    const mask = b.input(ONNX_INPUTS.mask, TensorDataType.FLOAT, dims(1), '1 = hole, 0 = known');
    const extra =
      this.config.inChannels === 5 ? [b.input(ONNX_INPUTS.guidance, TensorDataType.FLOAT, dims(1), 'guidance map (the PyTorch model feeds ones)')] : [];
    const finite = finiteValues(b, image);
    const one = b.floatScalar(1);
    const known = b.node('Mul', [finite, b.node('Sub', [one, mask], [], 'input/keep')], [], 'input/known');
    const coarseInput = b.node('Concat', [b.node('Add', [known, mask], [], 'input/hole_ones'), mask, ...extra], [attr.int('axis', 1)], 'input/coarse');
    const minusOne = b.floatScalar(-1);
    const coarse = b.node('Clip', [this.stage(coarseInput, arch.coarse), minusOne, one], [], 'coarse_net/clip');
    const pasted = b.node('Add', [known, b.node('Mul', [coarse, mask], [], 'input/coarse_in_hole')], [], 'input/pasted');
    const refineInput = b.node('Concat', [pasted, mask, ...extra], [attr.int('axis', 1)], 'input/refine');
    const features = this.selfAttention(this.stage(refineInput, arch.refineConv), arch.attentionChannels);
    const refined = b.node('Clip', [this.stage(features, arch.refineUpsample), minusOne, one], [], 'refine_upsample_net/clip');
    const composite = b.node('Add', [b.node('Mul', [refined, mask], [], 'output/refined_in_hole'), known], [], 'output/composite');
    b.output(coarse, 'coarse', TensorDataType.FLOAT, dims(3), 'coarse stage, clamped to −1…1');
    b.output(refined, 'refined', TensorDataType.FLOAT, dims(3), 'refine stage, clamped to −1…1');
    b.output(composite, 'composite', TensorDataType.FLOAT, dims(3), 'refined inside the hole, the input outside');
    return b.build();
  }
}

/**
 * The ONNX model of a generator, from its config and its state_dict in PyTorch layout (what `generatorWeights`
 * returns, or a weight file read by `readWeightFile` after `matchWeights` found no problems). The graph computes
 * what `InpaintGenerator.apply(image, mask, { training: false })` computes, in NCHW: inputs `image` [N, 3, H, W]
 * in −1…1 and `mask` [N, 1, H, W] (1 = hole), plus `guidance` [N, 1, H, W] for 5-channel generators; outputs
 * `coarse`, `refined`, `composite` [N, 3, H, W]. N, H and W are free (H and W multiples of 4). Weights are float32
 * initializers named by their state_dict keys (num_batches_tracked, unused in inference, is left out).
 * @example
 * const model = generatorOnnxModel(g.config, await generatorWeights(g));
 * model.graph.initializers[0].name // → 'coarse_net.0.conv2d.weight'
 */
export function generatorOnnxModel(config: Partial<GeneratorConfig>, weights: WeightMap, options: OnnxExportOptions = {}): OnnxModel {
  const resolved = resolveGeneratorConfig(config);
  const graph = new GeneratorGraph(resolved, weightReader(weights)).build();
  return {
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'bgfill',
    producerVersion: options.producerVersion ?? PRODUCER_VERSION,
    docString: 'InpaintSANet-compatible inpainting generator (bgfill). Inputs NCHW in −1…1; mask 1 = hole; H and W multiples of 4.',
    graph,
    metadata: { ...(options.metadata ?? {}), 'bgfill.config': JSON.stringify(resolved), 'bgfill.required_multiple': String(REQUIRED_MULTIPLE) },
  };
}

/**
 * Export a generator as ONNX file bytes (opset 17, IR 8), see generatorOnnxModel. Same weights, same bytes.
 * @example
 * await atomicWriteFile('model.onnx', await exportGeneratorOnnx(generator));
 */
export async function exportGeneratorOnnx(generator: InpaintGenerator, options: OnnxExportOptions = {}): Promise<Uint8Array> {
  return encodeOnnxModel(generatorOnnxModel(generator.config, await generatorWeights(generator), options));
}

import { BATCH_NORM_EPS } from '../model/batch-norm.js';
import { finiteValues, ONNX_IR_VERSION, ONNX_OPSET, weightReader } from '../onnx/export-generator.js';
import { GraphBuilder, attr } from '../onnx/graph-builder.js';
import { TensorDataType, encodeOnnxModel, type OnnxModel } from '../onnx/onnx-proto.js';
import { generatorWeights } from '../weights/checkpoint.js';
import type { WeightMap } from '../weights/weight-tensor.js';
import { KEY_EPS, RATIO_EPS } from './attention.js';
import { resolveRfrNetConfig, type RfrNetConfig } from './config.js';
import { LEAKY_SLOPE, RFRNET_MULTIPLE, rfrNetLayout, type RfrBlockSpec, type RfrConvSpec, type RfrLayout } from './layout.js';
import { MERGE_EPS, type RfrNet } from './network.js';
import { PARTIAL_CONV_EPS } from './partial-conv.js';

/** The graph's output names for the engine's outputs: `output` is the authors' raw output (their `fake_B`). */
export const RFRNET_ONNX_OUTPUTS = { refined: 'output', composite: 'composite' } as const;

/** One partial convolution's result: features and the updated one-channel mask. */
interface PartialResult {
  y: string;
  mask: string;
}

/** Builds RFR-Net's graph, NCHW as in the authors' module; one instance per export. */
class RfrGraph {
  readonly b = new GraphBuilder('bgfill_rfrnet');
  private readonly l: RfrLayout;

  constructor(
    readonly config: RfrNetConfig,
    private readonly weight: (name: string, shape: number[]) => Float32Array,
  ) {
    this.l = rfrNetLayout(config);
  }

  private readonly params = new Map<string, string>();
  /** A state_dict entry as an initializer under its own name, declared once however often the recurrence uses it. */
  private param(name: string, shape: number[]): string {
    if (!this.params.has(name)) this.params.set(name, this.b.floatInitializer(name, shape, this.weight(name, shape)));
    return this.params.get(name)!;
  }

  /** Conv or ConvTranspose (weights as PyTorch stores them: [out, in, k, k] and [in, out, k, k]). */
  conv(x: string, s: RfrConvSpec): string {
    const shape = s.transposed ? [s.inChannels, s.outChannels, s.kernel, s.kernel] : [s.outChannels, s.inChannels, s.kernel, s.kernel];
    const inputs = [x, this.param(`${s.name}.weight`, shape)];
    if (s.bias) inputs.push(this.param(`${s.name}.bias`, [s.outChannels]));
    const geometry = [attr.ints('kernel_shape', [s.kernel, s.kernel]), attr.ints('strides', [s.stride, s.stride]), attr.ints('pads', Array(4).fill(s.padding))];
    if (s.transposed) return this.b.node('ConvTranspose', inputs, geometry, s.name);
    return this.b.node('Conv', inputs, [...geometry, attr.ints('dilations', [s.dilation, s.dilation]), attr.int('group', 1)], s.name);
  }

  batchNorm(x: string, name: string, c: number): string {
    const p = (suffix: string) => this.param(`${name}.${suffix}`, [c]);
    return this.b.node('BatchNormalization', [x, p('weight'), p('bias'), p('running_mean'), p('running_var')], [attr.float('epsilon', BATCH_NORM_EPS), attr.int('training_mode', 0)], name);
  }

  activate(x: string, slope: number, name: string): string {
    return slope === 0 ? this.b.node('Relu', [x], [], `${name}/relu`) : this.b.node('LeakyRelu', [x], [attr.float('alpha', slope)], `${name}/leaky_relu`);
  }

  block(x: string, block: RfrBlockSpec): string {
    return this.activate(this.batchNorm(this.conv(x, block.conv), block.bn, block.conv.outChannels), block.slope, block.bn);
  }

  private readonly onesKernels = new Map<string, string>();
  /** The all-ones mask-update kernel [1, channels, k, k] (shared by every partial convolution of that shape). */
  private ones(channels: number, k: number): string {
    const name = `const/ones_${channels}x${k}x${k}`;
    if (!this.onesKernels.has(name)) this.onesKernels.set(name, this.b.floatInitializer(name, [1, channels, k, k], new Float32Array(channels * k * k).fill(1)));
    return this.onesKernels.get(name)!;
  }

  /** partial-conv.ts: the mask's window count (all-ones kernel), renormalisation, updated mask. */
  partialConv(x: string, mask: string, maskChannels: number, s: RfrConvSpec): PartialResult {
    const b = this.b;
    const k = s.kernel;
    const ones = this.ones(maskChannels, k);
    let count = b.node('Conv', [mask, ones], [attr.ints('kernel_shape', [k, k]), attr.ints('strides', [s.stride, s.stride]), attr.ints('pads', Array(4).fill(s.padding))], `${s.name}/mask_count`);
    if (maskChannels === 1 && s.inChannels > 1) count = b.node('Mul', [count, b.floatScalar(s.inChannels)], [], `${s.name}/mask_count_channels`);
    const update = b.node('Clip', [count, b.floatScalar(0), b.floatScalar(1)], [], `${s.name}/mask_update`);
    const ratio = b.node('Mul', [b.node('Div', [b.floatScalar(s.inChannels * k * k), b.node('Add', [count, b.floatScalar(PARTIAL_CONV_EPS)], [], `${s.name}/count_eps`)], [], `${s.name}/ratio_raw`), update], [], `${s.name}/ratio`);
    const raw = this.conv(b.node('Mul', [x, mask], [], `${s.name}/masked_input`), s);
    return { y: b.node('Mul', [raw, ratio], [], `${s.name}/renormalised`), mask: update };
  }

  /** attention.ts: knowledge-consistent attention, scores [N, P, h, w] with the keys on the channel axis. */
  attention(f: string, mask: string, previous: { scores: string; mask: string } | null, scope: string): { y: string; scores: string } {
    const b = this.b;
    const flat = b.node('Reshape', [f, b.int64([0, 0, -1])], [], `${scope}/flat`);
    const keys = b.node('Add', [flat, b.floatScalar(KEY_EPS)], [], `${scope}/keys`);
    const norm = b.node('Sqrt', [b.node('ReduceSum', [b.node('Mul', [keys, keys], [], `${scope}/keys_sq`), b.int64([1])], [attr.int('keepdims', 1)], `${scope}/keys_sq_sum`)], [], `${scope}/keys_norm`);
    const unit = b.node('Div', [keys, norm], [], `${scope}/keys_unit`);
    const byKey = b.node('MatMul', [b.node('Transpose', [unit], [attr.ints('perm', [0, 2, 1])], `${scope}/keys_t`), flat], [], `${scope}/raw_scores`);
    const shape = b.node('Shape', [f], [], `${scope}/shape`);
    const mapShape = b.node('Concat', [b.node('Slice', [shape, b.int64([0]), b.int64([1])], [], `${scope}/n`), b.int64([-1]), b.node('Slice', [shape, b.int64([2]), b.int64([4])], [], `${scope}/hw`)], [attr.int('axis', 0)], `${scope}/map_shape`);
    const map = b.node('Reshape', [byKey, mapShape], [], `${scope}/score_map`);
    const pooled = b.node('AveragePool', [map], [attr.ints('kernel_shape', [3, 3]), attr.ints('strides', [1, 1]), attr.ints('pads', [1, 1, 1, 1]), attr.int('count_include_pad', 1)], `${scope}/propagate_avg`);
    let scores = b.node('Softmax', [b.node('Mul', [pooled, b.floatScalar(9)], [], `${scope}/propagate`)], [attr.int('axis', 1)], `${scope}/softmax`);
    if (previous) {
      const weight = b.node('Add', [b.node('Abs', [this.ratio()], [], `${scope}/ratio_abs`), b.floatScalar(RATIO_EPS)], [], `${scope}/ratio_weight`);
      const carried = b.node('Add', [b.node('Mul', [previous.scores, previous.mask], [], `${scope}/previous_weighted`), b.node('Mul', [scores, weight], [], `${scope}/current_weighted`)], [], `${scope}/blend_sum`);
      scores = b.node('Div', [carried, b.node('Add', [previous.mask, weight], [], `${scope}/blend_weight`)], [], `${scope}/blended`);
    }
    const square = b.node('Reshape', [scores, b.node('Slice', [b.node('Shape', [byKey], [], `${scope}/square_shape_full`), b.int64([0]), b.int64([3])], [], `${scope}/square_shape`)], [], `${scope}/scores_flat`);
    const y = b.node('Reshape', [b.node('MatMul', [unit, square], [], `${scope}/attended_flat`), shape], [], `${scope}/attended`);
    return { y, scores };
  }

  private ratio(): string {
    return this.param(this.l.ratio, [1]);
  }

  /** The feature-reasoning module, run once: encoder, decoder with skips, attention after dec_3. */
  reason(x: string, mask: string, previous: { scores: string; mask: string } | null, i: number): { y: string; scores: string; mask: string } {
    const b = this.b;
    const l = this.l;
    const h = [x];
    for (const block of l.encoder) h.push(this.block(h[h.length - 1], block));
    let y = h[h.length - 1];
    let carried: { scores: string; mask: string } | undefined;
    l.decoder.forEach((block, j) => {
      y = this.block(b.node('Concat', [y, h[l.decoder.length - j]], [attr.int('axis', 1)], `${block.conv.name}/input`), block);
      if (block.conv.name !== l.attentionAfter) return;
      // Nearest resize from 1/2 to 1/8 resolution: every 4th mask pixel.
      const small = b.node('Slice', [mask, b.int64([0, 0]), b.int64([2 ** 62, 2 ** 62]), b.int64([2, 3]), b.int64([4, 4])], [], `RFRModule.att/mask_${i}`);
      const attended = this.attention(y, small, previous, `RFRModule.att/recurrence_${i}`);
      carried = { scores: attended.scores, mask: small };
      y = this.conv(b.node('Concat', [attended.y, y], [attr.int('axis', 1)], `RFRModule.att.combiner/input_${i}`), l.combiner);
    });
    if (!carried) throw new Error('internal: RFR-Net decoder without attention');
    return { y, ...carried };
  }

  bottleneck(x: string): string {
    const t = this.l.bottleneck;
    let y = this.b.node('Relu', [this.batchNorm(this.conv(x, t.conv1), t.bn1, t.conv1.outChannels)], [], 'tail2/relu1');
    y = this.b.node('Relu', [this.batchNorm(this.conv(y, t.conv2), t.bn2, t.conv2.outChannels)], [], 'tail2/relu2');
    y = this.batchNorm(this.conv(y, t.conv3), t.bn3, t.conv3.outChannels);
    return this.b.node('Relu', [this.b.node('Add', [y, x], [], 'tail2/residual')], [], 'tail2/relu3');
  }

  build(): OnnxModel['graph'] {
    const b = this.b;
    const l = this.l;
    const dims = (c: number) => ['N', c, 'H', 'W'];
    const image = b.input('image', TensorDataType.FLOAT, dims(3), 'RGB in 0…1, NCHW; hole pixels are ignored (even NaN)');
    const hole = b.input('mask', TensorDataType.FLOAT, dims(1), '1 = hole, 0 = known (the network itself sees 1 − mask on three channels)');
    const finite = finiteValues(b, image);
    const known = b.node('Sub', [b.floatScalar(1), hole], [], 'input/known');
    const masked = b.node('Mul', [finite, known], [], 'input/masked_image');
    const mask3 = b.node('Concat', [known, known, known], [attr.int('axis', 1)], 'input/mask3');
    let p = this.partialConv(masked, mask3, 3, l.pconv1);
    let x = b.node('Relu', [this.batchNorm(p.y, l.bn1, l.width)], [], 'bn1/relu');
    p = this.partialConv(x, p.mask, 1, l.pconv2);
    x = b.node('Relu', [this.batchNorm(p.y, l.bn20, l.width)], [], 'bn20/relu');
    let m = p.mask;
    const features = [x];
    const masks = [m];
    let previous: { scores: string; mask: string } | null = null;
    for (let i = 0; i < this.config.iterations; i++) {
      p = this.partialConv(x, m, 1, l.pconv21);
      p = this.partialConv(p.y, p.mask, 1, l.pconv22);
      m = p.mask;
      const reasoned = this.reason(this.activate(this.batchNorm(p.y, l.bn2, l.width), LEAKY_SLOPE, `bn2/recurrence_${i}`), m, previous, i);
      previous = { scores: reasoned.scores, mask: reasoned.mask };
      x = b.node('Mul', [reasoned.y, m], [], `recurrence_${i}/masked`);
      features.push(x);
      masks.push(m);
    }
    const stack = (values: string[], label: string) =>
      b.node('Concat', values.map((v, i) => b.node('Unsqueeze', [v, b.int64([0])], [], `merge/${label}_${i}`)), [attr.int('axis', 0)], `merge/${label}`);
    const stackedMasks = stack(masks, 'masks');
    const mean = (v: string, label: string) => b.node('ReduceMean', [v], [attr.ints('axes', [0]), attr.int('keepdims', 0)], `merge/${label}_mean`);
    const weighted = b.node('Mul', [stack(features, 'features'), stackedMasks], [], 'merge/weighted');
    const merged = b.node('Div', [mean(weighted, 'features'), b.node('Add', [mean(stackedMasks, 'masks'), b.floatScalar(MERGE_EPS)], [], 'merge/mask_eps')], [], 'merge/features');
    const up = this.activate(this.batchNorm(this.conv(merged, l.tconv), l.bn3, l.width), LEAKY_SLOPE, 'bn3');
    const upMask = b.node(
      'Resize',
      [m, '', b.floatInitializer('const/upsample_scales', [4], Float32Array.of(1, 1, 2, 2))],
      [attr.string('mode', 'nearest'), attr.string('coordinate_transformation_mode', 'asymmetric'), attr.string('nearest_mode', 'floor')],
      'merge/mask_upsampled',
    );
    const tailMask = b.node('Concat', [mask3, b.node('Expand', [upMask, b.int64([1, l.width, 1, 1])], [], 'tail1/feature_mask')], [attr.int('axis', 1)], 'tail1/mask');
    const tail = this.partialConv(b.node('Concat', [masked, up], [attr.int('axis', 1)], 'tail1/input'), tailMask, l.width + 3, l.tail1);
    const t1 = this.activate(tail.y, LEAKY_SLOPE, 'tail1');
    const output = this.conv(b.node('Concat', [t1, this.bottleneck(t1)], [attr.int('axis', 1)], 'out/input'), l.out);
    const composite = b.node('Add', [b.node('Mul', [output, hole], [], 'output/in_hole'), masked], [], 'output/composite');
    b.output(output, RFRNET_ONNX_OUTPUTS.refined, TensorDataType.FLOAT, dims(3), 'the raw network output (not clamped), 0…1 scale');
    b.output(composite, RFRNET_ONNX_OUTPUTS.composite, TensorDataType.FLOAT, dims(3), 'output inside the hole, the input outside');
    return b.build();
  }
}

/**
 * RFR-Net's ONNX model (opset 17, IR 8) from its config and state_dict in PyTorch layout. Inputs: `image`
 * [N, 3, H, W] in 0…1 and `mask` [N, 1, H, W] with 1 = hole (the graph forms the authors' masked image and
 * three-channel known-pixel mask itself); outputs: `output` (the raw network output) and `composite`, [N, 3, H, W].
 * H and W are free multiples of 16. Initializers are named by the state_dict keys.
 * @example rfrNetOnnxModel({ width: 64 }, await generatorWeights(net)).graph.outputs[0].name // → 'output'
 */
export function rfrNetOnnxModel(config: Partial<RfrNetConfig>, weights: WeightMap, options: { metadata?: Record<string, string> } = {}): OnnxModel {
  const resolved = resolveRfrNetConfig(config);
  return {
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'bgfill',
    producerVersion: '0.1.0',
    docString: 'RFR-Net (Li et al., CVPR 2020) exported by bgfill. Inputs NCHW: image in 0…1, mask 1 = hole; H and W multiples of 16.',
    graph: new RfrGraph(resolved, weightReader(weights)).build(),
    metadata: {
      ...(options.metadata ?? {}),
      'bgfill.arch': 'rfrnet',
      'bgfill.config': JSON.stringify(resolved),
      'bgfill.required_multiple': String(RFRNET_MULTIPLE),
    },
  };
}

/**
 * A network as ONNX file bytes (see rfrNetOnnxModel). Same weights, same bytes.
 * @example await atomicWriteFile('rfrnet.onnx', await exportRfrNetOnnx(net));
 */
export async function exportRfrNetOnnx(net: RfrNet, options: { metadata?: Record<string, string> } = {}): Promise<Uint8Array> {
  return encodeOnnxModel(rfrNetOnnxModel(net.config, await generatorWeights(net), options));
}

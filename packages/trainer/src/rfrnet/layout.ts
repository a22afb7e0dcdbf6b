import type { ConvLayerSpec, ParamInit, ParamSpec } from '../model/architecture.js';
import type { RfrNetConfig } from './config.js';

/**
 * RFR-Net's layer list, named by the authors' PyTorch `state_dict` keys (modules/RFRNet.py, modules/Attention.py,
 * modules/partialconv2d.py of github.com/jingyuanli001/RFR-Inpainting; Li et al., "Recurrent Feature Reasoning for
 * Image Inpainting", CVPR 2020). With width w (64 in the paper):
 *
 * - partial convolutions `Pconv1` (3 → w, 7×7, stride 2) and `Pconv2` (w → w, 7×7), each followed by batch norm
 *   (`bn1`, `bn20`) and ReLU, at half resolution;
 * - the recurrence, run `iterations` times with shared weights: `Pconv21`, `Pconv22` (w → w, 7×7), `bn2` and
 *   LeakyReLU(0.01), then the feature-reasoning module `RFRModule`: an encoder of three stride-2 3×3 convolutions
 *   (w → 2w → 4w → 8w, down to 1/16) and three 3×3 convolutions dilated by 2 (8w), each with batch norm and ReLU; a
 *   decoder with skip connections: `dec_5`, `dec_4` (dilated 3×3, 16w → 8w), `dec_3` (4×4 stride-2 transposed,
 *   16w → 8w), the knowledge-consistent attention `att` (at 1/8), `dec_2` (12w → 4w) and `dec_1` (6w → w), each with
 *   batch norm and LeakyReLU(0.2);
 * - `Tconv` (4×4 stride-2 transposed, w → w) with `bn3` and LeakyReLU(0.01) back to full resolution;
 * - the tail: partial convolution `tail1` (w + 3 → w/2, 3×3) on the input and the features, LeakyReLU(0.01), a
 *   ResNet bottleneck `tail2` (w/2 → w/8 → w/8 → w/2, residual), and `out` (w → 3, 3×3) on both concatenated.
 *
 * No convolution has a bias except the attention's 1×1 `combiner`.
 */

/** One convolution (or transposed convolution) of the network; `name` is the prefix of `.weight` (and `.bias`). */
export interface RfrConvSpec extends ConvLayerSpec {
  /** A transposed convolution (PyTorch ConvTranspose2d: weight [in, out, k, k]). */
  transposed: boolean;
  bias: boolean;
}

/** A convolution followed by batch norm and an activation. */
export interface RfrBlockSpec {
  conv: RfrConvSpec;
  /** state_dict prefix of the batch norm. */
  bn: string;
  /** Negative slope of the LeakyReLU after the batch norm (0: ReLU). */
  slope: number;
}

export interface RfrLayout {
  width: number;
  pconv1: RfrConvSpec;
  bn1: string;
  pconv2: RfrConvSpec;
  bn20: string;
  pconv21: RfrConvSpec;
  pconv22: RfrConvSpec;
  bn2: string;
  /** enc_1 … enc_6. */
  encoder: RfrBlockSpec[];
  /** dec_5, dec_4, dec_3, dec_2, dec_1, in the order they run (each takes the encoder output of its number as skip). */
  decoder: RfrBlockSpec[];
  /** The attention runs right after this decoder block (dec_3). */
  attentionAfter: string;
  /** Channels at the attention (8w). */
  attentionChannels: number;
  ratio: string;
  combiner: RfrConvSpec;
  tconv: RfrConvSpec;
  bn3: string;
  tail1: RfrConvSpec;
  bottleneck: { conv1: RfrConvSpec; bn1: string; conv2: RfrConvSpec; bn2: string; conv3: RfrConvSpec; bn3: string };
  out: RfrConvSpec;
}

/** Slopes of the LeakyReLUs: nn.LeakyReLU(0.2) in the module's decoder, F.leaky_relu's default elsewhere. */
export const DECODER_SLOPE = 0.2;
export const LEAKY_SLOPE = 0.01;

/** The attention's score carry-over ratio's key. */
export const RATIO_KEY = 'RFRModule.att.att.ratio';

function conv(name: string, inChannels: number, outChannels: number, kernel: number, more: Partial<RfrConvSpec> = {}): RfrConvSpec {
  return { name, inChannels, outChannels, kernel, stride: 1, padding: (kernel - 1) >> 1, dilation: 1, transposed: false, bias: false, ...more };
}

/**
 * The layer list for a config.
 * @example rfrNetLayout({ width: 64, iterations: 6 }).decoder[2].conv // → dec_3: ConvTranspose2d(1024, 512, 4, 2, 1)
 */
export function rfrNetLayout(config: RfrNetConfig): RfrLayout {
  const w = config.width;
  const encoder: RfrBlockSpec[] = [];
  let c = w;
  for (let i = 1; i <= 3; i++, c *= 2) encoder.push({ conv: conv(`RFRModule.enc_${i}.0`, c, 2 * c, 3, { stride: 2 }), bn: `RFRModule.enc_${i}.1`, slope: 0 });
  for (let i = 4; i <= 6; i++) encoder.push({ conv: conv(`RFRModule.enc_${i}.0`, c, c, 3, { padding: 2, dilation: 2 }), bn: `RFRModule.enc_${i}.1`, slope: 0 });
  const up = (i: number, inC: number, outC: number): RfrBlockSpec => ({
    conv: conv(`RFRModule.dec_${i}.0`, inC, outC, 4, { stride: 2, padding: 1, transposed: true }),
    bn: `RFRModule.dec_${i}.1`,
    slope: DECODER_SLOPE,
  });
  const decoder: RfrBlockSpec[] = [5, 4].map((i) => ({
    conv: conv(`RFRModule.dec_${i}.0`, 16 * w, 8 * w, 3, { padding: 2, dilation: 2 }),
    bn: `RFRModule.dec_${i}.1`,
    slope: DECODER_SLOPE,
  }));
  decoder.push(up(3, 16 * w, 8 * w), up(2, 12 * w, 4 * w), up(1, 6 * w, w));
  return {
    width: w,
    pconv1: conv('Pconv1', 3, w, 7, { stride: 2 }),
    bn1: 'bn1',
    pconv2: conv('Pconv2', w, w, 7),
    bn20: 'bn20',
    pconv21: conv('Pconv21', w, w, 7),
    pconv22: conv('Pconv22', w, w, 7),
    bn2: 'bn2',
    encoder,
    decoder,
    attentionAfter: 'RFRModule.dec_3.0',
    attentionChannels: 8 * w,
    ratio: RATIO_KEY,
    combiner: conv('RFRModule.att.combiner', 16 * w, 8 * w, 1, { bias: true }),
    tconv: conv('Tconv', w, w, 4, { stride: 2, padding: 1, transposed: true }),
    bn3: 'bn3',
    tail1: conv('tail1', w + 3, w / 2, 3),
    bottleneck: {
      conv1: conv('tail2.conv1', w / 2, w / 8, 1),
      bn1: 'tail2.bn1',
      conv2: conv('tail2.conv2', w / 8, w / 8, 3),
      bn2: 'tail2.bn2',
      conv3: conv('tail2.conv3', w / 8, w / 2, 1),
      bn3: 'tail2.bn3',
    },
    out: conv('out', w, 3, 3),
  };
}

/** PyTorch's default initialisers (kaiming_uniform_ with a = √5: U(±1/√fan_in), fan_in from weight dim 1). */
function convParams(spec: RfrConvSpec): ParamSpec[] {
  const { name, inChannels: i, outChannels: o, kernel: k, transposed } = spec;
  const shape = transposed ? [i, o, k, k] : [o, i, k, k];
  const bound = 1 / Math.sqrt(shape[1] * k * k);
  const init: ParamInit = { kind: 'uniform', bound };
  const params: ParamSpec[] = [{ name: `${name}.weight`, shape, role: transposed ? 'conv-transpose-weight' : 'conv-weight', trainable: true, dtype: 'float32', init }];
  if (spec.bias) params.push({ name: `${name}.bias`, shape: [o], role: 'conv-bias', trainable: true, dtype: 'float32', init });
  return params;
}

function bnParams(name: string, c: number): ParamSpec[] {
  const constant = (value: number): ParamInit => ({ kind: 'constant', value });
  return [
    { name: `${name}.weight`, shape: [c], role: 'bn-weight', trainable: true, dtype: 'float32', init: constant(1) },
    { name: `${name}.bias`, shape: [c], role: 'bn-bias', trainable: true, dtype: 'float32', init: constant(0) },
    { name: `${name}.running_mean`, shape: [c], role: 'bn-running-mean', trainable: false, dtype: 'float32', init: constant(0) },
    { name: `${name}.running_var`, shape: [c], role: 'bn-running-var', trainable: false, dtype: 'float32', init: constant(1) },
    { name: `${name}.num_batches_tracked`, shape: [], role: 'bn-num-batches', trainable: false, dtype: 'int32', init: constant(0) },
  ];
}

/**
 * Every state_dict entry of RFR-Net, in PyTorch's order (module registration order). The partial convolutions'
 * mask-update kernels (all ones) are not parameters, as in PyTorch.
 * @example rfrNetParamSpecs({ width: 64, iterations: 6 }).length // → 114
 */
export function rfrNetParamSpecs(config: RfrNetConfig): ParamSpec[] {
  const l = rfrNetLayout(config);
  const specs: ParamSpec[] = [
    ...convParams(l.pconv1),
    ...bnParams(l.bn1, l.width),
    ...convParams(l.pconv2),
    ...bnParams(l.bn20, l.width),
    ...convParams(l.pconv21),
    ...convParams(l.pconv22),
    ...bnParams(l.bn2, l.width),
  ];
  for (const block of l.encoder) specs.push(...convParams(block.conv), ...bnParams(block.bn, block.conv.outChannels));
  // The attention's ratio starts at 1 (nn.Parameter(torch.ones(1))).
  specs.push({ name: l.ratio, shape: [1], role: 'attn-ratio', trainable: true, dtype: 'float32', init: { kind: 'constant', value: 1 } });
  specs.push(...convParams(l.combiner));
  for (const block of l.decoder) specs.push(...convParams(block.conv), ...bnParams(block.bn, block.conv.outChannels));
  specs.push(...convParams(l.tconv), ...bnParams(l.bn3, l.width), ...convParams(l.tail1));
  const b = l.bottleneck;
  specs.push(
    ...convParams(b.conv1),
    ...bnParams(b.bn1, b.conv1.outChannels),
    ...convParams(b.conv2),
    ...bnParams(b.bn2, b.conv2.outChannels),
    ...convParams(b.conv3),
    ...bnParams(b.bn3, b.conv3.outChannels),
    ...convParams(l.out),
  );
  return specs;
}

/**
 * Input height and width must be multiples of this: one stride-2 partial convolution and three stride-2 encoder
 * convolutions, each undone by a transposed convolution whose output must meet its skip connection.
 */
export const RFRNET_MULTIPLE = 16;

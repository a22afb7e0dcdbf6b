import { hasChannelGate, hasSpatialGate, type GeneratorConfig } from './config.js';

/** A convolution layer's geometry, named by its PyTorch `state_dict` prefix (any architecture's). */
export interface ConvLayerSpec {
  name: string;
  inChannels: number;
  outChannels: number;
  /** Square kernel side. */
  kernel: number;
  stride: number;
  /** Zero padding on each side (PyTorch `padding`). */
  padding: number;
  dilation: number;
}

/**
 * One gated convolution of the generator, named by its PyTorch `state_dict` prefix.
 *
 * Layer list, widths, kernels, strides and paddings follow the public PyTorch InpaintSANet
 * (GatedConvolution_pytorch `models/sa_gan.py`, and the copy in impersonator / iPERCore `inpaintor.py`):
 * paddings there come from `get_pad(256, k, s, d)`, which is 2 for 5×5, 1 for 3×3 and for 4×4 stride 2,
 * and d for a 3×3 convolution dilated by d. The upsampling layers are `GatedDeConv2dWithActivation`, which wrap
 * the gated convolution in a `.conv2d` attribute, hence names like `coarse_net.12.conv2d`.
 */
export interface GatedConvSpec extends ConvLayerSpec {
  /** state_dict prefix of the gated convolution module, e.g. "coarse_net.0" or "coarse_net.12.conv2d". */
  name: string;
  /** Nearest-neighbour ×2 upsampling before the convolution. */
  upsample: boolean;
  /** LeakyReLU(0.2) on the feature branch; false for the last layer of each stage. */
  activation: boolean;
}

export interface GeneratorArchitecture {
  /** 17 gated convolutions: full resolution → 1/4 → full resolution, output 3 channels. */
  coarse: GatedConvSpec[];
  /** 11 gated convolutions down to 1/4 resolution, ending with dilations 2, 4, 8, 16. */
  refineConv: GatedConvSpec[];
  /** Channels at the self-attention (4·cnum); query/key width is channels/8. */
  attentionChannels: number;
  /** 7 gated convolutions back to full resolution, output 3 channels. */
  refineUpsample: GatedConvSpec[];
}

/** [out width as a multiple of cnum, kernel, stride, dilation, upsample first]; the last row has no activation. */
type Row = readonly [number, number, number, number, boolean];

const COARSE: readonly Row[] = [
  [1, 5, 1, 1, false],
  [2, 4, 2, 1, false], // → 1/2
  [2, 3, 1, 1, false],
  [4, 4, 2, 1, false], // → 1/4
  [4, 3, 1, 1, false],
  [4, 3, 1, 1, false],
  [4, 3, 1, 2, false], // atrous
  [4, 3, 1, 4, false],
  [4, 3, 1, 8, false],
  [4, 3, 1, 16, false],
  [4, 3, 1, 1, false],
  [4, 3, 1, 1, false],
  [2, 3, 1, 1, true], // → 1/2
  [2, 3, 1, 1, false],
  [1, 3, 1, 1, true], // → 1
  [0.5, 3, 1, 1, false],
  [0, 3, 1, 1, false], // 3 output channels (width 0 stands for RGB)
];

const REFINE_CONV: readonly Row[] = [
  [1, 5, 1, 1, false],
  [1, 4, 2, 1, false], // → 1/2
  [2, 3, 1, 1, false],
  [2, 4, 2, 1, false], // → 1/4
  [4, 3, 1, 1, false],
  [4, 3, 1, 1, false],
  [4, 3, 1, 1, false],
  [4, 3, 1, 2, false],
  [4, 3, 1, 4, false],
  [4, 3, 1, 8, false],
  [4, 3, 1, 16, false],
];

const REFINE_UPSAMPLE: readonly Row[] = [
  [4, 3, 1, 1, false],
  [4, 3, 1, 1, false],
  [2, 3, 1, 1, true], // → 1/2
  [2, 3, 1, 1, false],
  [1, 3, 1, 1, true], // → 1
  [0.5, 3, 1, 1, false],
  [0, 3, 1, 1, false],
];

function stage(prefix: string, rows: readonly Row[], inChannels: number, cnum: number, lastActivation: boolean): GatedConvSpec[] {
  const specs: GatedConvSpec[] = [];
  let channels = inChannels;
  rows.forEach(([width, kernel, stride, dilation, upsample], i) => {
    const outChannels = width === 0 ? 3 : width * cnum;
    const padding = dilation > 1 ? dilation : kernel === 5 ? 2 : 1;
    const last = i === rows.length - 1;
    specs.push({
      name: upsample ? `${prefix}.${i}.conv2d` : `${prefix}.${i}`,
      inChannels: channels,
      outChannels,
      kernel,
      stride,
      padding,
      dilation,
      upsample,
      activation: last ? lastActivation : true,
    });
    channels = outChannels;
  });
  return specs;
}

/**
 * The generator's layer list for a config.
 * @example
 * generatorArchitecture(resolveGeneratorConfig()).coarse[12].name // → 'coarse_net.12.conv2d'
 */
export function generatorArchitecture(config: GeneratorConfig): GeneratorArchitecture {
  const { cnum, inChannels } = config;
  return {
    coarse: stage('coarse_net', COARSE, inChannels, cnum, false),
    refineConv: stage('refine_conv_net', REFINE_CONV, inChannels, cnum, true),
    attentionChannels: 4 * cnum,
    refineUpsample: stage('refine_upsample_net', REFINE_UPSAMPLE, 4 * cnum, cnum, false),
  };
}

/** How a parameter starts (PyTorch's initialisers for the layer it belongs to). */
export type ParamInit =
  | { kind: 'normal'; std: number }
  | { kind: 'uniform'; bound: number }
  | { kind: 'constant'; value: number };

/** What a state_dict entry is, which decides its layout conversion and its initialiser. */
export type ParamRole =
  | 'conv-weight'
  | 'conv-bias'
  | 'bn-weight'
  | 'bn-bias'
  | 'bn-running-mean'
  | 'bn-running-var'
  | 'bn-num-batches'
  | 'gct-alpha'
  | 'gct-gamma'
  | 'gct-beta'
  | 'attn-gamma'
  /** PyTorch ConvTranspose2d weight: [in, out, kh, kw] (tfjs conv2dTranspose's [kh, kw, out, in] after the usual permutation). */
  | 'conv-transpose-weight'
  /** RFR-Net's attention score carry-over ratio. */
  | 'attn-ratio';

/** One entry of the generator's state_dict. */
export interface ParamSpec {
  /** The PyTorch state_dict key. */
  name: string;
  /** Shape in PyTorch layout (convolution kernels OIHW). */
  shape: number[];
  role: ParamRole;
  /** false for buffers (batch-norm running statistics and batch count). */
  trainable: boolean;
  /** 'int32' only for num_batches_tracked (int64 in PyTorch; tfjs has no int64). */
  dtype: 'float32' | 'int32';
  init: ParamInit;
}

function convParams(prefix: string, inC: number, outC: number, k: number, weightInit: 'kaiming-normal' | 'default'): ParamSpec[] {
  const fanIn = inC * k * k;
  const bound = 1 / Math.sqrt(fanIn);
  // kaiming_normal_ (fan_in, gain √2) is what the public gated convolution applies to its convolutions;
  // PyTorch's nn.Conv2d default (kaiming_uniform_ with a = √5) gives U(−1/√fan_in, 1/√fan_in) for weights and bias.
  const weight: ParamInit = weightInit === 'kaiming-normal' ? { kind: 'normal', std: Math.sqrt(2 / fanIn) } : { kind: 'uniform', bound };
  return [
    { name: `${prefix}.weight`, shape: [outC, inC, k, k], role: 'conv-weight', trainable: true, dtype: 'float32', init: weight },
    { name: `${prefix}.bias`, shape: [outC], role: 'conv-bias', trainable: true, dtype: 'float32', init: { kind: 'uniform', bound } },
  ];
}

function gatedConvParams(spec: GatedConvSpec, config: GeneratorConfig): ParamSpec[] {
  const { name, inChannels: inC, outChannels: c, kernel: k } = spec;
  const params = convParams(`${name}.conv2d`, inC, c, k, 'kaiming-normal');
  if (hasSpatialGate(config)) params.push(...convParams(`${name}.mask_conv2d`, inC, c, k, 'kaiming-normal'));
  if (hasChannelGate(config)) {
    // GCT starts as the identity gate: alpha 1, gamma 0, beta 0 (Yang et al. 2020, §3.3).
    params.push(
      { name: `${name}.gct.alpha`, shape: [c], role: 'gct-alpha', trainable: true, dtype: 'float32', init: { kind: 'constant', value: 1 } },
      { name: `${name}.gct.gamma`, shape: [c], role: 'gct-gamma', trainable: true, dtype: 'float32', init: { kind: 'constant', value: 0 } },
      { name: `${name}.gct.beta`, shape: [c], role: 'gct-beta', trainable: true, dtype: 'float32', init: { kind: 'constant', value: 0 } },
    );
  }
  const bn = `${name}.batch_norm2d`;
  params.push(
    { name: `${bn}.weight`, shape: [c], role: 'bn-weight', trainable: true, dtype: 'float32', init: { kind: 'constant', value: 1 } },
    { name: `${bn}.bias`, shape: [c], role: 'bn-bias', trainable: true, dtype: 'float32', init: { kind: 'constant', value: 0 } },
    { name: `${bn}.running_mean`, shape: [c], role: 'bn-running-mean', trainable: false, dtype: 'float32', init: { kind: 'constant', value: 0 } },
    { name: `${bn}.running_var`, shape: [c], role: 'bn-running-var', trainable: false, dtype: 'float32', init: { kind: 'constant', value: 1 } },
    { name: `${bn}.num_batches_tracked`, shape: [], role: 'bn-num-batches', trainable: false, dtype: 'int32', init: { kind: 'constant', value: 0 } },
  );
  return params;
}

/** Channels of the coordinate map fed to the coordinate-attention bias: (y, x). */
export const COORD_CHANNELS = 2;

/**
 * Every state_dict entry of the generator, in PyTorch's state_dict order.
 * @example
 * generatorParamSpecs(resolveGeneratorConfig({ cnum: 8 })).find((p) => p.name === 'refine_attn.gamma')?.shape // → [1]
 */
export function generatorParamSpecs(config: GeneratorConfig): ParamSpec[] {
  const arch = generatorArchitecture(config);
  const specs: ParamSpec[] = [];
  for (const layer of arch.coarse) specs.push(...gatedConvParams(layer, config));
  for (const layer of arch.refineConv) specs.push(...gatedConvParams(layer, config));
  const c = arch.attentionChannels;
  const d = c / 8;
  // Self-attention (SAGAN): gamma starts at 0, so the block starts as the identity.
  specs.push({ name: 'refine_attn.gamma', shape: [1], role: 'attn-gamma', trainable: true, dtype: 'float32', init: { kind: 'constant', value: 0 } });
  specs.push(...convParams('refine_attn.query_conv', c, d, 1, 'default'));
  specs.push(...convParams('refine_attn.key_conv', c, d, 1, 'default'));
  specs.push(...convParams('refine_attn.value_conv', c, c, 1, 'default'));
  if (config.coordAttention) specs.push(...convParams('refine_attn.coord_conv', COORD_CHANNELS, d, 1, 'default'));
  for (const layer of arch.refineUpsample) specs.push(...gatedConvParams(layer, config));
  return specs;
}

/** Input height and width must be multiples of this: two stride-2 stages down, two ×2 upsamplings back. */
export const REQUIRED_MULTIPLE = 4;

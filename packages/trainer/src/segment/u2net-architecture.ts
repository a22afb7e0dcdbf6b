import type { ParamSpec } from '../model/architecture.js';

/**
 * U²-Net (Qin et al., "U²-Net: Going deeper with nested U-structure for salient object detection", Pattern
 * Recognition 106, 2020) as a layer list: six encoder stages and five decoder stages, each a residual U-block, six
 * side outputs fused by a 1×1 convolution.
 *
 * Widths, heights, dilations and the `state_dict` names follow the layer list the authors publish
 * (github.com/xuebinqin/U-2-Net, `model/u2net.py`): `U2NET` (44.0 M parameters, the released `u2net.pth`,
 * `u2net_human_seg.pth`, `u2net_portrait.pth`) and the small `U2NETP` (1.13 M, `u2netp.pth`).
 */
export type U2NetVariant = 'U2NET' | 'U2NETP';
export const U2NET_VARIANTS: readonly U2NetVariant[] = ['U2NET', 'U2NETP'];

/** One conv 3×3 (padding = dilation) + batch norm + ReLU, named by its `state_dict` prefix (`….rebnconv1`). */
export interface ConvBnReluSpec {
  name: string;
  inChannels: number;
  outChannels: number;
  dilation: number;
}

/**
 * A residual U-block: RSU-L (`height` L = 7, 6, 5, 4) pools 2×2 (ceil mode) after each of its first L − 2 encoder
 * convolutions and ends with a dilation-2 convolution; RSU-4F (`dilated`) keeps the resolution and dilates
 * 1, 2, 4, 8 instead. The decoder convolutions take [deeper (upsampled to the skip's size), skip]; the block's
 * output is the last decoder convolution plus the input convolution's.
 */
export interface RsuSpec {
  /** `stage1` … `stage6`, `stage5d` … `stage1d`. */
  name: string;
  height: 4 | 5 | 6 | 7;
  dilated: boolean;
  inChannels: number;
  midChannels: number;
  outChannels: number;
}

/** A block's convolutions: the input one, `rebnconv1` … `rebnconvL` down, `rebnconv{L−1}d` … `rebnconv1d` up. */
export interface RsuLayers {
  input: ConvBnReluSpec;
  down: ConvBnReluSpec[];
  up: ConvBnReluSpec[];
}

export interface U2NetArchitecture {
  variant: U2NetVariant;
  /** stage1 … stage6 (a 2×2 ceil-mode max pool before each of stage2 … stage6). */
  encoder: RsuSpec[];
  /** stage5d … stage1d. */
  decoder: RsuSpec[];
  /** Input channels of side1 … side6 (on stage1d … stage5d, then stage6). */
  sideChannels: number[];
}

/** The authors' working size: photos are resized to 320 × 320 for the network. */
export const U2NET_INPUT_SIZE = 320;
/** Side outputs, fused first: `d0` (outconv over the six sides), then `d1` … `d6`. */
export const U2NET_OUTPUTS = ['d0', 'd1', 'd2', 'd3', 'd4', 'd5', 'd6'] as const;
export type U2NetOutputName = (typeof U2NET_OUTPUTS)[number];

type Block = readonly [height: 4 | 5 | 6 | 7, dilated: boolean, inChannels: number, midChannels: number, outChannels: number];

const LAYOUT: Readonly<Record<U2NetVariant, { encoder: readonly Block[]; decoder: readonly Block[]; sides: readonly number[] }>> = {
  U2NET: {
    encoder: [
      [7, false, 3, 32, 64],
      [6, false, 64, 32, 128],
      [5, false, 128, 64, 256],
      [4, false, 256, 128, 512],
      [4, true, 512, 256, 512],
      [4, true, 512, 256, 512],
    ],
    decoder: [
      [4, true, 1024, 256, 512],
      [4, false, 1024, 128, 256],
      [5, false, 512, 64, 128],
      [6, false, 256, 32, 64],
      [7, false, 128, 16, 64],
    ],
    sides: [64, 64, 128, 256, 512, 512],
  },
  U2NETP: {
    encoder: [
      [7, false, 3, 16, 64],
      [6, false, 64, 16, 64],
      [5, false, 64, 16, 64],
      [4, false, 64, 16, 64],
      [4, true, 64, 16, 64],
      [4, true, 64, 16, 64],
    ],
    decoder: [
      [4, true, 128, 16, 64],
      [4, false, 128, 16, 64],
      [5, false, 128, 16, 64],
      [6, false, 128, 16, 64],
      [7, false, 128, 16, 64],
    ],
    sides: [64, 64, 64, 64, 64, 64],
  },
};

function rsu(name: string, [height, dilated, inChannels, midChannels, outChannels]: Block): RsuSpec {
  return { name, height, dilated, inChannels, midChannels, outChannels };
}

/**
 * The layer list of a variant.
 * @example u2netArchitecture('U2NETP').decoder[4] // → { name: 'stage1d', height: 7, dilated: false, inChannels: 128, midChannels: 16, outChannels: 64 }
 */
export function u2netArchitecture(variant: U2NetVariant): U2NetArchitecture {
  const layout = LAYOUT[variant];
  return {
    variant,
    encoder: layout.encoder.map((b, i) => rsu(`stage${i + 1}`, b)),
    decoder: layout.decoder.map((b, i) => rsu(`stage${5 - i}d`, b)),
    sideChannels: [...layout.sides],
  };
}

/**
 * The convolutions of one block, with their dilations.
 * @example rsuLayers(u2netArchitecture('U2NET').encoder[4]).down.map((l) => l.dilation) // → [1, 2, 4, 8] (RSU-4F)
 */
export function rsuLayers(block: RsuSpec): RsuLayers {
  const { name, height, dilated, inChannels, midChannels: mid, outChannels: out } = block;
  const dilation = (i: number) => (dilated ? 2 ** (i - 1) : i === height ? 2 : 1);
  const layer = (suffix: string, cin: number, cout: number, d: number): ConvBnReluSpec => ({ name: `${name}.${suffix}`, inChannels: cin, outChannels: cout, dilation: d });
  const down: ConvBnReluSpec[] = [];
  for (let i = 1; i <= height; i++) down.push(layer(`rebnconv${i}`, i === 1 ? out : mid, mid, dilation(i)));
  const up: ConvBnReluSpec[] = [];
  for (let i = height - 1; i >= 1; i--) up.push(layer(`rebnconv${i}d`, 2 * mid, i === 1 ? out : mid, dilation(i)));
  return { input: layer('rebnconvin', inChannels, out, 1), down, up };
}

/**
 * Whether the block pools after its encoder convolution `i` (1-based), and so upsamples before decoder
 * convolution `i`: RSU-L after the first L − 2; RSU-4F never.
 * @example poolsAfter({ height: 7, dilated: false } as RsuSpec, 5) // → true; (…, 6) → false
 */
export function poolsAfter(block: RsuSpec, i: number): boolean {
  return !block.dilated && i <= block.height - 2;
}

function convParams(prefix: string, cin: number, cout: number, k: number): ParamSpec[] {
  const bound = 1 / Math.sqrt(cin * k * k);
  return [
    { name: `${prefix}.weight`, shape: [cout, cin, k, k], role: 'conv-weight', trainable: true, dtype: 'float32', init: { kind: 'uniform', bound } },
    { name: `${prefix}.bias`, shape: [cout], role: 'conv-bias', trainable: true, dtype: 'float32', init: { kind: 'uniform', bound } },
  ];
}

function convBnReluParams(layer: ConvBnReluSpec): ParamSpec[] {
  const c = layer.outChannels;
  const bn = `${layer.name}.bn_s1`;
  return [
    ...convParams(`${layer.name}.conv_s1`, layer.inChannels, c, 3),
    { name: `${bn}.weight`, shape: [c], role: 'bn-weight', trainable: true, dtype: 'float32', init: { kind: 'constant', value: 1 } },
    { name: `${bn}.bias`, shape: [c], role: 'bn-bias', trainable: true, dtype: 'float32', init: { kind: 'constant', value: 0 } },
    { name: `${bn}.running_mean`, shape: [c], role: 'bn-running-mean', trainable: false, dtype: 'float32', init: { kind: 'constant', value: 0 } },
    { name: `${bn}.running_var`, shape: [c], role: 'bn-running-var', trainable: false, dtype: 'float32', init: { kind: 'constant', value: 1 } },
    { name: `${bn}.num_batches_tracked`, shape: [], role: 'bn-num-batches', trainable: false, dtype: 'int32', init: { kind: 'constant', value: 0 } },
  ];
}

/**
 * Every `state_dict` entry of a variant, in PyTorch's order: 798 in both (the variants differ in widths only).
 * @example u2netParamSpecs('U2NETP').length // → 798
 */
export function u2netParamSpecs(variant: U2NetVariant): ParamSpec[] {
  const arch = u2netArchitecture(variant);
  const specs: ParamSpec[] = [];
  for (const block of [...arch.encoder, ...arch.decoder]) {
    const { input, down, up } = rsuLayers(block);
    for (const layer of [input, ...down, ...up]) specs.push(...convBnReluParams(layer));
  }
  arch.sideChannels.forEach((c, i) => specs.push(...convParams(`side${i + 1}`, c, 1, 3)));
  specs.push(...convParams('outconv', 6, 1, 1));
  return specs;
}

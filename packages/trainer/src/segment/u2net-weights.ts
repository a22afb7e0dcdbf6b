import { stat } from 'node:fs/promises';
import { badFile } from '@bgfill/core';
import { describeWeights } from '../weights/infer-config.js';
import { matchWeights, reportProblems, type MappedWeight } from '../weights/key-mapping.js';
import { readWeightFile } from '../weights/checkpoint.js';
import { U2NET_ANCHOR_KEY } from '../weights/other-nets.js';

export { U2NET_ANCHOR_KEY };
import type { WeightMap } from '../weights/weight-tensor.js';
import { U2NET_VARIANTS, u2netArchitecture, u2netParamSpecs, type U2NetVariant } from './u2net-architecture.js';

/** Where the authors publish their weights (their README, github.com/xuebinqin/U-2-Net). */
export const U2NET_WEIGHTS_SOURCE = 'https://github.com/xuebinqin/U-2-Net#usage-for-salient-object-detection (u2net.pth, u2netp.pth) and #usage-for-human-segmentation (u2net_human_seg.pth)';

/** The key whose shape tells the variants apart: stage1's middle width (U2NET 32, U2NETP 16). */
const VARIANT_KEY = 'stage1.rebnconv1.conv_s1.weight';

/** U²-Net weights, checked against the variant's state_dict. */
export interface U2NetWeights {
  variant: U2NetVariant;
  /** The file's tensors (PyTorch layout), every key known, none missing (num_batches_tracked may be). */
  weights: WeightMap;
  /** The same tensors as float32 in tfjs layout (HWIO kernels), for the TensorFlow.js model. */
  mapped: Map<string, MappedWeight>;
  /** The file (or '<weights>' for an in-memory map). */
  source: string;
}

/**
 * Which U²-Net the weights are, from the width of stage1's middle convolutions (32: U2NET, 16: U2NETP). Weights
 * without U²-Net's first layer are refused, saying what they look like instead (an InpaintSANet generator, …).
 * @example detectU2NetVariant(await readTorchStateDict('u2net_human_seg.pth'), 'u2net_human_seg.pth') // → 'U2NET'
 */
export function detectU2NetVariant(weights: WeightMap, source: string): U2NetVariant {
  if (!weights.has(U2NET_ANCHOR_KEY)) {
    const generator = describeWeights(weights);
    const keys = [...weights.keys()];
    const what = generator
      ? `an InpaintSANet generator (${generator}), which goes to --checkpoint`
      : `${keys.length} tensors such as ${keys.slice(0, 4).join(', ') || '(none)'}`;
    throw badFile(source, `not U²-Net weights (no ${U2NET_ANCHOR_KEY}): this is ${what}. U²-Net's released files: ${U2NET_WEIGHTS_SOURCE}`);
  }
  const probe = weights.get(VARIANT_KEY);
  const width = probe && probe.shape.length === 4 ? (probe.layout === 'pytorch' ? probe.shape[0] : probe.shape[3]) : undefined;
  const variant = U2NET_VARIANTS.find((v) => u2netArchitecture(v).encoder[0].midChannels === width);
  if (!variant) {
    throw badFile(source, `U²-Net keys, but ${VARIANT_KEY} is ${probe ? `[${probe.shape.join(', ')}]` : 'missing'}: neither U2NET (32 wide) nor U2NETP (16 wide)`);
  }
  return variant;
}

/**
 * Check a state_dict against its U²-Net variant and convert it for the models: one BgfillError names every missing,
 * unknown or mis-shaped key (the released files match exactly, so there is no lenient mode).
 * @example const net = u2netWeights(await readTorchStateDict('u2netp.pth'), 'u2netp.pth');
 */
export function u2netWeights(weights: WeightMap, source = '<weights>'): U2NetWeights {
  const variant = detectU2NetVariant(weights, source);
  const { weights: matched, problems } = matchWeights(weights, u2netParamSpecs(variant));
  reportProblems(problems, { strict: true, source, model: `U²-Net (${variant})` });
  return { variant, weights, mapped: new Map(matched.map((m) => [m.spec.name, m])), source };
}

/**
 * Read the authors' released files (`u2net.pth`, `u2netp.pth`, `u2net_human_seg.pth`, `u2net_portrait.pth`:
 * plain state_dicts, read without Python; float16 copies too) or a safetensors file with the same keys, and check
 * them (see u2netWeights). A missing file is named with where the authors publish theirs.
 * @example const { variant } = await loadU2NetWeights('u2net_human_seg.pth'); // → 'U2NET'
 */
export async function loadU2NetWeights(path: string): Promise<U2NetWeights> {
  const info = await stat(path).catch(() => undefined);
  if (!info) throw badFile(path, `no such file (U²-Net weights are published at ${U2NET_WEIGHTS_SOURCE})`);
  if (info.isDirectory()) throw badFile(path, 'is a folder: give the U²-Net weight file (.pth)');
  const file = await readWeightFile(path);
  return u2netWeights(file.weights, file.source);
}

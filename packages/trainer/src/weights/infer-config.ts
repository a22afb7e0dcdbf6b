import type { GateKind, GeneratorConfig } from '../model/config.js';
import type { WeightMap } from './weight-tensor.js';

/**
 * What the weights' shapes and names say about the config: cnum and input channels from the first convolution,
 * the gate from which gate parameters exist, coordinate attention from `refine_attn.coord_conv`. (Scaled attention
 * leaves no trace in the weights.) Returns {} for fields it cannot tell.
 * @example
 * inferGeneratorConfig(await readTorchStateDict('netG.pth')) // → { cnum: 32, inChannels: 5, gate: 'spatial', coordAttention: false }
 */
export function inferGeneratorConfig(weights: WeightMap): Partial<GeneratorConfig> {
  const inferred: Partial<GeneratorConfig> = {};
  const first = weights.get('coarse_net.0.conv2d.weight');
  if (first && first.shape.length === 4) {
    const [outC, inC] = first.layout === 'pytorch' ? first.shape : [first.shape[3], first.shape[2]];
    inferred.cnum = outC;
    inferred.inChannels = inC as GeneratorConfig['inChannels']; // anything but 4 or 5 is reported by resolveGeneratorConfig
  }
  const spatial = weights.has('coarse_net.0.mask_conv2d.weight');
  const channel = weights.has('coarse_net.0.gct.alpha');
  const gate: GateKind | undefined = spatial && channel ? 'spatial*gct' : channel ? 'gct' : spatial ? 'spatial' : undefined;
  if (gate) inferred.gate = gate;
  if (first) inferred.coordAttention = weights.has('refine_attn.coord_conv.weight');
  return inferred;
}

/**
 * A short description of what weights look like, for error messages, e.g. "cnum 8, 4 input channels, gate spatial";
 * undefined when the weights do not look like a generator at all.
 * @example
 * describeWeights(await readTorchStateDict('netG.pth')) // → 'cnum 32, 5 input channels, gate spatial'
 */
export function describeWeights(weights: WeightMap): string | undefined {
  const c = inferGeneratorConfig(weights);
  if (c.cnum === undefined) return undefined;
  const parts = [`cnum ${c.cnum}`, `${c.inChannels} input channels`];
  if (c.gate) parts.push(`gate ${c.gate}`);
  if (c.coordAttention) parts.push('coordinate attention');
  return parts.join(', ');
}

import { BgfillError } from '@bgfill/core';
import type { WeightMap } from './weight-tensor.js';

/** The generator's first layer: every InpaintSANet state_dict has it, so it locates the generator inside a file. */
export const GENERATOR_ANCHOR_KEY = 'coarse_net.0.conv2d.weight';

/**
 * The generator's weights inside a file that nests them under a name prefix: Lightning modules (`generator.…`
 * beside `discriminator.…`), torch.compile (`_orig_mod.…`), nested DataParallel (`module.module.…`). The prefix is
 * found from the generator's first layer; only keys under it are kept, stripped. A file with the first layer at
 * the top level comes back as it is. Several candidate prefixes (e.g. `generator.` and `generator_ema.`) are an
 * error naming them; `prefix` picks one. `anchor` is the key that locates the network (default InpaintSANet's first
 * layer; each architecture has its own).
 * @example selectGenerator(weights).weights.get('coarse_net.0.conv2d.weight') // for a file holding 'generator.coarse_net.0.conv2d.weight'
 */
export function selectGenerator(
  weights: WeightMap,
  source: string,
  prefix?: string,
  anchor: string = GENERATOR_ANCHOR_KEY,
): { weights: WeightMap; prefix: string; ignored: number } {
  let chosen = prefix;
  if (chosen === undefined) {
    if (weights.has(anchor)) return { weights, prefix: '', ignored: 0 };
    const candidates = [...weights.keys()].filter((k) => k.endsWith(`.${anchor}`)).map((k) => k.slice(0, -anchor.length));
    if (candidates.length === 0) return { weights, prefix: '', ignored: 0 };
    if (candidates.length > 1) {
      throw new BgfillError(`${source}: holds ${candidates.length} generators, under ${candidates.map((c) => `"${c}"`).join(', ')}: keep one (e.g. save its state_dict alone)`, {
        subject: source,
      });
    }
    chosen = candidates[0];
  }
  const selected: WeightMap = new Map();
  for (const [key, value] of weights) if (key.startsWith(chosen)) selected.set(key.slice(chosen.length), value);
  return { weights: selected, prefix: chosen, ignored: weights.size - selected.size };
}

/**
 * selectGenerator for a file, telling `onNote` when the network was found under a prefix.
 * @example const weights = selectNetworkWeights(file, 'Pconv1.weight', console.error);
 */
export function selectNetworkWeights(file: { weights: WeightMap; source: string }, anchor: string, onNote?: (message: string) => void): WeightMap {
  const selection = selectGenerator(file.weights, file.source, undefined, anchor);
  if (selection.prefix) {
    onNote?.(`${file.source}: using the ${selection.weights.size} tensors under "${selection.prefix}"${selection.ignored ? ` (${selection.ignored} others ignored)` : ''}`);
  }
  return selection.weights;
}

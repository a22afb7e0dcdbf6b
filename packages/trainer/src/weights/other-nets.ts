import type { WeightMap } from './weight-tensor.js';

/** Every U²-Net state_dict has this key (its first layer): it tells U²-Net weights from others. */
export const U2NET_ANCHOR_KEY = 'stage1.rebnconvin.conv_s1.weight';

/**
 * What a weight file given for the generator is instead, when it is a net bgfill knows by another use, with where it
 * goes; undefined otherwise. Only the first layer is looked at (at the top level or under a prefix such as
 * `module.`), so the answer comes before hundreds of keys would be listed as missing and unknown.
 * @example otherNetHint(await readTorchStateDict('u2net_human_seg.pth')) // → 'this looks like U²-Net segmentation weights; …'
 */
export function otherNetHint(weights: WeightMap): string | undefined {
  for (const key of weights.keys()) {
    if (key === U2NET_ANCHOR_KEY || key.endsWith(`.${U2NET_ANCHOR_KEY}`)) {
      return 'this looks like U²-Net segmentation weights, not an inpainting generator; pass it to --segment (bgfill inpaint) or to bgfill segment --checkpoint';
    }
  }
  return undefined;
}

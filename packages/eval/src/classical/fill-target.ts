import type { Mask } from '@bgfill/masks';

/** What a fill works on: the hole (1 = hole) and the output pixels (8-bit RGB, starting as the input), same size. */
export interface FillTarget {
  mask: Mask;
  out: Uint8Array;
  width: number;
  height: number;
}

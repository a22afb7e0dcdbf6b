import type { JobProblem } from './jobs.js';

/** `bgfill inpaint` options as commander hands them over (strings for numbers, as typed). */
export interface InpaintCommandOptions {
  /** Required unless `method` is a classical fill. */
  checkpoint?: string;
  /** The checkpoint's architecture (`--arch`); default: detected (see loadInpaintNet). */
  arch?: string;
  /** `net` (default: the checkpoint), or a classical fill without one: `telea`, `ns`, `mean` (see classical-inpaint.ts). */
  method?: string;
  /** Neighbourhood radius of `--method telea|ns` (default 3). */
  radius?: string;
  image: string;
  mask?: string;
  maskFrom?: string;
  /** U²-Net weights: segment each photo, threshold and dilate the map into the hole (instead of --mask/--mask-from). */
  segment?: string;
  /** Also write each hole mask as used (PNG, 255 = hole): a file, or a folder for folders. */
  saveMask?: string;
  out: string;
  threshold?: string;
  dilate?: string;
  passes?: string;
  erode?: string;
  tiles?: string;
  overlap?: string;
  saveRaw?: string;
  backend?: string;
  threads?: string;
  /**
   * Images of one size inpainted per network run (single-pass jobs without tiles or --save-raw). Default: 8 on GPU
   * engines, 1 on CPU engines (where batches measured slower per image: bench/RESULTS.md, eval scoring).
   */
  batchSize?: string;
  nonStrict?: boolean;
  /** The net scales attention energy by 1/√d (for weight files without a stored config). */
  scaledAttention?: boolean;
  overwrite?: boolean;
  /** Progress bar on or off (default: on for a terminal). */
  progress?: boolean;
  /** Photos too large for one network run: auto, scale or tiles (large-strategy.ts). */
  large?: string;
  /** What enlarges the fill for --large scale: bicubic, esrgan-slim, esrgan-medium, esrgan-thick. */
  upscaler?: string;
  /** Print the summary as JSON on stdout (also when images failed). */
  json?: boolean;
}

export interface InpaintSummary {
  backend: string;
  total: number;
  written: string[];
  /** Jobs whose outputs already existed (an earlier, interrupted run): left as they are. */
  existing: string[];
  failed: JobProblem[];
  /** --segment: photos copied unchanged because the segmenter found nothing there. */
  noPerson?: string[];
  /** --segment: photos copied unchanged because no pixel of their map is above --threshold. */
  emptyHole?: string[];
}

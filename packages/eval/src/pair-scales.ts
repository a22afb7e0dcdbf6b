import { BgfillError } from '@bgfill/core';
import { msssimMinimumSide, msssimScalesThatFit, ssimMinimumSide, STANDARD_MSSSIM_WEIGHTS } from './metrics/options.js';

/**
 * How `bgfill eval pair` picks MS-SSIM's scale count, and its size errors. Unless a count is given, it uses as many
 * of the standard five scales as the smallest pair allows (`msssimScalesThatFit`; 5 need 96×96, 3 need 24×24 with
 * the 11-pixel window), one count for every pair so their values stay comparable, and says so in a note.
 */

/** What the caller calls the scale-count and window settings, for error messages (the CLI: `--scales`, `--window`). */
export interface MsssimOptionNames {
  scales: string;
  window: string;
}

/** Names used by the library API (`EvaluatePairsOptions.msssim`). */
export const API_OPTION_NAMES: MsssimOptionNames = { scales: 'msssim.scales', window: 'msssim.windowSize' };

/** The scale count chosen for a set of pairs. */
export interface ScaleChoice {
  /** Scales used for every pair. */
  scales: number;
  /** True when fewer than the standard five were used because the images are too small (never for an explicit count). */
  reduced: boolean;
  /** The smallest image the choice was made for, when it was reduced. */
  smallest?: { name: string; width: number; height: number };
}

/** One pair's image size, as read from the headers (pairs whose headers cannot be read are left out). */
export interface PairSize {
  name: string;
  width: number;
  height: number;
}

/**
 * The scale count for these pairs: as many of the standard five as the smallest pair allows with `windowSize`.
 * Pairs too small for even one scale are left out of the choice (they are reported when scored).
 * @example chooseScales([{ name: 'a', width: 64, height: 64 }], 11) // { scales: 3, reduced: true, smallest: { name: 'a', … } }
 */
export function chooseScales(sizes: readonly PairSize[], windowSize: number): ScaleChoice {
  const standard = STANDARD_MSSSIM_WEIGHTS.length;
  let smallest: PairSize | undefined;
  for (const s of sizes) {
    const side = Math.min(s.width, s.height);
    if (msssimScalesThatFit(side, windowSize) === 0) continue;
    if (smallest === undefined || side < Math.min(smallest.width, smallest.height)) smallest = s;
  }
  if (smallest === undefined) return { scales: standard, reduced: false };
  const scales = msssimScalesThatFit(Math.min(smallest.width, smallest.height), windowSize);
  return scales < standard ? { scales, reduced: true, smallest: { ...smallest } } : { scales, reduced: false };
}

/**
 * The note telling which scales were used, when fewer than the standard five; undefined otherwise.
 * @example scalesNote({ scales: 3, reduced: true, smallest: { name: 'a.png', width: 64, height: 64 } }, 11, 1, { scales: '--scales', window: '--window' })
 */
export function scalesNote(choice: ScaleChoice, windowSize: number, pairs: number, names: MsssimOptionNames): string | undefined {
  if (!choice.reduced || choice.smallest === undefined) return undefined;
  const standard = STANDARD_MSSSIM_WEIGHTS.length;
  const { name, width, height } = choice.smallest;
  const need = msssimMinimumSide(standard, windowSize);
  const what = pairs > 1 ? `the smallest pair, ${name}, is ${width}×${height}` : `the images are ${width}×${height}`;
  return (
    `MS-SSIM over ${choice.scales} of the ${standard} standard scales (weights renormalised)${pairs > 1 ? ' for every pair' : ''}: ` +
    `${what}, and ${standard} scales with a ${windowSize}-pixel window need ${need}×${need}; values are comparable only ` +
    `at the same count (${names.scales} sets it)`
  );
}

/**
 * Throw a BgfillError, in terms of the caller's option names, when a `width`×`height` pair is too small for SSIM
 * with this window or for MS-SSIM with `scales` scales. `explicit`: the count was asked for (the message then says
 * which count fits, or to leave it out).
 * @example checkPairSize(64, 64, 5, 11, true, { scales: '--scales', window: '--window' }) // throws "… use --scales 3 or fewer …"
 */
export function checkPairSize(width: number, height: number, scales: number, windowSize: number, explicit: boolean, names: MsssimOptionNames): void {
  const side = Math.min(width, height);
  const fits = msssimScalesThatFit(side, windowSize);
  if (fits === 0) {
    let smaller = windowSize - 2;
    while (smaller > 3 && ssimMinimumSide(smaller) > side) smaller -= 2;
    const hint = ssimMinimumSide(smaller) <= side && smaller >= 3 ? `use ${names.window} ${smaller} or smaller` : 'the image is too small to score';
    throw new BgfillError(
      `SSIM and MS-SSIM with a ${windowSize}-pixel window need images of at least ${ssimMinimumSide(windowSize)}×${ssimMinimumSide(windowSize)} ` +
        `pixels; got ${width}×${height}: ${hint}`,
      { subject: names.window },
    );
  }
  if (fits >= scales) return;
  const min = msssimMinimumSide(scales, windowSize);
  const advice = explicit
    ? `use ${names.scales} ${fits}${fits > 1 ? ' or fewer' : ''}, a smaller ${names.window}, or leave ${names.scales} out to use as many scales as fit`
    : `use ${names.scales} ${fits}${fits > 1 ? ' or fewer' : ''} or a smaller ${names.window}`;
  throw new BgfillError(
    `MS-SSIM with ${scales} scale${scales === 1 ? '' : 's'} and a ${windowSize}-pixel window needs images of at least ${min}×${min} pixels; ` +
      `got ${width}×${height}: ${advice}`,
    { subject: names.scales },
  );
}

import { BgfillError } from '@bgfill/core';
import { msssimMinimumSide, msssimScalesThatFit } from '@bgfill/eval';

/**
 * Scales and window for the MS-SSIM loss at a training crop side: the given number of scales (checked), or the
 * most that fit, up to the standard five.
 * @example chooseMsssimScales(64, null, 11) // { scales: 3, windowSize: 11 } (5 scales need 96 px)
 */
export function chooseMsssimScales(side: number, scales: number | null, windowSize: number): { scales: number; windowSize: number } {
  if (scales !== null) {
    const min = msssimMinimumSide(scales, windowSize);
    if (side < min) {
      throw new BgfillError(`MS-SSIM loss with ${scales} scales and window ${windowSize} needs crops of at least ${min} px; the crop is ${side} px`, {
        subject: 'loss.msssimScales',
      });
    }
    return { scales, windowSize };
  }
  const fits = msssimScalesThatFit(side, windowSize);
  if (fits > 0) return { scales: fits, windowSize };
  throw new BgfillError(`MS-SSIM loss with window ${windowSize} needs crops of at least ${msssimMinimumSide(1, windowSize)} px; the crop is ${side} px`, {
    subject: 'loss.msssimWindow',
  });
}

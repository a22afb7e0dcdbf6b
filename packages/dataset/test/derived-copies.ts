// Copies of a real photo made with sharp, as duplicates arise in the wild: resized, re-encoded, cropped, blurred,
// enlarged from a small copy; and, for calibrating the flags only, darkened and flattened. Shared by
// near-duplicates.test.ts and bench/dataset-calibrate.ts.
import sharp, { type Sharp } from 'sharp';

export type CopyKind = 'resized' | 'recompressed' | 'cropped' | 'blurred' | 'enlarged' | 'dark' | 'low-information';

export interface DerivedCopy {
  readonly kind: CopyKind;
  /** Make the copy from a 256×256 photo's bytes. */
  readonly make: (photo: Buffer) => Promise<Buffer>;
  /** A JPEG re-encode at this quality (the estimate from its tables must agree). */
  readonly jpegQuality?: number;
}

const SIDE = 256;
/** Saved as a JPEG at quality 90, as a re-posted copy would be. */
const saved = (img: Sharp): Promise<Buffer> => img.jpeg({ quality: 90 }).toBuffer();
const crop = (left: number, top: number, width: number, height: number) => (b: Buffer) => saved(sharp(b).extract({ left, top, width, height }));

/**
 * The copies every test photo gets; each must land in its photo's near-duplicate group. Crops remove at most 5 % of
 * the area: 5 % of the width from one side, 2.5 % of each dimension from one corner, 1.25 % from every side.
 */
export const DERIVED_COPIES: Readonly<Record<string, DerivedCopy>> = {
  'resize-0.5': { kind: 'resized', make: (b) => saved(sharp(b).resize(SIDE / 2, SIDE / 2, { kernel: 'lanczos3' })) },
  'resize-0.75': { kind: 'resized', make: (b) => saved(sharp(b).resize(192, 192, { kernel: 'lanczos3' })) },
  'jpeg-60': { kind: 'recompressed', jpegQuality: 60, make: (b) => sharp(b).jpeg({ quality: 60 }).toBuffer() },
  'jpeg-75': { kind: 'recompressed', jpegQuality: 75, make: (b) => sharp(b).jpeg({ quality: 75 }).toBuffer() },
  'jpeg-95': { kind: 'recompressed', jpegQuality: 95, make: (b) => sharp(b).jpeg({ quality: 95 }).toBuffer() },
  'png-resave': { kind: 'recompressed', make: (b) => sharp(b).png().toBuffer() },
  'crop-5%-left': { kind: 'cropped', make: crop(13, 0, 243, 256) },
  'crop-2.5%-corner': { kind: 'cropped', make: crop(6, 6, 250, 250) },
  'crop-1.25%-each-side': { kind: 'cropped', make: crop(3, 3, 250, 250) },
  'blur-1.5': { kind: 'blurred', make: (b) => saved(sharp(b).blur(1.5)) },
  'blur-2': { kind: 'blurred', make: (b) => saved(sharp(b).blur(2)) },
  'blur-3': { kind: 'blurred', make: (b) => saved(sharp(b).blur(3)) },
  'enlarged-from-25%': { kind: 'enlarged', make: async (b) => saved(sharp(await sharp(b).resize(64, 64).toBuffer()).resize(SIDE, SIDE, { kernel: 'cubic' })) },
};

/**
 * More copies, for the calibration bench only: crops beyond 5 % of the area (which the default radius does not always
 * group), a copy enlarged from 50 %, darkened copies and flattened (low-information) copies.
 */
export const CALIBRATION_COPIES: Readonly<Record<string, DerivedCopy>> = {
  'crop-5%-top': { kind: 'cropped', make: crop(0, 13, 256, 243) },
  'crop-2.5%-each-side': { kind: 'cropped', make: crop(6, 6, 243, 243) },
  'crop-5%-corner': { kind: 'cropped', make: crop(13, 13, 243, 243) },
  'enlarged-from-50%': { kind: 'enlarged', make: async (b) => saved(sharp(await sharp(b).resize(128, 128).toBuffer()).resize(SIDE, SIDE, { kernel: 'cubic' })) },
  'dark-x0.25': { kind: 'dark', make: (b) => saved(sharp(b).linear(0.25, 0)) },
  'dark-x0.12': { kind: 'dark', make: (b) => saved(sharp(b).linear(0.12, 4)) },
  'flat-blur-40': { kind: 'low-information', make: (b) => saved(sharp(b).blur(40).linear(0.3, 90)) },
  posterised: { kind: 'low-information', make: async (b) => saved(sharp(await sharp(b).resize(4, 4).toBuffer()).resize(SIDE, SIDE, { kernel: 'nearest' }).linear(0.4, 60)) },
};

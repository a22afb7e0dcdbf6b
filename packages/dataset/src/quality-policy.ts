/**
 * What the quality signals say about a record: the flags (blurry, dark, low-information, upscaled), their thresholds,
 * and the `--reject` / `--flag-only` policy that turns flags into rejections.
 */
import { BgfillError, invalidParameter } from '@bgfill/core';
import type { ImageSignals } from './image-signals.js';
import { parseNameValues } from './name-values.js';

/** The flags, in the order they are listed everywhere. */
export const QUALITY_FLAGS = ['blurry', 'dark', 'low-information', 'upscaled'] as const;
export type QualityFlag = (typeof QUALITY_FLAGS)[number];

/** A threshold per flag: a record is flagged when its signal is below it. */
export interface QualityThresholds {
  /** Sharpness (variance of the Laplacian at the reference scale) below this: blurry. */
  readonly blurry: number;
  /** Brightness (mean luminance, 0–255) below this: dark. */
  readonly dark: number;
  /** Entropy of the luminance histogram (bits) below this: low-information. */
  readonly 'low-information': number;
  /** Top-octave energy ratio below this: upscaled (so is every record the build enlarged). */
  readonly upscaled: number;
}

/** Which signal each flag reads. */
export const FLAG_SIGNAL: Readonly<Record<QualityFlag, keyof ImageSignals>> = {
  blurry: 'sharpness',
  dark: 'brightness',
  'low-information': 'entropy',
  upscaled: 'topOctave',
};

/**
 * The defaults, from `bench/dataset-calibrate.ts` on the 39 real photos of samples/scenes and copies derived from
 * them (blurred σ 1.5–3, enlarged from 25 % and 50 %, darkened, flattened): for each flag, the threshold with the
 * fewest photos flagged plus copies missed (as fractions), among those flagging at most 2 of the 39 photos, rounded
 * down to two significant figures. The package README shows the distributions.
 */
export const DEFAULT_THRESHOLDS: QualityThresholds = {
  blurry: 38,
  dark: 41,
  'low-information': 5.5,
  upscaled: 0.17,
};

/**
 * The flags of a record: each signal under its threshold, and `upscaled` also when the build enlarged the image.
 * @example qualityFlags(signals, null, DEFAULT_THRESHOLDS) // ['blurry']
 */
export function qualityFlags(signals: ImageSignals, upscale: number | null, thresholds: QualityThresholds = DEFAULT_THRESHOLDS): QualityFlag[] {
  return QUALITY_FLAGS.filter((flag) => signals[FLAG_SIGNAL[flag]] < thresholds[flag] || (flag === 'upscaled' && upscale !== null && upscale > 1));
}

/** Why a record carries `flag`, in words (for rejects.jsonl and reports). */
export function flagReason(flag: QualityFlag, signals: ImageSignals, upscale: number | null, thresholds: QualityThresholds): string {
  const signal = FLAG_SIGNAL[flag];
  if (flag === 'upscaled' && upscale !== null && upscale > 1 && !(signals.topOctave < thresholds.upscaled)) return `upscaled: enlarged ${upscale}× by the build`;
  return `${flag}: ${signal} ${formatSignal(signals[signal])} under ${thresholds[flag]}`;
}

/** A signal value as printed: 3 significant figures. */
export function formatSignal(value: number): string {
  return Number(value.toPrecision(3)).toString();
}

/**
 * Parse `--reject blurry,dark,…` (or `none`).
 * @example parseRejectList('blurry,upscaled') // ['blurry', 'upscaled']
 */
export function parseRejectList(value: string | readonly string[]): QualityFlag[] {
  const names = (typeof value === 'string' ? value.split(',') : [...value]).map((s) => s.trim()).filter((s) => s !== '' && s !== 'none');
  for (const name of names) {
    if (!(QUALITY_FLAGS as readonly string[]).includes(name)) throw invalidParameter('--reject', `a list of ${QUALITY_FLAGS.join(', ')} (or none)`, name);
  }
  return QUALITY_FLAGS.filter((f) => names.includes(f));
}

/** The defaults as `--thresholds` would spell them (for help texts). */
export function formatThresholds(thresholds: QualityThresholds = DEFAULT_THRESHOLDS): string {
  return QUALITY_FLAGS.map((f) => `${f}=${thresholds[f]}`).join(',');
}

/**
 * Parse `--thresholds blurry=30,dark=20` over the defaults.
 * @example parseThresholds('blurry=30').blurry // 30
 */
export function parseThresholds(value: string | Partial<Record<QualityFlag, number>> | undefined): QualityThresholds {
  if (value === undefined) return { ...DEFAULT_THRESHOLDS };
  const pairs: Array<[string, number]> =
    typeof value === 'string' ? parseNameValues(value, '--thresholds', 'blurry=30,dark=20') : Object.entries(value).map(([k, v]) => [k, v as number]);
  const out: Record<string, number> = { ...DEFAULT_THRESHOLDS };
  for (const [name, v] of pairs) {
    if (!(QUALITY_FLAGS as readonly string[]).includes(name)) throw invalidParameter('--thresholds', `flags among ${QUALITY_FLAGS.join(', ')}`, name);
    if (!Number.isFinite(v) || v < 0) throw new BgfillError(`--thresholds ${name}=${v}: expected a non-negative number`, { subject: '--thresholds' });
    out[name] = v;
  }
  return out as unknown as QualityThresholds;
}

/**
 * `irregular`: LaMa-style large irregular holes (Suvorov et al., "Resolution-robust Large Mask Inpainting with
 * Fourier Convolutions", WACV 2022): thick straight brush segments chained into strokes, or (sometimes) a few boxes.
 *
 * Preset figures are LaMa's own, from configs/data_gen/random_{thick,medium,thin}_256.yaml and
 * saicinpainting/training/data/masks.py (advimman/lama), converted from pixels at 256 to fractions of the shorter
 * side. In LaMa a stroke makes 1 + randint(5) segments, each of length 10 + randint(max_len) and brush width
 * 5 + randint(max_width) px; the mixed generator picks the box generator instead with probability
 * box_proba / (irregular_proba + box_proba) = 0.3 / 1.3; the dataset script drops masks covering more than
 * max_tamper_area = 0.5 of the image. LaMa's segment directions are few: 0.01 + randint(4) radians, mirrored on every
 * other stroke (x += len·sin a, y += len·cos a), i.e. eight fixed directions; `directions: 'lama'` (default) keeps
 * that, `'uniform'` draws them uniformly on the circle. Lengths and widths are continuous here (LaMa: integers).
 */
import { z } from 'zod';
import { fillCapsule } from '../draw.js';
import { createMask, fillRect, type Mask, type Size } from '../mask.js';
import type { Rng } from '@bgfill/core';
import type { MaskStrategy } from '../strategy.js';
import { boxRects, type Rect } from './box.js';
import { intIn, rangeSchema, shorterSide, uniformIn, type Range } from './range.js';

export const IRREGULAR_PRESET_NAMES = ['thick', 'medium', 'thin'] as const;
export type IrregularPresetName = (typeof IRREGULAR_PRESET_NAMES)[number];

/** Every knob of the generator; lengths are fractions of the shorter side. */
export interface IrregularParams {
  /** Strokes per mask (LaMa min_times … max_times). */
  readonly strokes: Range;
  /** Segments per stroke (LaMa: 1 + randint(5)). */
  readonly segments: Range;
  /** Segment length (LaMa: 10 + randint(max_len) px). */
  readonly length: Range;
  /** Brush width of each segment (LaMa: 5 + randint(max_width) px, drawn about 1.5 px wider by OpenCV). */
  readonly width: Range;
  /** Chance that a mask is boxes instead of strokes. */
  readonly boxProbability: number;
  /** Boxes per box mask (LaMa min_times … max_times of the box generator). */
  readonly boxes: Range;
  /** Box side (LaMa: randint(bbox_min_size, bbox_max_size) px). */
  readonly boxSize: Range;
  /** Keep-out band of boxes along the borders (LaMa margin px). */
  readonly boxMargin: number;
  /** Masks covering more than this are drawn again (LaMa max_tamper_area); empty masks are drawn again too. */
  readonly maxHoleRatio: number;
  /** Draws before keeping the best try. */
  readonly maxTries: number;
  /** 'lama': LaMa's eight directions; 'uniform': any direction. */
  readonly directions: 'lama' | 'uniform';
}

const px = (v: number) => v / 256;
const pxRange = (lo: number, hi: number): Range => [px(lo), px(hi)];
/**
 * LaMa draws with cv2.line(…, thickness = t), and OpenCV's thick lines come out wider than t: measured across a
 * horizontal line, t + 1 px for even t and t + 2 for odd t (t + 1.5 on average). Preset widths are the drawn ones,
 * LaMa's t + 1.5, so the hole areas match LaMa's masks (see test/fixtures/irregular-lama).
 */
const CV2_EXTRA_WIDTH = 1.5;
const brushRange = (lo: number, hi: number): Range => pxRange(lo + CV2_EXTRA_WIDTH, hi + CV2_EXTRA_WIDTH);

/** The three LaMa presets at 256 px, as fractions of the side (randint(n) is 0 … n − 1). */
export const IRREGULAR_PRESETS: Readonly<Record<IrregularPresetName, IrregularParams>> = {
  // random_thick_256: max_times 5, max_width 100, max_len 200; boxes margin 10, size 30–150, 1–3 of them.
  thick: {
    strokes: [1, 5],
    segments: [1, 5],
    length: pxRange(10, 209),
    width: brushRange(5, 104),
    boxProbability: 0.3 / 1.3,
    boxes: [1, 3],
    boxSize: pxRange(30, 149),
    boxMargin: px(10),
    maxHoleRatio: 0.5,
    maxTries: 20,
    directions: 'lama',
  },
  // random_medium_256: min_times 4, max_times 5, max_width 50, max_len 100; boxes margin 0, size 10–50, 1–5 of them.
  medium: {
    strokes: [4, 5],
    segments: [1, 5],
    length: pxRange(10, 109),
    width: brushRange(5, 54),
    boxProbability: 0.3 / 1.3,
    boxes: [1, 5],
    boxSize: pxRange(10, 49),
    boxMargin: 0,
    maxHoleRatio: 0.5,
    maxTries: 20,
    directions: 'lama',
  },
  // random_thin_256: min_times 4, max_times 50, max_width 10, max_len 40; no boxes.
  thin: {
    strokes: [4, 50],
    segments: [1, 5],
    length: pxRange(10, 49),
    width: brushRange(5, 14),
    boxProbability: 0,
    boxes: [1, 1],
    boxSize: pxRange(10, 10),
    boxMargin: 0,
    maxHoleRatio: 0.5,
    maxTries: 20,
    directions: 'lama',
  },
};

const fraction = rangeSchema({ lo: 0, hi: 4 });
const counts = rangeSchema({ lo: 0, hi: 1000, int: true });

export const irregularSchema = z.strictObject({
  strategy: z.literal('irregular'),
  preset: z
    .enum(IRREGULAR_PRESET_NAMES)
    .default('medium')
    .describe("LaMa's mask family: 'thick', 'medium' (default) or 'thin'; the options below override single figures"),
  strokes: counts.optional().describe('[min, max] strokes per mask (thick 1–5, medium 4–5, thin 4–50)'),
  segments: rangeSchema({ lo: 1, hi: 1000, int: true })
    .optional()
    .describe('[min, max] straight segments per stroke (all presets 1–5)'),
  length: fraction
    .optional()
    .describe('[min, max] segment length, fraction of the shorter side (at 256: thick 10–209, medium 10–109, thin 10–49 px)'),
  width: fraction
    .optional()
    .describe('[min, max] brush width per segment, fraction of the shorter side (at 256: thick 6.5–105.5, medium 6.5–55.5, thin 6.5–15.5 px: LaMa 5 + randint(max_width) as OpenCV draws it)'),
  boxProbability: z
    .number()
    .min(0)
    .max(1)
    .optional()
    .describe('chance that a mask is boxes instead of strokes (thick/medium 0.3/1.3, thin 0)'),
  boxes: rangeSchema({ lo: 1, hi: 1000, int: true }).optional().describe('[min, max] boxes in a box mask'),
  boxSize: fraction.optional().describe('[min, max] box side, fraction of the shorter side'),
  boxMargin: z.number().min(0).max(0.49).optional().describe('box keep-out band along the borders, fraction of the shorter side'),
  maxHoleRatio: z
    .number()
    .gt(0)
    .max(1)
    .optional()
    .describe('masks covering more than this are drawn again, as LaMa drops them (default 0.5)'),
  maxTries: z.number().int().min(1).max(10_000).optional().describe('draws before keeping the least covering one (default 20)'),
  directions: z
    .enum(['lama', 'uniform'])
    .optional()
    .describe("segment directions: 'lama' (default) LaMa's eight fixed ones, 'uniform' any angle"),
});

export type IrregularConfig = z.output<typeof irregularSchema>;

/**
 * The preset's figures with the config's overrides applied.
 * @example irregularParams(irregularSchema.parse({ strategy: 'irregular', preset: 'thin', strokes: [4, 10] }))
 */
export function irregularParams(config: IrregularConfig): IrregularParams {
  const p = IRREGULAR_PRESETS[config.preset];
  return {
    strokes: config.strokes ?? p.strokes,
    segments: config.segments ?? p.segments,
    length: config.length ?? p.length,
    width: config.width ?? p.width,
    boxProbability: config.boxProbability ?? p.boxProbability,
    boxes: config.boxes ?? p.boxes,
    boxSize: config.boxSize ?? p.boxSize,
    boxMargin: config.boxMargin ?? p.boxMargin,
    maxHoleRatio: config.maxHoleRatio ?? p.maxHoleRatio,
    maxTries: config.maxTries ?? p.maxTries,
    directions: config.directions ?? p.directions,
  };
}

/** One brush segment in pixels: a capsule from (x0, y0) to (x1, y1) of the given width (= 2 × radius). */
export interface BrushSegment {
  readonly x0: number;
  readonly y0: number;
  readonly x1: number;
  readonly y1: number;
  readonly width: number;
}

/** The shapes of one draw: segments, or boxes. */
export interface IrregularPlan {
  readonly segments: BrushSegment[];
  readonly boxes: Rect[];
}

function clamp(v: number, lo: number, hi: number): number {
  return v < lo ? lo : v > hi ? hi : v;
}

/**
 * One draw of the generator from `rng`: with probability boxProbability a set of boxes (from rng.derive('boxes')),
 * otherwise strokes, stroke j from rng.derive('stroke', j): a uniform start, then segments each with its own
 * direction, length and brush width, ends clamped to the image (the next segment starts there).
 * @example irregularPlan({ width: 256, height: 256 }, IRREGULAR_PRESETS.thin, rngFor(1, 0)).segments.length
 */
export function irregularPlan(size: Size, p: IrregularParams, rng: Rng): IrregularPlan {
  const side = shorterSide(size);
  if (p.boxProbability > 0 && rng.chance(p.boxProbability)) {
    const boxes = boxRects(
      size,
      {
        strategy: 'box',
        count: p.boxes,
        width: [(p.boxSize[0] * side) / size.width, (p.boxSize[1] * side) / size.width],
        height: [(p.boxSize[0] * side) / size.height, (p.boxSize[1] * side) / size.height],
        margin: p.boxMargin,
      },
      rng.derive('boxes'),
    );
    return { segments: [], boxes };
  }
  const segments: BrushSegment[] = [];
  const strokes = intIn(rng, p.strokes);
  for (let j = 0; j < strokes; j++) {
    const r = rng.derive('stroke', j);
    let x = r.uniform(0, size.width);
    let y = r.uniform(0, size.height);
    const n = intIn(r, p.segments);
    for (let k = 0; k < n; k++) {
      let dx: number;
      let dy: number;
      if (p.directions === 'lama') {
        // LaMa: a = 0.01 + randint(4), mirrored (2π − a) on even strokes; x moves by sin a, y by cos a.
        const a = 0.01 + r.int(0, 3);
        const angle = j % 2 === 0 ? 2 * Math.PI - a : a;
        dx = Math.sin(angle);
        dy = Math.cos(angle);
      } else {
        const angle = r.uniform(0, 2 * Math.PI);
        dx = Math.cos(angle);
        dy = Math.sin(angle);
      }
      const len = uniformIn(r, p.length) * side;
      const width = uniformIn(r, p.width) * side;
      const x1 = clamp(x + len * dx, 0, size.width);
      const y1 = clamp(y + len * dy, 0, size.height);
      segments.push({ x0: x, y0: y, x1, y1, width });
      x = x1;
      y = y1;
    }
  }
  return { segments, boxes: [] };
}

/** Fraction of hole pixels, reading four 0/1 bytes per step (their sum is the top byte of word × 0x01010101). */
function fastHoleRatio(mask: Mask): number {
  const { data } = mask;
  const words = data.byteOffset % 4 === 0 ? data.length >> 2 : 0;
  const view = new Uint32Array(data.buffer, data.byteOffset, words);
  let n = 0;
  for (let i = 0; i < words; i++) n += Math.imul(view[i], 0x01010101) >>> 24;
  for (let i = words << 2; i < data.length; i++) n += data[i];
  return data.length === 0 ? 0 : n / data.length;
}

/**
 * Rasterise a plan into a fresh mask: a capsule of radius width/2 per segment, then the boxes.
 * @example drawIrregularPlan(size, irregularPlan(size, IRREGULAR_PRESETS.medium, rngFor(1, 0)))
 */
export function drawIrregularPlan(size: Size, plan: IrregularPlan): Mask {
  const mask = createMask(size);
  for (const s of plan.segments) fillCapsule(mask, s.x0, s.y0, s.x1, s.y1, s.width / 2);
  for (const b of plan.boxes) fillRect(mask, b.left, b.top, b.left + b.width, b.top + b.height);
  return mask;
}

/**
 * Draw k = 0, 1, … from rng.derive('try', k) until the mask is non-empty and covers at most maxHoleRatio; after
 * maxTries, the non-empty try covering least (earliest on ties; an empty one only if every try was empty).
 * @returns the mask and the plan it came from
 * @example irregularMask({ width: 256, height: 256 }, irregularSchema.parse({ strategy: 'irregular', preset: 'thick' }), rngFor(1, 0)).mask
 */
export function irregularMask(size: Size, config: IrregularConfig, rng: Rng): { mask: Mask; plan: IrregularPlan } {
  const p = irregularParams(config);
  let best: { mask: Mask; plan: IrregularPlan } | undefined;
  let bestScore = Infinity;
  for (let k = 0; k < p.maxTries; k++) {
    const plan = irregularPlan(size, p, rng.derive('try', k));
    const mask = drawIrregularPlan(size, plan);
    const ratio = fastHoleRatio(mask);
    if (ratio > 0 && ratio <= p.maxHoleRatio) return { mask, plan };
    const score = ratio === 0 ? 2 : ratio;
    if (score < bestScore) {
      best = { mask, plan };
      bestScore = score;
    }
  }
  return best as { mask: Mask; plan: IrregularPlan };
}

export const irregularStrategy: MaskStrategy<IrregularConfig> = {
  name: 'irregular',
  description:
    "LaMa's large irregular masks: chains of thick brush segments (presets thick / medium / thin with LaMa's " +
    'stroke counts, lengths and widths), or with probability 0.3/1.3 a few boxes; masks covering more than half ' +
    'the image are drawn again.',
  schema: irregularSchema,
  generate(size, config, rng) {
    return irregularMask(size, config, rng).mask;
  },
};

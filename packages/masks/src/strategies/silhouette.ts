/**
 * `silhouette`: procedural human silhouettes (head, neck, torso, two-segment arms and legs, feet) in a standing,
 * walking or free pose, sized and placed by the same centred folded-normal law as `person-box`.
 *
 * Body proportions, as fractions of stature S (feet at 0, top of head at 1), are the segment lengths of
 * D. A. Winter, "Biomechanics and Motor Control of Human Movement", 4th ed. (2009), fig. 4.1, after Drillis &
 * Contini (1966): chin 0.870 (head height 0.130 ≈ S / 7.7), shoulder 0.818, elbow 0.630, wrist 0.485, hip 0.530,
 * knee 0.285, ankle 0.039; shoulder width 0.259, hip width 0.191, hand 0.108, foot length 0.152.
 * Breadths (head, neck, limbs, waist) are not in that table; they are rounded typical adult values (head breadth
 * ≈ 15 cm, upper-arm ≈ 9 cm, thigh ≈ 16 cm, calf ≈ 11 cm at S ≈ 175 cm), so treat them as approximate.
 */
import { z } from 'zod';
import { fillCapsule, fillEllipse, fillPolygon, type Point } from '../draw.js';
import { createMask, type Mask, type Size } from '../mask.js';
import type { Rng } from '@bgfill/core';
import type { MaskStrategy } from '../strategy.js';
import { foldedNormalMargin } from './person-box.js';

export const SILHOUETTE_POSES = ['standing', 'walking', 'any'] as const;
export type SilhouettePose = (typeof SILHOUETTE_POSES)[number];
/** The pose actually drawn: 'any' picks one of these. 'free' is a front view with arbitrary joint angles. */
export type DrawnPose = 'standing' | 'walking' | 'free';

export const silhouetteSchema = z.strictObject({
  strategy: z.literal('silhouette'),
  pose: z
    .enum(SILHOUETTE_POSES)
    .default('any')
    .describe("'standing' (front view, arms down), 'walking' (side view, mid-stride) or 'any' (default: one of those or a free pose)"),
  sigma: z
    .number()
    .min(0)
    .max(100)
    .default(1 / 3)
    .describe('height law: stature = h − 2H with H = int(min(|z| · sigma, 1) · h/2), z ~ N(0,1), as person-box (default 1/3)'),
  minHeight: z
    .number()
    .min(0.05)
    .max(1)
    .default(0.3)
    .describe('smallest stature as a fraction of the image height, so the shape reads as a person (default 0.3)'),
  jitter: z
    .number()
    .min(0)
    .max(1)
    .default(0)
    .describe('centre moved by up to ± jitter × side on each axis, uniform (default 0)'),
  dilate: z
    .number()
    .min(0)
    .max(256)
    .default(0)
    .describe('halo in pixels added around the whole body (thicker limbs, larger head and torso; default 0)'),
});

export type SilhouetteConfig = z.output<typeof silhouetteSchema>;

/** A primitive of the body, in pixels. */
export type BodyShape =
  | { readonly kind: 'capsule'; readonly x0: number; readonly y0: number; readonly x1: number; readonly y1: number; readonly r: number }
  | { readonly kind: 'ellipse'; readonly cx: number; readonly cy: number; readonly rx: number; readonly ry: number }
  | { readonly kind: 'polygon'; readonly points: ReadonlyArray<Point> };

/** A laid-out body: its primitives plus where and how large it is. */
export interface SilhouetteLayout {
  readonly pose: DrawnPose;
  /** Stature in pixels (top of head to soles, standing straight). */
  readonly stature: number;
  /** Row of the top of the head (continuous coordinates). */
  readonly top: number;
  /** Column of the body's midline. */
  readonly centreX: number;
  readonly shapes: BodyShape[];
}

// ---- Anthropometry (fractions of stature) ----
const HEAD_CENTRE = 0.935; // midway between top (1.000) and chin (0.870)
const HEAD_HALF_HEIGHT = 0.065;
const HEAD_HALF_BREADTH = 0.045; // ≈ 15.5 cm / 175 cm / 2
const HEAD_HALF_LENGTH = 0.057; // front-to-back ≈ 20 cm, for the side view
const NECK_TOP = 0.89;
const NECK_BOTTOM = 0.8;
const NECK_RADIUS = 0.032;
const SHOULDER_JOINT_Y = 0.8; // a little below the acromion (0.818)
const SHOULDER_JOINT_X = 0.105; // inside half the shoulder width (0.259 / 2)
const HIP_JOINT_Y = 0.51; // a little below the greater trochanter (0.530)
const HIP_JOINT_X = 0.048;
const UPPER_ARM = 0.186; // shoulder → elbow
const FOREARM = 0.146; // elbow → wrist
const HAND = 0.09; // wrist → near the fingertips (hand length 0.108, drawn with a round end)
const THIGH = 0.225; // hip joint → knee (0.51 → 0.285)
const SHANK = 0.246; // knee → ankle (0.285 → 0.039)
const FOOT = 0.12; // ankle → toes (foot length 0.152, heel behind the ankle)
const UPPER_ARM_RADIUS = 0.026;
const FOREARM_RADIUS = 0.021;
const HAND_RADIUS = 0.018;
const THIGH_RADIUS = 0.044;
const SHANK_RADIUS = 0.031;
const FOOT_RADIUS = 0.022;

/** Front-view torso outline, right half, from the neck base down to the crotch (x, y); mirrored for the left. */
const TORSO_RIGHT: ReadonlyArray<Point> = [
  [0.045, 0.85], // neck base
  [0.125, 0.818], // shoulder (half of 0.259)
  [0.12, 0.76],
  [0.105, 0.7], // chest
  [0.088, 0.62], // waist
  [0.096, 0.53], // hips (half of 0.191)
  [0.085, 0.47],
  [0, 0.455], // crotch
];
/** Chest depth relative to shoulder breadth, for the side view. */
const SIDE_VIEW_DEPTH = 0.62;

const DEG = Math.PI / 180;

/** One limb: direction of the proximal segment (radians from straight down, + = outward or forward) and bend. */
interface LimbAngles {
  upper: number;
  bend: number;
  end: number;
}

interface Pose {
  drawn: DrawnPose;
  side: boolean;
  arms: [LimbAngles, LimbAngles];
  legs: [LimbAngles, LimbAngles];
}

/** Joint angles for a pose, all drawn from `rng`. */
function samplePose(kind: SilhouettePose, rng: Rng): Pose {
  const drawn: DrawnPose =
    kind === 'any' ? (['standing', 'walking', 'free'] as const)[rng.int(0, 2)] : kind;
  if (drawn === 'standing') {
    const arm = (): LimbAngles => ({ upper: rng.uniform(3, 20) * DEG, bend: -rng.uniform(0, 25) * DEG, end: 0 });
    const leg = (): LimbAngles => ({ upper: rng.uniform(0, 8) * DEG, bend: -rng.uniform(0, 5) * DEG, end: rng.uniform(55, 85) * DEG });
    return { drawn, side: false, arms: [arm(), arm()], legs: [leg(), leg()] };
  }
  if (drawn === 'walking') {
    // Side view mid-stride: legs swing ±A about the hip, arms swing opposite; the trailing knee bends most.
    const phase = rng.uniform(0, 2 * Math.PI);
    const amp = rng.uniform(10, 24) * DEG;
    const swing = amp * Math.sin(phase);
    const legs: [LimbAngles, LimbAngles] = [swing, -swing].map((hip) => ({
      upper: hip,
      bend: -(hip < 0 ? rng.uniform(10, 35) : rng.uniform(0, 10)) * DEG,
      end: 0,
    })) as [LimbAngles, LimbAngles];
    for (const leg of legs) leg.end = leg.upper + leg.bend + 90 * DEG; // foot roughly square to the shank, forward
    const arms: [LimbAngles, LimbAngles] = [-swing, swing].map((s) => ({
      upper: s * rng.uniform(0.5, 0.9),
      bend: rng.uniform(5, 30) * DEG,
      end: 0,
    })) as [LimbAngles, LimbAngles];
    return { drawn, side: true, arms, legs };
  }
  const arm = (): LimbAngles => ({ upper: rng.uniform(0, 170) * DEG, bend: rng.uniform(-90, 120) * DEG, end: 0 });
  const leg = (): LimbAngles => ({ upper: rng.uniform(0, 35) * DEG, bend: -rng.uniform(0, 50) * DEG, end: rng.uniform(40, 90) * DEG });
  return { drawn, side: false, arms: [arm(), arm()], legs: [leg(), leg()] };
}

/**
 * The body for one mask: stature from the folded-normal law (z drawn first from `rng`), clamped below by
 * minHeight; centred, then jittered; pose from rng.derive('pose'); mirrored left–right with probability ½.
 * @example silhouetteLayout({ width: 256, height: 256 }, silhouetteSchema.parse({ strategy: 'silhouette' }), rngFor(1, 0))
 */
export function silhouetteLayout(size: Size, config: SilhouetteConfig, rng: Rng): SilhouetteLayout {
  const { width, height } = size;
  const H = foldedNormalMargin(rng.normal(), config.sigma, height / 2);
  const stature = Math.max(height - 2 * H, config.minHeight * height);
  let dx = 0;
  let dy = 0;
  if (config.jitter > 0) {
    dy = rng.uniform(-config.jitter, config.jitter) * height;
    dx = rng.uniform(-config.jitter, config.jitter) * width;
  }
  const mirror = rng.chance(0.5) ? -1 : 1;
  const pose = samplePose(config.pose, rng.derive('pose'));
  const top = (height - stature) / 2 + dy;
  const centreX = width / 2 + dx;
  const feet = top + stature;
  const d = config.dilate;
  // Body coordinates (x outward/forward, y up, in statures) → pixels.
  const X = (x: number) => centreX + mirror * x * stature;
  const Y = (y: number) => feet - y * stature;
  const px = (r: number) => Math.max(r * stature, 0.75) + d; // ≥ 0.75 px keeps thin limbs 8-connected
  const shapes: BodyShape[] = [];
  const capsule = (a: Point, b: Point, r: number) =>
    shapes.push({ kind: 'capsule', x0: X(a[0]), y0: Y(a[1]), x1: X(b[0]), y1: Y(b[1]), r: px(r) });

  // Torso (a polygon; narrower in profile) with a skeleton of capsules inside so that every part joins it.
  const depth = pose.side ? SIDE_VIEW_DEPTH : 1;
  const right = TORSO_RIGHT.map(([x, y]) => [x * depth, y] as Point);
  const outline = [...right, ...right.slice(0, -1).reverse().map(([x, y]) => [-x, y] as Point)];
  shapes.push({ kind: 'polygon', points: outline.map(([x, y]) => [X(x), Y(y)] as Point) });
  const shoulderX = pose.side ? 0.02 : SHOULDER_JOINT_X;
  const hipX = pose.side ? 0.01 : HIP_JOINT_X;
  const pelvis: Point = [0, HIP_JOINT_Y];
  capsule([0, NECK_BOTTOM], pelvis, 0);
  capsule([-shoulderX, SHOULDER_JOINT_Y], [shoulderX, SHOULDER_JOINT_Y], 0);
  capsule([-hipX, HIP_JOINT_Y], [hipX, HIP_JOINT_Y], 0);

  // Head and neck.
  capsule([0, NECK_TOP], [0, NECK_BOTTOM], NECK_RADIUS);
  shapes.push({
    kind: 'ellipse',
    cx: X(pose.side ? 0.01 : 0),
    cy: Y(HEAD_CENTRE),
    rx: (pose.side ? HEAD_HALF_LENGTH : HEAD_HALF_BREADTH) * stature + d,
    ry: HEAD_HALF_HEIGHT * stature + d,
  });

  // Limbs: side s = −1 (left) / +1 (right); in profile both hang from the midline and "outward" means forward.
  const limb = (root: Point, s: number, a: LimbAngles, lengths: number[], radii: number[], endAngle: number | null) => {
    const dir = (angle: number): Point => [s * Math.sin(angle), -Math.cos(angle)];
    let p = root;
    const angles = [a.upper, a.upper + a.bend];
    if (endAngle !== null) angles.push(endAngle);
    for (let k = 0; k < lengths.length; k++) {
      const [ux, uy] = dir(angles[k]);
      const q: Point = [p[0] + ux * lengths[k], p[1] + uy * lengths[k]];
      capsule(p, q, radii[k]);
      p = q;
    }
  };
  for (let k = 0; k < 2; k++) {
    // In profile both limbs of a pair point "forward" (+x) for positive angles; in front view they mirror.
    const s = pose.side ? 1 : k === 0 ? -1 : 1;
    const arm = pose.arms[k];
    const leg = pose.legs[k];
    limb([s * shoulderX, SHOULDER_JOINT_Y], s, arm, [UPPER_ARM, FOREARM, HAND], [UPPER_ARM_RADIUS, FOREARM_RADIUS, HAND_RADIUS], arm.upper + arm.bend);
    limb([s * hipX, HIP_JOINT_Y], s, leg, [THIGH, SHANK, pose.side ? FOOT : FOOT * 0.55], [THIGH_RADIUS, SHANK_RADIUS, FOOT_RADIUS], leg.end);
  }
  return { pose: pose.drawn, stature, top, centreX, shapes };
}

/**
 * Draw a layout's primitives into a fresh mask; with `dilate` > 0 the torso polygon also gets capsules of that
 * radius along its edges (the other parts were already thickened by the layout).
 * @example drawSilhouette(size, silhouetteLayout(size, config, rngFor(1, 0)), config.dilate)
 */
export function drawSilhouette(size: Size, layout: SilhouetteLayout, dilate = 0): Mask {
  const mask = createMask(size);
  for (const s of layout.shapes) {
    if (s.kind === 'capsule') fillCapsule(mask, s.x0, s.y0, s.x1, s.y1, s.r);
    else if (s.kind === 'ellipse') fillEllipse(mask, s.cx, s.cy, s.rx, s.ry, 0);
    else {
      fillPolygon(mask, s.points);
      if (dilate > 0) {
        for (let i = 0, j = s.points.length - 1; i < s.points.length; j = i++) {
          fillCapsule(mask, s.points[j][0], s.points[j][1], s.points[i][0], s.points[i][1], dilate);
        }
      }
    }
  }
  return mask;
}

export const silhouetteStrategy: MaskStrategy<SilhouetteConfig> = {
  name: 'silhouette',
  description:
    'Procedural human silhouettes: head, neck, torso, arms and legs with anthropometric proportions ' +
    '(Winter 2009 / Drillis & Contini 1966), standing, walking or in a free pose; stature and placement follow ' +
    "person-box's centred folded-normal law (at least 30 % of the height); optional halo in pixels.",
  schema: silhouetteSchema,
  generate(size, config, rng) {
    return drawSilhouette(size, silhouetteLayout(size, config, rng), config.dilate);
  },
};

import { ABOVE, BELOW, DifferenceCache, discOffsets, INSIDE, LEFT, marchFrame, marchInward, marchOutside, Neighbourhood, RIGHT } from './narrow-band.js';
import { f32, NEAR_ZERO, nearestEven, TINY, type FillTarget } from './fill-target.js';

/**
 * Telea's fast-marching inpainting (A. Telea, "An image inpainting technique based on the fast marching method",
 * Journal of Graphics Tools 9(1), 2004), with the weights and rounding of OpenCV's `INPAINT_TELEA`. Each hole pixel,
 * when the march reaches it, becomes a weighted mean of the known pixels q within `radius` of it (eq. 2–4): weight
 * |dir · dst · lev| with dir = (p − q)·∇T (how far q lies along the march's normal), dst = 1/|p − q|³ and
 * lev = 1/(1 + |T(q) − T(p)|); with the first-order term of eq. 2 entering, as in OpenCV, only as the sign of the
 * weighted image-gradient sum (a unit-vector term of at most √2), and +0.5 before rounding to nearest (ties to even).
 * Writes the filled pixels into `target.out` (which starts as the input); pixels outside the hole are not touched.
 */
export function teleaFill(target: FillTarget, radius: number): void {
  const { mask, out, width } = target;
  const frame = marchFrame(mask);
  if (frame.bandCount === 0) return;
  marchOutside(frame, radius);
  const { cols, state, t } = frame;
  const row = width * 3;
  const around = new Neighbourhood(frame, discOffsets(radius, cols), row);
  const { dk, dl, len2 } = around.disc;
  const { at: atCell } = around;
  // dst = 1/|p − q|³ depends on the offset alone.
  const dsts = Float64Array.from(len2, (d) => f32(1 / (d * Math.sqrt(d))));
  // The image gradient at q (OpenCV's gradI) per channel, x then y: integers, so exact in any float.
  const gradients = new DifferenceCache(around.cells, 6, around.steady);
  const g = gradients.values;
  marchInward(frame, (p, i, j, time) => {
    const gradTx = timeGradient(state, t, p, 1);
    const gradTy = timeGradient(state, t, p, cols);
    let ia0 = 0, ia1 = 0, ia2 = 0, jx0 = 0, jx1 = 0, jx2 = 0, jy0 = 0, jy1 = 0, jy2 = 0; // prettier-ignore
    let s = TINY;
    around.gather(p, i, j);
    for (let n = 0; n < around.count; n++) {
      const m = around.m[n];
      const cell = around.cell[n];
      const known = around.known[n];
      if (!gradients.has(cell, known)) {
        imageGradient(around, cell, known, out, g);
        gradients.keep(cell, known);
      }
      const dy = -dk[m];
      const dx = -dl[m];
      const lev = f32(1 / f32(1 + Math.abs(f32(t[around.q[n]] - time))));
      let dir = f32(f32(dx * gradTx) + f32(dy * gradTy));
      if (Math.abs(dir) <= 0.01) dir = NEAR_ZERO;
      // Rounding to float32 costs V8 a conversion there and back on the value's dependency chain (bench/RESULTS.md),
      // so it is left out where the value is a float32 already: the absolute value of one, and gradient × offset,
      // integers below 2⁹ · MAX_INPAINT_RADIUS, far inside float32's exact integers (2²⁴).
      const w = Math.abs(f32(f32(dsts[m] * lev) * dir));
      const at = atCell[cell];
      const o = cell * 6;
      ia0 = f32(ia0 + f32(w * out[at]));
      ia1 = f32(ia1 + f32(w * out[at + 1]));
      ia2 = f32(ia2 + f32(w * out[at + 2]));
      jx0 = f32(jx0 - f32(w * (g[o] * dx)));
      jx1 = f32(jx1 - f32(w * (g[o + 1] * dx)));
      jx2 = f32(jx2 - f32(w * (g[o + 2] * dx)));
      jy0 = f32(jy0 - f32(w * (g[o + 3] * dy)));
      jy1 = f32(jy1 - f32(w * (g[o + 4] * dy)));
      jy2 = f32(jy2 - f32(w * (g[o + 5] * dy)));
      s = f32(s + w);
    }
    const o = (i - 1) * row + (j - 1) * 3;
    out[o] = teleaValue(ia0, jx0, jy0, s);
    out[o + 1] = teleaValue(ia1, jx1, jy1, s);
    out[o + 2] = teleaValue(ia2, jx2, jy2, s);
  });
}

/**
 * OpenCV's gradI at a known pixel, per channel, into `g[cell · 6 …]` (x for R, G, B, then y): out[a] − out[b] times
 * 2 (central, as OpenCV has it) or 1 (forward, backward), or 0, by which neighbours are known.
 */
function imageGradient(around: Neighbourhood, cell: number, known: number, out: Uint8Array, g: Int16Array): void {
  around.locate(cell);
  const at = around.at[cell];
  let xa = at, xb = at, xs = 0, ya = at, yb = at, ys = 0; // prettier-ignore
  if (known & RIGHT) (xa = around.east), (xb = known & LEFT ? around.west : at), (xs = known & LEFT ? 2 : 1);
  else if (known & LEFT) (xa = around.eastBack), (xb = around.west), (xs = 1);
  if (known & BELOW) (ya = around.south), (yb = known & ABOVE ? around.north : at), (ys = known & ABOVE ? 2 : 1);
  else if (known & ABOVE) (ya = around.southBack), (yb = around.north), (ys = 1);
  const o = cell * 6;
  for (let c = 0; c < 3; c++) {
    g[o + c] = (out[xa + c] - out[xb + c]) * xs;
    g[o + 3 + c] = (out[ya + c] - out[yb + c]) * ys;
  }
}

/**
 * ∂T along `step` (1: x, cols: y) at p: central where both neighbours are known, one-sided where one is, else 0
 * (KNOWN and BAND are known, the frame's outer ring too, at time FAR, as in OpenCV).
 */
function timeGradient(state: Uint8Array, t: Float32Array, p: number, step: number): number {
  const next = state[p + step] !== INSIDE;
  const prev = state[p - step] !== INSIDE;
  if (next) return prev ? f32(f32(t[p + step] - t[p - step]) * 0.5) : f32(t[p + step] - t[p]);
  return prev ? f32(t[p] - t[p - step]) : 0;
}

/** The filled 8-bit value: mean + the gradient term's direction sum + 0.5, rounded to nearest (ties even), clamped. */
function teleaValue(ia: number, jx: number, jy: number, s: number): number {
  const norm = f32(f32(Math.sqrt(f32(f32(jx * jx) + f32(jy * jy)))) + TINY);
  return nearestEven(f32(f32(f32(ia / s) + f32(f32(jx + jy) / norm)) + 0.5));
}

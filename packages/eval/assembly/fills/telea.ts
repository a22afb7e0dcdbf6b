import { INSIDE, MarchFrame, marchInward, marchOutside } from './march';
import { ABOVE, BELOW, LEFT, RIGHT } from './neighbourhood';
import { DiscFill } from './disc-fill';
import { Pixels } from './pixels';
import { NEAR_ZERO, nearZero, saturate, TINY } from './rounding';

/**
 * Telea's fast-marching inpainting (A. Telea, "An image inpainting technique based on the fast marching method",
 * Journal of Graphics Tools 9(1), 2004), with the weights and float32 arithmetic of OpenCV's `INPAINT_TELEA`. Each
 * hole pixel, when the march reaches it, becomes a weighted mean of the known pixels q within `radius` of it
 * (eq. 2–4): weight |dir · dst · lev| with dir = (p − q)·∇T (how far q lies along the march's normal),
 * dst = 1/|p − q|³ and lev = 1/(1 + |T(q) − T(p)|); with the first-order term of eq. 2 entering, as in OpenCV, only
 * as the sign of the weighted image-gradient sum (a unit-vector term of at most √2), and +0.5 before rounding to
 * nearest (ties to even). Writes the filled pixels into `out`; pixels outside the hole are not touched.
 */
export function teleaFill(out: Pixels, mask: usize, width: i32, height: i32, radius: i32): void {
  const frame = new MarchFrame(mask, width, height);
  if (frame.bandCount == 0) return;
  marchOutside(frame, radius);
  marchInward(frame, new Telea(frame, out, width, radius));
}

/** Telea's weighted mean at each pixel reached; its differences are OpenCV's gradI, per channel, x then y (integers). */
class Telea extends DiscFill {
  constructor(frame: MarchFrame, out: Pixels, width: i32, radius: i32) {
    super(frame, out, width, radius, teleaDistance);
  }

  fill(p: i32, i: i32, j: i32, time: f32): void {
    const around = this.around;
    const out = this.out;
    const state = this.frame.state;
    const t = this.frame.t;
    const cols = this.frame.cols;
    const dk = around.disc.dk;
    const dl = around.disc.dl;
    const dsts = this.dsts;
    const atCell = around.at;
    const gradients = this.differences;
    const g = gradients.values;
    const gradTx = timeGradient(state, t, p, 1);
    const gradTy = timeGradient(state, t, p, cols);
    let ia0: f32 = 0, ia1: f32 = 0, ia2: f32 = 0, jx0: f32 = 0, jx1: f32 = 0, jx2: f32 = 0, jy0: f32 = 0, jy1: f32 = 0, jy2: f32 = 0; // prettier-ignore
    let s: f32 = TINY;
    around.gather(p, i, j);
    const count = around.count;
    for (let n = 0; n < count; n++) {
      const m = around.m[n];
      const cell = around.cell[n];
      const known = around.known[n];
      if (!gradients.has(cell, known)) {
        this.imageGradient(cell, known);
        gradients.keep(cell, known);
      }
      const ky = -dk[m];
      const kx = -dl[m];
      const dy = <f32>ky;
      const dx = <f32>kx;
      const lev: f32 = 1 / (1 + Mathf.abs(t[around.q[n]] - time));
      let dir: f32 = dx * gradTx + dy * gradTy;
      if (nearZero(dir)) dir = NEAR_ZERO;
      const w = Mathf.abs(dsts[m] * lev * dir);
      const at = atCell[cell];
      const o = cell * 6;
      ia0 += w * <f32>out.get(at);
      ia1 += w * <f32>out.get(at + 1);
      ia2 += w * <f32>out.get(at + 2);
      jx0 -= w * <f32>(<i32>g[o] * kx);
      jx1 -= w * <f32>(<i32>g[o + 1] * kx);
      jx2 -= w * <f32>(<i32>g[o + 2] * kx);
      jy0 -= w * <f32>(<i32>g[o + 3] * ky);
      jy1 -= w * <f32>(<i32>g[o + 4] * ky);
      jy2 -= w * <f32>(<i32>g[o + 5] * ky);
      s += w;
    }
    this.write(i, j, teleaValue(ia0, jx0, jy0, s), teleaValue(ia1, jx1, jy1, s), teleaValue(ia2, jx2, jy2, s));
  }

  /** OpenCV's gradI at a known pixel, per channel, into the cache: x for R, G, B, then y, by which neighbours are known. */
  private imageGradient(cell: i32, known: u8): void {
    const around = this.around;
    const out = this.out;
    const g = this.differences.values;
    around.locate(cell);
    const at = around.at[cell];
    const o = cell * 6;
    axisGradient(g, o, out, known & RIGHT, known & LEFT, at, around.east, around.west, around.eastBack);
    axisGradient(g, o + 3, out, known & BELOW, known & ABOVE, at, around.south, around.north, around.southBack);
  }
}

/**
 * gradI along one axis, per channel, into g[o … o + 2]: out[a] − out[b] times 2 with both neighbours known (central,
 * as OpenCV has it), times 1 with one (forward from `here` to `next`, or backward from `prev` to `back`), else 0.
 */
@inline function axisGradient(g: Int16Array, o: i32, out: Pixels, hasNext: u8, hasPrev: u8, here: i32, next: i32, prev: i32, back: i32): void {
  let a = here, b = here, s = 0; // prettier-ignore
  if (hasNext) {
    a = next;
    b = hasPrev ? prev : here;
    s = hasPrev ? 2 : 1;
  } else if (hasPrev) {
    a = back;
    b = prev;
    s = 1;
  }
  for (let c = 0; c < 3; c++) g[o + c] = <i16>((out.get(a + c) - out.get(b + c)) * s);
}

/**
 * ∂T along `step` (1: x, cols: y) at p: central where both neighbours are known, one-sided where one is, else 0
 * (KNOWN and BAND are known, the frame's outer ring too, at time FAR, as in OpenCV).
 */
@inline function timeGradient(state: Uint8Array, t: Float32Array, p: i32, step: i32): f32 {
  const next = state[p + step] != INSIDE;
  const prev = state[p - step] != INSIDE;
  if (next) return prev ? (t[p + step] - t[p - step]) * 0.5 : t[p + step] - t[p];
  return prev ? t[p] - t[p - step] : 0;
}

/** The filled 8-bit value: mean + the gradient term's direction sum + 0.5, rounded to nearest (ties even), clamped. */
@inline function teleaValue(ia: f32, jx: f32, jy: f32, s: f32): u8 {
  const norm: f32 = Mathf.sqrt(jx * jx + jy * jy) + TINY;
  return saturate(<f64>(ia / s + (jx + jy) / norm + 0.5));
}

/** dst = 1/|p − q|³, from the squared length d = |p − q|². */
function teleaDistance(d: f64): f64 {
  return 1 / (d * Math.sqrt(d));
}

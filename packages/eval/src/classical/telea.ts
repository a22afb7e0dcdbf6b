import { arrivalTime, BAND, discOffsets, INSIDE, KNOWN, marchFrame, marchOutside } from './narrow-band.js';
import { nearestEven, type FillTarget } from './fill-target.js';

const f32 = Math.fround;
/** 1e-20 as a float32 (OpenCV's guard against dividing by zero). */
const TINY = f32(1e-20);

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
  const { rows, cols, state, t, queue } = frame;
  const row = width * 3;
  const disc = discOffsets(radius, cols);
  // dst = 1/|p − q|³ depends on the offset alone.
  const dsts = Float64Array.from(disc.len2, (len2) => f32(1 / (len2 * Math.sqrt(len2))));
  const ia = new Float64Array(3);
  const jx = new Float64Array(3);
  const jy = new Float64Array(3);
  const fill = (p: number) => {
    const i = (p / cols) | 0;
    const j = p - i * cols;
    const time = arrivalTime(state, t, p, cols);
    t[p] = time;
    const gradTx = timeGradient(state, t, p, 1);
    const gradTy = timeGradient(state, t, p, cols);
    ia.fill(0);
    jx.fill(0);
    jy.fill(0);
    let s = TINY;
    for (let m = 0; m < dsts.length; m++) {
      const k = i + disc.dk[m];
      const l = j + disc.dl[m];
      if (k <= 0 || k >= rows - 1 || l <= 0 || l >= cols - 1) continue;
      const q = p + disc.step[m];
      if (state[q] === INSIDE) continue;
      const dy = -disc.dk[m];
      const dx = -disc.dl[m];
      // The image row / column of frame row k / column l, and the neighbours for the gradients, shifted at the
      // edges as OpenCV's km, kp, lm, lp are.
      const km = k - 1 + (k === 1 ? 1 : 0);
      const kp = k - 1 - (k === rows - 2 ? 1 : 0);
      const lm = l - 1 + (l === 1 ? 1 : 0);
      const lp = l - 1 - (l === cols - 2 ? 1 : 0);
      const lev = f32(1 / f32(1 + Math.abs(f32(t[q] - time))));
      let dir = f32(f32(dx * gradTx) + f32(dy * gradTy));
      if (Math.abs(dir) <= 0.01) dir = f32(0.000001);
      const w = f32(Math.abs(f32(f32(dsts[m] * lev) * dir)));
      const right = state[q + 1] !== INSIDE;
      const left = state[q - 1] !== INSIDE;
      const below = state[q + cols] !== INSIDE;
      const above = state[q - cols] !== INSIDE;
      const at = km * row + lm * 3;
      const east = km * row + (lp + 1) * 3; // right neighbour (central and forward differences)
      const westC = km * row + (lm - 1) * 3; // left neighbour
      const eastB = km * row + lp * 3; // the pixel itself, for the backward difference (shifted at the right edge)
      const south = (kp + 1) * row + lm * 3;
      const northC = (km - 1) * row + lm * 3;
      const southB = kp * row + lm * 3;
      for (let c = 0; c < 3; c++) {
        let gx = 0;
        if (right) gx = left ? (out[east + c] - out[westC + c]) * 2 : out[east + c] - out[at + c];
        else if (left) gx = out[eastB + c] - out[westC + c];
        let gy = 0;
        if (below) gy = above ? (out[south + c] - out[northC + c]) * 2 : out[south + c] - out[at + c];
        else if (above) gy = out[southB + c] - out[northC + c];
        ia[c] = f32(ia[c] + f32(w * out[at + c]));
        jx[c] = f32(jx[c] - f32(w * f32(gx * dx)));
        jy[c] = f32(jy[c] - f32(w * f32(gy * dy)));
      }
      s = f32(s + w);
    }
    const o = (i - 1) * row + (j - 1) * 3;
    for (let c = 0; c < 3; c++) out[o + c] = teleaValue(ia[c], jx[c], jy[c], s);
    state[p] = BAND;
    queue.push(p, time);
  };
  for (let p0 = queue.pop(); p0 >= 0; p0 = queue.pop()) {
    state[p0] = KNOWN;
    // Its four neighbours in OpenCV's order (up, left, down, right); the frame's outer ring is never inside.
    if (state[p0 - cols] === INSIDE) fill(p0 - cols);
    if (state[p0 - 1] === INSIDE) fill(p0 - 1);
    if (state[p0 + cols] === INSIDE) fill(p0 + cols);
    if (state[p0 + 1] === INSIDE) fill(p0 + 1);
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

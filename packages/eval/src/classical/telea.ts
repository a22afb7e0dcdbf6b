import { arrivalTime, INSIDE, KNOWN, BAND, marchFrame, marchOutside } from './narrow-band.js';
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
  const r2 = radius * radius;
  const neighbours = [-cols, -1, cols, 1];
  for (let p0 = queue.pop(); p0 >= 0; p0 = queue.pop()) {
    state[p0] = KNOWN;
    for (const step of neighbours) {
      const p = p0 + step;
      const i = (p / cols) | 0;
      const j = p - i * cols;
      if (state[p] !== INSIDE) continue; // the frame's outer ring is never inside
      const time = arrivalTime(state, t, p, cols);
      t[p] = time;
      const gradTx = timeGradient(state, t, p, 1);
      const gradTy = timeGradient(state, t, p, cols);
      let ia0 = 0, ia1 = 0, ia2 = 0;
      let jx0 = 0, jx1 = 0, jx2 = 0;
      let jy0 = 0, jy1 = 0, jy2 = 0;
      let s = TINY;
      for (let k = i - radius; k <= i + radius; k++) {
        if (k <= 0 || k >= rows - 1) continue;
        // The image row of frame row k, and the row "below" it for the vertical gradient, shifted at the edges as
        // OpenCV's km / kp are.
        const km = k - 1 + (k === 1 ? 1 : 0);
        const kp = k - 1 - (k === rows - 2 ? 1 : 0);
        for (let l = j - radius; l <= j + radius; l++) {
          if (l <= 0 || l >= cols - 1) continue;
          const q = k * cols + l;
          const dy = i - k;
          const dx = j - l;
          if (state[q] === INSIDE || dx * dx + dy * dy > r2) continue;
          const lm = l - 1 + (l === 1 ? 1 : 0);
          const lp = l - 1 - (l === cols - 2 ? 1 : 0);
          const len2 = dx * dx + dy * dy;
          const dst = f32(1 / (len2 * Math.sqrt(len2)));
          const lev = f32(1 / f32(1 + Math.abs(f32(t[q] - time))));
          let dir = f32(f32(dx * gradTx) + f32(dy * gradTy));
          if (Math.abs(dir) <= 0.01) dir = f32(0.000001);
          const w = f32(Math.abs(f32(f32(dst * lev) * dir)));
          const right = state[q + 1] !== INSIDE;
          const left = state[q - 1] !== INSIDE;
          const below = state[q + cols] !== INSIDE;
          const above = state[q - cols] !== INSIDE;
          const at = km * row + lm * 3;
          for (let c = 0; c < 3; c++) {
            let gx = 0;
            if (right) gx = left ? (out[km * row + (lp + 1) * 3 + c] - out[km * row + (lm - 1) * 3 + c]) * 2 : out[km * row + (lp + 1) * 3 + c] - out[at + c];
            else if (left) gx = out[km * row + lp * 3 + c] - out[km * row + (lm - 1) * 3 + c];
            let gy = 0;
            if (below) gy = above ? (out[(kp + 1) * row + lm * 3 + c] - out[(km - 1) * row + lm * 3 + c]) * 2 : out[(kp + 1) * row + lm * 3 + c] - out[at + c];
            else if (above) gy = out[kp * row + lm * 3 + c] - out[(km - 1) * row + lm * 3 + c];
            const v = out[at + c];
            const wv = f32(w * v);
            const wx = f32(w * f32(gx * dx));
            const wy = f32(w * f32(gy * dy));
            if (c === 0) (ia0 = f32(ia0 + wv)), (jx0 = f32(jx0 - wx)), (jy0 = f32(jy0 - wy));
            else if (c === 1) (ia1 = f32(ia1 + wv)), (jx1 = f32(jx1 - wx)), (jy1 = f32(jy1 - wy));
            else (ia2 = f32(ia2 + wv)), (jx2 = f32(jx2 - wx)), (jy2 = f32(jy2 - wy));
          }
          s = f32(s + w);
        }
      }
      const o = (i - 1) * row + (j - 1) * 3;
      out[o] = teleaValue(ia0, jx0, jy0, s);
      out[o + 1] = teleaValue(ia1, jx1, jy1, s);
      out[o + 2] = teleaValue(ia2, jx2, jy2, s);
      state[p] = BAND;
      queue.push(p, time);
    }
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

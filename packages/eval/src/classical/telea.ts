import { discOffsets, INSIDE, marchFrame, marchInward, marchOutside, Neighbourhood } from './narrow-band.js';
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
  const { cols, state, t } = frame;
  const row = width * 3;
  const around = new Neighbourhood(frame, discOffsets(radius, cols), row);
  // dst = 1/|p − q|³ depends on the offset alone.
  const dsts = Float64Array.from(around.disc.len2, (len2) => f32(1 / (len2 * Math.sqrt(len2))));
  const ia = new Float64Array(3);
  const jx = new Float64Array(3);
  const jy = new Float64Array(3);
  let s = TINY;
  let time = 0;
  let gradTx = 0;
  let gradTy = 0;
  const add = (n: Neighbourhood) => {
    const dy = -around.disc.dk[n.m];
    const dx = -around.disc.dl[n.m];
    const lev = f32(1 / f32(1 + Math.abs(f32(t[n.q] - time))));
    let dir = f32(f32(dx * gradTx) + f32(dy * gradTy));
    if (Math.abs(dir) <= 0.01) dir = f32(0.000001);
    const w = f32(Math.abs(f32(f32(dsts[n.m] * lev) * dir)));
    for (let c = 0; c < 3; c++) {
      let gx = 0;
      if (n.right) gx = n.left ? (out[n.east + c] - out[n.west + c]) * 2 : out[n.east + c] - out[n.at + c];
      else if (n.left) gx = out[n.eastBack + c] - out[n.west + c];
      let gy = 0;
      if (n.below) gy = n.above ? (out[n.south + c] - out[n.north + c]) * 2 : out[n.south + c] - out[n.at + c];
      else if (n.above) gy = out[n.southBack + c] - out[n.north + c];
      ia[c] = f32(ia[c] + f32(w * out[n.at + c]));
      jx[c] = f32(jx[c] - f32(w * f32(gx * dx)));
      jy[c] = f32(jy[c] - f32(w * f32(gy * dy)));
    }
    s = f32(s + w);
  };
  marchInward(frame, (p, i, j, reached) => {
    time = reached;
    gradTx = timeGradient(state, t, p, 1);
    gradTy = timeGradient(state, t, p, cols);
    ia.fill(0);
    jx.fill(0);
    jy.fill(0);
    s = TINY;
    around.each(p, i, j, add);
    const o = (i - 1) * row + (j - 1) * 3;
    for (let c = 0; c < 3; c++) out[o + c] = teleaValue(ia[c], jx[c], jy[c], s);
  });
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

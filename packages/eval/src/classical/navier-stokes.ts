import { arrivalTime, BAND, discOffsets, INSIDE, KNOWN, marchFrame } from './narrow-band.js';
import { nearestEven, type FillTarget } from './fill-target.js';

const f32 = Math.fround;
const TINY = f32(1e-20);

/**
 * The Navier–Stokes-based fill of OpenCV's `INPAINT_NS` (M. Bertalmío, A. L. Bertozzi, G. Sapiro, "Navier–Stokes,
 * fluid dynamics, and image and video inpainting", CVPR 2001). As in OpenCV, the paper's idea — carry the image's
 * isophotes (lines of equal brightness, the flow's streamlines) into the hole — is applied in one pass of the
 * fast-marching order rather than by integrating the vorticity equation: each hole pixel, when reached, becomes a
 * weighted mean of the known pixels q within `radius`, weighted by dst = 1/(|p − q|⁴ + 1) times |cos| of the angle
 * between p − q and q's isophote direction (the image gradient turned by 90°, from absolute differences along x and
 * y, per channel), so that values flow along isophotes. Rounded to nearest (ties to even).
 * Writes the filled pixels into `target.out` (which starts as the input); pixels outside the hole are not touched.
 */
export function navierStokesFill(target: FillTarget, radius: number): void {
  const { mask, out, width } = target;
  const frame = marchFrame(mask);
  if (frame.bandCount === 0) return;
  const { rows, cols, state, t, queue } = frame;
  const row = width * 3;
  const disc = discOffsets(radius, cols);
  // dst = 1/(|p − q|⁴ + 1) depends on the offset alone.
  const dsts = Float64Array.from(disc.len2, (len2) => f32(1 / (len2 * len2 + 1)));
  const ia = new Float64Array(3);
  const s = new Float64Array(3);
  const fill = (p: number) => {
    const i = (p / cols) | 0;
    const j = p - i * cols;
    const time = arrivalTime(state, t, p, cols);
    t[p] = time;
    ia.fill(0);
    s.fill(TINY);
    for (let m = 0; m < dsts.length; m++) {
      const k = i + disc.dk[m];
      const l = j + disc.dl[m];
      if (k <= 0 || k >= rows - 1 || l <= 0 || l >= cols - 1) continue;
      const q = p + disc.step[m];
      if (state[q] === INSIDE) continue;
      const ry = disc.dk[m];
      const rx = disc.dl[m];
      const len2 = disc.len2[m];
      // Image rows / columns of frame row k / column l and their neighbours, shifted at the edges as OpenCV's are.
      const km = k - 1 + (k === 1 ? 1 : 0);
      const kp = k - 1 - (k === rows - 2 ? 1 : 0);
      const lm = l - 1 + (l === 1 ? 1 : 0);
      const lp = l - 1 - (l === cols - 2 ? 1 : 0);
      const below = state[q + cols] !== INSIDE;
      const above = state[q - cols] !== INSIDE;
      const right = state[q + 1] !== INSIDE;
      const left = state[q - 1] !== INSIDE;
      const at = km * row + lm * 3;
      const here = kp * row + lm * 3;
      const south = (kp + 1) * row + lm * 3;
      const north = (km - 1) * row + lm * 3;
      const east = km * row + (lp + 1) * 3;
      const west = km * row + (lm - 1) * 3;
      for (let c = 0; c < 3; c++) {
        // Absolute differences down the column (gx) and along the row (gy), doubled where one side is missing.
        let gx = 0;
        const h = out[here + c];
        if (below) {
          const down = Math.abs(out[south + c] - h);
          gx = above ? down + Math.abs(h - out[north + c]) : down * 2;
        } else if (above) gx = Math.abs(h - out[north + c]) * 2;
        let gy = 0;
        const v = out[at + c];
        if (right) {
          const across = Math.abs(out[east + c] - v);
          gy = left ? across + Math.abs(v - out[west + c]) : across * 2;
        } else if (left) gy = Math.abs(v - out[west + c]) * 2;
        gx = -gx;
        let dir = f32(f32(rx * gx) + f32(ry * gy));
        if (Math.abs(dir) <= 0.01) dir = f32(0.000001);
        else dir = f32(Math.abs(f32(dir / f32(Math.sqrt(f32(len2 * f32(f32(gx * gx) + f32(gy * gy))))))));
        const w = f32(dsts[m] * dir);
        ia[c] = f32(ia[c] + f32(w * v));
        s[c] = f32(s[c] + w);
      }
    }
    const o = (i - 1) * row + (j - 1) * 3;
    for (let c = 0; c < 3; c++) out[o + c] = nearestEven(ia[c] / s[c]);
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

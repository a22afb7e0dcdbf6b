import { arrivalTime, BAND, INSIDE, KNOWN, marchFrame } from './narrow-band.js';
import { nearestEven, type FillTarget } from './fill-target.js';

const f32 = Math.fround;

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
  const r2 = radius * radius;
  const neighbours = [-cols, -1, cols, 1];
  const ia = new Float64Array(3);
  const s = new Float64Array(3);
  for (let p0 = queue.pop(); p0 >= 0; p0 = queue.pop()) {
    state[p0] = KNOWN;
    for (const step of neighbours) {
      const p = p0 + step;
      const i = (p / cols) | 0;
      const j = p - i * cols;
      if (state[p] !== INSIDE) continue; // the frame's outer ring is never inside
      const time = arrivalTime(state, t, p, cols);
      t[p] = time;
      ia.fill(0);
      s.fill(f32(1e-20));
      for (let k = i - radius; k <= i + radius; k++) {
        if (k <= 0 || k >= rows - 1) continue;
        const km = k - 1 + (k === 1 ? 1 : 0);
        const kp = k - 1 - (k === rows - 2 ? 1 : 0);
        for (let l = j - radius; l <= j + radius; l++) {
          if (l <= 0 || l >= cols - 1) continue;
          const q = k * cols + l;
          const ry = k - i;
          const rx = l - j;
          const len2 = rx * rx + ry * ry;
          if (state[q] === INSIDE || len2 > r2) continue;
          const lm = l - 1 + (l === 1 ? 1 : 0);
          const lp = l - 1 - (l === cols - 2 ? 1 : 0);
          const dst = f32(1 / (len2 * len2 + 1));
          const below = state[q + cols] !== INSIDE;
          const above = state[q - cols] !== INSIDE;
          const right = state[q + 1] !== INSIDE;
          const left = state[q - 1] !== INSIDE;
          const at = km * row + lm * 3;
          for (let c = 0; c < 3; c++) {
            // Absolute differences down the column (gx) and along the row (gy), doubled where one side is missing.
            let gx = 0;
            const here = out[kp * row + lm * 3 + c];
            if (below) {
              const down = Math.abs(out[(kp + 1) * row + lm * 3 + c] - here);
              gx = above ? down + Math.abs(here - out[(km - 1) * row + lm * 3 + c]) : down * 2;
            } else if (above) gx = Math.abs(here - out[(km - 1) * row + lm * 3 + c]) * 2;
            let gy = 0;
            const v = out[at + c];
            if (right) {
              const across = Math.abs(out[km * row + (lp + 1) * 3 + c] - v);
              gy = left ? across + Math.abs(v - out[km * row + (lm - 1) * 3 + c]) : across * 2;
            } else if (left) gy = Math.abs(v - out[km * row + (lm - 1) * 3 + c]) * 2;
            gx = -gx;
            let dir = f32(f32(rx * gx) + f32(ry * gy));
            if (Math.abs(dir) <= 0.01) dir = f32(0.000001);
            else dir = f32(Math.abs(f32(dir / f32(Math.sqrt(f32(len2 * f32(f32(gx * gx) + f32(gy * gy))))))));
            const w = f32(dst * dir);
            ia[c] = f32(ia[c] + f32(w * v));
            s[c] = f32(s[c] + w);
          }
        }
      }
      const o = (i - 1) * row + (j - 1) * 3;
      for (let c = 0; c < 3; c++) out[o + c] = nearestEven(ia[c] / s[c]);
      state[p] = BAND;
      queue.push(p, time);
    }
  }
}

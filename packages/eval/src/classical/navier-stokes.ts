import { ABOVE, BELOW, discOffsets, LEFT, marchFrame, marchInward, Neighbourhood, RIGHT } from './narrow-band.js';
import { f32, nearestEven, TINY, type FillTarget } from './fill-target.js';

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
  const row = width * 3;
  const around = new Neighbourhood(frame, discOffsets(radius, frame.cols), row);
  const { dk, dl, len2 } = around.disc;
  // dst = 1/(|p − q|⁴ + 1) depends on the offset alone.
  const dsts = Float64Array.from(len2, (d) => f32(1 / (d * d + 1)));
  const ia = new Float64Array(3);
  const s = new Float64Array(3);
  marchInward(frame, (p, i, j) => {
    ia.fill(0);
    s.fill(TINY);
    around.gather(p, i, j);
    for (let n = 0; n < around.count; n++) {
      const m = around.m[n];
      const ry = dk[m];
      const rx = dl[m];
      const known = around.known[n];
      const below = known & BELOW;
      const above = known & ABOVE;
      const right = known & RIGHT;
      const left = known & LEFT;
      const at = around.at[n];
      const south = around.south[n];
      const here = around.southBack[n];
      const north = around.north[n];
      const east = around.east[n];
      const west = around.west[n];
      const d2 = len2[m];
      const dst = dsts[m];
      for (let c = 0; c < 3; c++) {
        // Absolute differences down the column (gx) and along the row (gy), doubled where one side is missing;
        // gx is turned by 90° (negated) to point along the isophote.
        const v = out[at + c];
        const gx = -sideDifferences(out, below, above, south + c, here + c, north + c);
        const gy = sideDifferences(out, right, left, east + c, at + c, west + c);
        let dir = f32(f32(rx * gx) + f32(ry * gy));
        if (Math.abs(dir) <= 0.01) dir = f32(0.000001);
        else dir = f32(Math.abs(f32(dir / f32(Math.sqrt(f32(d2 * f32(f32(gx * gx) + f32(gy * gy))))))));
        const w = f32(dst * dir);
        ia[c] = f32(ia[c] + f32(w * v));
        s[c] = f32(s[c] + w);
      }
    }
    const o = (i - 1) * row + (j - 1) * 3;
    for (let c = 0; c < 3; c++) out[o + c] = nearestEven(ia[c] / s[c]);
  });
}

/** |next − here| + |here − prev| where both sides are known, twice the one that is, else 0. */
function sideDifferences(out: Uint8Array, hasNext: number, hasPrev: number, next: number, here: number, prev: number): number {
  if (hasNext) return hasPrev ? Math.abs(out[next] - out[here]) + Math.abs(out[here] - out[prev]) : Math.abs(out[next] - out[here]) * 2;
  return hasPrev ? Math.abs(out[here] - out[prev]) * 2 : 0;
}

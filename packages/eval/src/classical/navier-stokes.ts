import { ABOVE, BELOW, DifferenceCache, discOffsets, LEFT, marchFrame, marchInward, Neighbourhood, RIGHT } from './narrow-band.js';
import { f32, NEAR_ZERO, nearestEven, TINY, type FillTarget } from './fill-target.js';

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
  const { at: atCell } = around;
  // dst = 1/(|p − q|⁴ + 1) depends on the offset alone.
  const dsts = Float64Array.from(len2, (d) => f32(1 / (d * d + 1)));
  // q's isophote direction per channel, x then y: integers, so exact in any float.
  const isophotes = new DifferenceCache(around.cells, 6, around.steady);
  const g = isophotes.values;
  marchInward(frame, (p, i, j) => {
    let ia0 = 0, ia1 = 0, ia2 = 0; // prettier-ignore
    let s0 = TINY, s1 = TINY, s2 = TINY; // prettier-ignore
    around.gather(p, i, j);
    for (let n = 0; n < around.count; n++) {
      const m = around.m[n];
      const cell = around.cell[n];
      const known = around.known[n];
      if (!isophotes.has(cell, known)) {
        isophote(around, cell, known, out, g);
        isophotes.keep(cell, known);
      }
      const ry = dk[m];
      const rx = dl[m];
      const d2 = len2[m];
      const dst = dsts[m];
      const at = atCell[cell];
      const o = cell * 6;
      const w0 = f32(dst * flowWeight(rx, ry, d2, g[o], g[o + 3]));
      const w1 = f32(dst * flowWeight(rx, ry, d2, g[o + 1], g[o + 4]));
      const w2 = f32(dst * flowWeight(rx, ry, d2, g[o + 2], g[o + 5]));
      ia0 = f32(ia0 + f32(w0 * out[at]));
      ia1 = f32(ia1 + f32(w1 * out[at + 1]));
      ia2 = f32(ia2 + f32(w2 * out[at + 2]));
      s0 = f32(s0 + w0);
      s1 = f32(s1 + w1);
      s2 = f32(s2 + w2);
    }
    const o = (i - 1) * row + (j - 1) * 3;
    out[o] = nearestEven(ia0 / s0);
    out[o + 1] = nearestEven(ia1 / s1);
    out[o + 2] = nearestEven(ia2 / s2);
  });
}

/**
 * |cos| of the angle between the offset (rx, ry) and the isophote (gx, gy), or 1e-6 where they are near-orthogonal.
 * OpenCV computes it in float32; here the roundings that cannot change a value are left out, because each costs V8
 * a conversion there and back (bench/RESULTS.md): the isophote's components are integers of at most 510 and the
 * offset's at most MAX_INPAINT_RADIUS, so the dot product and gx² + gy² are integers far inside float32's exact
 * range (2²⁴), and the absolute value of a float32 is one. d2 · (gx² + gy²) can exceed 2²⁴ at large radii and is
 * rounded.
 */
function flowWeight(rx: number, ry: number, d2: number, gx: number, gy: number): number {
  const dir = rx * gx + ry * gy;
  if (Math.abs(dir) <= 0.01) return NEAR_ZERO;
  return Math.abs(f32(dir / f32(Math.sqrt(f32(d2 * (gx * gx + gy * gy))))));
}

/**
 * q's isophote direction per channel into `g[cell · 6 …]` (x for R, G, B, then y): absolute differences down the
 * column (gx) and along the row (gy), doubled where one side is missing; gx is turned by 90° (negated) to point
 * along the isophote.
 */
function isophote(around: Neighbourhood, cell: number, known: number, out: Uint8Array, g: Int16Array): void {
  around.locate(cell);
  const at = around.at[cell];
  const o = cell * 6;
  for (let c = 0; c < 3; c++) {
    g[o + c] = -sideDifferences(out, known & BELOW, known & ABOVE, around.south + c, around.southBack + c, around.north + c);
    g[o + 3 + c] = sideDifferences(out, known & RIGHT, known & LEFT, around.east + c, at + c, around.west + c);
  }
}

/** |next − here| + |here − prev| where both sides are known, twice the one that is, else 0. */
function sideDifferences(out: Uint8Array, hasNext: number, hasPrev: number, next: number, here: number, prev: number): number {
  if (hasNext) return hasPrev ? Math.abs(out[next] - out[here]) + Math.abs(out[here] - out[prev]) : Math.abs(out[next] - out[here]) * 2;
  return hasPrev ? Math.abs(out[here] - out[prev]) * 2 : 0;
}

import { MarchFrame, marchInward } from './march';
import { ABOVE, BELOW, LEFT, RIGHT } from './neighbourhood';
import { DiscFill } from './disc-fill';
import { Pixels } from './pixels';
import { NEAR_ZERO, saturate, TINY } from './rounding';

/**
 * The Navier–Stokes-based fill of OpenCV's `INPAINT_NS` (M. Bertalmío, A. L. Bertozzi, G. Sapiro, "Navier–Stokes,
 * fluid dynamics, and image and video inpainting", CVPR 2001). As in OpenCV, the paper's idea — carry the image's
 * isophotes (lines of equal brightness, the flow's streamlines) into the hole — is applied in one pass of the
 * fast-marching order rather than by integrating the vorticity equation: each hole pixel, when reached, becomes a
 * weighted mean of the known pixels q within `radius`, weighted by dst = 1/(|p − q|⁴ + 1) times |cos| of the angle
 * between p − q and q's isophote direction (the image gradient turned by 90°, from absolute differences along x and
 * y, per channel), so that values flow along isophotes. Rounded to nearest (ties to even). Writes the filled pixels
 * into `out`; pixels outside the hole are not touched.
 */
export function navierStokesFill(out: Pixels, mask: usize, width: i32, height: i32, radius: i32): void {
  const frame = new MarchFrame(mask, width, height);
  if (frame.bandCount == 0) return;
  marchInward(frame, new NavierStokes(frame, out, width, radius));
}

/** The flow-weighted mean at each pixel reached; its differences are q's isophote direction, per channel, x then y. */
class NavierStokes extends DiscFill {
  constructor(frame: MarchFrame, out: Pixels, width: i32, radius: i32) {
    super(frame, out, width, radius, flowDistance);
  }

  fill(p: i32, i: i32, j: i32, time: f32): void {
    const around = this.around;
    const out = this.out;
    const dk = around.disc.dk;
    const dl = around.disc.dl;
    const len2 = around.disc.len2;
    const dsts = this.dsts;
    const atCell = around.at;
    const isophotes = this.differences;
    const g = isophotes.values;
    let ia0: f32 = 0, ia1: f32 = 0, ia2: f32 = 0; // prettier-ignore
    let s0: f32 = TINY, s1: f32 = TINY, s2: f32 = TINY; // prettier-ignore
    around.gather(p, i, j);
    const count = around.count;
    for (let n = 0; n < count; n++) {
      const m = around.m[n];
      const cell = around.cell[n];
      const known = around.known[n];
      if (!isophotes.has(cell, known)) {
        this.isophote(cell, known);
        isophotes.keep(cell, known);
      }
      const ry = dk[m];
      const rx = dl[m];
      const d2 = len2[m];
      const dst = dsts[m];
      const at = atCell[cell];
      const o = cell * 6;
      const w0 = dst * flowWeight(rx, ry, d2, g[o], g[o + 3]);
      const w1 = dst * flowWeight(rx, ry, d2, g[o + 1], g[o + 4]);
      const w2 = dst * flowWeight(rx, ry, d2, g[o + 2], g[o + 5]);
      ia0 += w0 * <f32>out.get(at);
      ia1 += w1 * <f32>out.get(at + 1);
      ia2 += w2 * <f32>out.get(at + 2);
      s0 += w0;
      s1 += w1;
      s2 += w2;
    }
    // OpenCV divides in double.
    this.write(i, j, saturate(<f64>ia0 / <f64>s0), saturate(<f64>ia1 / <f64>s1), saturate(<f64>ia2 / <f64>s2));
  }

  /**
   * q's isophote direction per channel into the cache (x for R, G, B, then y): absolute differences down the
   * column (gx) and along the row (gy), doubled where one side is missing; gx is turned by 90° (negated) to point
   * along the isophote.
   */
  private isophote(cell: i32, known: u8): void {
    const around = this.around;
    const out = this.out;
    const g = this.differences.values;
    around.locate(cell);
    const at = around.at[cell];
    const o = cell * 6;
    for (let c = 0; c < 3; c++) {
      g[o + c] = <i16>-sideDifferences(out, known & BELOW, known & ABOVE, around.south + c, around.southBack + c, around.north + c);
      g[o + 3 + c] = <i16>sideDifferences(out, known & RIGHT, known & LEFT, around.east + c, at + c, around.west + c);
    }
  }
}

/**
 * |cos| of the angle between the offset (rx, ry) and the isophote (gx, gy), or 1e-6 where they are near-orthogonal,
 * in float32 as OpenCV computes it. The dot product and gx² + gy² are integers (isophote components of at most 510,
 * offsets of at most 100), exact in float32; d2 · (gx² + gy²) is rounded to float32.
 */
@inline function flowWeight(rx: i32, ry: i32, d2: i32, gx: i32, gy: i32): f32 {
  const dir = rx * gx + ry * gy;
  if (dir == 0) return NEAR_ZERO;
  const norm = Mathf.sqrt(<f32>(<f64>d2 * <f64>(gx * gx + gy * gy)));
  return Mathf.abs(<f32>dir / norm);
}

/** |next − here| + |here − prev| where both sides are known, twice the one that is, else 0. */
@inline function sideDifferences(out: Pixels, hasNext: u8, hasPrev: u8, next: i32, here: i32, prev: i32): i32 {
  const n = out.get(next);
  const h = out.get(here);
  const v = out.get(prev);
  if (hasNext) return hasPrev ? abs(n - h) + abs(h - v) : abs(n - h) * 2;
  return hasPrev ? abs(h - v) * 2 : 0;
}

/** dst = 1/(|p − q|⁴ + 1), from the squared length d = |p − q|². */
function flowDistance(d: f64): f64 {
  return 1 / (d * d + 1);
}

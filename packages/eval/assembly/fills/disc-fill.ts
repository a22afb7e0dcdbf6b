import { MarchFrame } from './march';
import { DifferenceCache, Neighbourhood } from './neighbourhood';
import { Pixels } from './pixels';

/**
 * What both fills keep while the march runs: the known pixels within the disc around the pixel being filled, a
 * float32 distance weight per disc offset (from the squared offset length, computed in double as OpenCV does), the
 * per-pixel image differences each fill weighs with, and the image it writes into.
 */
export class DiscFill {
  protected around: Neighbourhood;
  /** dst per disc offset. */
  protected dsts: Float32Array;
  /** Each fill's image differences at the known pixels (Telea's gradI, Navier–Stokes' isophote). */
  protected differences: DifferenceCache;
  /** Bytes per image row. */
  protected row: i32;

  constructor(
    protected frame: MarchFrame,
    protected out: Pixels,
    width: i32,
    radius: i32,
    distance: (len2: f64) => f64,
  ) {
    const around = new Neighbourhood(frame, radius, width * 3);
    this.row = width * 3;
    this.around = around;
    this.dsts = around.disc.weights(distance);
    this.differences = new DifferenceCache(around.cells, around.steady);
  }

  /** Write the filled RGB value of frame row i, column j. */
  @inline protected write(i: i32, j: i32, r: u8, g: u8, b: u8): void {
    const o = (i - 1) * this.row + (j - 1) * 3;
    this.out.set(o, r);
    this.out.set(o + 1, g);
    this.out.set(o + 2, b);
  }
}

/**
 * The work buffers of one SSIM computation (every channel and scale of one image pair), sized by `prepare` for its
 * largest plane and window, then reused by each `ssimSums` call.
 */
@final export class Scratch {
  /** The window, and each weight twice (for loading as an f64x2 pair). */
  w: StaticArray<f64>;
  ws: StaticArray<f64>;
  /** Horizontally filtered moments (E[x], E[y], E[x² + y²], E[xy]), one value per pixel each. */
  hx: StaticArray<f64>;
  hy: StaticArray<f64>;
  hs: StaticArray<f64>;
  hxy: StaticArray<f64>;
  /** One reflect-padded source row of each moment. */
  px: StaticArray<f64>;
  py: StaticArray<f64>;
  ps: StaticArray<f64>;
  pxy: StaticArray<f64>;
  /** One output row of each moment after the vertical pass. */
  vx: StaticArray<f64>;
  vy: StaticArray<f64>;
  vs: StaticArray<f64>;
  vxy: StaticArray<f64>;
  /** Offsets of the 2p + 1 (reflected) source rows of an output row. */
  rows: StaticArray<i32>;
  /** Per row, the columns [first, end) where x and y differ (first = end = 0 where they agree). */
  first: StaticArray<i32>;
  end: StaticArray<i32>;
  /** Per output row, the columns [from, to) whose window meets a difference. */
  from: StaticArray<i32>;
  to: StaticArray<i32>;
  /** Per source row, the columns [hFrom, hTo) the horizontal pass filters. */
  hFrom: StaticArray<i32>;
  hTo: StaticArray<i32>;

  constructor(
    public width: i32,
    public height: i32,
    public pad: i32,
  ) {
    const taps = 2 * pad + 1;
    const size = width * height;
    const row = width + 2 * pad;
    this.w = new StaticArray<f64>(taps);
    this.ws = new StaticArray<f64>(2 * taps);
    this.hx = new StaticArray<f64>(size);
    this.hy = new StaticArray<f64>(size);
    this.hs = new StaticArray<f64>(size);
    this.hxy = new StaticArray<f64>(size);
    this.px = new StaticArray<f64>(row);
    this.py = new StaticArray<f64>(row);
    this.ps = new StaticArray<f64>(row);
    this.pxy = new StaticArray<f64>(row);
    this.vx = new StaticArray<f64>(width);
    this.vy = new StaticArray<f64>(width);
    this.vs = new StaticArray<f64>(width);
    this.vxy = new StaticArray<f64>(width);
    this.rows = new StaticArray<i32>(taps);
    this.first = new StaticArray<i32>(height);
    this.end = new StaticArray<i32>(height);
    this.from = new StaticArray<i32>(height);
    this.to = new StaticArray<i32>(height);
    this.hFrom = new StaticArray<i32>(height);
    this.hTo = new StaticArray<i32>(height);
  }

  /** Set window weight k. */
  weight(k: i32, value: f64): void {
    this.w[k] = value;
    this.ws[2 * k] = value;
    this.ws[2 * k + 1] = value;
  }
}

/** PyTorch's `reflect` padding index: −1 maps to 1, n to n − 2 (the edge itself is not repeated). Needs n > |overshoot|. */
@inline export function reflectIndex(i: i32, n: i32): i32 {
  if (i < 0) return -i;
  if (i >= n) return 2 * (n - 1) - i;
  return i;
}

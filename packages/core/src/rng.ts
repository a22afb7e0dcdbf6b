import seedrandom from 'seedrandom';

/**
 * A seeded random source. Every mask gets its own, derived from (seed, path…) by hashing, never by
 * advancing a shared stream: mask i is a pure function of (config, seed, i), in any order or worker.
 */
export interface Rng {
  /** Uniform in [0, 1). */
  random(): number;
  /** Uniform in [lo, hi). */
  uniform(lo: number, hi: number): number;
  /** Integer uniform in [lo, hi] (both inclusive). */
  int(lo: number, hi: number): number;
  /** Standard normal N(0, 1) (Box–Muller). */
  normal(): number;
  /** True with probability p. */
  chance(p: number): boolean;
  /** A child source for a named sub-task (a component of a union, a stroke…), independent of this one's position. */
  derive(...path: Array<string | number>): Rng;
}

export type Seed = string | number;

const SEPARATOR = '\u241f';

/** The key a source is seeded with; exposed so that other packages can derive compatible sources. */
export function seedKey(seed: Seed, path: ReadonlyArray<string | number>): string {
  let key = `bgfill${SEPARATOR}${String(seed)}`;
  for (const part of path) key += SEPARATOR + String(part);
  return key;
}

/**
 * The source behind `rngFor`: methods live on the prototype (no closures per source, which matters at thousands of
 * masks per second), so call them on the source (`rng.random()`), not detached.
 */
class AleaRng implements Rng {
  private spare: number | undefined = undefined;
  private readonly next: () => number;

  constructor(
    private readonly seed: Seed,
    private readonly path: ReadonlyArray<string | number>,
  ) {
    this.next = seedrandom.alea(seedKey(seed, path));
  }

  random(): number {
    return this.next();
  }

  uniform(lo: number, hi: number): number {
    return lo + (hi - lo) * this.next();
  }

  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }

  normal(): number {
    if (this.spare !== undefined) {
      const s = this.spare;
      this.spare = undefined;
      return s;
    }
    let u = 0;
    while (u === 0) u = this.next();
    const v = this.next();
    const r = Math.sqrt(-2 * Math.log(u));
    this.spare = r * Math.sin(2 * Math.PI * v);
    return r * Math.cos(2 * Math.PI * v);
  }

  chance(p: number): boolean {
    return this.next() < p;
  }

  derive(...sub: Array<string | number>): Rng {
    return new AleaRng(this.seed, [...this.path, ...sub]);
  }
}

/** A source for (seed, path…), using seedrandom's Alea generator (fast, 32-bit, well mixed). */
export function rngFor(seed: Seed, ...path: Array<string | number>): Rng {
  return new AleaRng(seed, path);
}

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

/** The key a source is seeded with; exposed so that other packages can derive compatible sources. */
export function seedKey(seed: Seed, path: ReadonlyArray<string | number>): string {
  return ['bgfill', String(seed), ...path.map(String)].join('\u241f');
}

/** A source for (seed, path…), using seedrandom's Alea generator (fast, 32-bit, well mixed). */
export function rngFor(seed: Seed, ...path: Array<string | number>): Rng {
  const key = seedKey(seed, path);
  const next = seedrandom.alea(key);
  let spare: number | undefined;
  const rng: Rng = {
    random: () => next(),
    uniform: (lo, hi) => lo + (hi - lo) * next(),
    int: (lo, hi) => lo + Math.floor(next() * (hi - lo + 1)),
    normal() {
      if (spare !== undefined) {
        const s = spare;
        spare = undefined;
        return s;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    chance: (p) => next() < p,
    derive: (...sub) => rngFor(seed, ...path, ...sub),
  };
  return rng;
}

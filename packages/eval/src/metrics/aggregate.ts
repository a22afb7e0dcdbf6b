import { invalidParameter } from '@bgfill/core';

/** Summary of one metric over many pairs. */
export interface Aggregate {
  /** Mean of the finite values; Infinity when every value is +Infinity; NaN when there are none. */
  mean: number;
  /** Population standard deviation (divides by n) of the finite values; 0 for one value; NaN when there are none. */
  std: number;
  /** How many finite values went into mean and std. */
  n: number;
  /** How many +Infinity values (PSNR of pixel-identical pairs) were left out of mean and std. */
  infinite: number;
}

/**
 * Mean and standard deviation of a metric over pairs.
 *
 * Infinity: PSNR is +Infinity for a pixel-identical pair, and one such pair would make the mean infinite and the
 * standard deviation NaN, hiding every other pair. So +Infinity values are counted in `infinite` and left out of
 * `mean`/`std` (which then describe the pairs that differ); if all values are +Infinity the mean is Infinity.
 * NaN, −Infinity and non-numbers are errors (they mean a bug upstream) and throw a BgfillError naming the index.
 * The mean uses a compensated two-pass sum, so the order of values does not change it beyond rounding.
 * @example
 * aggregate([30, 32, Infinity]) // { mean: 31, std: 1, n: 2, infinite: 1 }
 * aggregate([])                 // { mean: NaN, std: NaN, n: 0, infinite: 0 }
 */
export function aggregate(values: readonly number[]): Aggregate {
  const finite: number[] = [];
  let infinite = 0;
  values.forEach((v, i) => {
    if (typeof v !== 'number' || Number.isNaN(v) || v === -Infinity) {
      throw invalidParameter(`values[${i}]`, 'a number or +Infinity', v);
    }
    if (v === Infinity) infinite++;
    else finite.push(v);
  });
  const n = finite.length;
  if (n === 0) return { mean: infinite > 0 ? Infinity : NaN, std: infinite > 0 ? 0 : NaN, n, infinite };
  let sum = 0;
  let comp = 0;
  for (const v of finite) {
    // Neumaier summation: keeps the low-order bits a plain running sum drops.
    const t = sum + v;
    comp += Math.abs(sum) >= Math.abs(v) ? sum - t + v : v - t + sum;
    sum = t;
  }
  const mean = (sum + comp) / n;
  let ss = 0;
  for (const v of finite) ss += (v - mean) * (v - mean);
  return { mean, std: Math.sqrt(ss / n), n, infinite };
}

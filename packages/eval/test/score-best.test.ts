// The best-epoch rule: direction per metric, ties broken by L1 (or MS-SSIM for the l1 rule), then by the earliest
// epoch; NaN never wins; and the choice is a function of the means alone (order of the list does not matter).
import test from 'ava';
import { BgfillError, rngFor } from '@bgfill/core';
import { chooseBestEpoch, parseBestRule, BEST_RULES, type BestRule, type EpochMeans } from '../src/best.js';

const e = (epoch: number, msssim: number, l1: number, psnr = 20, ssim = 0.8): EpochMeans => ({ epoch, means: { msssim, l1, psnr, ssim } });

test('default rule: highest mean MS-SSIM wins', (t) => {
  const best = chooseBestEpoch([e(1, 0.90, 0.02), e(2, 0.93, 0.05), e(3, 0.91, 0.01)]);
  t.is(best.epoch, 2);
  t.is(best.rule, 'msssim');
  t.is(best.direction, 'higher');
  t.is(best.value, 0.93);
  t.deepEqual(best.tiedOnRule, [2]);
  t.is(best.decidedBy, 'rule');
});

test('a tie on MS-SSIM is broken by the lowest L1, then by the earliest epoch', (t) => {
  const byL1 = chooseBestEpoch([e(1, 0.95, 0.030), e(2, 0.95, 0.020), e(3, 0.95, 0.025), e(4, 0.90, 0.001)]);
  t.is(byL1.epoch, 2);
  t.deepEqual(byL1.tiedOnRule, [1, 2, 3]);
  t.is(byL1.decidedBy, 'l1');
  const byEpoch = chooseBestEpoch([e(5, 0.95, 0.02), e(3, 0.95, 0.02), e(4, 0.95, 0.03)]);
  t.is(byEpoch.epoch, 3);
  t.is(byEpoch.decidedBy, 'earliest epoch');
});

test('other rules: l1 picks the lowest (ties by highest MS-SSIM); psnr and ssim the highest', (t) => {
  const epochs = [e(1, 0.90, 0.010, 30, 0.70), e(2, 0.95, 0.020, 25, 0.90), e(3, 0.97, 0.010, 28, 0.80)];
  const l1 = chooseBestEpoch(epochs, 'l1');
  t.is(l1.epoch, 3); // 1 and 3 tie on L1; 3 has the higher MS-SSIM
  t.is(l1.direction, 'lower');
  t.is(l1.decidedBy, 'msssim');
  t.is(chooseBestEpoch(epochs, 'psnr').epoch, 1);
  t.is(chooseBestEpoch(epochs, 'ssim').epoch, 2);
  t.is(chooseBestEpoch(epochs, 'msssim').epoch, 3);
});

test('an epoch with a NaN metric never beats a number; all NaN falls back to the earliest', (t) => {
  t.is(chooseBestEpoch([e(1, NaN, 0.0), e(2, 0.5, 0.9)]).epoch, 2);
  t.is(chooseBestEpoch([e(2, NaN, NaN), e(1, NaN, NaN)]).epoch, 1);
});

test('PSNR +Infinity (identical pixels) is the best PSNR', (t) => {
  t.is(chooseBestEpoch([e(1, 0.9, 0.01, 40), e(2, 0.9, 0.01, Infinity)], 'psnr').epoch, 2);
});

test('the choice does not depend on the order of the list (matches a brute-force scan on random means)', (t) => {
  const rng = rngFor('best-rule-test');
  for (let trial = 0; trial < 200; trial++) {
    // Few distinct values, so ties on the rule and on the tie-break happen often.
    const n = rng.int(1, 7);
    const epochs = Array.from({ length: n }, (_, i) => e(i * 3 + rng.int(1, 2), rng.int(0, 3) / 4, rng.int(0, 3) / 8, rng.int(0, 3), rng.int(0, 3) / 4));
    for (const rule of BEST_RULES) {
      const sign = rule === 'l1' ? -1 : 1;
      const tie: BestRule = rule === 'l1' ? 'msssim' : 'l1';
      let expected = epochs[0];
      for (const c of epochs.slice(1)) {
        const a = sign * c.means[rule];
        const b = sign * expected.means[rule];
        const ta = -sign * c.means[tie];
        const tb = -sign * expected.means[tie];
        if (a > b || (a === b && (ta > tb || (ta === tb && c.epoch < expected.epoch)))) expected = c;
      }
      const shuffled = [...epochs].sort(() => rng.random() - 0.5);
      t.is(chooseBestEpoch(shuffled, rule).epoch, expected.epoch, `trial ${trial}, rule ${rule}`);
    }
  }
});

test('no epochs, or an unknown rule, is a BgfillError', (t) => {
  t.throws(() => chooseBestEpoch([]), { instanceOf: BgfillError, message: /no scored epochs/ });
  t.throws(() => chooseBestEpoch([e(1, 1, 1)], 'lpips' as BestRule), { instanceOf: BgfillError, message: /rule/ });
});

test('parseBestRule accepts the four names in any case and common spellings of MS-SSIM', (t) => {
  t.is(parseBestRule('MS-SSIM'), 'msssim');
  t.is(parseBestRule('ms_ssim'), 'msssim');
  t.is(parseBestRule('L1'), 'l1');
  t.is(parseBestRule('psnr'), 'psnr');
  t.throws(() => parseBestRule('fid'), { instanceOf: BgfillError, message: /one of msssim, l1, psnr, ssim/ });
});

import { BgfillError, invalidParameter } from '@bgfill/core';

/** Metrics an epoch can be chosen by. */
export const BEST_RULES = ['msssim', 'l1', 'psnr', 'ssim'] as const;
export type BestRule = (typeof BEST_RULES)[number];

/** Which way is better for each rule's metric. */
export const RULE_DIRECTION: Readonly<Record<BestRule, 'higher' | 'lower'>> = {
  msssim: 'higher',
  ssim: 'higher',
  psnr: 'higher',
  l1: 'lower',
};

/** An epoch's mean metrics over the whole evaluation set. */
export interface EpochMeans {
  epoch: number;
  means: Readonly<Record<BestRule, number>>;
}

/** The chosen epoch and why. */
export interface BestChoice {
  epoch: number;
  rule: BestRule;
  direction: 'higher' | 'lower';
  /** The chosen epoch's mean of the rule's metric. */
  value: number;
  /** Epochs whose rule metric equals the chosen one's exactly (the chosen one included), ascending. */
  tiedOnRule: number[];
  /** What settled the choice: 'rule' when no other epoch tied on the rule's metric, else the tie-break that did. */
  decidedBy: 'rule' | 'l1' | 'msssim' | 'earliest epoch';
}

/**
 * Parse a rule name, case-insensitively (`MS-SSIM` and `ms_ssim` are accepted for msssim).
 * @example parseBestRule('MS-SSIM') // 'msssim'
 */
export function parseBestRule(value: string): BestRule {
  const name = String(value).toLowerCase().replace(/[-_ ]/g, '');
  if ((BEST_RULES as readonly string[]).includes(name)) return name as BestRule;
  throw invalidParameter('rule', `one of ${BEST_RULES.join(', ')}`, value);
}

/** −1 when a is better than b on `metric` in `direction`, 1 when worse, 0 when equal. NaN is worse than any number. */
function compareOn(a: number, b: number, direction: 'higher' | 'lower'): number {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an === bn ? 0 : an ? 1 : -1;
  if (a === b) return 0;
  return (direction === 'higher' ? a > b : a < b) ? -1 : 1;
}

/**
 * Choose the best epoch by `rule` (default `msssim`: highest mean MS-SSIM). Exact ties on the rule's metric are
 * broken by the lowest mean L1 (for the `l1` rule: the highest mean MS-SSIM), then by the earliest epoch, so the
 * choice is a pure function of the means. An epoch whose rule metric is NaN is chosen only if every epoch's is.
 * Throws a BgfillError for an empty list.
 * @example
 * chooseBestEpoch([
 *   { epoch: 1, means: { msssim: 0.90, l1: 0.030, psnr: 24, ssim: 0.80 } },
 *   { epoch: 2, means: { msssim: 0.92, l1: 0.025, psnr: 25, ssim: 0.82 } },
 * ]) // { epoch: 2, rule: 'msssim', direction: 'higher', value: 0.92, tiedOnRule: [2], decidedBy: 'rule' }
 */
export function chooseBestEpoch(epochs: readonly EpochMeans[], rule: BestRule = 'msssim'): BestChoice {
  if (!(BEST_RULES as readonly string[]).includes(rule)) throw invalidParameter('rule', `one of ${BEST_RULES.join(', ')}`, rule);
  if (epochs.length === 0) throw new BgfillError('no scored epochs to choose from');
  const direction = RULE_DIRECTION[rule];
  const tieMetric: BestRule = rule === 'l1' ? 'msssim' : 'l1';
  const tieDirection = RULE_DIRECTION[tieMetric];
  const ranked = [...epochs].sort(
    (a, b) =>
      compareOn(a.means[rule], b.means[rule], direction) ||
      compareOn(a.means[tieMetric], b.means[tieMetric], tieDirection) ||
      a.epoch - b.epoch,
  );
  const best = ranked[0];
  const tied = ranked.filter((e) => compareOn(e.means[rule], best.means[rule], direction) === 0);
  const tiedOnBoth = tied.filter((e) => compareOn(e.means[tieMetric], best.means[tieMetric], tieDirection) === 0);
  return {
    epoch: best.epoch,
    rule,
    direction,
    value: best.means[rule],
    tiedOnRule: tied.map((e) => e.epoch).sort((a, b) => a - b),
    decidedBy: tied.length === 1 ? 'rule' : tiedOnBoth.length === 1 ? tieMetric : 'earliest epoch',
  };
}

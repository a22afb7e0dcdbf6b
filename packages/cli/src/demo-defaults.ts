/** `bgfill demo`'s defaults: small enough for 2 CPU cores in a few minutes (kept apart so `--help` loads no tfjs). */
export const DEMO_DEFAULTS = {
  out: 'bgfill-demo',
  size: 64,
  cnum: 8,
  epochs: 4,
  stepsPerEpoch: 8,
  batchSize: 4,
  /** Higher than fine-tuning's 1e-4: the demo trains from scratch for a few dozen steps. */
  lr: 1e-3,
  backend: 'auto',
  seed: 0,
  masks: 'person-box+scribble:0-3',
} as const;

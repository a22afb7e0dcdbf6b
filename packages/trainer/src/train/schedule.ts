import type { TrainConfig } from './config.js';

export type ScheduleConfig = TrainConfig['optimizer']['schedule'];

/**
 * Learning rate at a global step (0-based), a pure function of the schedule, so a resumed run needs no state.
 * - constant: `base`;
 * - step: `base · gamma^floor(epoch / stepEpochs)`;
 * - cosine: `minLr + (base − minLr) · (1 + cos(π · t)) / 2` with t = step / totalSteps (SGDR's annealing, no restarts);
 * all multiplied by a linear warm-up `min(1, (step + 1) / warmupSteps)` when `warmupSteps > 0`.
 * @example learningRate({ type: 'step', stepEpochs: 2, gamma: 0.5, minLr: 0, warmupSteps: 0 }, 1e-4, { step: 10, stepsPerEpoch: 5, totalSteps: 30 }) // 5e-5
 */
export function learningRate(
  schedule: ScheduleConfig,
  base: number,
  at: { step: number; stepsPerEpoch: number; totalSteps: number },
): number {
  let lr: number;
  switch (schedule.type) {
    case 'constant':
      lr = base;
      break;
    case 'step': {
      const epoch = Math.floor(at.step / at.stepsPerEpoch);
      lr = base * schedule.gamma ** Math.floor(epoch / schedule.stepEpochs);
      break;
    }
    case 'cosine': {
      const t = Math.min(1, at.step / Math.max(1, at.totalSteps));
      lr = schedule.minLr + ((base - schedule.minLr) * (1 + Math.cos(Math.PI * t))) / 2;
      break;
    }
  }
  if (schedule.warmupSteps > 0) lr *= Math.min(1, (at.step + 1) / schedule.warmupSteps);
  return lr;
}

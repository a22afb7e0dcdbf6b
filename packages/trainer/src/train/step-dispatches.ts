import { startDispatchCount, type DispatchCount, type DispatchCounter } from '../backend/dispatch-count.js';
import { trainStep, type Batch, type StepLosses, type StepNets, type StepOptions } from './step.js';

/** The parts of a training step, in the order they run (see trainStep). */
export const STEP_PHASES = [
  'generator forward + backward',
  'generator Adam',
  'discriminator power iteration',
  'discriminator forward + backward',
  'discriminator Adam',
] as const;
export type StepPhase = (typeof STEP_PHASES)[number] | 'other';

export interface StepDispatches {
  /** The whole step. */
  total: DispatchCount;
  /** Kernels (and GPU programs) of each phase that ran, in order; `other` holds anything between phases. */
  phases: Array<{ phase: StepPhase; kernels: number; programs: number | undefined }>;
}

/** `obj[key](...)` runs `around(call)` from now until the returned undo. */
function intercept<T extends object>(obj: T, key: keyof T & string, around: (call: () => unknown) => unknown): () => void {
  const record = obj as Record<string, unknown>;
  const own = Object.prototype.hasOwnProperty.call(obj, key);
  const original = record[key] as (...args: unknown[]) => unknown;
  record[key] = (...args: unknown[]) => around(() => original.apply(obj, args));
  return () => {
    if (own) record[key] = original;
    else delete record[key];
  };
}

/**
 * One training step (trainStep, unchanged) with its dispatches counted per phase: the phases are told apart by
 * when the optimizers' `apply` and the discriminator's `powerIterate` start and end. The generator's phase includes
 * the discriminator's forward and backward pass through the composite (its adversarial loss).
 * @example
 * const { dispatches } = await countStepDispatches(nets, batch, { loss, gLr: 1e-4, dLr: 1e-4, step: 1 });
 * dispatches.phases // → [{ phase: 'generator forward + backward', kernels: 5966, programs: undefined }, …]
 */
export async function countStepDispatches(nets: StepNets, batch: Batch, options: StepOptions): Promise<{ losses: StepLosses; dispatches: StepDispatches }> {
  const counter: DispatchCounter = startDispatchCount();
  const marks: Array<{ phase: StepPhase; at: DispatchCount }> = [{ phase: STEP_PHASES[0], at: counter.read() }];
  const phase = (name: StepPhase, call: () => unknown): unknown => {
    marks.push({ phase: name, at: counter.read() });
    try {
      return call();
    } finally {
      marks.push({ phase: 'other', at: counter.read() });
    }
  };
  const undo = [
    intercept(nets.gOptimizer, 'apply', (call) => phase('generator Adam', call)),
    ...(nets.dOptimizer ? [intercept(nets.dOptimizer, 'apply', (call) => phase('discriminator Adam', call))] : []),
    ...(nets.discriminator ? [intercept(nets.discriminator, 'powerIterate', (call) => phase('discriminator power iteration', call))] : []),
  ];
  let losses: StepLosses;
  try {
    losses = await trainStep(nets, batch, options);
  } finally {
    undo.forEach((u) => u());
  }
  const total = counter.stop();
  const ends = [...marks.slice(1).map((m) => m.at), total];
  const phases: StepDispatches['phases'] = [];
  marks.forEach((m, i) => {
    // After the power iteration, what runs until the discriminator's Adam is its forward and backward pass.
    const name = m.phase === 'other' && marks[i - 1]?.phase === 'discriminator power iteration' ? 'discriminator forward + backward' : m.phase;
    const kernels = ends[i].kernels - m.at.kernels;
    const programs = ends[i].programs === undefined ? undefined : ends[i].programs! - m.at.programs!;
    if (kernels === 0 && !programs && name === 'other') return;
    const last = phases[phases.length - 1];
    if (last?.phase === name) {
      last.kernels += kernels;
      if (programs !== undefined) last.programs = (last.programs ?? 0) + programs;
    } else phases.push({ phase: name, kernels, programs });
  });
  return { losses, dispatches: { total, phases } };
}

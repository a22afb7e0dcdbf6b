/**
 * What training needs from a mask recipe beyond drawing: where in training a mask is drawn (for recipes that ramp),
 * and the digests of the person banks it reads (recorded in config.json; a changed bank refuses `--resume`).
 */
import { BgfillError } from '@bgfill/core';
import type { BankDigest, TrainingProgress } from '@bgfill/masks';
import type { TrainConfig } from './config.js';
import { listEpochs } from './epoch-dir.js';

/**
 * The training progress of example `index` (0-based) of `epoch` (1-based): finished epochs (epoch − 1) and finished
 * optimizer steps before its batch. A pure function of its arguments, so a resumed epoch draws the same masks.
 * @example maskProgress(3, 17, 100, 8) // { epoch: 2, step: 202 }
 */
export function maskProgress(epoch: number, index: number, stepsPerEpoch: number, batchSize: number): TrainingProgress {
  return { epoch: epoch - 1, step: (epoch - 1) * stepsPerEpoch + Math.floor(index / batchSize) };
}

/**
 * Check the banks a recipe reads against those `config.maskBanks` recorded, and record the current ones. A bank whose
 * SHA-256 differs from the recorded one (or that was recorded and is no longer read) is a BgfillError, except when a
 * resumed run has no finished epoch (it restarts from the beginning, so nothing has to match).
 * @example config = await recordMaskBanks(config, generator.banks, options.resume === true);
 */
export async function recordMaskBanks(config: TrainConfig, banks: ReadonlyArray<BankDigest>, resume: boolean): Promise<TrainConfig> {
  const current: Record<string, string> = Object.fromEntries(banks.map((b) => [b.path, b.sha256]));
  const recorded = config.maskBanks;
  const restart = resume && (await listEpochs(config.out)).length === 0;
  if (recorded && !restart) {
    for (const path of new Set([...Object.keys(recorded), ...Object.keys(current)])) {
      if (recorded[path] === current[path]) continue;
      const was = recorded[path] === undefined ? 'not recorded' : `sha256 ${recorded[path]}`;
      const now = current[path] === undefined ? 'no longer read' : `sha256 ${current[path]}`;
      throw new BgfillError(
        `mask bank ${path} changed since the run started (${was}, now ${now}): the masks would no longer be those of the ` +
          `finished epochs. Put the original bank back, or start a new run (another --out).`,
        { subject: path },
      );
    }
  }
  const { maskBanks: _old, ...rest } = config;
  return banks.length > 0 ? { ...rest, maskBanks: current } : rest;
}

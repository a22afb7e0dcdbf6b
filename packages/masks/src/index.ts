export { BgfillError, invalidParameter, badFile, errorMessage, describeValue } from './errors.js';
export { atomicWriteFile, atomicWriteJson, temporaryPathFor } from './atomic-write.js';
export { createProgress, type Progress, type ProgressOptions } from './progress.js';
export { type Mask, type Size, MAX_MASK_SIDE, checkSize, createMask, holeRatio, fillRect } from './mask.js';
export { type Rng, type Seed, rngFor, seedKey } from './rng.js';
export type { MaskStrategy } from './strategy.js';

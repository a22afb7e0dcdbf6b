/**
 * @bgfill/core: the plumbing every bgfill package shares — errors and exit codes, atomic writes, progress, the
 * process-wide decode lock, seeded random sources and command-line number parsing. It depends on no other bgfill
 * package; everything else depends on it.
 */
export { BgfillError, invalidParameter, badFile, errorMessage, describeValue } from './errors.js';
export { atomicWriteFile, atomicWriteJson, temporaryPathFor } from './atomic-write.js';
export { DecodeLock, decodeShared, decodeWithOwnError } from './decode-lock.js';
export { createProgress, type Progress, type ProgressOptions } from './progress.js';
export { type Rng, type Seed, rngFor, seedKey } from './rng.js';
export { parseIntegerOption, parseNumberOption } from './options.js';
export { checkOutputPath, isWithin, type OutputPathOptions } from './output-path.js';
export { addOutputOptions, commandOutput, progressOption, type CommandOutput } from './command-output.js';

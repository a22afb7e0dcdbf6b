export { BgfillError, invalidParameter, badFile, errorMessage, describeValue } from './errors.js';
export { atomicWriteFile, atomicWriteJson, temporaryPathFor } from './atomic-write.js';
export { createProgress, type Progress, type ProgressOptions } from './progress.js';

// Worker for generate.test.ts and strategies-person-bank.test.ts: generates the masks it is given and posts back a
// SHA-256 of each. With `files`, the recipe is compiled by createMaskGenerator (which reads banks and mask files).
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { createMaskGenerator, generateMask } from '../../src/generate.js';
import type { TrainingProgress } from '../../src/ramp.js';

const { config, seed, size, indices, files, progress } = workerData as {
  config: string;
  seed: string;
  size: { width: number; height: number };
  indices: number[];
  files?: boolean;
  progress?: TrainingProgress;
};
const generator = files ? await createMaskGenerator(config) : undefined;
const draw = (i: number) => (generator ? generator.generate(size, seed, i, progress) : generateMask(config, size, seed, i, progress));
const hashes = indices.map((i) => [i, createHash('sha256').update(draw(i).data).digest('hex')]);
parentPort?.postMessage(hashes);

// Worker for generate.test.ts: generates the masks it is given and posts back a SHA-256 of each.
import { createHash } from 'node:crypto';
import { parentPort, workerData } from 'node:worker_threads';
import { generateMask } from '../../src/generate.js';

const { config, seed, size, indices } = workerData as {
  config: string;
  seed: string;
  size: { width: number; height: number };
  indices: number[];
};
const hashes = indices.map((i) => [i, createHash('sha256').update(generateMask(config, size, seed, i).data).digest('hex')]);
parentPort?.postMessage(hashes);

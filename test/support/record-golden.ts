// Re-records test/fixtures/golden-outputs.json (see golden-pipeline.ts): run only for a change meant to change outputs.
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { atomicWriteJson } from '@bgfill/core';
import { runGoldenPipeline } from './golden-pipeline.js';

const dir = await mkdtemp(join(tmpdir(), 'bgfill-golden-'));
try {
  const { digests } = await runGoldenPipeline(dir);
  const out = new URL('../fixtures/golden-outputs.json', import.meta.url);
  await atomicWriteJson(out.pathname, digests);
  process.stdout.write(`recorded ${Object.keys(digests).length} digests in ${out.pathname}\n`);
} finally {
  await rm(dir, { recursive: true, force: true });
}
process.exit(0);

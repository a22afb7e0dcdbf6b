// Kill the real CLI with SIGKILL at random points of a build, rerun it, and compare with a clean build.
import test from 'ava';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { setTimeout as sleep } from 'node:timers/promises';
import sharp from 'sharp';
import { rngFor } from '@bgfill/core';
import { buildDataset } from '../src/build.js';
import { readManifest } from '../src/manifest.js';
import { decodeRecord } from '../src/record.js';
import { scanTfRecords } from '../src/tfrecord-reader.js';
import { patternJpeg, patternPixels, snapshot, tempDir, writeImage } from './helpers.js';

const cli = fileURLToPath(new URL('../../cli/bin/bgfill.js', import.meta.url));

function run(args: string[]): { child: ChildProcess; done: Promise<{ code: number | null; signal: string | null; stderr: string }> } {
  const child = spawn(process.execPath, [cli, 'dataset', 'build', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const done = new Promise<{ code: number | null; signal: string | null; stderr: string }>((resolve) =>
    child.on('close', (code, signal) => resolve({ code, signal, stderr })),
  );
  return { child, done };
}

async function listAll(dir: string): Promise<string[]> {
  if (!existsSync(dir)) return [];
  const top = await readdir(dir);
  const parts = existsSync(join(dir, '.bgfill-parts')) ? (await readdir(join(dir, '.bgfill-parts'))).map((p) => `.bgfill-parts/${p}`) : [];
  return [...top, ...parts];
}

test('SIGKILL at random points, rerun: no truncated shard under a final name, then identical to a clean build', async (t) => {
  const root = await tempDir(t);
  const input = join(root, 'in');
  for (let i = 0; i < 48; i++) {
    const rel = `c${i % 3}/${String(i).padStart(3, '0')}.${i % 4 === 0 ? 'png' : 'jpg'}`;
    // Every fourth input is a large PNG (slow to decode, resized); the rest 64² JPEGs (passed through).
    const bytes =
      i % 4 === 0
        ? await sharp(patternPixels(900, 700, i), { raw: { width: 900, height: 700, channels: 3 } }).png({ compressionLevel: 1 }).toBuffer()
        : await patternJpeg(64, 64, i);
    await writeImage(join(input, rel), bytes);
  }
  await writeImage(join(input, 'c0', 'broken.jpg'), (await patternJpeg(64, 64, 99)).subarray(0, 300));
  const args = (out: string): string[] => [
    '--input', input, '--out', out, '--size', '64', '--records-per-shard', '3', '--concurrency', '1',
    '--split-ratios', 'train=0.75,val=0.25', '--seed', '5',
  ];
  const out = join(root, 'killed');
  const rng = rngFor('resume-test', 1);
  const triggers = ['temp-file', 'parts', 'parts', 'parts', 'delay'] as const;
  let kills = 0;
  for (const [round, trigger] of triggers.entries()) {
    const partsBefore = (await listAll(out)).filter((f) => f.startsWith('.bgfill-parts/') && f.endsWith('.json')).length;
    const { child, done } = run(args(out));
    let exited = false;
    void done.then(() => (exited = true));
    const target = partsBefore + rng.int(1, 4);
    const deadline = Date.now() + 60_000;
    while (!exited && Date.now() < deadline) {
      const files = await listAll(out);
      const parts = files.filter((f) => f.startsWith('.bgfill-parts/') && f.endsWith('.json')).length;
      if (trigger === 'temp-file' && files.some((f) => f.endsWith('.tmp'))) break;
      if (trigger === 'parts' && parts >= target) break;
      if (trigger === 'delay') {
        await sleep(rng.int(3000, 4500));
        break;
      }
      await sleep(2);
    }
    await sleep(rng.int(0, 30));
    if (!exited) {
      child.kill('SIGKILL');
      kills++;
    }
    const result = await done;
    t.log(`round ${round} (${trigger}): ${result.signal ?? `exit ${result.code}`}`);
    if (result.signal === null) t.is(result.code, 0, result.stderr);
    // Whatever the moment of death, every shard under its final name is complete: clean framing to the end.
    for (const f of await readdir(out)) {
      if (!f.endsWith('.tfrecord')) continue;
      let records = 0;
      for await (const item of scanTfRecords(join(out, f))) {
        t.is(item.kind, 'record', `${f} after round ${round}: ${item.kind === 'problem' ? item.message : ''}`);
        records++;
      }
      t.true(records >= 1 && records <= 3, `${f} holds ${records} records`);
    }
  }
  t.true(kills >= 3, `killed ${kills} runs mid-build`);

  const final = run(args(out));
  const finished = await final.done;
  t.is(finished.code, 0, finished.stderr);
  t.deepEqual((await listAll(out)).filter((f) => f.endsWith('.tmp')), [], 'no temporary files left');

  const clean = join(root, 'clean');
  await buildDataset({
    source: 'folder', input, out: clean, size: 64, recordsPerShard: 3, concurrency: 4, splitRatios: 'train=0.75,val=0.25', seed: 5, progress: false,
  });
  const a = await snapshot(out);
  const b = await snapshot(clean);
  t.deepEqual([...a.keys()], [...b.keys()]);
  for (const [name, bytes] of b) t.true(bytes.equals(a.get(name)!), `${name} identical to the clean build`);

  // Nothing lost, nothing duplicated.
  const manifest = await readManifest(out);
  const names: string[] = [];
  for (const shard of manifest.shards) {
    for await (const item of scanTfRecords(join(out, shard.file))) if (item.kind === 'record') names.push(decodeRecord(item.data).filename);
  }
  t.is(names.length, 48);
  t.is(new Set(names).size, 48);
  t.is(manifest.rejected.count, 1);
});

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { copyFile, mkdir, readdir, rename, rm } from 'node:fs/promises';
import { join, resolve } from 'node:path';
import { atomicWriteJson, BgfillError, temporaryPathFor } from '@bgfill/core';
import { writeBundleManifest } from './build.js';
import { finalizeBundle } from './finalize.js';
import { PARTS_DIR, readPart, readWorkerManifest, type DatasetManifest, type DuplicatesSummary, type ShardPart, type WorkerManifest } from './manifest.js';

const WORKER_FILE = /^worker-(\d{5})-of-(\d{5})\.json$/;

async function sha256OfFile(path: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(path)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Copy `from` to `to` through a temporary name, checking the copy's SHA-256. */
async function copyChecked(from: string, to: string, sha256: string): Promise<void> {
  const tmp = temporaryPathFor(to);
  try {
    await copyFile(from, tmp);
    const digest = await sha256OfFile(tmp);
    if (digest !== sha256) throw new BgfillError(`${from}: SHA-256 ${digest.slice(0, 12)}… does not match its worker manifest`, { subject: from });
    await rename(tmp, to);
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}

export interface MergeResult {
  readonly manifest: DatasetManifest;
  readonly workers: number;
  /** Shard and index files copied into `out` (0 when the workers wrote there already). */
  readonly copied: number;
  /**
   * Near-duplicate grouping, done here over every worker's records (a worker only sees its own shards): what it
   * found and did; null when the build measured no signals or grouping is off.
   */
  readonly duplicates: DuplicatesSummary | null;
  /** Shards rewritten because grouping moved or dropped records. */
  readonly rewritten: number;
}

/**
 * Join the worker manifests found in `dirs` (`worker-{i}-of-{n}.json`, from `--worker i --workers n` builds) into one
 * bundle in `out`: checks that they come from the same build and cover every worker once, copies shards from other
 * folders (digest checked), and writes `dataset.json` and `rejects.jsonl` exactly as a single build would.
 * @example await mergeWorkers('bundle', ['w0', 'w1', 'w2'])
 */
export async function mergeWorkers(out: string, dirs: readonly string[]): Promise<MergeResult> {
  const outDir = resolve(out);
  const found: Array<{ dir: string; manifest: WorkerManifest; file: string }> = [];
  for (const d of dirs.length > 0 ? dirs : [out]) {
    const dir = resolve(d);
    let entries: string[];
    try {
      entries = await readdir(dir);
    } catch {
      throw new BgfillError(`${d}: cannot read folder`, { subject: d });
    }
    for (const e of entries.filter((f) => WORKER_FILE.test(f)).sort()) {
      found.push({ dir, manifest: await readWorkerManifest(join(dir, e)), file: e });
    }
  }
  if (found.length === 0) throw new BgfillError(`no worker manifests (worker-NNNNN-of-NNNNN.json) in ${dirs.join(', ') || out}`);
  const first = found[0].manifest;
  const byWorker = new Map<number, (typeof found)[number]>();
  for (const f of found) {
    const m = f.manifest;
    if (m.header.fingerprint !== first.header.fingerprint) {
      throw new BgfillError(`${join(f.dir, f.file)} is from a different build than ${join(found[0].dir, found[0].file)} (fingerprints differ)`, {
        subject: f.file,
      });
    }
    if (m.workers !== first.workers) throw new BgfillError(`${join(f.dir, f.file)}: built for ${m.workers} workers, others for ${first.workers}`);
    const seen = byWorker.get(m.worker);
    if (seen && seen.dir !== f.dir) throw new BgfillError(`worker ${m.worker} appears twice: in ${seen.dir} and ${f.dir}`);
    byWorker.set(m.worker, f);
  }
  const missing = Array.from({ length: first.workers }, (_, i) => i).filter((i) => !byWorker.has(i));
  if (missing.length > 0) throw new BgfillError(`missing worker manifests for worker ${missing.join(', ')} of ${first.workers}`);

  await mkdir(join(outDir, PARTS_DIR), { recursive: true });
  const parts: ShardPart[] = [];
  let copied = 0;
  for (const { dir, manifest } of [...byWorker.values()]) {
    for (const part of manifest.parts) {
      // A shard an earlier merge already regrouped (in place) keeps its final part.
      const existing = await readPart(join(outDir, PARTS_DIR, `${part.file}.json`));
      if (existing && existing.fingerprint === part.fingerprint && existing.finalized !== null && (await sha256OfFile(join(outDir, part.file)).catch(() => null)) === existing.sha256) {
        parts.push(existing);
        continue;
      }
      parts.push(part);
      if (dir !== outDir) {
        await copyChecked(join(dir, part.file), join(outDir, part.file), part.sha256);
        await copyChecked(join(dir, part.indexFile), join(outDir, part.indexFile), part.indexSha256);
        if (part.qualityFile !== null && part.qualitySha256 !== null) {
          await copyChecked(join(dir, PARTS_DIR, part.qualityFile), join(outDir, PARTS_DIR, part.qualityFile), part.qualitySha256);
        }
        copied += 2;
      }
      await atomicWriteJson(join(outDir, PARTS_DIR, `${part.file}.json`), part);
    }
  }
  const finished = await finalizeBundle(outDir, first.header, parts);
  const manifest = await writeBundleManifest(outDir, first.header, finished);
  return { manifest, workers: first.workers, copied, duplicates: finished.duplicates, rewritten: finished.rewritten };
}

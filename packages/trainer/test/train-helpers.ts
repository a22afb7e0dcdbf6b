import { spawn } from 'node:child_process';
import { watch, type FSWatcher } from 'node:fs';
import { copyFile, mkdir, mkdtemp, readdir } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildDataset } from '@bgfill/dataset';

/** Shared by the train*.test.ts files: small real bundles and the real CLI. */

export const REPO = fileURLToPath(new URL('../../../', import.meta.url));
export const BGFILL = join(REPO, 'packages/cli/bin/bgfill.js');
const SCENES = join(REPO, 'samples/scenes');

export const tempDir = (prefix: string) => mkdtemp(join(tmpdir(), `bgfill-${prefix}-`));

/**
 * A bundle of the first `count` sample scene photos (real 256² JPEGs), resized to `size`, all in the train split
 * (with fixed stored masks of strategy `masks` when given).
 * @example const bundle = await makeBundle({ count: 4, size: 32 });
 */
export async function makeBundle(options: { count: number; size: number; splitRatios?: string; masks?: string }): Promise<string> {
  const root = await tempDir('train-bundle');
  const photos = join(root, 'photos');
  await mkdir(photos);
  const names = (await readdir(SCENES)).filter((n) => n.endsWith('.jpg')).sort().slice(0, options.count);
  for (const n of names) await copyFile(join(SCENES, n), join(photos, n));
  const out = join(root, 'bundle');
  await buildDataset({
    source: 'folder',
    input: photos,
    out,
    size: options.size,
    labels: 'none',
    splitRatios: options.splitRatios ?? 'train=1',
    seed: 0,
    ...(options.masks ? { masks: options.masks, maskSplits: ['train'] } : {}),
  });
  return out;
}

export interface CliResult {
  code: number | null;
  signal: NodeJS.Signals | null;
  stdout: string;
  stderr: string;
}

/**
 * Run `bgfill …` as a user would. `killWhen` is checked every 100 ms, and on every change inside `watchDir` once that
 * folder exists (so short-lived states, such as a checkpoint being written, are not missed); when it returns true
 * the process gets SIGKILL.
 */
export function runCli(args: readonly string[], options: { killWhen?: () => Promise<boolean>; watchDir?: string } = {}): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [BGFILL, ...args], { cwd: REPO, env: { ...process.env, CI: '1' }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    let timer: NodeJS.Timeout | undefined;
    let watcher: FSWatcher | undefined;
    if (options.killWhen) {
      const check = async () => {
        if (child.exitCode === null && (await options.killWhen!().catch(() => false))) child.kill('SIGKILL');
      };
      const poll = async () => {
        if (options.watchDir && !watcher) {
          try {
            watcher = watch(options.watchDir, () => void check());
          } catch {
            // not created yet
          }
        }
        await check();
        if (child.exitCode === null) timer = setTimeout(poll, 100);
      };
      timer = setTimeout(poll, 100);
    }
    child.on('error', reject);
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      watcher?.close();
      resolve({ code, signal, stdout, stderr });
    });
  });
}

/** The options every small CLI training run in the tests shares: wasm, 32², tiny nets, 2 images a step. */
export const SMALL_RUN = ['--backend', 'wasm', '--batch-size', '2', '--cnum', '4', '--d-cnum', '4', '--seed', '3'];

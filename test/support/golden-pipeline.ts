/**
 * The golden pipeline: `masks generate`, `dataset build`, `train` (wasm) and `eval --run` on a small fixed input,
 * through the real `bgfill` binary, and the SHA-256 of every file they write. test/golden-outputs.test.ts compares
 * the digests with test/fixtures/golden-outputs.json, recorded before the plumbing moved to @bgfill/core (e10f72e),
 * so a refactor that changes any output byte shows up. A change that is meant to change outputs re-records them:
 *
 *   node --import tsx test/support/record-golden.ts     # then say in the commit why the bytes changed
 */
import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { copyFile, mkdir, readdir, readFile } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';

const run = promisify(execFile);
const REPO = fileURLToPath(new URL('../../', import.meta.url));
const BGFILL = join(REPO, 'packages/cli/bin/bgfill.js');
/** Text outputs, some of which record the absolute path of the working folder (dataset.json, config.json, log.jsonl). */
const TEXT = /\.(json|jsonl|csv|md|html|svg)$/;

/**
 * The commands, run in `dir` with relative paths (the outputs that record paths then record the same ones), each with
 * `--json --no-progress`: the summaries they print on stdout are returned too.
 */
export const GOLDEN_COMMANDS: readonly (readonly string[])[] = [
  ['masks', 'generate', '--masks', 'person-box+scribble:0-3', '--count', '6', '--size', '64', '--seed', '3', '--out', 'masks'],
  ['dataset', 'build', '--input', 'in', '--size', '64', '--split-ratios', 'train=0.75,val=0.25', '--masks', 'person-box', '--out', 'bundle', '--seed', '1'],
  ['train', '--data', 'bundle', '--out', 'run', '--epochs', '2', '--steps-per-epoch', '2', '--batch-size', '2', '--cnum', '4', '--d-cnum', '8', '--backend', 'wasm', '--seed', '1'],
  ['eval', '--run', 'run', '--data', 'bundle', '--backend', 'wasm'],
];

export interface GoldenRun {
  /** Relative path → SHA-256 of every output file. */
  digests: Record<string, string>;
  /** Each command's `--json` summary, parsed, in command order. */
  summaries: unknown[];
}

async function listFiles(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { withFileTypes: true, recursive: true });
  return entries.filter((e) => e.isFile()).map((e) => join(e.parentPath, e.name));
}

/**
 * Runs the pipeline in `dir` (an empty folder; the first eight sample scenes are copied to `dir/in`) and returns
 * { relative path: sha256 } for every output file, with `dir` replaced by `<dir>` inside text files.
 */
export async function runGoldenPipeline(dir: string): Promise<GoldenRun> {
  const input = join(dir, 'in');
  await mkdir(input, { recursive: true });
  const scenes = (await readdir(join(REPO, 'samples/scenes'))).filter((n) => n.endsWith('.jpg')).sort().slice(0, 8);
  for (const name of scenes) await copyFile(join(REPO, 'samples/scenes', name), join(input, name));
  const summaries: unknown[] = [];
  for (const args of GOLDEN_COMMANDS) {
    const { stdout } = await run(process.execPath, [BGFILL, ...args, '--json', '--no-progress'], { cwd: dir, env: { ...process.env, CI: '1' }, maxBuffer: 64 << 20 });
    summaries.push(JSON.parse(stdout));
  }
  const digests: Record<string, string> = {};
  for (const file of (await listFiles(dir)).sort()) {
    const name = relative(dir, file).split('\\').join('/');
    if (name.startsWith('in/')) continue;
    const bytes = await readFile(file);
    // log.jsonl's per-step imagesPerSecond is a timing, the one output that is not a function of the inputs.
    const content = TEXT.test(name) ? bytes.toString('utf8').split(dir).join('<dir>').replace(/,"imagesPerSecond":[^,}]+/g, '') : bytes;
    digests[name] = createHash('sha256').update(content).digest('hex');
  }
  return { digests, summaries };
}

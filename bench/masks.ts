/**
 * Mask generation speed against the study's NumPy + OpenCV recipe, one core each.
 *
 *   node --import tsx bench/masks.ts [rounds=8] [seconds per round=0.5]
 *
 * 1. recipe: 256×256 `person-box+scribble:0-3` masks in memory through the public API (createMaskGenerator →
 *    generate(size, seed, i), one derived random source per mask), against bench/masks_baseline.py doing the same
 *    recipe with np.random + cv2.line / cv2.circle (OMP/OpenBLAS/cv2 threads 1, pinned to one core with taskset).
 * 2. dilate: 3×3 square, 3 iterations, on recipe masks: our dilate() against cv2.dilate (one thread).
 *
 * The baseline runs in a child process started by this run; the two sides take turns in short rounds so that both
 * see the same machine load, and throughput is counted per CPU-second of each process (masks / CPU time), which a
 * busy shared machine disturbs far less than wall time. Wall-time rates are printed too. Ratio = ours / baseline.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { createMaskGenerator } from '../packages/masks/src/generate.js';
import type { Mask } from '../packages/masks/src/mask.js';
import { dilate } from '../packages/masks/src/morphology.js';

const rounds = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 0.5);
const size = { width: 256, height: 256 };

interface Sample {
  masks: number;
  cpu: number;
  wall: number;
}

/** Run `step(i)` for `budget` seconds of wall time; masks done, CPU seconds and wall seconds used. */
function measure(step: (i: number) => unknown, budget: number, start = 0): Sample {
  const cpu0 = process.cpuUsage();
  const wall0 = performance.now();
  let n = 0;
  let now = wall0;
  while (now - wall0 < budget * 1000) {
    step(start + n);
    n++;
    if ((n & 15) === 0) now = performance.now();
  }
  const cpu = process.cpuUsage(cpu0);
  return { masks: n, cpu: (cpu.user + cpu.system) / 1e6, wall: (performance.now() - wall0) / 1000 };
}

/** The baseline as a child process answering "<what> <seconds>" requests. */
function startBaseline(): { ask(what: string, s: number): Promise<Sample>; close(): void } {
  const script = fileURLToPath(new URL('./masks_baseline.py', import.meta.url));
  const pin = spawnSync('taskset', ['--version']).status === 0;
  const env = { ...process.env, OMP_NUM_THREADS: '1', OPENBLAS_NUM_THREADS: '1', MKL_NUM_THREADS: '1' };
  const child = pin
    ? spawn('taskset', ['-c', '0', '/usr/bin/python3', script, '--serve'], { env, stdio: ['pipe', 'pipe', 'inherit'] })
    : spawn('/usr/bin/python3', [script, '--serve'], { env, stdio: ['pipe', 'pipe', 'inherit'] });
  const lines = createInterface({ input: child.stdout })[Symbol.asyncIterator]();
  return {
    async ask(what, s) {
      child.stdin.write(`${what} ${s}\n`);
      const { value, done } = await lines.next();
      if (done) throw new Error('baseline exited');
      const r = JSON.parse(value as string) as { masks: number; cpu_seconds: number; wall_seconds: number };
      return { masks: r.masks, cpu: r.cpu_seconds, wall: r.wall_seconds };
    },
    close() {
      child.stdin.end();
    },
  };
}

function total(samples: Sample[]): { perCpu: number; perWall: number } {
  const m = samples.reduce((a, s) => a + s.masks, 0);
  return { perCpu: m / samples.reduce((a, s) => a + s.cpu, 0), perWall: m / samples.reduce((a, s) => a + s.wall, 0) };
}

const generator = await createMaskGenerator('person-box+scribble:0-3');
const sample: Mask[] = Array.from({ length: 64 }, (_, i) => generator.generate(size, 'sample', i));
const recipeStep = (i: number) => generator.generate(size, 'bench', i);
const dilateStep = (i: number) => dilate(sample[i & 63], { iterations: 3, kernel: 'square' });
measure(recipeStep, 0.5); // warm-up (JIT)
measure(dilateStep, 0.3);

const baseline = startBaseline();
const results = { recipe: { ours: [] as Sample[], theirs: [] as Sample[] }, dilate: { ours: [] as Sample[], theirs: [] as Sample[] } };
let next = 1_000_000;
for (let r = 0; r < rounds; r++) {
  const ours = measure(recipeStep, seconds, next);
  next += ours.masks;
  results.recipe.ours.push(ours);
  results.recipe.theirs.push(await baseline.ask('recipe', seconds));
  results.dilate.ours.push(measure(dilateStep, seconds / 2));
  results.dilate.theirs.push(await baseline.ask('dilate', seconds / 2));
}
baseline.close();

const f = (v: number) => v.toFixed(0).padStart(6);
console.log(`machine: ${process.arch}, Node ${process.versions.node}; ${rounds} alternating rounds of ${seconds} s; rates per CPU-second (per wall-second)`);
for (const [name, label, other] of [
  ['recipe', 'person-box+scribble:0-3 256x256', 'numpy+cv2 '],
  ['dilate', 'dilate 3x3 square x3 256x256   ', 'cv2.dilate'],
] as const) {
  const ours = total(results[name].ours);
  const theirs = total(results[name].theirs);
  console.log(
    `${label}  ours ${f(ours.perCpu)} (${f(ours.perWall)}) masks/s  ${other} ${f(theirs.perCpu)} (${f(theirs.perWall)}) masks/s  ` +
      `ratio ${(ours.perCpu / theirs.perCpu).toFixed(2)}x (${(ours.perWall / theirs.perWall).toFixed(2)}x)`,
  );
}

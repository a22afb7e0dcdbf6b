/**
 * Mask generation speed against the study's NumPy + OpenCV recipe, one core each; and person-bank's speed.
 *
 *   node --import tsx bench/masks.ts [rounds=8] [seconds per round=0.5] [parts=recipe,bank]
 *
 * 1. recipe: 256×256 `person-box+scribble:0-3` masks in memory through the public API (createMaskGenerator →
 *    generate(size, seed, i), one derived random source per mask), against bench/masks_baseline.py doing the same
 *    recipe with np.random + cv2.line / cv2.circle (OMP/OpenBLAS/cv2 threads 1, pinned to one core with taskset).
 * 2. dilate: 3×3 square, 3 iterations, on recipe masks: our dilate() against cv2.dilate (one thread).
 * 3. bank: 256×256 `person-bank` masks (dilate 10, as the study) from a bank of 64 outlines cut from procedural
 *    silhouettes drawn at 384² (a stand-in for segmented people), against the same layouts drawn the plain way in
 *    this process: the outline painted into the mask, then morphology's dilate() over the whole 256² mask. Also
 *    `person-bank+scribble:0-3`. Goal: ≥ 3,000 person-bank masks per CPU-second.
 *
 * The baseline runs in a child process started by this run; the two sides take turns in short rounds so that both
 * see the same machine load, and throughput is counted per CPU-second of each process (masks / CPU time), which a
 * busy shared machine disturbs far less than wall time. Wall-time rates are printed too. Ratio = ours / baseline.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { rngFor } from '@bgfill/core';
import { bankFromBitmaps, sortComponents } from '../packages/masks/src/bank/build.js';
import { outlineBitmap } from '../packages/masks/src/bank/components.js';
import { loadBank } from '../packages/masks/src/bank/load.js';
import { paintOutline } from '../packages/masks/src/bank/paint.js';
import { createMaskGenerator, createProceduralGenerator } from '../packages/masks/src/generate.js';
import { createMask, type Mask } from '../packages/masks/src/mask.js';
import { dilate } from '../packages/masks/src/morphology.js';
import { personBankLayout, personBankSchema } from '../packages/masks/src/strategies/person-bank.js';

const rounds = Number(process.argv[2] ?? 8);
const seconds = Number(process.argv[3] ?? 0.5);
const parts = new Set((process.argv[4] ?? 'recipe,bank').split(','));
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

const f = (v: number) => v.toFixed(0).padStart(6);
const load = loadavg().map((v) => v.toFixed(1)).join(' ');
console.log(`machine: ${process.arch}, Node ${process.versions.node}, load average ${load}; ${rounds} alternating rounds of ${seconds} s; rates per CPU-second (per wall-second)`);

if (parts.has('recipe')) {
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
}

if (parts.has('bank')) {
  // A bank of 64 outlines: the people of procedural silhouettes (walking, standing, free poses) drawn at 384².
  const silhouettes = createProceduralGenerator('silhouette');
  const outlines: Mask[] = [];
  for (let i = 0; outlines.length < 64; i++) {
    for (const k of sortComponents(silhouettes.generate({ width: 384, height: 384 }, 'bank', i), 0.002).kept) outlines.push(outlineBitmap(k.rows));
  }
  const file = join(mkdtempSync(join(tmpdir(), 'bench-bank-')), 'bank.bgbank');
  writeFileSync(file, bankFromBitmaps(outlines.slice(0, 64)));
  const bank = await loadBank(file);
  const ours = await createMaskGenerator(`person-bank:${file}`);
  const withStrokes = await createMaskGenerator(`person-bank:${file}+scribble:0-3`);
  const config = personBankSchema.parse({ strategy: 'person-bank', bank: file });
  // The plain way, same layouts: paint into the mask, then dilate the whole mask.
  const plain = (i: number) => {
    const layout = personBankLayout(size, config, bank.outlines, rngFor('bench', 'mask', i));
    const mask = createMask(size);
    paintOutline(mask.data, size.width, size.width, size.height, bank.outlines[layout.outline], layout.left, layout.top, layout.width, layout.height, layout.flip);
    return dilate(mask, { iterations: config.dilate, kernel: config.kernel });
  };
  const steps = {
    ours: (i: number) => ours.generate(size, 'bench', i),
    plain,
    strokes: (i: number) => withStrokes.generate(size, 'bench', i),
  };
  for (const step of Object.values(steps)) measure(step, 0.3); // warm-up (JIT)
  const samples = { ours: [] as Sample[], plain: [] as Sample[], strokes: [] as Sample[] };
  for (let r = 0; r < rounds; r++) for (const [name, step] of Object.entries(steps)) samples[name as keyof typeof steps].push(measure(step, seconds, r * 100_000));
  const base = total(samples.plain);
  for (const [name, label] of [
    ['ours', 'person-bank (dilate 10) 256x256      '],
    ['plain', 'plain: paint + dilate() whole mask   '],
    ['strokes', 'person-bank+scribble:0-3 256x256     '],
  ] as const) {
    const t = total(samples[name]);
    console.log(`${label}  ${f(t.perCpu)} (${f(t.perWall)}) masks/s  ratio to plain ${(t.perCpu / base.perCpu).toFixed(2)}x (${(t.perWall / base.perWall).toFixed(2)}x)`);
  }
}

/**
 * Throughput of the procedural mask strategies at 256×256, one core.
 *
 *   node --import=tsx bench/masks-strategies.bench.ts
 *
 * Baseline (same process): allocating an empty 256×256 mask, the floor cost of any strategy. Each line prints
 * masks/s and µs per mask of CPU time, and the time per mask as a ratio to that baseline. "recipe" is the training recipe person-box ∪
 * scribble with 0–3 strokes (the union is a byte OR here, so only the strategies are measured).
 */
import { createMask, type Mask, type Size } from '../packages/masks/src/mask.js';
import { rngFor, type Rng } from '../packages/core/src/rng.js';
import { boxSchema, boxStrategy } from '../packages/masks/src/strategies/box.js';
import { irregularSchema, irregularStrategy } from '../packages/masks/src/strategies/irregular.js';
import { outpaintSchema, outpaintStrategy } from '../packages/masks/src/strategies/outpaint.js';
import { personBoxSchema, personBoxStrategy } from '../packages/masks/src/strategies/person-box.js';
import { scribbleSchema, scribbleStrategy } from '../packages/masks/src/strategies/scribble.js';
import { silhouetteSchema, silhouetteStrategy } from '../packages/masks/src/strategies/silhouette.js';

const SIZE: Size = { width: 256, height: 256 };
const personBox = personBoxSchema.parse({ strategy: 'person-box' });
const scribble03 = scribbleSchema.parse({ strategy: 'scribble', count: [0, 3] });

/** a |= b, four pixels at a time (both masks are fresh, so their buffers are 4-byte aligned). */
function orInto(a: Mask, b: Mask): void {
  const n = a.data.length >> 2;
  const wa = new Uint32Array(a.data.buffer, a.data.byteOffset, n);
  const wb = new Uint32Array(b.data.buffer, b.data.byteOffset, n);
  for (let i = 0; i < n; i++) wa[i] |= wb[i];
  for (let i = n << 2; i < a.data.length; i++) a.data[i] |= b.data[i];
}

function recipe(size: Size, rng: Rng): Mask {
  const a = personBoxStrategy.generate(size, personBox, rng.derive('union', 0));
  orInto(a, scribbleStrategy.generate(size, scribble03, rng.derive('union', 1)));
  return a;
}

const scribble = scribbleSchema.parse({ strategy: 'scribble' });
const box = boxSchema.parse({ strategy: 'box' });
const outpaint = outpaintSchema.parse({ strategy: 'outpaint' });
const silhouette = silhouetteSchema.parse({ strategy: 'silhouette' });

const cases: Array<[string, (i: number) => Mask]> = [
  ['baseline: createMask', () => createMask(SIZE)],
  ['person-box', (i) => personBoxStrategy.generate(SIZE, personBox, rngFor('bench', i))],
  ['scribble (1–3)', (i) => scribbleStrategy.generate(SIZE, scribble, rngFor('bench', i))],
  ['recipe: person-box + scribble 0–3', (i) => recipe(SIZE, rngFor('bench', i))],
  ['box', (i) => boxStrategy.generate(SIZE, box, rngFor('bench', i))],
  ['outpaint', (i) => outpaintStrategy.generate(SIZE, outpaint, rngFor('bench', i))],
  ...(['thick', 'medium', 'thin'] as const).map((preset): [string, (i: number) => Mask] => {
    const config = irregularSchema.parse({ strategy: 'irregular', preset });
    return [`irregular ${preset}`, (i) => irregularStrategy.generate(SIZE, config, rngFor('bench', i))];
  }),
  ['silhouette', (i) => silhouetteStrategy.generate(SIZE, silhouette, rngFor('bench', i))],
];

/**
 * Best of 5 rounds of `n` masks, in µs of this process's CPU time (user + system) per mask. CPU time rather than
 * wall time, because the benchmark machine is shared: waiting for a core is not counted, so masks/s reads as
 * "per core" even when other jobs compete.
 */
function time(fn: (i: number) => Mask, n: number): number {
  let best = Infinity;
  let sink = 0;
  for (let round = 0; round < 5; round++) {
    const c0 = process.cpuUsage();
    for (let i = 0; i < n; i++) sink += fn(round * n + i).data[32896];
    const c = process.cpuUsage(c0);
    best = Math.min(best, (c.user + c.system) / n);
  }
  if (sink < 0) console.log(sink);
  return best;
}

for (const [, fn] of cases) time(fn, 200); // warm up every path before measuring
const base = time(cases[0][1], 4000);
console.log(`node ${process.version}, ${SIZE.width}×${SIZE.height}, CPU time, best of 5 rounds`);
console.log('strategy'.padEnd(36), 'masks/s'.padStart(9), 'µs/mask'.padStart(9), 'ratio'.padStart(7));
for (const [name, fn] of cases) {
  const us = name.startsWith('baseline') ? base : time(fn, 2000);
  console.log(name.padEnd(36), String(Math.round(1e6 / us)).padStart(9), us.toFixed(1).padStart(9), (us / base).toFixed(2).padStart(7));
}

/**
 * Bundle build throughput against a bare sharp loop, in the same process and at the same concurrency.
 *
 *   node --import tsx bench/dataset.ts [concurrency=4] [passCount=400] [largeCount=60] [hashCount=100000] [rounds=3]
 *
 * (a) pass-through: 256×256 sRGB JPEGs (Places365-256 style) built with `buildDataset` at --size 256: they are stored
 *     byte for byte after a decode check.
 * (b) resize: large JPEGs (2048×1536, photo-like noise) built with `buildDataset` at --size 256 (shorter side to 256,
 *     centre crop, JPEG q95).
 * Bare loop, for each image set: read the file, `sharp(buf).resize(256, 256, { fit: 'cover' }).jpeg({ quality: 95 })`,
 * nothing else (no Example encoding, no framing, no CRC, no file writes), in a worker pool of the same concurrency.
 * Quality signals: each set is also built with `signals: false` — the build path before signals and hashes existed
 * (one sharp pipeline from input to encoded output, no pixels back in JavaScript, no quality sidecars, no grouping) —
 * in the same rounds; goal: (b) with signals ≥ 0.8 × (b) without. Besides the best-of-rounds ratio, the median of the
 * per-round ratios (each round's two builds run back to back, so machine drift hits both) is printed.
 * Grouping: `groupNearDuplicates` over `hashCount` synthetic 64-bit hashes (random, a tenth of them copies of others
 * with 0–12 bits flipped), against the CPU time of building that many images at the (a) and (b) rates; goal < 1 %.
 * Also: CRC-32C throughput of @node-rs/crc32 (hardware) against a plain JS table loop.
 * Prints images per wall-clock second and per process CPU-second (user + system, all threads: libvips work included;
 * steadier than wall time on a shared machine), and the ratios: goals (b) / bare ≥ 0.85 and (a) / (b) ≥ 5.
 */
import { mkdtemp, readFile, rm, mkdir, writeFile } from 'node:fs/promises';
import { tmpdir, cpus } from 'node:os';
import { join } from 'node:path';
import sharp from 'sharp';
import { rngFor } from '../packages/core/src/index.js';
import { buildDataset } from '../packages/dataset/src/build.js';
import { crc32c } from '../packages/dataset/src/crc32c.js';
import { groupNearDuplicates } from '../packages/dataset/src/hash-groups.js';
import { photo } from './synthetic-photo.js';

const concurrency = Number(process.argv[2] ?? 4);
const passCount = Number(process.argv[3] ?? 400);
const largeCount = Number(process.argv[4] ?? 60);
const hashCount = Number(process.argv[5] ?? 100_000);
const roundCount = Number(process.argv[6] ?? 3);

/** Run `fn` over `items` with `width` calls in flight (a plain worker pool, as a bare loop would). */
async function pool<T>(items: readonly T[], width: number, fn: (item: T, i: number) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(
    Array.from({ length: Math.min(width, items.length) }, async () => {
      while (next < items.length) {
        const i = next++;
        await fn(items[i], i);
      }
    }),
  );
}

async function makeSet(dir: string, count: number, width: number, height: number): Promise<string[]> {
  await mkdir(dir, { recursive: true });
  const files = Array.from({ length: count }, (_, i) => join(dir, `img-${String(i).padStart(5, '0')}.jpg`));
  const distinct = await Promise.all(Array.from({ length: 16 }, (_, k) => photo(width, height, k)));
  // 16 distinct images, copied: generation time is not what we measure.
  await pool(files, 4, (file, i) => writeFile(file, distinct[i % 16]));
  return files;
}

interface Rate {
  wall: number;
  cpu: number;
}

/** Images per wall second and per process CPU second of `work`. */
async function measure(count: number, work: () => Promise<unknown>): Promise<Rate> {
  const cpu0 = process.cpuUsage();
  const start = performance.now();
  await work();
  const wall = (performance.now() - start) / 1000;
  const cpu = process.cpuUsage(cpu0);
  return { wall: count / wall, cpu: count / ((cpu.user + cpu.system) / 1e6) };
}

function bare(files: readonly string[]): Promise<Rate> {
  return measure(files.length, () =>
    pool(files, concurrency, async (f) => sharp(await readFile(f)).resize(256, 256, { fit: 'cover' }).jpeg({ quality: 95 }).toBuffer()),
  );
}

async function build(input: string, out: string, count: number, signals = true): Promise<Rate> {
  await rm(out, { recursive: true, force: true });
  return measure(count, async () => {
    // The 16 distinct images repeat, so with signals they form 16 groups; --dedupe off keeps the record count.
    const result = await buildDataset({
      source: 'folder', input, out, size: 256, concurrency, recordsPerShard: 1000, progress: false, labels: 'none', signals, ...(signals ? { dedupe: 'group' as const } : {}),
    });
    if (result.records !== count) throw new Error(`built ${result.records} of ${count}`);
  });
}

/** `count` synthetic hashes: random, with a tenth of them near copies (0–12 bits flipped) of earlier ones. */
function syntheticHashes(count: number): Array<{ hash: string }> {
  const rng = rngFor('bench-hashes', count);
  const words: Array<[number, number]> = [];
  for (let i = 0; i < count; i++) {
    if (i > 0 && rng.random() < 0.1) {
      let [hi, lo] = words[rng.int(0, i - 1)];
      for (let f = rng.int(0, 12); f > 0; f--) {
        const b = rng.int(0, 63);
        if (b < 32) hi = (hi ^ (1 << b)) >>> 0;
        else lo = (lo ^ (1 << (b - 32))) >>> 0;
      }
      words.push([hi, lo]);
    } else words.push([rng.int(0, 0xffffffff) >>> 0, rng.int(0, 0xffffffff) >>> 0]);
  }
  return words.map(([hi, lo]) => ({ hash: hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0') }));
}

function best(xs: Rate[]): Rate {
  return { wall: Math.max(...xs.map((x) => x.wall)), cpu: Math.max(...xs.map((x) => x.cpu)) };
}

function crcTable(): Uint32Array {
  const t = new Uint32Array(256);
  for (let n = 0; n < 256; n++) {
    let c = n;
    for (let k = 0; k < 8; k++) c = c & 1 ? 0x82f63b78 ^ (c >>> 1) : c >>> 1;
    t[n] = c >>> 0;
  }
  return t;
}

function crcJs(table: Uint32Array, data: Uint8Array): number {
  let c = 0xffffffff;
  for (let i = 0; i < data.length; i++) c = table[(c ^ data[i]) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}

const root = await mkdtemp(join(tmpdir(), 'bgfill-bench-dataset-'));
try {
  process.stdout.write(`dataset bench: Node ${process.version}, ${cpus().length} CPUs (${cpus()[0]?.model ?? '?'}), concurrency ${concurrency}, sharp threads ${sharp.concurrency()}\n`);
  const passDir = join(root, 'pass');
  const largeDir = join(root, 'large');
  const passFiles = await makeSet(passDir, passCount, 256, 256);
  const largeFiles = await makeSet(largeDir, largeCount, 2048, 1536);
  const rounds = roundCount;
  const results = {
    passBare: [] as Rate[],
    passBuild: [] as Rate[],
    passPlain: [] as Rate[],
    largeBare: [] as Rate[],
    largeBuild: [] as Rate[],
    largePlain: [] as Rate[],
  };
  // Warm-up (libvips, JIT, page cache), then alternate so drift on a shared machine hits both sides alike.
  await bare(passFiles.slice(0, 50));
  await bare(largeFiles.slice(0, 5));
  for (let r = 0; r < rounds; r++) {
    results.passBare.push(await bare(passFiles));
    results.passPlain.push(await build(passDir, join(root, 'out-pass'), passCount, false));
    results.passBuild.push(await build(passDir, join(root, 'out-pass'), passCount));
    results.largeBare.push(await bare(largeFiles));
    results.largePlain.push(await build(largeDir, join(root, 'out-large'), largeCount, false));
    results.largeBuild.push(await build(largeDir, join(root, 'out-large'), largeCount));
  }
  const a = best(results.passBuild);
  const aBare = best(results.passBare);
  const b = best(results.largeBuild);
  const bBare = best(results.largeBare);
  const aPlain = best(results.passPlain);
  const bPlain = best(results.largePlain);
  const fmt = (x: number): string => x.toFixed(1).padStart(7);
  for (const unit of ['wall', 'cpu'] as const) {
    const per = unit === 'wall' ? 'images per wall second' : 'images per process CPU second';
    process.stdout.write(`best of ${rounds} rounds, ${per}:\n`);
    process.stdout.write(`  (a) 256² JPEG pass-through: build ${fmt(a[unit])}   bare sharp loop ${fmt(aBare[unit])}   build/bare ${(a[unit] / aBare[unit]).toFixed(2)}\n`);
    process.stdout.write(`  (b) 2048×1536 JPEG → 256²:   build ${fmt(b[unit])}   bare sharp loop ${fmt(bBare[unit])}   build/bare ${(b[unit] / bBare[unit]).toFixed(2)} (goal ≥ 0.85)\n`);
    process.stdout.write(`  (a)/(b) = ${(a[unit] / b[unit]).toFixed(1)}× (goal ≥ 5×)\n`);
    process.stdout.write(`  signals and hashes on / off: (a) ${fmt(a[unit])} / ${fmt(aPlain[unit])} = ${(a[unit] / aPlain[unit]).toFixed(2)}`);
    process.stdout.write(`   (b) ${fmt(b[unit])} / ${fmt(bPlain[unit])} = ${(b[unit] / bPlain[unit]).toFixed(2)} (goal ≥ 0.8)\n`);
    const paired = (on: Rate[], off: Rate[]): string => {
      const ratios = on.map((r, i) => r[unit] / off[i][unit]).sort((x, y) => x - y);
      return `median ${ratios[Math.floor(ratios.length / 2)].toFixed(2)} (${ratios.map((x) => x.toFixed(2)).join(' ')})`;
    };
    process.stdout.write(`  per-round on / off: (a) ${paired(results.passBuild, results.passPlain)}   (b) ${paired(results.largeBuild, results.largePlain)}\n`);
  }
  const hashes = syntheticHashes(hashCount);
  const groupRuns = [0, 1, 2].map(() => {
    const cpu0 = process.cpuUsage();
    const result = groupNearDuplicates(hashes, 12);
    const cpu = process.cpuUsage(cpu0);
    return { seconds: (cpu.user + cpu.system) / 1e6, result };
  });
  const grouping = Math.min(...groupRuns.map((g) => g.seconds));
  const { result } = groupRuns[0];
  process.stdout.write(
    `grouping ${hashCount} synthetic hashes at radius 12: ${grouping.toFixed(2)} CPU s (best of 3; ${result.groups.length} groups, ` +
      `${result.substrings} substrings, ${(result.comparisons / hashCount).toFixed(0)} comparisons per hash)\n`,
  );
  for (const [name, rate] of [['(a) pass-through', a], ['(b) 2048×1536', b]] as const) {
    const buildSeconds = hashCount / rate.cpu;
    process.stdout.write(`  vs building ${hashCount} images at the ${name} rate (${buildSeconds.toFixed(0)} CPU s): ${((100 * grouping) / buildSeconds).toFixed(3)} % (goal < 1 %)\n`);
  }
  process.stdout.write(`load average: ${(await readFile('/proc/loadavg', 'utf8').catch(() => '?')).trim()}\n`);

  const data = Buffer.alloc(32 << 20, 7);
  const table = crcTable();
  let start = performance.now();
  let check = 0;
  for (let i = 0; i < 8; i++) check ^= crc32c(data);
  const native = (8 * data.length) / ((performance.now() - start) / 1000) / 2 ** 30;
  start = performance.now();
  for (let i = 0; i < 2; i++) check ^= crcJs(table, data);
  const js = (2 * data.length) / ((performance.now() - start) / 1000) / 2 ** 30;
  process.stdout.write(`  CRC-32C: @node-rs/crc32 ${native.toFixed(2)} GiB/s, JS table loop ${js.toFixed(3)} GiB/s (${(native / js).toFixed(0)}×) [${check}]\n`);
} finally {
  await rm(root, { recursive: true, force: true });
}

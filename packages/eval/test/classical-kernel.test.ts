// The fill kernel (src/classical/fills.wasm): that it is what packages/eval/assembly/fills builds, that a build with every
// bounds check on gives the same bytes (so the shipped build's unchecked memory accesses stay in bounds on these
// inputs), and that one instance filling many images in turn fills each as a fresh one does.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { rngFor } from '@bgfill/core';
import { borderMeanFill } from '../src/classical/border-mean.js';
import { FillKernel, fillKernel, type MarchingMethod } from '../src/classical/fill-kernel.js';
import type { FillTarget } from '../src/classical/fill-target.js';
import type { RgbImage } from '../src/metrics/image.js';
import { buildKernel } from './asc-build.js';
import { fixtureCases, type FillCase } from './classical-cases.js';

const build = (target: 'release' | 'checked') => buildKernel('asconfig.json', target);

type Case = FillCase;

/** The cv2 fixtures (real photos, person-shaped holes, some at the edges) and random images with rectangular holes anywhere. */
async function cases(): Promise<Case[]> {
  const out: Case[] = await fixtureCases();
  // One pixel high or wide: OpenCV would read a row (column) outside the image there; the kernel reads the one there is.
  for (const [width, height] of [
    [40, 1],
    [1, 40],
  ]) {
    const data = Uint8Array.from({ length: width * height * 3 }, (_, i) => (i * 53) % 256);
    const hole = Uint8Array.from({ length: width * height }, (_, p) => (p % 13 > 4 ? 1 : 0));
    out.push({ name: `line ${width}×${height}`, image: { data, width, height, channels: 3 }, mask: { data: hole, width, height } });
  }
  const rng = rngFor('fill-kernel-cases');
  for (let k = 0; k < 24; k++) {
    const width = rng.int(1, 70);
    const height = rng.int(1, 70);
    const data = Uint8Array.from({ length: width * height * 3 }, () => rng.int(0, 255));
    const hole = new Uint8Array(width * height);
    const x0 = rng.int(0, width - 1);
    const y0 = rng.int(0, height - 1);
    const x1 = rng.int(x0, width - 1);
    const y1 = rng.int(y0, height - 1);
    for (let y = y0; y <= y1; y++) for (let x = x0; x <= x1; x++) if (rng.chance(0.9)) hole[y * width + x] = 1;
    out.push({ name: `random ${k} (${width}×${height})`, image: { data, width, height, channels: 3 }, mask: { data: hole, width, height } });
  }
  return out;
}

function fill(kernel: FillKernel, method: MarchingMethod, c: Case, radius: number): Uint8Array {
  const target: FillTarget = { mask: c.mask, out: Uint8Array.from(c.image.data), width: c.image.width, height: c.image.height };
  borderMeanFill(target);
  kernel.fill(method, target, radius);
  return target.out;
}

test('src/classical/fills.wasm is what packages/eval/assembly/fills builds (pnpm --filter @bgfill/eval run build:wasm)', async (t) => {
  const shipped = await readFile(new URL('../src/classical/fills.wasm', import.meta.url));
  const built = await build('release');
  t.true(Buffer.from(built).equals(shipped), 'rebuild fills.wasm: the AssemblyScript sources changed since it was built');
});

test('a build with every bounds check on fills byte for byte as the shipped one, radii 1 to 100 (100 on the small images)', async (t) => {
  const checked = new FillKernel(new WebAssembly.Module(Uint8Array.from(await build('checked'))));
  const all = await cases();
  let fills = 0;
  for (const c of all) {
    for (const radius of c.name.startsWith('fixture') ? [1, 3, 9] : [1, 2, 3, 7, 100]) {
      for (const method of ['telea', 'ns'] as const) {
        t.deepEqual(fill(checked, method, c, radius), fill(fillKernel(), method, c, radius), `${c.name} ${method} radius ${radius}`);
        fills++;
      }
    }
  }
  t.log(`${fills} fills`);
});

test('one instance filling images of different sizes in turn fills each as a fresh instance does', async (t) => {
  const module = new WebAssembly.Module(await readFile(new URL('../src/classical/fills.wasm', import.meta.url)));
  const all = (await cases()).slice(0, 12);
  const reused = new FillKernel(module);
  for (const pass of [1, 2]) {
    for (const c of all) {
      for (const method of ['telea', 'ns'] as const) {
        t.deepEqual(fill(reused, method, c, 5), fill(new FillKernel(module), method, c, 5), `pass ${pass}: ${c.name} ${method}`);
      }
    }
  }
});

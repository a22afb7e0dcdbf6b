// The metrics kernel (src/metrics/metrics.wasm): that it is what packages/eval/assembly/metrics builds, that a build
// with every bounds check on gives the same sums (so the shipped build's unchecked and two-lane memory accesses stay
// in bounds on these inputs: odd and even sizes, the smallest planes each window takes, every window path), and that
// one instance used for many pairs in turn gives what fresh instances give. The values themselves are checked
// against torchmetrics and a brute-force SSIM in metrics-reference and metrics-properties.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { BgfillError, rngFor } from '@bgfill/core';
import { gaussianWindow } from '../src/metrics/gaussian.js';
import type { FloatImage, MetricImage, RgbImage } from '../src/metrics/image.js';
import { MetricsKernel, metricsKernel } from '../src/metrics/metrics-kernel.js';
import { resolveSsimOptions } from '../src/metrics/options.js';
import type { SsimTerm } from '../src/metrics/ssim-pass.js';
import { buildKernel } from './asc-build.js';

interface Pair {
  name: string;
  pred: MetricImage;
  target: MetricImage;
  mask: Uint8Array;
  windowSize: number;
}

/** Random pairs that agree outside a few boxes (as inpainted outputs do), 8-bit, float32 and float64, some flat, some tiny. */
function pairs(count: number): Pair[] {
  const rng = rngFor('metrics-kernel-pairs');
  const out: Pair[] = [];
  for (let n = 0; n < count; n++) {
    const windowSize = [3, 7, 11, 13][n % 4];
    const least = windowSize; // pad + 1 would do for SSIM; the contrast term needs more than 2·pad
    const width = rng.int(least, 75);
    const height = rng.int(least, 75);
    const channels = n % 5 === 4 ? 1 : 3;
    const kind = n % 3;
    const length = width * height * channels;
    const value = kind === 0 ? () => rng.int(0, 255) : () => rng.uniform(0, 255);
    const make = (): Uint8Array<ArrayBuffer> | Float32Array<ArrayBuffer> | Float64Array<ArrayBuffer> => (kind === 0 ? Uint8Array.from({ length }, value) : kind === 1 ? Float32Array.from({ length }, value) : Float64Array.from({ length }, value));
    const target = make();
    if (n % 7 === 3) target.fill(87);
    if (n % 11 === 5 && kind === 2) target.forEach((v, i) => (target[i] = v * 1e-160));
    const pred = target.slice();
    const mask = new Uint8Array(width * height);
    for (let b = rng.int(0, 3); b > 0; b--) {
      const x0 = rng.int(-5, width - 1);
      const y0 = rng.int(-5, height - 1);
      const bw = rng.int(1, Math.ceil(width / 2));
      const bh = rng.int(1, Math.ceil(height / 2));
      for (let y = Math.max(0, y0); y < Math.min(height, y0 + bh); y++) {
        for (let x = Math.max(0, x0); x < Math.min(width, x0 + bw); x++) {
          mask[y * width + x] = 1;
          for (let c = 0; c < channels; c++) pred[(y * width + x) * channels + c] = value();
        }
      }
    }
    const image = (data: typeof target): MetricImage => ({ data, width, height, channels }) as RgbImage | FloatImage;
    out.push({ name: `pair ${n} (${width}×${height}×${channels}, ${['8-bit', 'float32', 'float64'][kind]}, window ${windowSize})`, pred: image(pred), target: image(target), mask, windowSize });
  }
  return out;
}

/** Everything the kernel computes for a pair: differences, and per channel the sums of every term at every scale that fits, shortcut on and off. */
function everything(kernel: MetricsKernel, p: Pair): unknown[] {
  const results: unknown[] = [kernel.differenceSums(p.pred, p.target), kernel.differenceSums(p.pred, p.target, p.mask)];
  const o = resolveSsimOptions({ windowSize: p.windowSize });
  const window = gaussianWindow(o.windowSize, o.sigma);
  for (const shortcut of [true, false]) {
    kernel.ssimPass(
      p.pred,
      p.target,
      o,
      window,
      (pass) => {
        for (let c = 0; c < p.pred.channels; c++) {
          let [x, y] = pass.channel(c);
          for (;;) {
            for (const term of ['ssim', 'cs', 'both'] as SsimTerm[]) {
              if (term !== 'ssim' && Math.min(x.width, x.height) <= 2 * o.pad) continue;
              results.push(pass.sums(x, y, term));
            }
            if (Math.min(x.width, x.height) / 2 < o.pad + 1) break;
            [x, y] = [pass.halve(x), pass.halve(y)];
            results.push(pass.values(x), pass.values(y));
          }
        }
      },
      { shortcut },
    );
  }
  return results;
}

test('src/metrics/metrics.wasm is what packages/eval/assembly/metrics builds (pnpm --filter @bgfill/eval run build:wasm)', async (t) => {
  const shipped = await readFile(new URL('../src/metrics/metrics.wasm', import.meta.url));
  const built = await buildKernel('asconfig.metrics.json', 'release');
  t.true(Buffer.from(built).equals(shipped), 'rebuild metrics.wasm: the AssemblyScript sources changed since it was built');
});

let checkedBuild: Promise<WebAssembly.Module> | undefined;
const checkedModule = () => (checkedBuild ??= buildKernel('asconfig.metrics.json', 'checked').then((b) => new WebAssembly.Module(Uint8Array.from(b))));

test('a build with every bounds check on gives the same sums, planes and differences as the shipped one', async (t) => {
  const checked = new MetricsKernel(await checkedModule());
  let values = 0;
  for (const p of pairs(60)) {
    const expected = everything(metricsKernel(), p);
    t.deepEqual(everything(checked, p), expected, p.name);
    values += expected.length;
  }
  t.log(`${values} sums and planes`);
});

test('one instance used for pairs of different sizes in turn gives what a fresh instance gives', async (t) => {
  const module = new WebAssembly.Module(await readFile(new URL('../src/metrics/metrics.wasm', import.meta.url)));
  const reused = new MetricsKernel(module);
  const all = pairs(16);
  for (const round of [1, 2]) {
    for (const p of all) t.deepEqual(everything(reused, p), everything(new MetricsKernel(module), p), `round ${round}: ${p.name}`);
  }
});

test('a failed check in the bounds-checked build is a BgfillError saying so, and the kernel works on afterwards', async (t) => {
  const checked = new MetricsKernel(await checkedModule());
  const image: RgbImage = { data: new Uint8Array(20 * 20 * 3).fill(3), width: 20, height: 20, channels: 3 };
  const o = resolveSsimOptions({});
  const error = t.throws(() => checked.ssimPass(image, image, o, gaussianWindow(11, 1.5), (pass) => {
    const [x, y] = pass.channel(0);
    // A plane taller than the pass was prepared for.
    return pass.sums({ ...x, width: 10, height: 40 }, { ...y, width: 10, height: 40 }, 'ssim');
  }));
  t.true(error instanceof BgfillError);
  t.regex(error.message, /^SSIM of a 20×20 pair failed in WebAssembly \(a check in the kernel failed\)/);
  const again = checked.ssimPass(image, image, o, gaussianWindow(11, 1.5), (pass) => pass.sums(...pass.channel(0), 'ssim'));
  t.deepEqual(again.ssim, { sum: 400, count: 400 });
});

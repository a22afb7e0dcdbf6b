// RFR-Net against the authors' own network and checkpoint at full size (../shared/reference/rfrnet, made with the
// authors' published code; not part of the repository): these tests run where that folder exists and are skipped
// (and counted) elsewhere. The parity rule: our float32 output within 2× PyTorch's own float32-vs-float64
// difference of the float64 output (fixture.json: 4.75e-6 for the output and the composite).
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { maskFromImage } from '@bgfill/masks';
import { initBackend } from '../src/backend/index.js';
import { architectureNamed, loadInpaintNet } from '../src/arch/registry.js';
import { UNIT_PIXELS } from '../src/inference/pixel-range.js';
import { OnnxEngine } from '../src/onnx/onnx-engine.js';
import type { InpaintNet } from '../src/arch/net.js';
import { diffStats, readNchwAsNhwc, sharedRfrReference } from './fixtures/rfrnet/load-fixture.js';

const dir = sharedRfrReference();
const run = dir ? test.serial : test.serial.skip;
const SIZE = 256;
/** One full-size forward pass is ~130 GMAC: about a minute on wasm on 2 idle cores, several on a loaded machine. */
const FULL_SIZE_TIMEOUT = 20 * 60_000;

interface Reference {
  image: Float32Array;
  hole: Float32Array;
  output: Float64Array;
  composite: Float64Array;
  u8: Uint8Array;
  bounds: { output: number; composite: number; u8Differing: number };
}

let reference: Reference;
let net: InpaintNet;

test.before(async () => {
  if (!dir) return;
  await initBackend('wasm');
  const fixture = JSON.parse(await readFile(join(dir, 'fixture.json'), 'utf8'));
  const own = fixture.max_abs_diff_fp32_vs_fp64;
  const known = await readNchwAsNhwc(dir, 'mask.f32', 'float32', 3, SIZE, SIZE);
  reference = {
    image: Float32Array.from(await readNchwAsNhwc(dir, 'image.f32', 'float32', 3, SIZE, SIZE)),
    hole: Float32Array.from({ length: SIZE * SIZE }, (_, p) => 1 - known[3 * p]),
    output: await readNchwAsNhwc(dir, 'output.f64', 'float64', 3, SIZE, SIZE),
    composite: await readNchwAsNhwc(dir, 'composite.f64', 'float64', 3, SIZE, SIZE),
    u8: new Uint8Array(await readFile(join(dir, 'composite_u8.u8'))),
    bounds: { output: 2 * own.output.max_abs, composite: 2 * own.composite.max_abs, u8Differing: 2 * own.composite_u8.pixels_differing },
  };
  net = await loadInpaintNet(join(dir, 'rfrnet.pth'));
});

test.after.always(() => net?.dispose());

run('the authors\' checkpoint is detected as RFR-Net (full width, 114 keys) and mask.png reads as the fixture\'s hole', async (t) => {
  t.is(net.arch, 'rfrnet');
  t.deepEqual(net.config, { width: 64, iterations: 6 });
  t.is(net.specs.length, 114);
  const mask = await maskFromImage(join(dir!, 'mask.png'));
  t.deepEqual([...mask.data], [...reference.hole], '255 = hole');
});

run('tfjs (wasm): the output and the composite within 2× PyTorch\'s float32 error; the 8-bit composite as save_image writes it', async (t) => {
  t.timeout(FULL_SIZE_TIMEOUT);
  const x = tf.tensor4d(reference.image, [1, SIZE, SIZE, 3]);
  const m = tf.tensor4d(reference.hole, [1, SIZE, SIZE, 1]);
  const out = net.apply(x, m);
  const composite = (await out.composite.data()) as Float32Array;
  for (const [name, values, want, bound] of [
    ['output', await out.refined.data(), reference.output, reference.bounds.output],
    ['composite', composite, reference.composite, reference.bounds.composite],
  ] as const) {
    const { max, mean } = diffStats(values, want);
    t.log(`wasm ${name}: max |diff| ${max.toExponential(2)} (mean ${mean.toExponential(2)}), bound ${bound.toExponential(2)}`);
    t.true(max <= bound, `${name}: ${max} > ${bound}`);
  }
  const u8 = UNIT_PIXELS.fromNet(composite);
  const differing = u8.reduce((n, v, i) => n + (v !== reference.u8[i] ? 1 : 0), 0);
  const worst = u8.reduce((w, v, i) => Math.max(w, Math.abs(v - reference.u8[i])), 0);
  t.log(`8-bit composite: ${differing} values differ from the authors' (max ${worst}); PyTorch float32 vs float64: ${reference.bounds.u8Differing / 2}`);
  t.true(worst <= 1 && differing <= reference.bounds.u8Differing, `${differing} differ`);
  tf.dispose([x, m, out]);
});

run('ONNX (onnxruntime): the output and the composite within 2× PyTorch\'s float32 error', async (t) => {
  t.timeout(FULL_SIZE_TIMEOUT);
  const arch = architectureNamed('rfrnet');
  const engine = await OnnxEngine.fromModel(await arch.exportOnnx(net, {}), arch.onnxIo(net), {});
  const input = { image: reference.image, mask: reference.hole, n: 1, height: SIZE, width: SIZE };
  for (const [name, output, want, bound] of [
    ['output', 'refined', reference.output, reference.bounds.output],
    ['composite', 'composite', reference.composite, reference.bounds.composite],
  ] as const) {
    const { max, mean } = diffStats(await engine.run(input, output), want);
    t.log(`onnx ${name}: max |diff| ${max.toExponential(2)} (mean ${mean.toExponential(2)}), bound ${bound.toExponential(2)}`);
    t.true(max <= bound, `${name}: ${max} > ${bound}`);
  }
  await engine.dispose();
});

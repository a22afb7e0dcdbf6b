// The authors' pre- and post-processing around U²-Net (u2net_test.py: RescaleT(320) with skimage, ToTensorLab,
// normPRED, Pillow's F→RGB conversion and BILINEAR resize), against values made by those libraries
// (test/fixtures/u2net/make_fixture.py: skimage 0.19.3, scipy 1.10.1, Pillow 9.4.0), and the whole photo → map path.
// The last tests use the authors' own fixture (/work/shared/reference/u2netp) where this machine has it.
import test from 'ava';
import { access, readFile } from 'node:fs/promises';
import * as tf from '@tensorflow/tfjs';
import '@tensorflow/tfjs-backend-wasm';
import { readRgbImage } from '@bgfill/eval';
import { loadOnnxRuntime } from '../src/onnx/onnx-runtime.js';
import { U2NET_OUTPUTS } from '../src/segment/u2net-architecture.js';
import { mapToU8, normPred, pilResizeBilinear } from '../src/segment/postprocess.js';
import { u2netInput } from '../src/segment/preprocess.js';
import { gaussianKernel } from '../src/segment/skimage-resize.js';
import { segmentPhotos } from '../src/segment/segment-photo.js';
import { onnxSegmenter, tfjsSegmenter, type Segmenter } from '../src/segment/segmenter.js';
import { loadU2NetWeights } from '../src/segment/u2net-weights.js';
import { maxAbs, nchwToNhwc, readRaw, readU2NetManifest, u2netFixture } from './fixtures/u2net/load-fixture.js';

const SHARED = '/work/shared/reference/u2netp/';
const hasShared = await access(`${SHARED}fixture.json`).then(
  () => true,
  () => false,
);
const sharedTest = hasShared ? test.serial : test.skip;

/** HWC → CHW (3 channels). */
function toChw(x: Float64Array, h: number, w: number): Float64Array {
  const out = new Float64Array(x.length);
  for (let p = 0; p < h * w; p++) for (let c = 0; c < 3; c++) out[c * h * w + p] = x[p * 3 + c];
  return out;
}

async function onnxNet(path: string, threads = 2): Promise<Segmenter> {
  const load = await loadOnnxRuntime();
  if (!load.ok) throw new Error(load.reason);
  return onnxSegmenter(await loadU2NetWeights(path), { runtime: load.runtime, threads });
}

/** Largest difference and how many values differ, for 8-bit maps. */
function u8Diff(a: Uint8Array, b: Uint8Array): { max: number; count: number } {
  let max = 0;
  let count = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (d > 0) count++;
    max = Math.max(max, d);
  }
  return { max, count };
}

test('preprocessing equals skimage resize + ÷ max + ImageNet mean/std: downscaled, upscaled and mixed axes', async (t) => {
  const photo = await readRgbImage(u2netFixture('photo.png'));
  const image = { data: photo.data, width: photo.width, height: photo.height, channels: 3 };
  const crop = new Uint8Array(24 * 40 * 3);
  for (let y = 0; y < 24; y++) crop.set(photo.data.subarray(y * 160 * 3, y * 160 * 3 + 40 * 3), y * 40 * 3);
  const cases = [
    ['down-40x56', image, 40, 56],
    ['mixed-100x50', image, 100, 50],
    ['up-60x64', { data: crop, width: 40, height: 24, channels: 3 }, 60, 64],
  ] as const;
  for (const [name, source, h, w] of cases) {
    const expected = await readRaw(u2netFixture(`preproc-${name}.f64`), 'f64');
    const diff = maxAbs(toChw(u2netInput(source, h, w), h, w), expected);
    t.true(diff < 1e-12, `${name}: ${diff}`);
  }
});

test("scipy's Gaussian kernel: radius ⌊4σ + 0.5⌋, sums to 1, none for σ = 0", (t) => {
  const k = gaussianKernel(0.5);
  t.is(k?.length, 5);
  t.true(Math.abs((k ?? new Float64Array()).reduce((a, b) => a + b, 0) - 1) < 1e-15);
  t.is(gaussianKernel(5.75)?.length, 2 * 23 + 1);
  t.is(gaussianKernel(0), null);
});

test('normPred and the 8-bit conversion: min → 0, max → 255, truncation as Pillow; a flat map gives zeros', (t) => {
  t.deepEqual([...mapToU8(normPred(Float32Array.of(0.25, 0.5, 0.75, 0.3)))], [0, 127, 255, 25]);
  t.deepEqual([...mapToU8(Float32Array.of(-0.1, 1.2, 0.999))], [0, 255, 254]);
  t.deepEqual([...normPred(Float32Array.of(0.4, 0.4))], [0, 0]);
});

test("Pillow's BILINEAR resize, exactly: the fixture's 320² map down to 160×90, a 40×30 piece up to 97×61, identity at the same size", async (t) => {
  const map320 = await readRaw(u2netFixture('pipeline-map320.u8'), 'u8');
  t.deepEqual(pilResizeBilinear(map320, 320, 320, 160, 90), await readRaw(u2netFixture('pipeline-map.u8'), 'u8'));
  const piece = new Uint8Array(30 * 40);
  for (let y = 0; y < 30; y++) piece.set(map320.subarray(y * 320, y * 320 + 40), y * 40);
  t.deepEqual(pilResizeBilinear(piece, 40, 30, 97, 61), await readRaw(u2netFixture('pil-upscale.u8'), 'u8'));
  t.deepEqual(pilResizeBilinear(map320, 320, 320, 320, 320), map320);
});

test.serial("photo → map on onnx: the authors' 8-bit map within 1 grey level (half-precision U2NETP, 320² network run)", async (t) => {
  const manifest = await readU2NetManifest();
  const net = await onnxNet(u2netFixture('u2netp-half.pth'));
  const photo = await readRgbImage(u2netFixture('photo.png'));
  const [map] = await segmentPhotos(net, [photo]);
  await net.dispose();
  t.is(map.width, 160);
  t.is(map.height, 90);
  t.true(Math.abs(map.peak - manifest.pipeline.d0_max) < 1e-4, `peak ${map.peak} vs ${manifest.pipeline.d0_max}`);
  const diff = u8Diff(map.data, await readRaw(u2netFixture('pipeline-map.u8'), 'u8'));
  t.true(diff.max <= 1, `max ${diff.max}`);
  t.log(`${diff.count} of ${map.data.length} pixels differ by 1 (PyTorch float32 vs float64: ${manifest.pipeline.map_f32_vs_f64.pixels})`);
});

test.serial('a batch of photos of different sizes gives the same maps as one at a time', async (t) => {
  await tf.setBackend('wasm');
  const net = tfjsSegmenter(await loadU2NetWeights(u2netFixture('u2netp-half.pth')));
  const photo = await readRgbImage(u2netFixture('photo.png'));
  const small = { data: photo.data.slice(0, 40 * 30 * 3), width: 40, height: 30 };
  const [alone] = await segmentPhotos(net, [small]);
  const batch = await segmentPhotos(net, [photo, small]);
  await net.dispose();
  t.deepEqual([batch[1].width, batch[1].height], [40, 30]);
  t.true(u8Diff(batch[1].data, alone.data).max <= 1);
  t.is(batch[0].data.length, 160 * 90);
});

sharedTest("authors' fixture: the preprocessing of their 640×360 photo equals input_preproc.f64", async (t) => {
  const photo = await readRgbImage(`${SHARED}photo.png`);
  const x = u2netInput({ data: photo.data, width: photo.width, height: photo.height, channels: 3 });
  const diff = maxAbs(toChw(x, 320, 320), await readRaw(`${SHARED}input_preproc.f64`, 'f64'));
  t.true(diff < 1e-12, `${diff}`);
});

sharedTest("authors' fixture: every side output at 320² within 2× PyTorch's float32 distance, on onnx and tfjs-wasm", async (t) => {
  const fixture = JSON.parse(await readFile(`${SHARED}fixture.json`, 'utf8')) as { max_abs_diff_fp32_vs_fp64: Record<string, { max_abs: number }> };
  const x = nchwToNhwc(await readRaw(`${SHARED}input.f32`, 'f32'), 1, 3, 320, 320);
  await tf.setBackend('wasm');
  const nets: Array<[string, Segmenter]> = [
    ['onnx', await onnxNet(`${SHARED}u2netp.pth`)],
    ['wasm', tfjsSegmenter(await loadU2NetWeights(`${SHARED}u2netp.pth`))],
  ];
  for (const [label, net] of nets) {
    const outputs = await net.run({ data: x, n: 1, height: 320, width: 320 }, U2NET_OUTPUTS);
    for (const [k, name] of U2NET_OUTPUTS.entries()) {
      const diff = maxAbs(outputs[k], await readRaw(`${SHARED}${name}.f64`, 'f64'));
      const torch = fixture.max_abs_diff_fp32_vs_fp64[name].max_abs;
      t.true(diff <= 2 * torch, `${label} ${name}: ${diff.toExponential(2)} > 2 × ${torch.toExponential(2)}`);
      t.log(`${label} ${name}: ${(diff / torch).toFixed(2)} × PyTorch's float32 distance`);
    }
    await net.dispose();
  }
});

sharedTest("authors' fixture: photo → map within 1 grey level of their map_u8 (onnx)", async (t) => {
  const net = await onnxNet(`${SHARED}u2netp.pth`);
  const [map] = await segmentPhotos(net, [await readRgbImage(`${SHARED}photo.png`)]);
  await net.dispose();
  const rgb = await readRaw(`${SHARED}map_u8.u8`, 'u8');
  const diff = u8Diff(map.data, rgb.filter((_, i) => i % 3 === 0));
  t.true(diff.max <= 1, `max ${diff.max}`);
  t.log(`${diff.count} of ${map.data.length} pixels differ by 1 (PyTorch float32 vs float64: 515)`);
});

sharedTest("authors' fixture: their float32 d0 through the post-processing gives their maps exactly", async (t) => {
  const map320 = mapToU8(normPred(await readRaw(`${SHARED}d0.f32`, 'f32')));
  t.deepEqual(map320, await readRaw(`${SHARED}map320_u8.u8`, 'u8'));
  const rgb = await readRaw(`${SHARED}map_u8.u8`, 'u8');
  t.deepEqual(pilResizeBilinear(map320, 320, 320, 640, 360), rgb.filter((_, i) => i % 3 === 0));
});

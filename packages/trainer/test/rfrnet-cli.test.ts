// The commands with RFR-Net: `bgfill inpaint` (architecture detected from the authors' checkpoint layout),
// `bgfill export onnx`, and --arch refusals through the real CLI.
import test from 'ava';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import sharp from 'sharp';
import { BgfillError } from '@bgfill/core';
import { readRgbImage } from '@bgfill/eval';
import { maskFromImage } from '@bgfill/masks';
import { initBackend } from '../src/backend/index.js';
import { loadInpaintNet } from '../src/arch/registry.js';
import { inpaint } from '../src/inference/inpaint.js';
import { runInpaintCommand } from '../src/inference/run-inpaint.js';
import { decodeOnnxModel } from '../src/onnx/onnx-proto.js';
import { runExportOnnxCommand } from '../src/onnx/run-export.js';
import { rfrFixturePath } from './fixtures/rfrnet/load-fixture.js';
import { runCli, tempDir } from './train-helpers.js';

const CHECKPOINT = rfrFixturePath('rfrnet-w8.pth');

test.before(async () => {
  await initBackend('wasm');
});

async function photoAndMask(dir: string, width: number, height: number): Promise<{ image: string; mask: string }> {
  const pixels = Buffer.alloc(width * height * 3);
  for (let p = 0; p < pixels.length; p++) pixels[p] = (p * 7 + (p >> 5)) % 256;
  const hole = Buffer.alloc(width * height);
  for (let y = 8; y < height - 10; y++) for (let x = 12; x < width - 9; x++) hole[y * width + x] = 255;
  const image = join(dir, 'photo.png');
  const mask = join(dir, 'mask.png');
  await sharp(pixels, { raw: { width, height, channels: 3 } }).png().toFile(image);
  await sharp(hole, { raw: { width, height, channels: 1 } }).png().toFile(mask);
  return { image, mask };
}

test.serial('bgfill inpaint with the authors\' checkpoint layout: RFR-Net detected, any size (padded to 16), onnx and wasm agree with inpaint()', async (t) => {
  const dir = await tempDir('rfr-inpaint');
  const { image, mask } = await photoAndMask(dir, 45, 38);
  const net = await loadInpaintNet(CHECKPOINT);
  const expected = await inpaint(net, await readRgbImage(image), await maskFromImage(mask));
  net.dispose();
  for (const backend of ['wasm', 'onnx'] as const) {
    const out = join(dir, `${backend}.png`);
    const lines: string[] = [];
    await runInpaintCommand({ checkpoint: CHECKPOINT, image, mask, out, backend, progress: false }, (l) => lines.push(l));
    const written = await readRgbImage(out);
    t.is(written.width, 45);
    let worst = 0;
    for (let i = 0; i < expected.data.length; i++) worst = Math.max(worst, Math.abs(written.data[i] - expected.data[i]));
    t.true(worst <= (backend === 'wasm' ? 0 : 1), `${backend}: 8-bit values differ by up to ${worst}`);
  }
  await t.throwsAsync(runInpaintCommand({ checkpoint: CHECKPOINT, arch: 'inpaintsanet', image, mask, out: join(dir, 'x.png'), backend: 'wasm', progress: false }, () => {}), {
    instanceOf: BgfillError,
    message: /rfrnet-w8\.pth: its keys fit rfrnet \(RFR-Net.*\), sharing 96 of its 96 keys, not inpaintsanet \(sharing 0 of its \d+ keys\): leave out --arch or give --arch rfrnet$/,
  });
});

test.serial('bgfill export onnx writes RFR-Net (checked against tfjs), named by state_dict keys, with its inputs and outputs', async (t) => {
  const out = join(await tempDir('rfr-export'), 'rfrnet.onnx');
  const lines: string[] = [];
  const summary = await runExportOnnxCommand({ checkpoint: CHECKPOINT, out }, (l) => lines.push(l));
  t.true('maxAbsDiff' in summary.check && summary.check.maxAbsDiff < 1e-5, JSON.stringify(summary.check));
  t.regex(lines.join('\n'), /wrote .*rfrnet\.onnx .*RFR-Net \(width 8, 6 recurrences\), opset 17/);
  const model = decodeOnnxModel(new Uint8Array(await readFile(out)));
  t.deepEqual(model.graph.inputs.map((i) => i.name), ['image', 'mask']);
  t.deepEqual(model.graph.outputs.map((o) => o.name), ['output', 'composite']);
  t.is(model.metadata['bgfill.arch'], 'rfrnet');
  const names = new Set(model.graph.initializers.map((i) => i.name));
  for (const key of ['Pconv1.weight', 'RFRModule.att.att.ratio', 'tail2.bn3.running_var', 'out.weight']) t.true(names.has(key), key);
});

test.serial('an unknown --arch is refused by every command, naming the nearest (exit code 2)', async (t) => {
  for (const args of [
    ['inpaint', '--arch', 'rfr', '--checkpoint', CHECKPOINT, '--image', 'x.png', '--mask', 'm.png', '--out', 'o.png'],
    ['export', 'onnx', '--arch', 'rfr', '--checkpoint', CHECKPOINT, '--out', 'o.onnx'],
    ['train', '--arch', 'rfr', '--data', 'nowhere', '--out', join(await tempDir('rfr-arch'), 'run')],
    ['eval', '--arch', 'rfr', '--run', 'nowhere', '--data', 'nowhere'],
  ]) {
    const r = await runCli(args);
    t.is(r.code, 2, `${args[0]}: ${r.stderr}`);
    t.regex(r.stderr, /Expected one of inpaintsanet, rfrnet \(nearest: rfrnet\) for --arch but received "rfr"/, args[0]);
  }
});

// The person-removal flow a new user runs, end to end through the real `bgfill` binary (issues 14 and 15): segment a
// folder of photos with U²-Net, build a bank of outlines from the maps, preview masks drawn from it, train with
// person-bank masks whose dilation ramps over the epochs, then remove the person from a photo larger than the net in
// one command (`inpaint --segment`). The U²-NetP weights are the test fixture's (random, batch-norm statistics from
// real photos), so the "people" are whatever that net segments; the point is that every stage reads the last one's
// output and does what it says.
import test from 'ava';
import { execFile } from 'node:child_process';
import { copyFile, mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import sharp from 'sharp';

const REPO = fileURLToPath(new URL('../', import.meta.url));
const BGFILL = join(REPO, 'packages/cli/bin/bgfill.js');
const U2NETP = join(REPO, 'packages/trainer/test/fixtures/u2net/u2netp-half.pth');
const run = promisify(execFile);

async function bgfill(cwd: string, ...args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [BGFILL, ...args], { cwd, env: { ...process.env, CI: '1' }, maxBuffer: 64 << 20 });
}

test('segment → bank → preview → train with a ramped person-bank recipe → inpaint --segment on a large photo', async (t) => {
  t.timeout(600_000);
  const dir = await mkdtemp(join(tmpdir(), 'bgfill-flow-'));
  try {
    const photos = join(dir, 'photos');
    await mkdir(photos);
    const scenes = (await readdir(join(REPO, 'samples/scenes'))).filter((n) => n.endsWith('.jpg')).sort().slice(9, 15);
    for (const name of scenes) await copyFile(join(REPO, 'samples/scenes', name), join(photos, name));

    // 1. Maps, as the authors' script writes them: one PNG per photo, at the photo's size.
    const seg = JSON.parse((await bgfill(dir, 'segment', '--checkpoint', U2NETP, '--image', 'photos', '--out', 'maps', '--backend', 'onnx', '--json')).stdout) as { written: string[] };
    t.is(seg.written.length, scenes.length);
    const map = await sharp(join(dir, 'maps', scenes[0].replace(/\.jpg$/, '.png'))).metadata();
    t.deepEqual([map.width, map.height], [256, 256]);

    // 2. A bank of the maps' outlines.
    const bank = JSON.parse((await bgfill(dir, 'masks', 'bank', 'build', '--maps', 'maps', '--threshold', '0.1', '--out', 'bank', '--json')).stdout) as { outlines: number; sha256: string };
    t.true(bank.outlines > 0, 'outlines kept');

    // 3. A preview of the recipe at the start of training, and the same recipe's masks as files.
    const recipe = 'person-bank:bank/(dilate=ramp(2,10,0,2))+scribble:0-3';
    await bgfill(dir, 'masks', 'preview', '--masks', recipe, '--progress', '0', '--count', '8', '--size', '64', '--out', 'sheet.png');
    t.is((await sharp(join(dir, 'sheet.png')).metadata()).format, 'png');

    // 4. Train with the ramp: the log names the recipe at each epoch, with LaMa's linear ramp (2 → 10 over epochs 0 … 2).
    await bgfill(dir, 'dataset', 'build', '--input', 'photos', '--size', '64', '--split-ratios', 'train=0.67,val=0.33', '--masks', 'person-box', '--out', 'bundle', '--no-progress');
    const trained = await bgfill(dir, 'train', '--data', 'bundle', '--out', 'run', '--epochs', '2', '--steps-per-epoch', '1', '--batch-size', '2', '--cnum', '4', '--d-cnum', '8', '--backend', 'wasm', '--masks', recipe, '--no-progress', '--json');
    t.regex(trained.stderr, /masks for epoch 1: person-bank:bank\/\(dilate=2\)\+scribble:0-3/);
    t.regex(trained.stderr, /masks for epoch 2: person-bank:bank\/\(dilate=6\)\+scribble:0-3/);
    const config = JSON.parse(await readFile(join(dir, 'run', 'config.json'), 'utf8')) as { maskBanks?: Record<string, string> };
    t.deepEqual(config.maskBanks, { 'bank/': bank.sha256 }, 'the training config records the bank digest');

    // 5. One command removes the person from a photo larger than the net's working size.
    await sharp(join(photos, scenes[0])).resize(720, 540).jpeg().toFile(join(dir, 'large.jpg'));
    const filled = JSON.parse(
      (await bgfill(dir, 'inpaint', '--checkpoint', 'run/epoch-0002', '--segment', U2NETP, '--threshold', '0.1', '--dilate', '10', '--image', 'large.jpg', '--out', 'large-filled.png', '--save-mask', 'large-hole.png', '--backend', 'onnx', '--json')).stdout,
    ) as { written: string[]; failed: unknown[] };
    t.deepEqual(filled.failed, []);
    const out = await sharp(join(dir, 'large-filled.png')).raw().toBuffer({ resolveWithObject: true });
    const input = await sharp(join(dir, 'large.jpg')).removeAlpha().raw().toBuffer();
    const hole = await sharp(join(dir, 'large-hole.png')).greyscale().raw().toBuffer({ resolveWithObject: true });
    t.deepEqual([out.info.width, out.info.height, hole.info.width, hole.info.height], [720, 540, 720, 540]);
    let changedOutside = 0;
    let holePixels = 0;
    for (let p = 0; p < 720 * 540; p++) {
      if (hole.data[p] > 127) holePixels++;
      else if (out.data[3 * p] !== input[3 * p] || out.data[3 * p + 1] !== input[3 * p + 1] || out.data[3 * p + 2] !== input[3 * p + 2]) changedOutside++;
    }
    t.true(holePixels > 0, 'the segmenter found something to remove');
    t.is(changedOutside, 0, 'no pixel outside the hole changes');
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});

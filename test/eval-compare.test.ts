// The fine-tuning question end to end, at toy size: `bgfill demo --init` fine-tunes from a PyTorch .pth (a state_dict
// written by torch.save), its eval scores that .pth as epoch 0 ("start") beside a Telea fill; then `bgfill eval --run`
// adds compare nets in every format bgfill loads (.pth, bgfill checkpoint, plain safetensors, an epoch folder) and
// reads, in the report's first line and findings, whether and where fine-tuning helped.
import test from 'ava';
import { execFile } from 'node:child_process';
import { access, mkdir, mkdtemp, readFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { chromium } from 'playwright-core';
import { readBundle } from '@bgfill/dataset';
import { pairMetrics } from '@bgfill/eval';
import { createPredictor, generatorWeights, initBackend, InpaintGenerator, saveGeneratorCheckpoint, writeSafetensors } from '@bgfill/trainer';

const run = promisify(execFile);
const bin = fileURLToPath(new URL('../packages/cli/bin/bgfill.js', import.meta.url));
const PARITY = fileURLToPath(new URL('../packages/trainer/test/fixtures/parity/', import.meta.url));
const CHROMIUM = process.env.BGFILL_CHROMIUM ?? '/usr/bin/chromium';

async function bgfill(args: string[]): Promise<{ stdout: string; stderr: string }> {
  return run(process.execPath, [bin, ...args], { maxBuffer: 1 << 24, env: { ...process.env, CI: '1' } });
}

test('fine-tune from a .pth, then eval --run with compare nets of every format and a Telea baseline', async (t) => {
  const root = await mkdtemp(join(tmpdir(), 'bgfill-eval-compare-'));
  const out = join(root, 'demo');
  const pth = join(PARITY, 'main.pth'); // InpaintSANet(cnum=8).state_dict() saved by torch.save
  const demo = await bgfill(['demo', '--out', out, '--size', '32', '--epochs', '2', '--steps-per-epoch', '1', '--batch-size', '2', '--backend', 'wasm', '--init', pth]);
  t.regex(demo.stdout, /\[3\/4\] train: fine-tune from .*main\.pth/);
  t.regex(demo.stdout, /Done\. Best epoch: [12]\. epoch [12]: hole L1 [−+]?\d\.\d{4} \(95 % CI .*\) against the start, better on \d+ % of \d+ records/);
  const config = JSON.parse(await readFile(join(out, 'run', 'config.json'), 'utf8'));
  t.is(config.init, pth);
  t.is(config.generator.cnum, 8, 'the width comes from the .pth');
  const demoScores = JSON.parse(await readFile(join(out, 'run', 'eval', 'scores.json'), 'utf8'));
  t.deepEqual(demoScores.others.map((o: { name: string }) => o.name), ['start', 'telea']);
  t.is(demoScores.start.checkpoint, pth);

  // Compare nets in each format bgfill loads, made here: a bgfill checkpoint, plain safetensors (no bgfill metadata),
  // an epoch folder of another run, and a second PyTorch .pth.
  await initBackend('cpu');
  const nets = join(root, 'nets');
  await mkdir(join(nets, 'other-run', 'epoch-0003'), { recursive: true });
  const make = async (seed: number, write: (g: InpaintGenerator) => Promise<void>) => {
    const g = new InpaintGenerator({ cnum: 4 }, { seed });
    try {
      await write(g);
    } finally {
      g.dispose();
    }
  };
  await make(11, (g) => saveGeneratorCheckpoint(join(nets, 'bgfill.safetensors'), g));
  await make(12, async (g) => writeSafetensors(join(nets, 'plain.safetensors'), await generatorWeights(g)));
  await make(13, (g) => saveGeneratorCheckpoint(join(nets, 'other-run', 'epoch-0003', 'generator.safetensors'), g));
  const compare = { pth: join(PARITY, 'variant-gct.pth'), bgfill: join(nets, 'bgfill.safetensors'), plain: join(nets, 'plain.safetensors'), folder: join(nets, 'other-run', 'epoch-0003') };
  const evalOut = join(root, 'eval');
  const args = ['eval', '--run', join(out, 'run'), '--data', join(out, 'bundle'), '--out', evalOut, '--backend', 'wasm', '--baseline', 'telea', '--grid-epochs', 'start,best,telea,folder', '--grid-crop', 'hole'];
  for (const [name, path] of Object.entries(compare)) args.push('--compare', `${name}=${path}`);
  const { stderr } = await bgfill(args);
  t.regex(stderr, /against the start, better on \d+ % of \d+ records/);

  const scores = JSON.parse(await readFile(join(evalOut, 'scores.json'), 'utf8'));
  t.deepEqual(scores.skipped, []);
  t.deepEqual(scores.others.map((o: { name: string; kind: string }) => `${o.kind}:${o.name}`), ['start:start', 'compare:pth', 'compare:bgfill', 'compare:plain', 'compare:folder', 'baseline:telea']);
  // Each compare row holds that net's scores on these very records and masks (computed here through the same loader).
  const records = [];
  for await (const ex of readBundle(join(out, 'bundle'), { split: 'val' })) records.push(ex);
  const withHole = records.filter((r) => r.holeRatio! > 0);
  t.is(scores.holeless, records.length - withHole.length);
  for (const [name, path] of Object.entries(compare)) {
    const predictor = await createPredictor(path, { backend: 'wasm' });
    let sum = 0;
    for (const r of withHole) {
      const [filled] = await predictor.predict({ images: [r.image], masks: [r.mask!] });
      sum += pairMetrics(filled, r.image, r.mask, { msssim: { scales: 3 } }).l1Hole!;
    }
    predictor.dispose();
    const row = scores.others.find((o: { name: string }) => o.name === name);
    t.true(Math.abs(row.all.metrics.l1Hole.mean - sum / withHole.length) < 1e-9, name);
  }

  // Whether and where fine-tuning helped, in words: the first line, per-bin findings, the best epoch against Telea.
  const best = JSON.parse(await readFile(join(evalOut, 'best.json'), 'utf8'));
  t.is(best.reference.row, 'start');
  t.is(typeof best.difference.l1Hole.excludesZero, 'boolean');
  t.true(best.difference.l1Hole.lo <= best.difference.l1Hole.mean && best.difference.l1Hole.mean <= best.difference.l1Hole.hi);
  const findings: string[] = scores.statistics.findings;
  t.true(findings.some((f) => /^epoch \d against Telea: hole L1 /.test(f)));
  t.true(findings.some((f) => /^By hole ratio \(hole L1 against the start\): /.test(f)));

  const report = join(evalOut, 'report.html');
  try {
    await access(CHROMIUM);
  } catch {
    t.fail(`Chromium is needed to open the report but ${CHROMIUM} does not exist: install it (apt-get install chromium) or set BGFILL_CHROMIUM`);
    return;
  }
  const context = await chromium.launchPersistentContext(join(root, 'chromium-profile'), { executablePath: CHROMIUM, headless: true, args: ['--headless', '--no-sandbox', '--disable-gpu', '--no-first-run'] });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const errors: string[] = [];
  page.on('console', (m) => (m.type() === 'error' ? errors.push(m.text()) : undefined));
  page.on('pageerror', (e) => errors.push(e.message));
  await page.goto(pathToFileURL(report).href, { waitUntil: 'load' });
  t.is(await page.$eval('body', (b) => b.firstElementChild?.textContent), scores.statistics.summary);
  t.deepEqual(await page.$$eval('#differences-table tbody tr', (trs) => trs.map((r) => r.getAttribute('data-row'))), ['1', '2', 'pth', 'bgfill', 'plain', 'folder', 'telea']);
  t.regex((await page.textContent('figure:has(#grid-image) figcaption')) ?? '', /start · epoch \d \(best\) · Telea · folder · ground truth/);
  t.true(await page.$eval('#grid-image', (img) => (img as HTMLImageElement).naturalWidth > 0));
  t.deepEqual(errors, []);
});

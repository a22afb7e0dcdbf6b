// Issue 7: the HTML report opened from disk in headless Chromium (Debian's /usr/bin/chromium through playwright-core):
// every image loads, the best epoch is marked in the table, the plot renders with a point per epoch, the console
// stays clean (a fetch blocked by the report's Content-Security-Policy would show there), and a screenshot is kept
// as a test artefact (test-artifacts/report.png). Without Chromium the test fails, saying how to install it.
import test from 'ava';
import { access, mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { chromium } from 'playwright-core';
import { scoreRun } from '../src/score-run.js';
import { buildTinyBundle, fakePredictorFactory, tempDir, writeCheckpoint } from './score-fixtures.js';

const CHROMIUM = process.env.BGFILL_CHROMIUM ?? '/usr/bin/chromium';
const ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];
const ARTIFACTS = fileURLToPath(new URL('../../../test-artifacts/', import.meta.url));

async function chromiumMissing(t: { fail(message: string): void }): Promise<boolean> {
  try {
    await access(CHROMIUM);
    return false;
  } catch {
    t.fail(`Chromium is needed for the report browser test but ${CHROMIUM} does not exist: install it (apt-get install chromium) or set BGFILL_CHROMIUM to its path`);
    return true;
  }
}

test('report.html in headless Chromium: images load, best epoch marked, plot drawn per epoch, no console errors', async (t) => {
  if (await chromiumMissing(t)) return;
  const root = await tempDir(t);
  const bundle = await buildTinyBundle(join(root, 'bundle'), { pattern: '00[1-6]-*.jpg' });
  const run = join(root, 'run');
  const blur: Record<number, number> = { 1: 3, 2: 1.2, 3: 0.8, 4: 2 }; // σ ≤ 0.5 leaves 8-bit pixels unchanged in libvips
  for (const [epoch, sigma] of Object.entries(blur)) await writeCheckpoint(run, Number(epoch), { blur: sigma });
  await writeCheckpoint(run, 5, 'damaged');
  const result = await scoreRun({ run, data: bundle, loadPredictor: fakePredictorFactory().factory, gridSamples: 3 });
  t.is(result.best.epoch, 3);

  const context = await chromium.launchPersistentContext(join(root, 'chromium-profile'), { executablePath: CHROMIUM, headless: true, args: ARGS });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  const requests: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  page.on('request', (request) => requests.push(request.url()));
  const url = pathToFileURL(result.files.report!).href;
  const response = await page.goto(url, { waitUntil: 'load' });
  t.truthy(response);

  // Every image has decoded (naturalWidth > 0); the grid is the size of the PNG written beside the report.
  const images = await page.$$eval('img', (els) => els.map((el) => ({ id: el.id, complete: el.complete, width: el.naturalWidth, height: el.naturalHeight })));
  t.true(images.length >= 1);
  for (const image of images) t.true(image.complete && image.width > 0 && image.height > 0, `image ${image.id} loaded`);
  const { default: sharp } = await import('sharp');
  const grid = await sharp(result.files.grid!).metadata();
  t.deepEqual(
    images.filter((i) => i.id === 'grid-image').map((i) => [i.width, i.height]),
    [[grid.width, grid.height]],
  );

  // The best epoch is marked in the table, and only it.
  const best = await page.$$eval('#scores-table tbody tr.best', (rows) => rows.map((r) => ({ epoch: r.getAttribute('data-epoch'), text: r.textContent ?? '' })));
  t.deepEqual(best.map((b) => b.epoch), ['3']);
  t.true(best[0].text.includes('★ best'));
  t.is(await page.textContent('#best-epoch'), '3');
  const rows = await page.$$eval('#scores-table tbody tr', (trs) => trs.map((r) => r.getAttribute('data-epoch')));
  t.deepEqual(rows, ['1', '2', '3', '4']);
  const highlighted = await page.$eval('#scores-table tbody tr.best td', (td) => getComputedStyle(td).backgroundColor);
  const plain = await page.$eval('#scores-table tbody tr:not(.best) td', (td) => getComputedStyle(td).backgroundColor);
  t.not(highlighted, plain);

  // The plot: an inline SVG laid out on the page, with a point per epoch for each metric and a line per metric.
  const plot = await page.$eval('#plot-figure svg', (svg) => {
    const box = svg.getBoundingClientRect();
    const points = Array.from(svg.querySelectorAll('path[aria-label^="epoch: "]')).map((p) => p.getAttribute('aria-label') ?? '');
    const lines = Array.from(svg.querySelectorAll('.mark-line path')).filter((p) => (p.getAttribute('d') ?? '').length > 10).length;
    return { width: box.width, height: box.height, points, lines };
  });
  t.true(plot.width > 300 && plot.height > 200);
  for (const epoch of [1, 2, 3, 4]) {
    t.is(plot.points.filter((p) => new RegExp(`^epoch: ${epoch}; mean: [^;]+; metric: `).test(p)).length, 6, `epoch ${epoch} points`);
  }
  t.is(plot.lines, 6);

  // The damaged checkpoint is listed; nothing was fetched but the page itself; the console is clean.
  t.regex((await page.textContent('#skipped + ul')) ?? '', /epoch 5/);
  t.deepEqual(requests.filter((r) => !r.startsWith('data:')), [url]);
  t.deepEqual(consoleErrors, []);

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'report.png'), fullPage: true });
  await access(join(ARTIFACTS, 'report.png'));
});

test('report.html with a start, a compare net and baselines: the sentence comes first, every new section renders', async (t) => {
  if (await chromiumMissing(t)) return;
  const root = await tempDir(t);
  // 19 scenes, 5 of them drawn without a hole: 14 records to compare, enough for the report's words to judge.
  const bundle = await buildTinyBundle(join(root, 'bundle'), { pattern: '0[01][0-9]-*.jpg', recipe: 'person-box*0.7|scribble:0*0.3' });
  const run = join(root, 'run');
  for (const [epoch, sigma] of Object.entries({ 1: 3, 2: 0.8 })) await writeCheckpoint(run, Number(epoch), { blur: sigma });
  const start = join(root, 'start.safetensors');
  await writeFile(start, JSON.stringify({ blur: 4 }));
  await writeFile(join(run, 'config.json'), JSON.stringify({ init: start }));
  const other = join(root, 'other.pth');
  await writeFile(other, JSON.stringify({ blur: 1.5 }));
  const result = await scoreRun({
    run,
    data: bundle,
    loadPredictor: fakePredictorFactory().factory,
    compare: [`other=${other}`],
    baselines: 'telea,ns',
    gridSamples: 2,
    gridEpochs: 'start,best,other,telea',
    gridCrop: 'hole',
    bootstrap: 400,
  });

  const context = await chromium.launchPersistentContext(join(root, 'chromium-profile'), { executablePath: CHROMIUM, headless: true, args: ARGS });
  t.teardown(() => context.close());
  const page = await context.newPage();
  const consoleErrors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error' || message.type() === 'warning') consoleErrors.push(`${message.type()}: ${message.text()}`);
  });
  page.on('pageerror', (error) => consoleErrors.push(`page error: ${error.message}`));
  await page.goto(pathToFileURL(result.files.report!).href, { waitUntil: 'load' });

  // The first thing on the page is the sentence, in words.
  const first = await page.$eval('body', (body) => ({ id: body.firstElementChild?.id, text: body.firstElementChild?.textContent ?? '' }));
  t.is(first.id, 'summary');
  t.is(first.text, result.statistics.sentence);
  t.regex(first.text, /^epoch 2: hole L1 −0\.\d{4} \(95 % CI .* … .*\) against the start, better on \d+ % of 14 records: a clear improvement\.$/);
  const findings = await page.$$eval('#findings li', (lis) => lis.map((li) => li.textContent ?? ''));
  t.true(findings.some((f) => /^epoch 2 against Telea: /.test(f)));
  t.true(findings.some((f) => /^5 of 19 records have no hole/.test(f)));

  // Every row is in the scores table; the statistics tables have a row per compared row, coloured where clear.
  t.deepEqual(await page.$$eval('#scores-table tbody tr', (trs) => trs.map((r) => r.getAttribute('data-row') ?? r.getAttribute('data-epoch'))), ['start', '1', '2', 'other', 'telea', 'ns']);
  t.deepEqual(await page.$$eval('#differences-table tbody tr', (trs) => trs.map((r) => r.getAttribute('data-row'))), ['1', '2', 'other', 'telea', 'ns']);
  const clear = await page.$eval('#differences-table tr[data-row="2"] td[data-metric="l1Hole"]', (td) => ({ cls: td.className, bg: getComputedStyle(td).backgroundColor }));
  t.is(clear.cls, 'better');
  t.not(clear.bg, 'rgba(0, 0, 0, 0)');
  t.true((await page.$$('#bin-differences-table tbody tr')).length === 5);
  t.deepEqual(await page.$$eval('#best-against-table tbody tr', (trs) => trs.map((r) => r.getAttribute('data-row'))), ['other', 'telea', 'ns']);
  t.regex((await page.textContent('#start')) ?? '', /start\.safetensors/);
  t.regex((await page.textContent('#holeless')) ?? '', /5 without a hole/);
  t.is(await page.textContent('#reference'), 'start');

  // The plot has the other rows as reference lines; the hole-crop grid loads at its PNG's size.
  const rules = await page.$$eval('#plot-figure svg .mark-rule [aria-label*="; row: "]', (paths) => paths.map((p) => p.getAttribute('aria-label') ?? ''));
  for (const row of ['start', 'other', 'Telea', 'Navier–Stokes']) t.is(rules.filter((r) => r.includes(`; row: ${row}; metric: `)).length, 6, row);
  const image = await page.$eval('#grid-image', (img) => ({ complete: (img as HTMLImageElement).complete, width: (img as HTMLImageElement).naturalWidth }));
  const { default: sharp } = await import('sharp');
  t.true(image.complete);
  t.is(image.width, (await sharp(result.files.grid!).metadata()).width);
  t.regex((await page.textContent('#grid + figure figcaption, figure:has(#grid-image) figcaption')) ?? '', /cropped to its hole and enlarged; columns: masked input · start · epoch 2 \(best\) · other · Telea · ground truth/);
  t.deepEqual(consoleErrors, []);

  await mkdir(ARTIFACTS, { recursive: true });
  await page.screenshot({ path: join(ARTIFACTS, 'report-compare.png'), fullPage: true });
});

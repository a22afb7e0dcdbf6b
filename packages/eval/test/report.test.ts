// The report's parts on their own: CSV / Markdown tables, the vega-lite plot, the comparison grid (pixel-exact
// placement), grid column selection, the HTML page, non-finite JSON numbers and the cache key.
import test from 'ava';
import sharp from 'sharp';
import * as vl from 'vega-lite';
import { BgfillError, rngFor } from '@bgfill/core';
import { holeRatioBin } from '@bgfill/masks';
import { chooseBestEpoch } from '../src/best.js';
import { scoreCacheKey, type ScoreCacheIdentity } from '../src/cache.js';
import { cellOrigin, gridGeometry, maskedInput, renderComparisonGrid, wrapLabel } from '../src/grid.js';
import { gridEpochLabel, parseGridEpochs, resolveGridEpochs } from '../src/grid-epochs.js';
import type { RgbImage } from '../src/metrics/image.js';
import { metricPlotSpec, plotPoints, renderSvg, svgToPng } from '../src/plot.js';
import { escapeHtml, renderReportHtml, type ReportContent } from '../src/report.js';
import type { ImageScore } from '../src/score-checkpoint.js';
import { encodeNonFinite, jsonNumber } from '../src/score-json.js';
import { SCORE_METRICS, summarizeEpoch, type EpochScores } from '../src/score-summary.js';
import { formatImagesCsv, formatMeanStd, formatScoresCsv, formatScoresMarkdown } from '../src/table.js';
import { parseCsv } from './score-fixtures.js';

/** Synthetic per-record scores for an epoch: quality improves with the epoch, except epoch 4 which is worse. */
function images(epoch: number, n = 12): ImageScore[] {
  const rng = rngFor('report-test', epoch);
  return Array.from({ length: n }, (_, i) => {
    const holeRatio = 0.03 + (i % 6) * 0.1;
    const q = epoch === 4 ? 1 : epoch;
    const score: ImageScore = {
      index: i,
      key: `rec-${i}`,
      holeRatio,
      bin: holeRatioBin(holeRatio),
      l1: 0.05 / q + rng.uniform(0, 0.005),
      psnr: i === 0 && epoch === 3 ? Infinity : 20 + q + rng.uniform(0, 1),
      ssim: 0.7 + 0.03 * q,
      msssim: 0.8 + 0.03 * q + rng.uniform(0, 0.01),
    };
    if (i !== 5) {
      score.l1Hole = 0.2 / q;
      score.psnrHole = 14 + q;
    }
    return score;
  });
}

const EPOCHS: EpochScores[] = [1, 2, 3, 4].map((e) => summarizeEpoch(e, `epoch-000${e}/generator.safetensors`, `digest-${e}`, images(e)));

test('scores.csv: a row per epoch and non-empty bin, quoted bin labels, inf for infinite PSNR, hole counts', (t) => {
  const rows = parseCsv(formatScoresCsv(EPOCHS, 3));
  const bins = Object.keys(EPOCHS[0].bins);
  t.is(rows.length, 4 * (1 + bins.length));
  t.deepEqual(rows.filter((r) => r.epoch === '1').map((r) => r.group), ['all', ...bins]);
  t.true(formatScoresCsv(EPOCHS, 3).includes('"(0.01,0.1]"'));
  const all3 = rows.find((r) => r.epoch === '3' && r.group === 'all')!;
  t.is(all3.best, '1');
  t.is(Number(all3.images), 12);
  t.is(all3.psnr_infinite, '1');
  t.is(Number(all3.psnr_mean), EPOCHS[2].all.metrics.psnr.mean); // the mean leaves the infinite one out
  t.is(all3.l1_hole_n, '11'); // record 5 has no hole metrics
  t.is(Number(all3.msssim_std), EPOCHS[2].all.metrics.msssim.std);
  const perImage = parseCsv(formatImagesCsv([{ epoch: 3, images: images(3) }]));
  t.is(perImage.length, 12);
  t.is(perImage[0].psnr, 'inf');
  t.is(perImage[5].l1_hole, '');
  t.is(perImage[2].bin, '(0.2,0.3]');
});

test('scores.md: every epoch, best in bold with ★, per-bin table of the rule metric, skipped list', (t) => {
  const md = formatScoresMarkdown(EPOCHS, { bestEpoch: 3, rule: 'msssim', skipped: [{ epoch: 5, checkpoint: 'epoch-0005/generator.safetensors', reason: 'a | b\nc' }] });
  const lines = md.split('\n');
  const first = lines.findIndex((l) => l.startsWith('| epoch | images |'));
  t.is(lines[first + 1], '| --- | --- | --- | --- | --- | --- | --- | --- |');
  t.is(lines.slice(first + 2, first + 6).length, 4);
  t.regex(lines[first + 4], /^\| \*\*3 ★\*\* \| 12 \| \*\*0\.\d{4} ± 0\.\d{4}\*\* \| \*\*\d\d\.\d\d ± \d\.\d\d \(\+1 ∞\)\*\* \|/);
  t.regex(lines[first + 2], /^\| 1 \| 12 \| 0\.\d{4} ± 0\.\d{4} \| \d\d\.\d\d ± \d\.\d\d \|/);
  t.regex(md, /## MS-SSIM by hole ratio/);
  t.regex(md, /\n\| epoch \| \(0\.01,0\.1\] \(2\) \| \(0\.1,0\.2\] \(2\) \|/);
  t.regex(md, /- epoch 5 \(`epoch-0005\/generator\.safetensors`\): a \| b c\n/);
});

test('formatMeanStd: digits per metric, infinite and empty aggregates', (t) => {
  t.is(formatMeanStd({ mean: 24.5123, std: 2.1, n: 3, infinite: 0 }, 'psnr'), '24.51 ± 2.10');
  t.is(formatMeanStd({ mean: 0.01234, std: 0.0004, n: 3, infinite: 0 }, 'l1'), '0.0123 ± 0.0004');
  t.is(formatMeanStd({ mean: 30, std: 0, n: 1, infinite: 2 }, 'psnr'), '30.00 ± 0.00 (+2 ∞)');
  t.is(formatMeanStd({ mean: Infinity, std: 0, n: 0, infinite: 2 }, 'psnr'), '∞');
  t.is(formatMeanStd({ mean: NaN, std: NaN, n: 0, infinite: 0 }, 'l1Hole'), '–');
});

test('plot: the spec compiles without warnings; the SVG has a point per epoch for every metric; PNG rasterises', async (t) => {
  const points = plotPoints(EPOCHS, 3);
  t.is(points.length, 4 * SCORE_METRICS.length);
  t.deepEqual(points.filter((p) => p.best).map((p) => p.epoch), Array(SCORE_METRICS.length).fill(3));
  const warnings: unknown[] = [];
  const logger = { level: () => logger, warn: (...a: unknown[]) => (warnings.push(a), logger), info: () => logger, debug: () => logger, error: (...a: unknown[]) => (warnings.push(a), logger) };
  vl.compile(metricPlotSpec(EPOCHS, 3), { logger: logger as never });
  t.deepEqual(warnings, []);
  const svg = await renderSvg(metricPlotSpec(EPOCHS, 3));
  for (const label of ['L1', 'PSNR (dB)', 'SSIM', 'MS-SSIM', 'L1 (hole)', 'PSNR (hole, dB)']) {
    for (const epoch of [1, 2, 3, 4]) t.regex(svg, new RegExp(`aria-label="epoch: ${epoch}; mean: [-0-9.e]+; metric: ${label.replace(/[()]/g, '\\$&')}"`), `${label} ${epoch}`);
  }
  const png = await sharp(await svgToPng(svg)).metadata();
  t.is(png.format, 'png');
  const [, w] = /width="(\d+)"/.exec(svg)!;
  t.is(png.width, Number(w) * 2);
});

function solid(width: number, height: number, rgb: [number, number, number]): RgbImage {
  const data = new Uint8Array(width * height * 3);
  for (let i = 0; i < width * height; i++) data.set(rgb, i * 3);
  return { data, width, height, channels: 3 };
}

function noise(width: number, height: number, seed: string): RgbImage {
  const rng = rngFor('grid-test', seed);
  return { data: Uint8Array.from({ length: width * height * 3 }, () => rng.int(0, 255)), width, height, channels: 3 };
}

test('grid: each image lands pixel-exact in its cell; smaller images sit top-left on white; headers are drawn', async (t) => {
  const a = [noise(40, 30, 'a0'), noise(40, 30, 'a1')];
  const b = [noise(40, 30, 'b0'), noise(20, 10, 'b1')];
  const layout = { rowLabels: ['record 0\nhole 10%', 'record 7'], columns: [{ label: 'epoch 3 (best)', images: a }, { label: 'ground truth', images: b }] };
  const png = await renderComparisonGrid(layout);
  const { data, info } = await sharp(png).raw().toBuffer({ resolveWithObject: true });
  const g = gridGeometry(layout);
  t.deepEqual([info.width, info.height, info.channels], [g.width, g.height, 3]);
  const at = (x: number, y: number) => [...data.subarray((y * info.width + x) * 3, (y * info.width + x) * 3 + 3)];
  for (const [c, column] of layout.columns.entries()) {
    for (const [r, image] of column.images.entries()) {
      const { left, top } = cellOrigin(g, r, c);
      let same = 0;
      for (let y = 0; y < image.height; y++) for (let x = 0; x < image.width; x++) {
        const i = (y * image.width + x) * 3;
        if (at(left + x, top + y).every((v, k) => v === image.data[i + k])) same++;
      }
      t.is(same, image.width * image.height, `cell ${r},${c}`);
    }
  }
  const small = cellOrigin(g, 1, 1);
  t.deepEqual(at(small.left + 30, small.top + 20), [255, 255, 255]);
  let inked = 0;
  for (let y = 0; y < g.headerHeight; y++) for (let x = 0; x < g.width; x++) if (at(x, y)[0] < 128) inked++;
  t.true(inked > 20, 'header text drawn');
  await t.throwsAsync(renderComparisonGrid({ rowLabels: ['x'], columns: [{ label: 'a', images: a }] }), { instanceOf: BgfillError, message: /one per row/ });
});

test('column labels wrap at spaces to the cell width (three lines at most), taller header for them', (t) => {
  t.deepEqual(wrapLabel('epoch 3 (best, last)', 12), ['epoch 3', '(best, last)']);
  t.deepEqual(wrapLabel('ground truth', 12), ['ground truth']);
  t.deepEqual(wrapLabel('a b c d e f g', 3), ['a b', 'c d', 'e …']);
  const image = solid(96, 96, [0, 0, 0]);
  const one = gridGeometry({ rowLabels: ['r'], columns: [{ label: 'truth', images: [image] }] });
  const two = gridGeometry({ rowLabels: ['r'], columns: [{ label: 'epoch 12 (best, last)', images: [image] }] });
  t.is(two.headerHeight - one.headerHeight, 16);
});

test('maskedInput paints the hole white and leaves known pixels', (t) => {
  const image = solid(4, 2, [10, 20, 30]);
  const out = maskedInput(image, { width: 4, height: 2, data: Uint8Array.from([0, 1, 0, 0, 0, 0, 1, 1]) });
  t.deepEqual([...out.data.subarray(3, 6)], [255, 255, 255]);
  t.deepEqual([...out.data.subarray(0, 3)], [10, 20, 30]);
  t.deepEqual([...out.data.subarray(18, 24)], [255, 255, 255, 255, 255, 255]);
  t.deepEqual([...image.data.subarray(3, 6)], [10, 20, 30]); // input untouched
  t.throws(() => maskedInput(image, { width: 2, height: 2, data: new Uint8Array(4) }), { instanceOf: BgfillError });
});

test('grid epochs: parse best/last/first/numbers; resolve in order, merge duplicates, report missing numbers', (t) => {
  t.deepEqual(parseGridEpochs('best, last,1,First'), ['best', 'last', 1, 'first']);
  t.deepEqual(parseGridEpochs(''), []);
  t.throws(() => parseGridEpochs('best,-1'), { instanceOf: BgfillError });
  const r = resolveGridEpochs(['best', 'last', 1, 9, 'first'], [3, 1, 5], 5);
  t.deepEqual(r.columns, [{ epoch: 5, tags: ['best', 'last'] }, { epoch: 1, tags: ['first'] }]);
  t.deepEqual(r.missing, [9]);
  t.is(gridEpochLabel(r.columns[0]), 'epoch 5 (best, last)');
  t.is(gridEpochLabel({ epoch: 2, tags: [] }), 'epoch 2');
});

test('report.html: self-contained (CSP, data URIs only), escaped text, best row marked, inline plot, grid bytes intact', async (t) => {
  const grid = await renderComparisonGrid({ rowLabels: ['r'], columns: [{ label: 'x', images: [noise(8, 8, 'g')] }] });
  const content: ReportContent = {
    run: 'runs/<script>alert(1)</script>',
    data: 'bundles/a&b',
    split: 'val',
    images: 12,
    maskStrategy: 'person-box+scribble:0-3',
    best: chooseBestEpoch(EPOCHS.map((e) => ({ epoch: e.epoch, means: { l1: e.all.metrics.l1.mean, psnr: e.all.metrics.psnr.mean, ssim: e.all.metrics.ssim.mean, msssim: e.all.metrics.msssim.mean } }))),
    epochs: EPOCHS,
    skipped: [{ epoch: 5, checkpoint: 'epoch-0005/generator.safetensors', reason: 'truncated <file>' }],
    notes: ['grid: epoch 9 was not scored'],
    plotSvg: '<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg" width="10" height="10"><path d="M0,0h5"/></svg>',
    grid: { png: grid, columns: ['masked input', 'epoch 3 (best)', 'ground truth'], samples: 1 },
  };
  const html = renderReportHtml(content);
  t.is(content.best.epoch, 3);
  t.regex(html, /<meta http-equiv="Content-Security-Policy" content="default-src 'none'; img-src data:; style-src 'unsafe-inline'">/);
  t.false(html.includes('<script'));
  t.true(html.includes('runs/&lt;script&gt;alert(1)&lt;/script&gt;'));
  t.true(html.includes('bundles/a&amp;b'));
  t.true(html.includes('truncated &lt;file&gt;'));
  t.false(html.includes('<?xml'));
  t.regex(html, /<figure id="plot-figure"><svg xmlns/);
  t.is(html.match(/<tr data-epoch="3" class="best" aria-current="true">/g)?.length, 1);
  t.is(html.match(/<tr data-epoch="\d+"/g)?.length, 4 + 4); // score table and bin table
  t.regex(html, /<strong id="best-epoch">3<\/strong>/);
  const src = /<img id="grid-image" src="data:image\/png;base64,([A-Za-z0-9+/=]+)"/.exec(html);
  t.truthy(src);
  t.true(Buffer.from(src![1], 'base64').equals(grid));
  // Nothing is fetched: every src/href is a data URI (the SVG namespace is not a fetch).
  for (const m of html.matchAll(/\b(?:src|href)="([^"]*)"/g)) t.true(m[1].startsWith('data:'), m[1]);
  t.is(escapeHtml(`'"&<>`), '&#39;&quot;&amp;&lt;&gt;');
});

test('non-finite numbers survive JSON; the cache key changes with every input that decides the scores', (t) => {
  const encoded = JSON.stringify(encodeNonFinite({ a: Infinity, b: [NaN, -Infinity, 1.5] }));
  t.is(encoded, '{"a":"Infinity","b":["NaN","-Infinity",1.5]}');
  const decoded = JSON.parse(encoded);
  t.is(jsonNumber.parse(decoded.a), Infinity);
  t.true(Number.isNaN(jsonNumber.parse(decoded.b[0])));
  t.is(jsonNumber.parse(decoded.b[2]), 1.5);
  t.throws(() => jsonNumber.parse('inf'));
  const base: ScoreCacheIdentity = { checkpoint: 'c', data: 'd', split: 'val', images: 10, metrics: '{}', engine: 'wasm' };
  const keys = new Set([
    scoreCacheKey(base),
    scoreCacheKey({ ...base, checkpoint: 'c2' }),
    scoreCacheKey({ ...base, data: 'd2' }),
    scoreCacheKey({ ...base, split: 'test' }),
    scoreCacheKey({ ...base, images: 11 }),
    scoreCacheKey({ ...base, metrics: '{"msssim":{"scales":3}}' }),
    scoreCacheKey({ ...base, engine: 'onnx' }),
  ]);
  t.is(keys.size, 7);
  t.is(scoreCacheKey({ ...base }), scoreCacheKey(base));
  t.regex(scoreCacheKey(base), /^[0-9a-f]{64}$/);
});

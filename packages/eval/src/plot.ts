import type { TopLevelSpec } from 'vega-lite';
import type { RowScores } from './row-scores.js';
import { METRIC_LABELS, SCORE_METRICS, type EpochScores, type ScoreMetric } from './score-summary.js';

/** One point of the metric-versus-epoch plot. */
export interface PlotPoint {
  epoch: number;
  metric: string;
  mean: number;
  lo: number;
  hi: number;
  best: boolean;
}

/**
 * The plot's data: one point per epoch and metric with a finite mean (mean ± std as the band).
 * @example plotPoints(epochs, 7).filter((p) => p.metric === 'MS-SSIM').length // epochs.length
 */
export function plotPoints(epochs: readonly EpochScores[], bestEpoch: number, metrics: readonly ScoreMetric[] = SCORE_METRICS): PlotPoint[] {
  const points: PlotPoint[] = [];
  for (const metric of metrics) {
    for (const e of epochs) {
      const a = e.all.metrics[metric];
      if (!Number.isFinite(a.mean)) continue;
      points.push({ epoch: e.epoch, metric: METRIC_LABELS[metric], mean: a.mean, lo: a.mean - a.std, hi: a.mean + a.std, best: e.epoch === bestEpoch });
    }
  }
  return points;
}

/**
 * The other rows' means (start, compare nets, baselines) as horizontal reference lines of the plot: one value per
 * row and metric with a finite mean.
 * @example referenceLines(others).filter((p) => p.metric === 'L1 (hole)')
 */
export function referenceLines(others: readonly RowScores[], metrics: readonly ScoreMetric[] = SCORE_METRICS): Array<{ row: string; metric: string; mean: number }> {
  const lines = [];
  for (const metric of metrics) {
    for (const o of others) {
      const { mean } = o.all.metrics[metric];
      if (Number.isFinite(mean)) lines.push({ row: o.label, metric: METRIC_LABELS[metric], mean });
    }
  }
  return lines;
}

/**
 * A vega-lite spec of each metric's mean (± std band) against the epoch, one small chart per metric (two columns,
 * each with its own y scale), the best epoch marked by a dashed rule and a larger red point; the other rows (start,
 * compare nets, baselines), when given, as dashed horizontal lines coloured by row.
 * @example const svg = await renderSvg(metricPlotSpec(epochs, 7));
 */
export function metricPlotSpec(epochs: readonly EpochScores[], bestEpoch: number, metrics: readonly ScoreMetric[] = SCORE_METRICS, others: readonly RowScores[] = []): TopLevelSpec {
  const order = metrics.map((m) => METRIC_LABELS[m]);
  const x = { field: 'epoch', type: 'quantitative' as const, title: 'epoch', axis: { tickMinStep: 1, format: 'd' } };
  const lines = referenceLines(others, metrics);
  // With reference lines in the data, the epoch layers keep to the epochs' points.
  const epochsOnly = lines.length > 0 ? { transform: [{ filter: 'isValid(datum.epoch)' }] } : {};
  const values = [...plotPoints(epochs, bestEpoch, metrics), ...lines] as unknown as Array<Record<string, unknown>>;
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    description: `Metric means per epoch; best epoch ${bestEpoch}`,
    background: 'white',
    config: { font: 'DejaVu Sans, Liberation Sans, Arial, sans-serif', view: { stroke: '#ddd' } },
    data: { values },
    facet: { field: 'metric', type: 'nominal', title: null, sort: order, header: { labelFontSize: 13, labelFontWeight: 'bold' } },
    columns: 2,
    resolve: { scale: { y: 'independent' } },
    spec: {
      width: 300,
      height: 150,
      layer: [
        {
          ...epochsOnly,
          mark: { type: 'area', opacity: 0.15, color: '#4c78a8' },
          encoding: { x, y: { field: 'lo', type: 'quantitative', scale: { zero: false }, title: null }, y2: { field: 'hi' } },
        },
        {
          ...epochsOnly,
          mark: { type: 'line', color: '#4c78a8' },
          encoding: { x, y: { field: 'mean', type: 'quantitative', scale: { zero: false }, title: null } },
        },
        {
          ...epochsOnly,
          mark: { type: 'point', filled: true, size: 40 },
          encoding: {
            x,
            y: { field: 'mean', type: 'quantitative' },
            color: { condition: { test: 'datum.best', value: '#d62728' }, value: '#4c78a8' },
            size: { condition: { test: 'datum.best', value: 110 }, value: 40 },
            tooltip: [
              { field: 'epoch', type: 'quantitative' },
              { field: 'metric', type: 'nominal' },
              { field: 'mean', type: 'quantitative', format: '.4~f' },
            ],
          },
        },
        {
          transform: [{ filter: 'datum.best' }],
          mark: { type: 'rule', strokeDash: [4, 3], color: '#d62728' },
          encoding: { x },
        },
        ...(lines.length > 0
          ? [
              {
                transform: [{ filter: '!isValid(datum.epoch)' }],
                mark: { type: 'rule' as const, strokeDash: [6, 3], strokeWidth: 1.5 },
                encoding: {
                  y: { field: 'mean', type: 'quantitative' as const },
                  color: { field: 'row', type: 'nominal' as const, title: 'other rows', scale: { scheme: 'dark2' as const } },
                  tooltip: [
                    { field: 'row', type: 'nominal' as const },
                    { field: 'metric', type: 'nominal' as const },
                    { field: 'mean', type: 'quantitative' as const, format: '.4~f' },
                  ],
                },
              },
            ]
          : []),
      ],
    },
  };
}

/**
 * Compile a vega-lite spec with vega-lite and render it to SVG with vega's headless View (no browser, no canvas).
 * @example const svg = await renderSvg(metricPlotSpec(epochs, 7)); // '<svg xmlns=…'
 */
export async function renderSvg(spec: TopLevelSpec): Promise<string> {
  const [vl, vega] = await Promise.all([import('vega-lite'), import('vega')]);
  const view = new vega.View(vega.parse(vl.compile(spec).spec), { renderer: 'none' });
  try {
    return await view.toSVG();
  } finally {
    view.finalize();
  }
}

/**
 * Rasterise an SVG to PNG with sharp (librsvg), at `scale` × its size (default 2, for sharp text).
 * @example await atomicWriteFile('plot.png', await svgToPng(svg));
 */
export async function svgToPng(svg: string, scale = 2): Promise<Buffer> {
  const { default: sharp } = await import('sharp');
  return sharp(Buffer.from(svg), { density: 72 * scale }).flatten({ background: '#ffffff' }).png().toBuffer();
}

import { CLASSICAL_METHODS, type ClassicalMethod } from './classical/inpaint.js';
import { classicalDigest, classicalPredictor } from './classical/predictor.js';
import type { PredictorFactory } from './predictor.js';
import { fileDigest, type RunCheckpoint } from './run-layout.js';
import { checkpointFile, START_ROW, type CompareNet, type RowKind } from './run-rows.js';
import type { RowEntry } from './score-rows.js';

/**
 * What every net row needs: the predictor factory (the same for epochs, the start and compare nets) and engine.
 * `arch` (eval's `--arch`) names the run's architecture: it goes to the start and the epochs; compare nets are each
 * read as their file shows (a bgfill checkpoint's stored architecture, or the one its keys fit).
 */
export interface NetContext {
  loadPredictor: PredictorFactory;
  backend: string;
  arch?: string;
}

function netEntry(kind: RowKind, name: string, label: string, epoch: number | null, path: string, source: string, errorLabel: string, ctx: NetContext): RowEntry {
  return {
    kind,
    name,
    label,
    epoch,
    source,
    errorLabel,
    engine: ctx.backend,
    digest: async () => fileDigest(await checkpointFile(path)),
    load: async () => {
      const arch = kind === 'compare' ? undefined : ctx.arch;
      return ctx.loadPredictor(await checkpointFile(path), { backend: ctx.backend, ...(arch !== undefined ? { arch } : {}) });
    },
  };
}

/**
 * The rows of an evaluation, in table order: the start (epoch 0, from the run's `--init`), the run's epochs, the
 * compare nets, the baselines. Nets are all loaded through the one predictor factory, so any architecture or format
 * the factory reads works as a start or compare row too.
 * @example rowEntries({ start: '/models/net.pth', checkpoints, compare: [], baselines: ['telea'], radius: 3 }, ctx)
 */
export function rowEntries(
  rows: { start: string | null; checkpoints: readonly RunCheckpoint[]; compare: readonly CompareNet[]; baselines: readonly ClassicalMethod[]; radius: number },
  ctx: NetContext,
): RowEntry[] {
  const entries: RowEntry[] = [];
  if (rows.start !== null) entries.push(netEntry('start', START_ROW, 'start', 0, rows.start, rows.start, `start (${rows.start})`, ctx));
  for (const c of rows.checkpoints) {
    entries.push(netEntry('epoch', String(c.epoch), `epoch ${c.epoch}`, c.epoch, c.path, c.relativePath, `epoch ${c.epoch} (${c.path})`, ctx));
  }
  for (const net of rows.compare) entries.push(netEntry('compare', net.name, net.name, null, net.path, net.path, `compare ${net.name} (${net.path})`, ctx));
  for (const method of rows.baselines) {
    const radius = method === 'mean' ? undefined : rows.radius;
    entries.push({
      kind: 'baseline',
      name: method,
      label: CLASSICAL_METHODS[method].label,
      epoch: null,
      source: radius === undefined ? CLASSICAL_METHODS[method].description : `${CLASSICAL_METHODS[method].description}, radius ${radius}`,
      errorLabel: `baseline ${method}`,
      engine: 'classical',
      digest: async () => classicalDigest(method, rows.radius),
      load: async () => classicalPredictor(method, rows.radius, { threads: true }),
    });
  }
  return entries;
}

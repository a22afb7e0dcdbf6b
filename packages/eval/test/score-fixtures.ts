// Shared by the run-scoring tests: a tiny bundle built from the committed sample scenes with fixed masks, run
// folders, and an honest test predictor whose quality per epoch is known in advance (it blurs the truth by a
// sigma stored in the checkpoint file, inside the hole only).
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import sharp from 'sharp';
import { buildDataset } from '@bgfill/dataset';
import type { Mask } from '@bgfill/masks';
import type { RgbImage } from '../src/metrics/image.js';
import type { Predictor, PredictorBatch, PredictorFactory } from '../src/predictor.js';

export const SCENES = fileURLToPath(new URL('../../../samples/scenes/', import.meta.url));

/** A fresh temporary folder, removed when the test ends. */
export async function tempDir(t: { teardown(fn: () => unknown): void }, prefix = 'bgfill-eval-'): Promise<string> {
  const dir = await mkdtemp(join(tmpdir(), prefix));
  t.teardown(() => rm(dir, { recursive: true, force: true }));
  return dir;
}

/**
 * Build a bundle from the sample scenes matching `pattern` (default the nine `00?-*.jpg`), all in split `val`,
 * at `size`² (default 96: the smallest side five-scale MS-SSIM accepts), with fixed masks drawn by `recipe`
 * (default person-box+scribble:0-3) unless `masks` is false.
 */
export async function buildTinyBundle(out: string, options: { masks?: boolean; size?: number; pattern?: string; recipe?: string } = {}): Promise<string> {
  await buildDataset({
    source: 'folder',
    input: SCENES,
    out,
    patterns: [options.pattern ?? '00?-*.jpg'],
    labels: 'none',
    splitRatios: 'val=1',
    size: options.size ?? 96,
    format: 'png',
    ...(options.masks === false ? { maskSplits: [] } : { masks: options.recipe ?? 'person-box+scribble:0-3', maskSplits: ['val'] }),
    seed: 7,
    progress: false,
  });
  return out;
}

/** What a test checkpoint holds: blur sigma (0 = the truth itself), and faults to inject. */
export interface FakeCheckpoint {
  blur: number;
  /** Return outputs of this size instead of the target's. */
  outputSize?: [number, number];
  /** Throw from predict on this call (0-based), to simulate a crash part-way. */
  failOnCall?: number;
}

/** Write `RUN/epoch-NNNN/generator.safetensors` holding a FakeCheckpoint (or raw bytes, for damaged files). */
export async function writeCheckpoint(run: string, epoch: number, content: FakeCheckpoint | string | Uint8Array): Promise<string> {
  const dir = join(run, `epoch-${String(epoch).padStart(4, '0')}`);
  await mkdir(dir, { recursive: true });
  const path = join(dir, 'generator.safetensors');
  await writeFile(path, typeof content === 'object' && !(content instanceof Uint8Array) ? JSON.stringify(content) : content);
  return path;
}

/**
 * The composite a FakeCheckpoint predicts: the truth Gaussian-blurred (sharp, sigma) inside the hole, the truth outside.
 * Computed per image, so it does not depend on batching.
 */
export async function blurComposite(image: RgbImage, mask: Mask, sigma: number): Promise<RgbImage> {
  if (sigma === 0) return { ...image, data: Uint8Array.from(image.data) };
  const blurred = await sharp(Buffer.from(image.data), { raw: { width: image.width, height: image.height, channels: 3 } })
    .blur(sigma)
    .raw()
    .toBuffer();
  const data = Uint8Array.from(image.data);
  for (let i = 0; i < mask.data.length; i++) {
    if (mask.data[i]) for (let c = 0; c < 3; c++) data[i * 3 + c] = blurred[i * 3 + c];
  }
  return { data, width: image.width, height: image.height, channels: 3 };
}

/** Counts what a predictor factory did. */
export interface FactoryLog {
  /** Checkpoint paths loaded, in order. */
  loads: string[];
  /** Batch sizes predicted, in order. */
  batches: number[];
  /** Predictors disposed. */
  disposed: number;
}

/**
 * A PredictorFactory for FakeCheckpoint files: parses the file (a damaged one throws, like a real loader) and
 * predicts `blurComposite` for each image. Records loads, batches and disposals in `log`.
 */
export function fakePredictorFactory(log: FactoryLog = { loads: [], batches: [], disposed: 0 }): { factory: PredictorFactory; log: FactoryLog } {
  const factory: PredictorFactory = async (path) => {
    const { readFile } = await import('node:fs/promises');
    const text = await readFile(path, 'utf8');
    let ckpt: FakeCheckpoint;
    try {
      ckpt = JSON.parse(text) as FakeCheckpoint;
      if (typeof ckpt.blur !== 'number') throw new Error('no blur');
    } catch {
      throw new Error(`${path}: not a test checkpoint`);
    }
    log.loads.push(path);
    let calls = 0;
    const predictor: Predictor = {
      async predict(batch: PredictorBatch) {
        const call = calls++;
        if (ckpt.failOnCall === call) throw new Error(`simulated crash on call ${call}`);
        log.batches.push(batch.images.length);
        const outputs = await Promise.all(batch.images.map((img, i) => blurComposite(img, batch.masks[i], ckpt.blur)));
        if (!ckpt.outputSize) return outputs;
        const [w, h] = ckpt.outputSize;
        return outputs.map(() => ({ data: new Uint8Array(w * h * 3), width: w, height: h, channels: 3 as const }));
      },
      dispose() {
        log.disposed++;
      },
    };
    return predictor;
  };
  return { factory, log };
}

/** Parse the CSV the scorer writes (RFC 4180 quoting) into records keyed by the header. */
export function parseCsv(text: string): Array<Record<string, string>> {
  const rows: string[][] = [];
  let row: string[] = [];
  let field = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') (field += '"'), i++;
      else if (c === '"') quoted = false;
      else field += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') row.push(field), (field = '');
    else if (c === '\n') row.push(field), rows.push(row), (row = []), (field = '');
    else field += c;
  }
  if (field !== '' || row.length > 0) row.push(field), rows.push(row);
  const [names, ...body] = rows;
  return body.map((r) => Object.fromEntries(r.map((v, i) => [names[i], v])));
}

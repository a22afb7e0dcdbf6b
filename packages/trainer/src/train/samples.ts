import sharp from 'sharp';
import { atomicWriteFile, invalidParameter } from '@bgfill/core';

/** One RGB image, 8-bit, row-major, 3 channels. */
export interface RgbPixels {
  data: Uint8Array;
  width: number;
  height: number;
}

/** Gap between cells and around the grid, in pixels, and its grey level. */
const GAP = 2;
const GAP_VALUE = 40;

/**
 * Lay out rows of equally sized RGB images into one raw RGB buffer, with a 2-pixel dark border between cells.
 * @example composeGrid([[a, b], [c, d]]) // 2 rows × 2 columns
 */
export function composeGrid(rows: readonly (readonly RgbPixels[])[]): RgbPixels {
  const cols = Math.max(...rows.map((r) => r.length));
  const { width: w, height: h } = rows[0][0];
  for (const cell of rows.flat()) {
    if (cell.width !== w || cell.height !== h) throw invalidParameter('sample size', `${w}×${h}`, `${cell.width}×${cell.height}`);
  }
  const width = cols * w + (cols + 1) * GAP;
  const height = rows.length * h + (rows.length + 1) * GAP;
  const out = new Uint8Array(width * height * 3).fill(GAP_VALUE);
  rows.forEach((row, r) =>
    row.forEach((cell, c) => {
      const x0 = GAP + c * (w + GAP);
      const y0 = GAP + r * (h + GAP);
      for (let y = 0; y < h; y++) out.set(cell.data.subarray(y * w * 3, (y + 1) * w * 3), ((y0 + y) * width + x0) * 3);
    }),
  );
  return { data: out, width, height };
}

/** Cells smaller than this are enlarged (nearest neighbour, integer factor) so that 32² or 64² crops stay legible. */
const MIN_CELL_SIDE = 128;

/**
 * Enlarge an image by an integer factor, nearest neighbour.
 * @example scaleNearest({ data, width: 32, height: 32 }, 4).width // 128
 */
export function scaleNearest(image: RgbPixels, factor: number): RgbPixels {
  if (factor === 1) return image;
  const width = image.width * factor;
  const height = image.height * factor;
  const data = new Uint8Array(width * height * 3);
  for (let y = 0; y < height; y++) {
    const src = Math.floor(y / factor) * image.width;
    for (let x = 0; x < width; x++) {
      const from = (src + Math.floor(x / factor)) * 3;
      const to = (y * width + x) * 3;
      data[to] = image.data[from];
      data[to + 1] = image.data[from + 1];
      data[to + 2] = image.data[from + 2];
    }
  }
  return { data, width, height };
}

/** The masked input as a person sees it: hole pixels painted white. */
export function paintHoles(image: RgbPixels, mask: Uint8Array): RgbPixels {
  const data = Uint8Array.from(image.data);
  for (let i = 0; i < mask.length; i++) if (mask[i]) data.fill(255, i * 3, i * 3 + 3);
  return { ...image, data };
}

/**
 * Write `samples.png`: row 1 the masked inputs (holes white), row 2 the network's composites, row 3 the targets.
 * Cells under 128 px are enlarged by an integer factor (nearest neighbour).
 * @example await writeSampleGrid('run/epoch-0001/samples.png', { inputs, outputs, targets })
 */
export async function writeSampleGrid(
  path: string,
  rows: { inputs: readonly RgbPixels[]; outputs: readonly RgbPixels[]; targets: readonly RgbPixels[] },
): Promise<void> {
  const { width, height } = rows.targets[0];
  const factor = Math.max(1, Math.ceil(MIN_CELL_SIDE / Math.max(width, height)));
  const grid = composeGrid([rows.inputs, rows.outputs, rows.targets].map((row) => row.map((cell) => scaleNearest(cell, factor))));
  const png = await sharp(grid.data, { raw: { width: grid.width, height: grid.height, channels: 3 } }).png().toBuffer();
  await atomicWriteFile(path, png);
}

import sharp from 'sharp';
import { atomicWriteFile, invalidParameter } from '@bgfill/masks';

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

/** The masked input as a person sees it: hole pixels painted white. */
export function paintHoles(image: RgbPixels, mask: Uint8Array): RgbPixels {
  const data = Uint8Array.from(image.data);
  for (let i = 0; i < mask.length; i++) if (mask[i]) data.fill(255, i * 3, i * 3 + 3);
  return { ...image, data };
}

/**
 * Write `samples.png`: row 1 the masked inputs (holes white), row 2 the network's composites, row 3 the targets.
 * @example await writeSampleGrid('run/epoch-0001/samples.png', { inputs, outputs, targets })
 */
export async function writeSampleGrid(
  path: string,
  rows: { inputs: readonly RgbPixels[]; outputs: readonly RgbPixels[]; targets: readonly RgbPixels[] },
): Promise<void> {
  const grid = composeGrid([rows.inputs, rows.outputs, rows.targets]);
  const png = await sharp(grid.data, { raw: { width: grid.width, height: grid.height, channels: 3 } }).png().toBuffer();
  await atomicWriteFile(path, png);
}

import sharp, { type OverlayOptions } from 'sharp';
import { invalidParameter, type Mask } from '@bgfill/masks';
import type { RgbImage } from './metrics/image.js';

/** One column of the comparison grid: a header and one image per row. */
export interface GridColumn {
  label: string;
  images: readonly RgbImage[];
}

export interface GridLayout {
  /** A caption per row (sample), shown left of it. */
  rowLabels: readonly string[];
  columns: readonly GridColumn[];
}

/** Pixel geometry of the grid (exposed so tests can find each cell). */
export interface GridGeometry {
  cellWidth: number;
  cellHeight: number;
  /** Width of the row-caption column and height of the header row. */
  labelWidth: number;
  headerHeight: number;
  gap: number;
  width: number;
  height: number;
}

const GAP = 4;
const HEADER = 30;
const LABEL_WIDTH = 116;
const FONT = 'DejaVu Sans, Liberation Sans, Arial, sans-serif';

/**
 * The masked input the network sees, for display: the image with its hole painted white (as the trainer's
 * `samples.png`).
 * @example maskedInput(target, mask)
 */
export function maskedInput(image: RgbImage, mask: Mask): RgbImage {
  if (mask.width !== image.width || mask.height !== image.height) {
    throw invalidParameter('mask', `a ${image.width}×${image.height} mask`, `${mask.width}×${mask.height}`);
  }
  const data = Uint8Array.from(image.data);
  for (let i = 0; i < mask.data.length; i++) if (mask.data[i]) data.fill(255, i * 3, i * 3 + 3);
  return { data, width: image.width, height: image.height, channels: 3 };
}

/**
 * Where everything goes: cells as large as the largest image, a header row, a caption column, 4 px gaps.
 * @example gridGeometry(layout).width
 */
export function gridGeometry(layout: GridLayout): GridGeometry {
  const all = layout.columns.flatMap((c) => c.images);
  const cellWidth = Math.max(1, ...all.map((i) => i.width));
  const cellHeight = Math.max(1, ...all.map((i) => i.height));
  const cols = layout.columns.length;
  const rows = layout.rowLabels.length;
  return {
    cellWidth,
    cellHeight,
    labelWidth: LABEL_WIDTH,
    headerHeight: HEADER,
    gap: GAP,
    width: LABEL_WIDTH + cols * (cellWidth + GAP) + GAP,
    height: HEADER + rows * (cellHeight + GAP) + GAP,
  };
}

/** Top-left corner of a cell. */
export function cellOrigin(g: GridGeometry, row: number, column: number): { left: number; top: number } {
  return { left: g.labelWidth + GAP + column * (g.cellWidth + GAP), top: g.headerHeight + GAP / 2 + row * (g.cellHeight + GAP) };
}

function escapeXml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' })[c]!);
}

/** Shorten a label to about `max` characters with an ellipsis. */
function fit(s: string, max: number): string {
  return s.length <= max ? s : `${s.slice(0, max - 1)}…`;
}

function labelsSvg(layout: GridLayout, g: GridGeometry): string {
  const parts: string[] = [];
  const maxChars = Math.max(6, Math.floor(g.cellWidth / 7.5));
  layout.columns.forEach((column, c) => {
    const { left } = cellOrigin(g, 0, c);
    parts.push(
      `<text x="${left + g.cellWidth / 2}" y="${g.headerHeight - 10}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(fit(column.label, maxChars))}</text>`,
    );
  });
  layout.rowLabels.forEach((label, r) => {
    const { top } = cellOrigin(g, r, 0);
    label.split('\n').forEach((line, k) => {
      parts.push(`<text x="8" y="${top + 18 + k * 16}" font-size="12">${escapeXml(fit(line, 16))}</text>`);
    });
  });
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${g.width}" height="${g.height}"><g font-family="${FONT}" fill="#222">${parts.join('')}</g></svg>`;
}

/**
 * The comparison grid as a PNG: a row per sample, a column per `layout.columns` entry (e.g. the masked input, each
 * chosen epoch's output, the ground truth), column headers on top and captions on the left, on white. Images smaller
 * than the cell sit in its top-left corner.
 * @example
 * const png = await renderComparisonGrid({
 *   rowLabels: ['#0\nhole 23%'],
 *   columns: [{ label: 'masked input', images: [maskedInput(gt, mask)] }, { label: 'epoch 7 (best)', images: [out] }, { label: 'ground truth', images: [gt] }],
 * });
 */
export async function renderComparisonGrid(layout: GridLayout): Promise<Buffer> {
  if (layout.columns.length === 0) throw invalidParameter('columns', 'at least one column', layout.columns);
  for (const column of layout.columns) {
    if (column.images.length !== layout.rowLabels.length) {
      throw invalidParameter(`column "${column.label}" images`, `${layout.rowLabels.length} images (one per row)`, column.images);
    }
  }
  const g = gridGeometry(layout);
  const composites: OverlayOptions[] = [];
  layout.columns.forEach((column, c) => {
    column.images.forEach((image, r) => {
      const { left, top } = cellOrigin(g, r, c);
      composites.push({ input: Buffer.from(image.data.buffer, image.data.byteOffset, image.data.length), raw: { width: image.width, height: image.height, channels: 3 }, left, top });
    });
  });
  composites.push({ input: Buffer.from(labelsSvg(layout, g)), left: 0, top: 0 });
  // Compositing the (RGBA) text layer makes the result RGBA; a second pass drops the alpha for a plain RGB PNG.
  const { data, info } = await sharp({ create: { width: g.width, height: g.height, channels: 3, background: '#ffffff' } })
    .composite(composites)
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .removeAlpha()
    .png()
    .toBuffer();
}

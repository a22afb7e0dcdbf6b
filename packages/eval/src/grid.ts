import sharp from 'sharp';
import { invalidParameter } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
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
/** Header height for one line of column label, and each further line. */
const HEADER = 30;
const LINE = 16;
/** Most lines a column label wraps to. */
const MAX_HEADER_LINES = 3;
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
  const headerLines = Math.max(1, ...layout.columns.map((c) => wrapLabel(c.label, headerChars(cellWidth)).length));
  const headerHeight = HEADER + (headerLines - 1) * LINE;
  return {
    cellWidth,
    cellHeight,
    labelWidth: LABEL_WIDTH,
    headerHeight,
    gap: GAP,
    width: LABEL_WIDTH + cols * (cellWidth + GAP) + GAP,
    height: headerHeight + rows * (cellHeight + GAP) + GAP,
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

/** Characters of 13 px bold text that fit over a cell (about 8 px each). */
function headerChars(cellWidth: number): number {
  return Math.max(6, Math.floor(cellWidth / 8));
}

/**
 * Break a label into lines of at most `max` characters at spaces (at most three lines; the last is cut with …).
 * @example wrapLabel('epoch 3 (best, last)', 12) // ['epoch 3', '(best, last)']
 */
export function wrapLabel(label: string, max: number): string[] {
  const lines: string[] = [];
  let line = '';
  for (const word of label.split(/\s+/).filter(Boolean)) {
    if (line === '') line = word;
    else if (line.length + 1 + word.length <= max) line += ` ${word}`;
    else {
      lines.push(line);
      line = word;
    }
  }
  if (line !== '') lines.push(line);
  if (lines.length > MAX_HEADER_LINES) lines.splice(MAX_HEADER_LINES - 1, lines.length, lines.slice(MAX_HEADER_LINES - 1).join(' '));
  return lines.map((l) => fit(l, max));
}

function labelsSvg(layout: GridLayout, g: GridGeometry): string {
  const parts: string[] = [];
  const maxChars = headerChars(g.cellWidth);
  layout.columns.forEach((column, c) => {
    const { left } = cellOrigin(g, 0, c);
    const lines = wrapLabel(column.label, maxChars);
    lines.forEach((line, k) => {
      const y = g.headerHeight - 10 - (lines.length - 1 - k) * LINE;
      parts.push(`<text x="${left + g.cellWidth / 2}" y="${y}" text-anchor="middle" font-size="13" font-weight="bold">${escapeXml(line)}</text>`);
    });
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
  // The cells are copied into a white canvas here, row by row (one composite of dozens of overlays cost libvips about
  // as much as encoding the PNG); the text layer is then the only composite.
  const canvas = new Uint8Array(g.width * g.height * 3).fill(255);
  layout.columns.forEach((column, c) => {
    column.images.forEach((image, r) => {
      const { left, top } = cellOrigin(g, r, c);
      const width = Math.min(image.width, g.width - left);
      const height = Math.min(image.height, g.height - top);
      for (let y = 0; y < height; y++) {
        const from = y * image.width * 3;
        canvas.set(image.data.subarray(from, from + width * 3), ((top + y) * g.width + left) * 3);
      }
    });
  });
  // Compositing the (RGBA) text layer makes the result RGBA; a second pass drops the alpha for a plain RGB PNG.
  const { data, info } = await sharp(canvas, { raw: { width: g.width, height: g.height, channels: 3 } })
    .composite([{ input: Buffer.from(labelsSvg(layout, g)), left: 0, top: 0 }])
    .raw()
    .toBuffer({ resolveWithObject: true });
  return sharp(data, { raw: { width: info.width, height: info.height, channels: info.channels } })
    .removeAlpha()
    .png()
    .toBuffer();
}

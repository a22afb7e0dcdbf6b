import { BgfillError, invalidParameter } from '@bgfill/core';
import { type Mask } from '@bgfill/masks';
import { engineAttentionBytes, pixelCodecOf, type Inpainter } from './engine.js';
import { passMasks } from './passes.js';
import { crop, paddingToMultiple, reflectPad } from './reflect-pad.js';
import { asEngine } from './tfjs-engine.js';
import type { InpaintEngine } from './engine.js';
import { TileBlender, autoTileGrid, planTiles, tileWeights, type TileGrid } from './tiling.js';

/** Default limit on one network run's self-attention score matrix: 1 GiB (a 512×512 input). */
export const DEFAULT_MAX_ATTENTION_BYTES = 2 ** 30;

export type { InpaintNetwork, Inpainter } from './engine.js';

/** An 8-bit RGB image, row-major HWC (what sharp's `.raw()` gives for 3 channels). */
export interface RgbImageLike {
  data: Uint8Array;
  width: number;
  height: number;
}

export interface InpaintOptions {
  /** Refill passes (default 1). Pass k fills the hole eroded by k·erode iterations, see passMasks. */
  passes?: number;
  /** Erosion iterations between passes (default 0). */
  erode?: number;
  /**
   * Inpaint a cols × rows grid of overlapping tiles separately and blend them (default: the whole image at once);
   * `auto` picks the smallest grid whose tiles are at most 512 px a side (none for smaller images).
   */
  tiles?: TileGrid | 'auto';
  /**
   * Refuse network inputs whose self-attention score matrix would exceed this many bytes (default 1 GiB: a
   * 512×512 input). The matrix grows with the square of the pixel count; larger images need `tiles`.
   */
  maxAttentionBytes?: number;
  /** Also return the last pass's refined output, full frame, in the network's range (−1…1; RFR-Net 0…1) (default false). */
  raw?: boolean;
}

export interface InpaintResult {
  /** The inpainted image, 8-bit RGB HWC: the input's pixels outside the hole, the network's fill inside. */
  data: Uint8Array;
  width: number;
  height: number;
  /** The refined output of the last pass (not composited), HWC float32 in the network's range, when `raw` was asked for. */
  raw?: Float32Array;
}

/**
 * Bytes of the float32 attention score matrix for one network run on a `width` × `height` image, padded to the
 * network's multiple: the network's own estimate, or InpaintSANet's (attention at 1/4 resolution, (H·W/16)² scores)
 * when `net` is a multiple (the older form of this function).
 * @example attentionBytes(512, 512, 4) // → 2 ** 30; attentionBytes(1024, 1024, rfrNetwork) // → 2 ** 30
 */
export function attentionBytes(width: number, height: number, net: number | Pick<InpaintEngine, 'requiredMultiple' | 'attentionBytes'>): number {
  const multiple = typeof net === 'number' ? net : net.requiredMultiple;
  const pad = paddingToMultiple(width, height, multiple);
  return engineAttentionBytes(typeof net === 'number' ? {} : net, width + pad.left + pad.right, height + pad.top + pad.bottom);
}

/**
 * The largest square side (a multiple of the network's) whose attention fits `limit` bytes in one run: 512 for
 * InpaintSANet at the default limit, 1024 for RFR-Net.
 * @example largestSquareSide(generator) // → 512
 */
export function largestSquareSide(net: Pick<InpaintEngine, 'requiredMultiple' | 'attentionBytes'>, limit = DEFAULT_MAX_ATTENTION_BYTES): number {
  const m = net.requiredMultiple;
  let side = m;
  while (side < 1 << 16 && engineAttentionBytes(net, side + m, side + m) <= limit) side += m;
  return side;
}

/**
 * Run the network once on an image of any size: reflect-pad image and mask to multiples of the network's
 * `requiredMultiple`, take the refined output, crop back. `image` is HWC float32 in the network's range (its `pixels`), `hole` one byte per pixel.
 * `net` is a tfjs generator or an engine (e.g. OnnxEngine).
 * @example const refined = await refineOnce(generator, toNetRange(image.data), hole, image.width, image.height);
 */
export async function refineOnce(
  net: Inpainter,
  image: Float32Array,
  hole: Uint8Array,
  width: number,
  height: number,
  maxAttentionBytes = DEFAULT_MAX_ATTENTION_BYTES,
): Promise<Float32Array> {
  const engine = asEngine(net);
  const pad = paddingToMultiple(width, height, engine.requiredMultiple);
  const bytes = attentionBytes(width, height, engine);
  if (bytes > maxAttentionBytes) {
    const grid = autoTileGrid(width, height);
    const side = largestSquareSide(engine, maxAttentionBytes);
    throw new BgfillError(
      `image ${width}×${height} is too large for one network run (its attention would need ${(bytes / 2 ** 30).toFixed(1)} GiB; ` +
        `about ${side}×${side} fits): inpaint in tiles, e.g. --tiles ${grid.cols}x${grid.rows} or --tiles auto`,
      { subject: 'image size' },
    );
  }
  const x = reflectPad({ data: image, width, height, channels: 3 }, pad);
  const m = reflectPad({ data: hole, width, height, channels: 1 }, pad);
  const maskValues = new Float32Array(m.data.length);
  for (let i = 0; i < maskValues.length; i++) maskValues[i] = m.data[i] === 0 ? 0 : 1;
  const values = await engine.run({ image: x.data, mask: maskValues, n: 1, height: x.height, width: x.width }, 'refined');
  return crop({ data: values, width: x.width, height: x.height, channels: 3 }, { x: pad.left, y: pad.top, width, height }).data;
}

/** Run the network tile by tile and blend (see tiling.ts). Tiles whose crop has no hole keep their input. */
async function refineTiled(
  net: Inpainter,
  image: Float32Array,
  hole: Uint8Array,
  width: number,
  height: number,
  grid: TileGrid,
  maxAttentionBytes: number,
  everyTile = false,
): Promise<Float32Array> {
  const tiles = planTiles(width, height, grid);
  const weights = tileWeights(tiles, grid);
  const blender = new TileBlender(width, height, 3);
  for (const [i, tile] of tiles.entries()) {
    const tileImage = crop({ data: image, width, height, channels: 3 }, tile).data;
    const tileHole = crop({ data: hole, width, height, channels: 1 }, tile).data;
    // A tile without hole pixels needs no network run for the composite (its pixels are all kept); the raw output
    // asks for the network's output everywhere, so then every tile runs.
    const run = everyTile || tileHole.includes(1);
    const values = run ? await refineOnce(net, tileImage, tileHole, tile.width, tile.height, maxAttentionBytes) : tileImage;
    blender.add(tile, values, weights[i]);
  }
  return blender.result();
}

function checkInputs(image: RgbImageLike, mask: Mask): void {
  const { width, height } = image;
  if (!Number.isInteger(width) || !Number.isInteger(height) || width < 1 || height < 1) {
    throw invalidParameter('image size', 'positive integer width and height', `${width}×${height}`);
  }
  if (image.data.length !== width * height * 3) {
    throw invalidParameter('image data', `${width * height * 3} bytes (${width}×${height} RGB)`, `${image.data.length} bytes`);
  }
  if (mask.width !== width || mask.height !== height) {
    throw invalidParameter('mask', `a ${width}×${height} mask (the image's size)`, `${mask.width}×${mask.height}`);
  }
}

/**
 * Inpaint one image: the hole (mask value 1) is filled by the generator's refined output, every other pixel is
 * returned unchanged. Any size works (reflect padding to the network's multiple, cropped back). Strategies from
 * the study: `passes`/`erode` refill a shrinking hole several times; `tiles` inpaints overlapping tiles separately
 * and feathers them together. `net` is a tfjs generator (its backend initialised: initBackend) or an engine
 * (`openEngine`, `OnnxEngine`).
 * @example
 * const g = await loadGenerator('model.safetensors');
 * const out = await inpaint(g, image, mask, { passes: 2, erode: 8, tiles: { cols: 2, rows: 2 } });
 * // out.data: Uint8Array HWC RGB, out.width === image.width
 */
export async function inpaint(net: Inpainter, image: RgbImageLike, mask: Mask, options: InpaintOptions = {}): Promise<InpaintResult> {
  checkInputs(image, mask);
  const { width, height } = image;
  const hole = new Uint8Array(mask.data.length);
  for (let i = 0; i < hole.length; i++) hole[i] = mask.data[i] === 0 ? 0 : 1;
  const holeMask: Mask = { width, height, data: hole };
  const masks = passMasks(holeMask, options.passes ?? 1, options.erode ?? 0);
  const grid = options.tiles === 'auto' ? autoTileGrid(width, height) : options.tiles;
  const limit = options.maxAttentionBytes ?? DEFAULT_MAX_ATTENTION_BYTES;
  const pixels = pixelCodecOf(asEngine(net));
  const current = pixels.toNet(image.data);
  let refined: Float32Array | undefined;
  for (const passMask of masks) {
    refined = grid
      ? await refineTiled(net, current, passMask.data, width, height, grid, limit, options.raw === true)
      : await refineOnce(net, current, passMask.data, width, height, limit);
    for (let p = 0; p < passMask.data.length; p++) {
      if (passMask.data[p] === 0) continue;
      current[3 * p] = refined[3 * p];
      current[3 * p + 1] = refined[3 * p + 1];
      current[3 * p + 2] = refined[3 * p + 2];
    }
  }
  const data = pixels.fromNet(current);
  // Known pixels are returned as they came (the pixel round trip is exact, but say so in code, not in arithmetic).
  for (let p = 0; p < hole.length; p++) {
    if (hole[p] !== 0) continue;
    data[3 * p] = image.data[3 * p];
    data[3 * p + 1] = image.data[3 * p + 1];
    data[3 * p + 2] = image.data[3 * p + 2];
  }
  return options.raw ? { data, width, height, raw: refined } : { data, width, height };
}

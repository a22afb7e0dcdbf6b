import { invalidParameter } from '@bgfill/core';
import { dilate, type Mask } from '@bgfill/masks';
import { initBackend } from '../backend/init-backend.js';
import { resizeBicubic, bicubicUpscaler } from '../upscale/bicubic.js';
import { loadEsrgan } from '../upscale/esrgan.js';
import { parseEsrganScale, parseEsrganSize } from '../upscale/esrgan-models.js';
import type { Upscaler } from '../upscale/upscaler.js';
import type { EngineName } from './engine-name.js';
import { featherComposite } from './feather-composite.js';
import { attentionBytes, DEFAULT_MAX_ATTENTION_BYTES, inpaint, type InpaintOptions, type InpaintResult, type Inpainter, type RgbImageLike } from './inpaint.js';
import { chooseLargeStrategy, holeBounds, planScale, upscalerFactors, DEFAULT_LARGE_SIDE, type LargeSettings, type ScalePlan, type UpscalerName } from './large-strategy.js';
import { reflectPad } from './reflect-pad.js';

/**
 * Low-resolution pixels around the shrunken hole that are also refilled: the bicubic shrink (antialiased, support
 * 2 low-resolution pixels each side) spreads every full-resolution pixel over the two low-resolution neighbours on
 * each side, so these would otherwise carry some of what was in the hole (the person) into the fill.
 */
export const SHRINK_SPREAD = 2;

/** Where the upscaler for a factor comes from, and which factors it has. */
export interface UpscalerSource {
  readonly factors: readonly number[];
  open(factor: number): Promise<Upscaler>;
}

export interface ScaledInpaintOptions extends Pick<InpaintOptions, 'passes' | 'erode'> {
  /** Longest side of the shrunken copy (default 512). */
  side?: number;
  /** Width of the seam feather inside the hole's edge, in full-resolution pixels (default: the shrink factor). */
  feather?: number;
}

export interface ScaledInpaintResult extends InpaintResult {
  plan: ScalePlan;
  /** The upscaler's one-line description. */
  upscaler: string;
}

/** The hole shrunk by `factor`: a low-resolution pixel is hole when any full-resolution pixel it covers is. */
function shrinkHole(hole: Mask, factor: number, width: number, height: number): Mask {
  const data = new Uint8Array(width * height);
  for (let y = 0; y < hole.height; y++) {
    for (let x = 0; x < hole.width; x++) if (hole.data[y * hole.width + x] !== 0) data[Math.floor(y / factor) * width + Math.floor(x / factor)] = 1;
  }
  return { width, height, data };
}

/**
 * The `scale` strategy for a large photo: pad the photo (by reflection, right and bottom) to multiples of the
 * factor, shrink it bicubically to at most `side` a side, fill the shrunken hole (grown by SHRINK_SPREAD) in one
 * network run, enlarge the part of the fill around the hole with the upscaler, and put it into the full-resolution
 * photo inside the hole only, its seam feathered over `feather` pixels inward (featherComposite). Every pixel outside
 * the hole keeps its value; nothing under the hole reaches the result.
 * @example const out = await inpaintScaled(engine, photo, hole, { factors: [4], open: async () => bicubicUpscaler(4) });
 */
export async function inpaintScaled(net: Inpainter, image: RgbImageLike, mask: Mask, upscalers: UpscalerSource, options: ScaledInpaintOptions = {}): Promise<ScaledInpaintResult> {
  const { width, height } = image;
  if (mask.width !== width || mask.height !== height) throw invalidParameter('mask', `a ${width}×${height} mask (the image's size)`, `${mask.width}×${mask.height}`);
  const side = options.side ?? DEFAULT_LARGE_SIDE;
  if (!Number.isInteger(side) || side < 16) throw invalidParameter('side', 'an integer of at least 16', side);
  const plan = planScale(width, height, side, upscalers.factors);
  const f = plan.factor;
  const feather = options.feather ?? f;
  if (!Number.isInteger(feather) || feather < 0) throw invalidParameter('feather', 'a non-negative integer', feather);
  const hole: Mask = { width, height, data: mask.data.map((v) => (v === 0 ? 0 : 1)) };
  const upscaler = await upscalers.open(f);
  const box = holeBounds(hole);
  if (!box) return { data: Uint8Array.from(image.data), width, height, plan, upscaler: upscaler.description };

  const pad = { top: 0, left: 0, right: plan.paddedWidth - width, bottom: plan.paddedHeight - height };
  const padded = reflectPad({ data: image.data, width, height, channels: 3 }, pad);
  const paddedHole = reflectPad({ data: hole.data, width, height, channels: 1 }, pad);
  const low = resizeBicubic(padded, plan.lowWidth, plan.lowHeight);
  const lowHole = dilate(shrinkHole({ width: padded.width, height: padded.height, data: paddedHole.data }, f, plan.lowWidth, plan.lowHeight), {
    iterations: SHRINK_SPREAD,
    kernel: 'square',
  });
  const fits = attentionBytes(plan.lowWidth, plan.lowHeight, net) <= DEFAULT_MAX_ATTENTION_BYTES;
  const filled = await inpaint(net, low, lowHole, { passes: options.passes, erode: options.erode, ...(fits ? {} : { tiles: 'auto' as const }) });

  // The full-resolution pixels the composite reads (the hole and the ring `feather` wide around it), in low-resolution pixels.
  const x0 = Math.floor(Math.max(0, box.x - feather) / f);
  const y0 = Math.floor(Math.max(0, box.y - feather) / f);
  const x1 = Math.ceil(Math.min(width, box.x + box.width + feather) / f);
  const y1 = Math.ceil(Math.min(height, box.y + box.height + feather) / f);
  const region = { x: x0, y: y0, width: x1 - x0, height: y1 - y0 };
  const enlarged = await upscaler.upscale(filled, { region });
  const at = { x: x0 * f, y: y0 * f, width: enlarged.width, height: enlarged.height };
  return { data: featherComposite(image, hole, enlarged.data, at, feather), width, height, plan, upscaler: upscaler.description };
}

/**
 * The upscalers `--upscaler` names, opened on first use per factor and kept. ESRGAN runs on TensorFlow.js: when the
 * inpainting engine is onnxruntime, a tfjs backend is initialised for it first: a GPU one for `onnx-webgpu` (`auto`),
 * a CPU one for `onnx` (tensorflow, else wasm, else cpu: the GPU is not probed when the user chose the CPU).
 */
function upscalerSource(name: UpscalerName, engine: EngineName, log: (line: string) => void, threads: number | undefined, opened: Map<number, Upscaler>): UpscalerSource {
  return {
    factors: upscalerFactors(name),
    async open(factor: number): Promise<Upscaler> {
      const known = opened.get(factor);
      if (known) return known;
      let upscaler: Upscaler;
      if (name === 'bicubic') upscaler = bicubicUpscaler(factor);
      else {
        if ((engine === 'onnx' || engine === 'onnx-webgpu') && opened.size === 0) {
          const info = await initBackend(engine === 'onnx' ? 'tensorflow' : 'auto', { ...(threads !== undefined ? { threads } : {}) });
          log(`upscaler backend: TensorFlow.js ${info.name} (${info.detail}); the generator stays on ${engine}`);
        }
        upscaler = await loadEsrgan(parseEsrganSize(name.slice('esrgan-'.length)), parseEsrganScale(factor));
      }
      opened.set(factor, upscaler);
      return upscaler;
    },
  };
}

/**
 * `bgfill inpaint --large`: for each photo too large for one network run, decide between tiles and scale (see
 * chooseLargeStrategy), say so, and run `scale` here; `tiles` is left to the caller (undefined is returned).
 * @example
 * const large = new LargePhotoFiller(engine, 'onnx', settings, log);
 * const result = await large.fill('a.jpg', image, mask, { passes: 1 }); // undefined: tile it
 * large.dispose();
 */
export class LargePhotoFiller {
  private readonly opened = new Map<number, Upscaler>();
  private readonly source: UpscalerSource;
  constructor(
    private readonly net: Inpainter,
    engine: EngineName,
    private readonly settings: LargeSettings,
    private readonly log: (line: string) => void,
    threads?: number,
  ) {
    this.source = upscalerSource(settings.upscaler, engine, log, threads, this.opened);
  }

  async fill(file: string, image: RgbImageLike, mask: Mask, strategy: InpaintOptions): Promise<InpaintResult | undefined> {
    const decision = chooseLargeStrategy(this.settings.strategy, mask);
    const chose = this.settings.strategy === 'auto' ? `--large auto chose ${decision.strategy}` : `--large ${decision.strategy}`;
    if (decision.strategy === 'tiles') {
      if (this.settings.strategy === 'auto') this.log(`${file}: ${chose}: ${decision.reason}`);
      return undefined;
    }
    const result = await inpaintScaled(this.net, image, mask, this.source, { passes: strategy.passes, erode: strategy.erode, side: this.settings.side });
    const { plan } = result;
    this.log(`${file}: ${chose}: ${decision.reason}; filled a ×${plan.factor} smaller copy (${plan.lowWidth}×${plan.lowHeight}), enlarged with ${result.upscaler}`);
    return { data: result.data, width: result.width, height: result.height };
  }

  dispose(): void {
    for (const u of this.opened.values()) u.dispose();
    this.opened.clear();
  }
}

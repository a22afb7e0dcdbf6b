import { skimageResize, type ResizeSource } from './skimage-resize.js';
import { U2NET_INPUT_SIZE } from './u2net-architecture.js';

/** ImageNet's per-channel mean and standard deviation (R, G, B), as the authors' `ToTensorLab(flag=0)` uses them. */
export const IMAGENET_MEAN = [0.485, 0.456, 0.406] as const;
export const IMAGENET_STD = [0.229, 0.224, 0.225] as const;

/**
 * The network input for one photo, as the authors' test scripts make it (`RescaleT(320)` then `ToTensorLab(flag=0)`):
 * skimage's resize to `height` × `width` (320 × 320: the aspect ratio is not kept; see skimage-resize.ts), divided by its largest
 * value over every pixel and channel, then (x − mean) / std per channel. Float64, HWC, RGB. A black photo (largest
 * value 0, where the authors' script divides by zero) is left at 0 before the mean and std.
 * @example const x = u2netInput({ data, width: 640, height: 360, channels: 3 }); // 320 · 320 · 3 values
 */
export function u2netInput(image: ResizeSource, height: number = U2NET_INPUT_SIZE, width: number = height): Float64Array {
  if (image.channels !== 3) throw new Error(`internal: u2netInput takes RGB, got ${image.channels} channels`);
  const x = skimageResize(image, height, width);
  let max = 0;
  for (const v of x) if (v > max) max = v;
  for (let i = 0; i < x.length; i++) {
    const c = i % 3;
    x[i] = ((max > 0 ? x[i] / max : x[i]) - IMAGENET_MEAN[c]) / IMAGENET_STD[c];
  }
  return x;
}

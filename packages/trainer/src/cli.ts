import type { Command } from 'commander';
import { registerTrainCommand } from './train/cli-train.js';

/**
 * `bgfill inpaint`: options only. The work happens in ./inference/run-inpaint.js, imported inside the action so
 * that `bgfill --help` does not load TensorFlow.js.
 * @example registerInpaintCommand(new Command('bgfill'))
 */
export function registerInpaintCommand(program: Command): void {
  program
    .command('inpaint')
    .description('Fill the masked part of images with a trained generator (files or folders matched by name)')
    .requiredOption('--checkpoint <file>', 'generator weights: bgfill checkpoint, PyTorch .pth or .safetensors')
    .requiredOption('--image <path>', 'an image, or a folder of images')
    .option('--mask <path>', 'hole mask (white = hole), or a folder of masks named like the images')
    .option('--mask-from <path>', 'person segmentation map (or folder) turned into the hole: thresholded, resized, dilated')
    .requiredOption('--out <path>', 'output image (.png/.jpg/.webp/.tif), or a folder (writes <name>.png)')
    .option('--threshold <t>', 'hole where mask value / max > t', '0.5')
    .option('--dilate <n>', 'grow the hole by n iterations of a 3×3 square', '0')
    .option('--passes <n>', 'refill passes: pass k refills the hole eroded by k·K (see --erode)', '1')
    .option('--erode <K>', 'erosion iterations between passes', '0')
    .option('--tiles <CxR|auto>', 'inpaint a grid of overlapping tiles separately and feather them together, e.g. 2x2; auto: tiles of at most 512 px (needed above about 512×512: self-attention memory grows with the square of the pixels)')
    .option('--overlap <px>', 'tile overlap in pixels (default: 1/7 of a tile side, at least 1/8 of the tile)')
    .option('--save-raw <path>', 'also write the refined output as float32 NPY (NHWC, −1…1): a file, or a folder for folders')
    .option('--backend <name>', 'auto, webgpu, tensorflow, wasm or cpu', 'auto')
    .option('--threads <n>', 'wasm threads (default: BGFILL_WASM_THREADS, else the CPU cores, at most 8)')
    .option('--non-strict', 'load weights whose keys or shapes do not all match (prints warnings)')
    .option('--overwrite', 'redo images whose outputs exist (default: keep them, so an interrupted run resumes)')
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill inpaint --checkpoint runs/a/epoch-0012/generator.safetensors --image photos/ --mask-from seg/ --threshold 0.1 --dilate 10 --out filled/\n  $ bgfill inpaint --checkpoint model.pth --image room.jpg --mask hole.png --passes 2 --erode 8 --tiles 2x2 --out room-filled.png --save-raw room.npy',
    )
    .action(async (options: import('./inference/run-inpaint.js').InpaintCommandOptions) => {
      const { runInpaintCommand } = await import('./inference/run-inpaint.js');
      await runInpaintCommand(options);
    });
}

/**
 * Adds the trainer's commands: `bgfill inpaint` (and `bgfill train`, from ./train/cli-train.js).
 * @example registerTrainerCommands(program); // in packages/cli/src/commands.ts
 */
export function registerTrainerCommands(program: Command): void {
  registerInpaintCommand(program);
  registerTrainCommand(program);
}

import type { Command } from 'commander';
import { addOutputOptions } from '@bgfill/core';

/**
 * `bgfill upscale`: options only; the work happens in ./run-upscale.js, loaded inside the action so that
 * `bgfill --help` does not load TensorFlow.js.
 * @example registerUpscaleCommand(program)
 */
export function registerUpscaleCommand(program: Command): void {
  const upscale = program
    .command('upscale')
    .description("Enlarge images with an ESRGAN super-resolution net (UpscalerJS' models, shipped in npm packages: offline)")
    .requiredOption('--image <path>', 'an image, or a folder of images')
    .requiredOption('--out <path>', 'output image (.png/.jpg/.webp/.tif), or a folder (writes <name>.png)')
    .option('--scale <n>', 'enlargement: 2, 3, 4 or 8', '4')
    .option('--model <size>', 'thick (the only size that beats bicubic on PSNR/SSIM; slowest), medium (9× faster) or slim (26× faster); medium and slim draw sharper detail than bicubic but score below it', 'thick')
    .option('--backend <name>', 'auto, webgpu, tensorflow, wasm or cpu (auto tries them in that order)', 'auto')
    .option('--tile <px>', 'tile side in input pixels; each tile runs with its context margin (the net\'s receptive field, at most 18 px), so seams do not show; 0: whole image at once', '128')
    .option('--threads <n>', 'wasm threads (default: BGFILL_WASM_THREADS, else the cores, at most 8)')
    .option('--overwrite', 'redo images whose outputs exist (default: keep them, so an interrupted run resumes)');
  addOutputOptions(upscale, 'print a JSON summary on stdout: backend, model, written, kept and failed files with reasons')
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill upscale --image photo.jpg --out photo-x4.png                  # ×4 with esrgan thick\n  $ bgfill upscale --image photos/ --out big/ --scale 2 --model slim --backend wasm --json',
    )
    .action(async (options: import('./run-upscale.js').UpscaleCommandOptions) => {
      const { runUpscaleCommand } = await import('./run-upscale.js');
      await runUpscaleCommand(options);
    });
}

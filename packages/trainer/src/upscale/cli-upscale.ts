import type { Command } from 'commander';

/**
 * `bgfill upscale`: options only; the work happens in ./run-upscale.js, loaded inside the action so that
 * `bgfill --help` does not load TensorFlow.js.
 * @example registerUpscaleCommand(program)
 */
export function registerUpscaleCommand(program: Command): void {
  program
    .command('upscale')
    .description("Enlarge images with an ESRGAN super-resolution net (UpscalerJS' models, shipped in npm packages: offline)")
    .requiredOption('--image <path>', 'an image, or a folder of images')
    .requiredOption('--out <path>', 'output image (.png/.jpg/.webp/.tif), or a folder (writes <name>.png)')
    .option('--scale <n>', 'enlargement: 2, 3, 4 or 8', '4')
    .option('--model <size>', 'slim (fastest), medium or thick (slowest, sharpest)', 'medium')
    .option('--backend <name>', 'auto, webgpu, tensorflow, wasm or cpu (auto tries them in that order)', 'auto')
    .option('--tile <px>', 'tile side in input pixels; each tile runs with its context margin (the net\'s receptive field, at most 18 px), so seams do not show; 0: whole image at once', '128')
    .option('--threads <n>', 'wasm threads (default: BGFILL_WASM_THREADS, else the cores, at most 8)')
    .option('--overwrite', 'redo images whose outputs exist (default: keep them, so an interrupted run resumes)')
    .option('--no-progress', 'no progress bar')
    .option('--json', 'print a JSON summary on stdout (written, kept, failed files with reasons)')
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill upscale --image photo.jpg --out photo-x4.png\n  $ bgfill upscale --image photos/ --out big/ --scale 2 --model slim --backend wasm --json',
    )
    .action(async (options: import('./run-upscale.js').UpscaleCommandOptions) => {
      const { runUpscaleCommand } = await import('./run-upscale.js');
      await runUpscaleCommand(options);
    });
}

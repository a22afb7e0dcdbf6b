import type { Command } from 'commander';
import { addOutputOptions, progressOption } from '@bgfill/core';
import { ARCH_OPTION_HELP } from './arch/help.js';
import { registerTrainCommand } from './train/cli-train.js';
import { registerSegmentCommand } from './segment/cli-segment.js';
import { registerUpscaleCommand } from './upscale/cli-upscale.js';

/**
 * `bgfill inpaint`: options only. The work happens in ./inference/run-inpaint.js, imported inside the action so
 * that `bgfill --help` does not load TensorFlow.js.
 * @example registerInpaintCommand(new Command('bgfill'))
 */
export function registerInpaintCommand(program: Command): void {
  const inpaint = program
    .command('inpaint')
    .description('Fill the masked part of images with a trained generator, or a classical fill (files or folders matched by name)')
    .option('--checkpoint <file>', 'generator weights: bgfill checkpoint, PyTorch .pth or .safetensors (required unless --method telea|ns|mean)')
    .option('--arch <name>', ARCH_OPTION_HELP)
    .option('--method <name>', 'net (the checkpoint), or a classical fill without one: telea, ns (as cv2.inpaint\'s INPAINT_TELEA / INPAINT_NS), mean (the hole border\'s colour)', 'net')
    .option('--radius <px>', 'neighbourhood radius of --method telea|ns (cv2.inpaint\'s inpaintRadius) (default: 3)')
    .requiredOption('--image <path>', 'an image, or a folder of images')
    .option('--mask <path>', 'hole mask (white = hole), or a folder of masks named like the images')
    .option('--mask-from <path>', 'person segmentation map (or folder) turned into the hole: thresholded, resized, dilated')
    .option('--segment <file>', "U²-Net weights (the authors' u2net_human_seg.pth): segment each photo as `bgfill segment` does, then threshold and dilate the map into the hole; a photo where nothing is found is copied unchanged, with a warning")
    .requiredOption('--out <path>', 'output image (.png/.jpg/.webp/.tif), or a folder (writes <name>.png)')
    .option('--threshold <t>', "hole where mask value / max > t (default: 0.5; with --segment 0.1, the study's recipe)")
    .option('--dilate <n>', "grow the hole by n iterations of a 3×3 square (default: 0; with --segment 10, the study's recipe)")
    .option('--passes <n>', 'refill passes: pass k refills the hole eroded by k·K (see --erode)', '1')
    .option('--erode <K>', 'erosion iterations between passes', '0')
    .option('--tiles <CxR|auto>', 'inpaint a grid of overlapping tiles separately and feather them together, e.g. 2x2; auto: tiles of at most 512 px (needed above about 512×512: self-attention memory grows with the square of the pixels)')
    .option('--large <strategy>', 'photos above about 512×512: tiles (fill at full resolution in tiles), scale (fill a shrunken copy, the whole scene at once, and enlarge the fill into the hole) or auto (scale when the hole spans at least 25 % of the photo\'s width or height, else tiles; says which and why)', 'auto')
    .option('--upscaler <name>', 'what enlarges the fill for --large scale: bicubic, esrgan-slim, esrgan-medium or esrgan-thick (ESRGAN: UpscalerJS\' models, on TensorFlow.js); medium draws sharper detail than bicubic at 1/9 of thick\'s CPU time, thick is the faithful one (bench/RESULTS.md) (default: esrgan-medium)')
    .option('--overlap <px>', 'tile overlap in pixels (default: 1/7 of a tile side, at least 1/8 of the tile)')
    .option('--save-raw <path>', 'also write the refined output as float32 NPY (NHWC, −1…1): a file, or a folder for folders')
    .option('--save-mask <path>', 'also write the hole mask as used (PNG, white = hole, after threshold and dilation): a file, or a folder for folders')
    .option('--backend <name>', 'auto, onnx-webgpu, webgpu, tensorflow, onnx, wasm or cpu (onnx-webgpu / onnx: onnxruntime on the GPU / CPU; auto tries webgpu, tensorflow, onnx, wasm, cpu)', 'auto')
    .option('--threads <n>', 'CPU threads for onnx (default: BGFILL_ONNX_THREADS, else the CPU cores) or wasm (BGFILL_WASM_THREADS, else the cores, at most 8)')
    .option('--batch-size <n>', 'same-size images per network run (single-pass jobs without --tiles or --save-raw; fewer where self-attention memory needs it) (default: 8 on a GPU, 1 on a CPU)')
    .option('--non-strict', 'load weights whose keys or shapes do not all match (prints warnings)')
    .option('--scaled-attention', 'the net divides attention energy by √d (cannot be read from PyTorch weights; bgfill checkpoints store it)')
    .option('--overwrite', 'redo images whose outputs exist (default: keep them, so an interrupted run resumes)');
  addOutputOptions(inpaint, 'print a JSON summary on stdout: backend, written, kept and failed files with reasons')
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill inpaint --checkpoint runs/a/epoch-0012/generator.safetensors --image photos/ --mask-from seg/ --threshold 0.1 --dilate 10 --out filled/\n  $ bgfill inpaint --checkpoint InpaintSANet.pth --segment u2net_human_seg.pth --threshold 0.1 --dilate 10 --image photos/ --out filled/ --save-mask holes/\n  $ bgfill inpaint --checkpoint model.pth --image room.jpg --mask hole.png --passes 2 --erode 8 --tiles 2x2 --out room-filled.png --save-raw room.npy\n  $ bgfill inpaint --backend onnx --threads 2 --checkpoint model.pth --image room.jpg --mask hole.png --out room-filled.png\n  $ bgfill inpaint --checkpoint model.pth --image street-4000x3000.jpg --mask person.png --large scale --upscaler esrgan-thick --out street-filled.png\n  $ bgfill inpaint --arch rfrnet --checkpoint RFR_places2.pth --image room.jpg --mask hole.png --out room-filled.png\n  $ bgfill inpaint --method telea --radius 5 --image photos/ --mask masks/ --out telea/',
    )
    .action(async (options: import('./inference/inpaint-command.js').InpaintCommandOptions) => {
      const { runInpaintCommand } = await import('./inference/run-inpaint.js');
      await runInpaintCommand({ ...options, progress: progressOption(options) });
    });
}

/**
 * `bgfill export onnx`: options only. The work happens in ./onnx/run-export.js, imported inside the action.
 * @example registerExportCommand(new Command('bgfill'))
 */
export function registerExportCommand(program: Command): void {
  const exportCommand = program.command('export').description('Convert a generator checkpoint to another format');
  exportCommand
    .command('onnx')
    .description('Write a checkpoint as an ONNX model (opset 17, NCHW, inputs image/mask[/guidance]; any architecture, see --arch)')
    .requiredOption('--checkpoint <file>', 'generator weights: bgfill checkpoint, PyTorch .pth or .safetensors')
    .option('--arch <name>', ARCH_OPTION_HELP)
    .requiredOption('--out <file>', 'the ONNX file to write (written atomically; an existing file is replaced)')
    .option('--non-strict', 'export weights whose keys or shapes do not all match (prints warnings)')
    .option('--scaled-attention', 'the net divides attention energy by √d (cannot be read from PyTorch weights; bgfill checkpoints store it)')
    .option('--no-check', 'skip running the exported model once with onnxruntime against TensorFlow.js')
    .option('--json', 'print a JSON summary on stdout: the file, its size and the check against TensorFlow.js')
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill export onnx --checkpoint runs/a/epoch-0012/generator.safetensors --out generator.onnx\n' +
        '  $ bgfill export onnx --checkpoint RFR_places2.pth --out rfrnet.onnx\n' +
        '\nThe file runs in onnxruntime (any language) or loads in PyTorch users\' tools: image [N,3,H,W], mask [N,1,H,W] (1 = hole);\n' +
        'InpaintSANet: image in −1…1, H and W multiples of 4, outputs coarse/refined/composite; RFR-Net: image in 0…1, multiples\n' +
        'of 16, outputs output/composite. Initializers are named by the PyTorch state_dict keys.',
    )
    .action(async (options: import('./onnx/run-export.js').ExportOnnxCommandOptions & { json?: boolean }) => {
      const { runExportOnnxCommand } = await import('./onnx/run-export.js');
      const { commandOutput } = await import('@bgfill/core');
      const { json, ...rest } = options;
      commandOutput({ json }).result(await runExportOnnxCommand(rest));
    });
}

/**
 * Adds the trainer's commands: `bgfill inpaint`, `bgfill export onnx` (and `bgfill train`, from ./train/cli-train.js;
 * `bgfill segment`, from ./segment/cli-segment.js; `bgfill upscale`, from ./upscale/cli-upscale.js).
 * @example registerTrainerCommands(program); // in packages/cli/src/commands.ts
 */
export function registerTrainerCommands(program: Command): void {
  registerInpaintCommand(program);
  registerExportCommand(program);
  registerTrainCommand(program);
  registerSegmentCommand(program);
  registerUpscaleCommand(program);
}

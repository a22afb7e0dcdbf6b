import { addOutputOptions } from '@bgfill/core';
import type { Command } from 'commander';

/**
 * `bgfill segment`: options only. The work happens in ./run-segment.js, imported inside the action so that
 * `bgfill --help` loads neither TensorFlow.js nor onnxruntime.
 * @example registerSegmentCommand(new Command('bgfill'))
 */
export function registerSegmentCommand(program: Command): void {
  addOutputOptions(
    program
      .command('segment')
      .description("Person (or salient-object) maps with U²-Net, as the authors' test script writes them: <name>.png, 8-bit, the photo's size")
      .requiredOption('--checkpoint <file>', "U²-Net weights: the authors' u2net_human_seg.pth, u2net.pth or u2netp.pth (U2NET or U2NETP, told apart by the weights)")
      .requiredOption('--image <path>', 'a photo, or a folder of photos')
      .requiredOption('--out <path>', 'the map file (.png) for one photo, or a folder (writes <name>.png, as the authors do)')
      .option('--backend <name>', 'auto, onnx-webgpu, webgpu, tensorflow, onnx, wasm or cpu (auto tries webgpu, tensorflow, onnx, wasm, cpu: onnx on CPUs)', 'auto')
      .option('--threads <n>', 'CPU threads for onnx (default: BGFILL_ONNX_THREADS, else the CPU cores) or wasm (BGFILL_WASM_THREADS, else the cores, at most 8)')
      .option('--batch-size <n>', 'photos per network run (all become 320×320) (default: 8 on a GPU, 1 on a CPU)')
      .option('--overwrite', 'redo photos whose maps exist (default: keep them, so an interrupted run resumes)'),
    'print the summary as JSON on stdout (written, existing, failed, noPerson); messages stay on stderr',
  )
    .addHelpText(
      'after',
      '\nExample:\n  $ bgfill segment --checkpoint u2net_human_seg.pth --image photos/ --out maps/\n' +
        '  $ bgfill segment --checkpoint u2netp.pth --image room.jpg --out room-map.png --backend wasm\n' +
        "\nThe maps are the authors' (xuebinqin/U-2-Net, u2net_test.py): resize to 320×320, the fused output d0 min–max normalised,\n" +
        'resized back bilinearly. Use them with `bgfill inpaint --mask-from maps/ --threshold 0.1 --dilate 10`, or segment and\n' +
        'inpaint in one go with `bgfill inpaint --segment u2net_human_seg.pth`. Weights: https://github.com/xuebinqin/U-2-Net',
    )
    .action(async (options: import('./run-segment.js').SegmentCommandOptions) => {
      const { runSegmentCommand } = await import('./run-segment.js');
      await runSegmentCommand(options);
    });
}

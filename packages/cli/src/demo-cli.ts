import { type Command, Option } from 'commander';
import { relative } from 'node:path';
import { addOutputOptions, commandOutput, parseIntegerOption, parseNumberOption } from '@bgfill/core';

import { DEMO_DEFAULTS as D } from './demo-defaults.js';

/** Adds `bgfill demo`: the whole pipeline on the embedded sample photos. */
export function registerDemoCommand(program: Command): void {
  const demo = program
    .command('demo')
    .description(
      'Run the whole pipeline on the embedded sample photos: masks → dataset bundle → fine-tune a small generator → score every epoch → HTML report',
    )
    .option('--out <dir>', 'output folder (replaced if it holds an earlier demo)', D.out)
    .option('--size <px>', 'side of the square training images', String(D.size))
    .option('--cnum <n>', 'generator width (InpaintSANet uses 32)', String(D.cnum))
    .option('--epochs <n>', 'training epochs (one checkpoint each)', String(D.epochs))
    .option('--steps-per-epoch <n>', 'training steps per epoch', String(D.stepsPerEpoch))
    .option('--batch-size <n>', 'images per training step', String(D.batchSize))
    .option('--lr <rate>', 'generator learning rate', String(D.lr))
    .addOption(new Option('--backend <name>', 'tfjs backend').choices(['auto', 'webgpu', 'tensorflow', 'wasm', 'cpu']).default(D.backend))
    .option('--masks <recipe>', 'mask recipe for training and for the fixed validation masks', D.masks)
    .option('--images <dir>', 'folder of scene photos to use instead of the embedded samples')
    .option('--init <checkpoint>', 'fine-tune from these weights instead of training from scratch: a PyTorch .pth, .safetensors, bgfill checkpoint or an earlier run\'s epoch folder (--cnum then comes from them); the report compares every epoch with them (default: from scratch)')
    .option('--seed <n>', 'seed for masks, splits, initialisation and data order', String(D.seed))
    .option('--overwrite', 'replace an output folder that holds other files', false);
  addOutputOptions(demo, 'print a JSON summary on stdout: best epoch and where each artefact went (the human lines go to stderr)')
    .addHelpText(
      'after',
      `
On 2 CPU cores the defaults finish in a few minutes. On a GPU, scale up, for example:
  $ bgfill demo --size 256 --cnum 32 --epochs 12 --steps-per-epoch 200 --batch-size 8 --backend webgpu

Example:
  $ bgfill demo
  $ bgfill demo --out /tmp/demo --epochs 6
  $ bgfill demo --out demo-2 --init bgfill-demo/run/epoch-0004     # fine-tune the first demo's last epoch
  $ bgfill eval --run demo-2/run --data demo-2/bundle --compare scratch=bgfill-demo/run/epoch-0002 --baseline telea,ns`,
    )
    .action(async (opts: Record<string, string | boolean | undefined>) => {
      const { runDemo, SAMPLE_SCENES } = await import('./demo.js');
      const int = (name: string, key: string, min: number, max: number) => parseIntegerOption(String(opts[key]), name, min, max);
      const out = commandOutput({ json: opts.json === true });
      const log = (line: string) => out.info(line);
      const result = await runDemo({
        out: String(opts.out),
        size: int('--size', 'size', 16, 4096),
        cnum: int('--cnum', 'cnum', 1, 256),
        epochs: int('--epochs', 'epochs', 1, 1000),
        stepsPerEpoch: int('--steps-per-epoch', 'stepsPerEpoch', 1, 1_000_000),
        batchSize: int('--batch-size', 'batchSize', 1, 1024),
        lr: parseNumberOption(String(opts.lr), '--lr', 1e-8, 1),
        backend: String(opts.backend),
        seed: int('--seed', 'seed', 0, 2 ** 31 - 1),
        masks: String(opts.masks),
        images: typeof opts.images === 'string' ? opts.images : SAMPLE_SCENES,
        ...(typeof opts.init === 'string' ? { init: opts.init } : {}),
        overwrite: opts.overwrite === true,
        ...(opts.progress === false ? { progress: false } : {}),
        log,
      });
      const rel = (p: string) => {
        const r = relative(process.cwd(), p);
        return r === '' ? '.' : r.startsWith('..') ? p : r;
      };
      log(`
Done. Best epoch: ${result.bestEpoch}. ${result.verdict}
  masks and preview   ${rel(result.masks)}/, ${rel(result.maskPreview)}
  dataset bundle      ${rel(result.bundle)}/ (dataset.json, *.tfrecord, *.index)
  training run        ${rel(result.run)}/ (config.json, log.jsonl, epoch-NNNN/)
  scores              ${rel(result.eval)}/ (scores.csv, scores.md, best.json, plot.svg, grid.png)
  report              ${rel(result.report)}  ← open this in a browser`);
      out.result(result);
    });
}

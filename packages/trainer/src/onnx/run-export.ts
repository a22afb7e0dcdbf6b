import { basename, extname } from 'node:path';
import * as tf from '@tensorflow/tfjs';
import { BgfillError, atomicWriteFile, rngFor } from '@bgfill/core';
import { initBackend } from '../backend/init-backend.js';
import { architectureNamed, loadInpaintNet, parseArchOption } from '../arch/registry.js';
import type { InpaintNet } from '../arch/net.js';
import type { OnnxIo } from '../arch/types.js';
import { tfjsEngine } from '../inference/tfjs-engine.js';
import { OnnxEngine } from './onnx-engine.js';
import { loadOnnxRuntime, ONNXRUNTIME_MODULE } from './onnx-runtime.js';

/** `bgfill export onnx` options as commander hands them over. */
export interface ExportOnnxCommandOptions {
  checkpoint: string;
  /** The checkpoint's architecture (`--arch`); default: detected (see loadInpaintNet). */
  arch?: string;
  out: string;
  nonStrict?: boolean;
  /** The net scales attention energy by 1/√d (for weight files without a stored config). */
  scaledAttention?: boolean;
  /** Run the exported model once against TensorFlow.js before writing (default true; `--no-check` sets false). */
  check?: boolean;
  /** The onnxruntime module for the check (default 'onnxruntime-node'). */
  onnxModule?: string;
}

export interface ExportOnnxSummary {
  out: string;
  bytes: number;
  /**
   * Largest |onnxruntime − tfjs| over the check's outputs and the net's own float32 sensitivity (largest tfjs output
   * change under a rounding-sized input change), or why the check did not run.
   */
  check: { maxAbsDiff: number; sensitivity: number } | { skipped: string };
}

/**
 * The export check's verdict: `match` within EXPORT_CHECK_TOLERANCE; `inconclusive` when the difference is within
 * SENSITIVITY_FACTOR × what float32 rounding alone moves the net's outputs (such a net cannot tell); else `mismatch`.
 * @example judgeExportCheck(2e-3, 5e-4) // → 'inconclusive'; judgeExportCheck(2e-3, 1e-6) // → 'mismatch'
 */
export function judgeExportCheck(maxAbsDiff: number, sensitivity: number): 'match' | 'inconclusive' | 'mismatch' {
  if (maxAbsDiff <= EXPORT_CHECK_TOLERANCE) return 'match';
  return maxAbsDiff <= SENSITIVITY_FACTOR * sensitivity ? 'inconclusive' : 'mismatch';
}

/** Relative input change of the sensitivity probe: about 16 float32 ulps, the size of summation-order differences. */
const PROBE_STEP = 1e-6;
/** A difference within this many times the net's own sensitivity says nothing about the export. */
const SENSITIVITY_FACTOR = 10;

/** Largest difference the check accepts: float32 summation order differs, wrong layers differ by far more. */
export const EXPORT_CHECK_TOLERANCE = 1e-3;

/** The check's input: one 64×64 image of seeded noise (in the network's range) with a centred 32×32 hole. */
function checkInput(net: InpaintNet): { image: Float32Array; mask: Float32Array; n: number; height: number; width: number } {
  const size = 64;
  const rng = rngFor(0, 'export-onnx-check');
  const image = net.pixels.toNet(Uint8Array.from({ length: size * size * 3 }, () => rng.int(0, 255)));
  const mask = Float32Array.from({ length: size * size }, (_, p) => {
    const y = Math.floor(p / size);
    const x = p % size;
    return y >= 16 && y < 48 && x >= 16 && x < 48 ? 1 : 0;
  });
  return { image, mask, n: 1, height: size, width: size };
}

async function checkAgainstTfjs(generator: InpaintNet, model: Uint8Array, io: OnnxIo, module: string): Promise<ExportOnnxSummary['check']> {
  const load = await loadOnnxRuntime(module);
  if (!load.ok) return { skipped: load.reason };
  const engine = await OnnxEngine.fromModel(model, io, { runtime: load.runtime, threads: 1 });
  try {
    const input = checkInput(generator);
    // The same input nudged by a rounding-sized amount: how far float32 noise alone moves this net's outputs.
    // Untrained or unusual weights can amplify it past any fixed bound (PyTorch fp32 against fp64 differs as much).
    const nudged = { ...input, image: input.image.map((v, i) => v * (1 + (i % 2 === 0 ? PROBE_STEP : -PROBE_STEP))) };
    let worst = 0;
    let sensitivity = 0;
    for (const output of ['refined', 'composite'] as const) {
      const expected = await tfjsEngine(generator).run(input, output);
      const actual = await engine.run(input, output);
      const moved = await tfjsEngine(generator).run(nudged, output);
      for (let i = 0; i < expected.length; i++) {
        worst = Math.max(worst, Math.abs(expected[i] - actual[i]));
        sensitivity = Math.max(sensitivity, Math.abs(expected[i] - moved[i]));
      }
    }
    return { maxAbsDiff: worst, sensitivity };
  } finally {
    await engine.dispose();
  }
}

/**
 * `bgfill export onnx`: load a checkpoint (strict unless `nonStrict`), export it (opset 17, NCHW, initializers
 * named by state_dict keys), run it once with onnxruntime against TensorFlow.js on a 64×64 input with a hole
 * (unless `check` is false, or onnxruntime is missing: then the check is skipped and said so), and write the file
 * atomically. A bad checkpoint throws a BgfillError naming the file.
 * @example await runExportOnnxCommand({ checkpoint: 'g.safetensors', out: 'g.onnx' });
 */
export async function runExportOnnxCommand(
  options: ExportOnnxCommandOptions,
  log: (line: string) => void = (l) => process.stderr.write(`${l}\n`),
): Promise<ExportOnnxSummary> {
  if (extname(options.out).toLowerCase() !== '.onnx') {
    throw new BgfillError(`--out ${options.out}: the file name must end in .onnx`, { subject: options.out });
  }
  const requested = parseArchOption(options.arch);
  // Weights pass through tfjs variables, and the check runs the tfjs generator: wasm when it loads, else cpu.
  await initBackend('wasm');
  const generator = await loadInpaintNet(options.checkpoint, {
    ...(requested !== undefined ? { arch: requested } : {}),
    strict: options.nonStrict !== true,
    ...(options.scaledAttention ? { config: { scaledAttention: true } } : {}),
    onWarning: (message) => log(`warning: ${message}`),
    onNote: log,
  });
  try {
    const arch = architectureNamed(generator.arch);
    const model = await arch.exportOnnx(generator, { 'bgfill.source': basename(options.checkpoint) });
    let check: ExportOnnxSummary['check'] = { skipped: '--no-check' };
    if (options.check !== false) {
      check = await checkAgainstTfjs(generator, model, arch.onnxIo(generator), options.onnxModule ?? ONNXRUNTIME_MODULE);
      const verdict = 'maxAbsDiff' in check ? judgeExportCheck(check.maxAbsDiff, check.sensitivity) : 'match';
      if (verdict !== 'match' && 'maxAbsDiff' in check) {
        if (verdict === 'mismatch') {
          throw new BgfillError(
            `${options.checkpoint}: the exported model differs from TensorFlow.js by ${check.maxAbsDiff.toExponential(2)} (more than ${EXPORT_CHECK_TOLERANCE}, ` +
              `and more than ${SENSITIVITY_FACTOR}× the ${check.sensitivity.toExponential(1)} that float32 rounding alone moves this net's outputs); not written. This is a bgfill bug: please report it`,
            { subject: options.checkpoint },
          );
        }
        log(
          `check inconclusive: onnxruntime and TensorFlow.js differ by ${check.maxAbsDiff.toExponential(1)}, but a ${PROBE_STEP} relative change of the input ` +
            `already moves this net's outputs by ${check.sensitivity.toExponential(1)} (float32 rounding is amplified: common for untrained weights); the file is written`,
        );
      }
    }
    await atomicWriteFile(options.out, model);
    log(`wrote ${options.out} (${(model.length / 2 ** 20).toFixed(1)} MiB, ${generator.describe().replace(/^the /, '')}, opset 17)`);
    if (!('maxAbsDiff' in check)) log(`check skipped: ${check.skipped}`);
    else if (check.maxAbsDiff <= EXPORT_CHECK_TOLERANCE) log(`check: onnxruntime matches TensorFlow.js (${tf.getBackend()}) within ${check.maxAbsDiff.toExponential(1)} on a 64×64 input`);
    return { out: options.out, bytes: model.length, check };
  } finally {
    generator.dispose();
  }
}

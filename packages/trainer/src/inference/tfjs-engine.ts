import * as tf from '@tensorflow/tfjs';
import { isEngine, type EngineInput, type EngineOutputName, type InpaintEngine, type Inpainter, type InpaintNetwork } from './engine.js';

/**
 * An engine over a TensorFlow.js network on the current tfjs backend: the input becomes NHWC tensors, `apply`
 * runs in inference mode, the requested output is read back. The engine does not own the network (dispose()
 * leaves it alone).
 * @example const engine = tfjsEngine(generator); const refined = await engine.run(input, 'refined');
 */
export function tfjsEngine(net: InpaintNetwork): InpaintEngine {
  return {
    requiredMultiple: net.requiredMultiple,
    ...(net.pixels ? { pixels: net.pixels } : {}),
    ...(net.attentionBytes ? { attentionBytes: (width: number, height: number) => net.attentionBytes!(width, height) } : {}),
    get description() {
      return `TensorFlow.js (${tf.getBackend()})`;
    },
    async run({ image, mask, n, height, width }: EngineInput, output: EngineOutputName): Promise<Float32Array> {
      const result = tf.tidy(() => {
        const x = tf.tensor4d(image, [n, height, width, 3]);
        const m = tf.tensor4d(mask, [n, height, width, 1]);
        return net.apply(x, m, { training: false })[output];
      });
      try {
        return (await result.data()) as Float32Array;
      } finally {
        result.dispose();
      }
    },
    async dispose(): Promise<void> {},
  };
}

/**
 * An engine as is, or a tfjs network wrapped by tfjsEngine.
 * @example const engine = asEngine(generator); // or asEngine(onnxEngine) === onnxEngine
 */
export function asEngine(net: Inpainter): InpaintEngine {
  return isEngine(net) ? net : tfjsEngine(net);
}

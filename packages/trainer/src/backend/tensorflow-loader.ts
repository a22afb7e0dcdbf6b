import * as tf from '@tensorflow/tfjs';
import { firstLine, type LoadResult } from './load-result.js';

/** The native bindings, best first. Both register the `tensorflow` backend when their addon loads. */
const NATIVE_PACKAGES = [
  { name: '@tensorflow/tfjs-node-gpu', kind: 'CUDA' },
  { name: '@tensorflow/tfjs-node', kind: 'CPU' },
] as const;

function whyNot(name: string, err: unknown): string {
  const code = (err as { code?: unknown }).code;
  if (code === 'ERR_MODULE_NOT_FOUND' || code === 'MODULE_NOT_FOUND') {
    if (firstLine(err).includes(`'${name}'`)) return `${name} is not installed`;
  }
  const line = firstLine(err);
  const addon = /native addon module \(([^)]+)\) can not be found/.exec(line);
  if (addon) return `${name} is installed but its native addon (${addon[1]}) was never built or downloaded`;
  return `${name} does not load: ${line}`;
}

/**
 * Load native TensorFlow through tfjs-node-gpu or tfjs-node. They are optional: not installed, or installed
 * without a loadable native addon (no libtensorflow download, wrong CUDA), is reported in one line per package.
 * @example const r = await loadTensorflow(); // { ok: false, reason: "@tensorflow/tfjs-node-gpu does not load: …" }
 */
export async function loadTensorflow(): Promise<LoadResult> {
  const reasons: string[] = [];
  for (const { name, kind } of NATIVE_PACKAGES) {
    try {
      // A string variable keeps TypeScript from requiring the optional packages at compile time.
      const specifier: string = name;
      await import(specifier);
    } catch (err) {
      reasons.push(whyNot(name, err));
      continue;
    }
    try {
      if (await tf.setBackend('tensorflow')) return { ok: true, detail: `native TensorFlow (${kind}) through ${name}` };
      reasons.push(`${name} loaded but its backend did not initialise`);
    } catch (err) {
      reasons.push(`${name} loaded but failed: ${firstLine(err)}`);
    }
  }
  return { ok: false, reason: reasons.join('; ') };
}

import { firstLine } from '../backend/load-result.js';
import { ONNX_IR_VERSION, ONNX_OPSET } from './export-generator.js';
import { encodeOnnxModel, TensorDataType } from './onnx-proto.js';
import type { OnnxProvider } from './onnx-engine.js';
import type { OnnxRuntime } from './onnx-runtime.js';

/** A one-node model (y = Relu(x), x of shape [4]): enough to make a provider create its device and run a kernel. */
function probeModel(): Uint8Array {
  const io = (name: string) => ({ name, elemType: TensorDataType.FLOAT, dims: [4] });
  return encodeOnnxModel({
    irVersion: ONNX_IR_VERSION,
    opsetVersion: ONNX_OPSET,
    producerName: 'bgfill',
    producerVersion: 'probe',
    docString: '',
    graph: { name: 'probe', nodes: [{ opType: 'Relu', name: 'relu', inputs: ['x'], outputs: ['y'], attributes: [] }], initializers: [], inputs: [io('x')], outputs: [io('y')] },
    metadata: {},
  });
}

/**
 * Whether onnxruntime's `provider` works here: a session on a one-node model is created and run once, and its
 * answer checked. Never throws; the reason is one line (e.g. "Failed to get a WebGPU adapter: No supported adapters").
 * onnxruntime silently falls back to its CPU provider for nodes a provider lacks, so a correct answer alone proves
 * little: the session must also have been created with only `provider` listed, which fails when its device does not.
 * @example const probe = await probeOnnxProvider(runtime, 'webgpu'); if (!probe.ok) log(probe.reason);
 */
export async function probeOnnxProvider(runtime: OnnxRuntime, provider: OnnxProvider): Promise<{ ok: true } | { ok: false; reason: string }> {
  try {
    const session = await runtime.InferenceSession.create(probeModel(), { executionProviders: [provider], logSeverityLevel: 3 });
    try {
      const out = await session.run({ x: new runtime.Tensor('float32', Float32Array.from([-1, 0, 2, -3]), [4]) });
      const y = out.y?.data;
      if (!(y instanceof Float32Array) || Array.from(y).join() !== '0,0,2,0') return { ok: false, reason: `the ${provider} provider computed a wrong result` };
    } finally {
      await session.release();
    }
    return { ok: true };
  } catch (err) {
    // onnxruntime's messages start with a source location; keep the part after the last "was false. " if any.
    const line = firstLine(err);
    return { ok: false, reason: `the ${provider} provider does not start: ${line.includes('was false. ') ? line.slice(line.lastIndexOf('was false. ') + 11) : line}` };
  }
}

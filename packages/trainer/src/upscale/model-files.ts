import { readFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import type * as tf from '@tensorflow/tfjs';
import { badFile, errorMessage } from '@bgfill/core';

/** The parts of a TensorFlow.js layers-model `model.json` that loading needs. */
interface ModelJson {
  format?: string;
  generatedBy?: string;
  convertedBy?: string;
  modelTopology: tf.io.ModelJSON['modelTopology'];
  weightsManifest: tf.io.WeightsManifestConfig;
}

function parseModelJson(path: string, text: string): ModelJson {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (err) {
    throw badFile(path, `not a TensorFlow.js model.json (${errorMessage(err)})`);
  }
  const m = json as Partial<ModelJson> | null;
  if (m === null || typeof m !== 'object' || typeof m.modelTopology !== 'object' || m.modelTopology === null || !Array.isArray(m.weightsManifest)) {
    throw badFile(path, 'not a TensorFlow.js model.json (needs modelTopology and weightsManifest)');
  }
  if (m.format !== undefined && m.format !== 'layers-model') throw badFile(path, `a ${m.format}, not a layers-model`);
  return m as ModelJson;
}

/** Bytes one weight takes by dtype (the formats the converter writes without quantization). */
const DTYPE_BYTES: Readonly<Record<string, number>> = { float32: 4, int32: 4, bool: 1 };

/**
 * Read a layers-model `model.json` and the weight shards its manifest names (paths relative to the JSON file) into
 * the artifacts `tf.loadLayersModel` takes, checking that the shards hold exactly the bytes the weight specs
 * describe. Nothing goes over the network: this is the file:// loading tfjs-node provides, for any backend.
 * @example const model = await tf.loadLayersModel({ load: () => readLayersModelArtifacts('models/x4/model.json') });
 */
export async function readLayersModelArtifacts(modelJsonPath: string): Promise<tf.io.ModelArtifacts> {
  let text: string;
  try {
    text = await readFile(modelJsonPath, 'utf8');
  } catch (err) {
    throw badFile(modelJsonPath, `cannot read the model file (${errorMessage(err)})`);
  }
  const json = parseModelJson(modelJsonPath, text);
  const weightSpecs: tf.io.WeightsManifestEntry[] = [];
  const shards: Uint8Array[] = [];
  for (const group of json.weightsManifest) {
    weightSpecs.push(...group.weights);
    for (const path of group.paths) {
      const file = join(dirname(modelJsonPath), path);
      try {
        shards.push(await readFile(file));
      } catch (err) {
        throw badFile(file, `weight shard of ${modelJsonPath} cannot be read (${errorMessage(err)})`);
      }
    }
  }
  let expected = 0;
  for (const spec of weightSpecs) {
    const bytes = DTYPE_BYTES[spec.dtype];
    if (spec.quantization !== undefined || bytes === undefined) {
      throw badFile(modelJsonPath, `weight ${spec.name}: ${spec.quantization ? 'quantized weights' : `dtype ${spec.dtype}`} not supported`);
    }
    expected += bytes * spec.shape.reduce((a, b) => a * b, 1);
  }
  const total = shards.reduce((n, s) => n + s.length, 0);
  if (total !== expected) throw badFile(modelJsonPath, `its weight shards hold ${total} bytes but its weights need ${expected}`);
  const weightData = new Uint8Array(total);
  let offset = 0;
  for (const s of shards) {
    weightData.set(s, offset);
    offset += s.length;
  }
  return {
    modelTopology: json.modelTopology,
    weightSpecs,
    weightData: weightData.buffer,
    format: json.format,
    generatedBy: json.generatedBy,
    convertedBy: json.convertedBy,
  };
}

/**
 * A tfjs IOHandler that loads a layers model from files on disk (see readLayersModelArtifacts).
 * @example const model = await tf.loadLayersModel(fileModelHandler('models/x4/model.json'));
 */
export function fileModelHandler(modelJsonPath: string): tf.io.IOHandler {
  return { load: () => readLayersModelArtifacts(modelJsonPath) };
}

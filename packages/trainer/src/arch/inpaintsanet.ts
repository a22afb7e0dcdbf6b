import { generatorParamSpecs } from '../model/architecture.js';
import { DEFAULT_GENERATOR_CONFIG, resolveGeneratorConfig, type GeneratorConfig } from '../model/config.js';
import { InpaintGenerator } from '../model/generator.js';
import { exportGeneratorOnnx, generatorOnnxIo } from '../onnx/export-generator.js';
import { generatorFromFile } from '../weights/checkpoint.js';
import { GENERATOR_ANCHOR_KEY } from '../weights/generator-prefix.js';
import { inferGeneratorConfig } from '../weights/infer-config.js';
import { inpaintSaNetTraining } from '../train/inpaintsanet-training.js';
import type { WeightMap } from '../weights/weight-tensor.js';
import type { InpaintNet } from './net.js';
import type { Architecture, OnnxIo } from './types.js';

/** The network as an InpaintGenerator (what every InpaintSANet network of the registry is). */
function generatorOf(net: InpaintNet): InpaintGenerator {
  if (!(net instanceof InpaintGenerator)) throw new Error(`internal: ${net.arch} network given to the InpaintSANet architecture`);
  return net;
}

/** The config the weights' shapes suggest, or the default one where they suggest nothing usable. */
function likelyConfig(weights: WeightMap): GeneratorConfig {
  try {
    return resolveGeneratorConfig(inferGeneratorConfig(weights));
  } catch {
    return DEFAULT_GENERATOR_CONFIG;
  }
}

/**
 * InpaintSANet (gated convolutions, coarse + refine stages, self-attention): the model in src/model, its weights in
 * src/weights, its ONNX graph in src/onnx. Pixels in −1…1, mask 1 = hole, sizes multiples of 4.
 */
export const inpaintSaNet: Architecture = {
  name: 'inpaintsanet',
  title: 'InpaintSANet: gated convolutions, coarse and refine stages, self-attention',
  conventions: 'RGB in −1…1, mask 1 = hole (one channel), height and width multiples of 4',
  anchorKey: GENERATOR_ANCHOR_KEY,
  expectedKeys: (weights) => new Set(generatorParamSpecs(likelyConfig(weights)).map((s) => s.name)),
  create: (config, seed) => new InpaintGenerator(config as Partial<GeneratorConfig>, { seed }),
  fromFile: (file, options) => generatorFromFile(file, { ...options, config: options.config as Partial<GeneratorConfig> | undefined }),
  exportOnnx: (net, metadata) => exportGeneratorOnnx(generatorOf(net), { metadata }),
  onnxIo: (net): OnnxIo => generatorOnnxIo(generatorOf(net).config),
  training: inpaintSaNetTraining,
};

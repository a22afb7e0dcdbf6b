import { BgfillError, badFile } from '@bgfill/core';
import { UNIT_PIXELS } from '../inference/pixel-range.js';
import { resolveRfrNetConfig, type RfrNetConfig } from '../rfrnet/config.js';
import { RFRNET_MULTIPLE, rfrNetParamSpecs } from '../rfrnet/layout.js';
import { RfrNet, inferRfrNetWidth } from '../rfrnet/network.js';
import { exportRfrNetOnnx, RFRNET_ONNX_OUTPUTS } from '../rfrnet/onnx-graph.js';
import { rfrNetTraining } from '../rfrnet/training.js';
import { storedConfig } from '../weights/checkpoint.js';
import { loadedOrDisposed } from '../model/param-store.js';
import { selectNetworkWeights } from '../weights/generator-prefix.js';
import type { WeightMap } from '../weights/weight-tensor.js';
import type { InpaintNet } from './net.js';
import type { Architecture, OnnxIo } from './types.js';

/** RFR-Net's first layer: every state_dict of it has this key. */
export const RFRNET_ANCHOR_KEY = 'Pconv1.weight';

function rfrNetOf(net: InpaintNet): RfrNet {
  if (!(net instanceof RfrNet)) throw new Error(`internal: ${net.arch} network given to the RFR-Net architecture`);
  return net;
}

/** The config the weights suggest (the width of their first layer), else the default. */
function likelyConfig(weights: WeightMap): RfrNetConfig {
  try {
    return resolveRfrNetConfig({ width: inferRfrNetWidth(weights) });
  } catch {
    return resolveRfrNetConfig();
  }
}

/**
 * RFR-Net (Li et al., CVPR 2020): partial convolutions, a feature-reasoning module run 6 times with shared weights,
 * knowledge-consistent attention. Reads the authors' checkpoints as they save them (`{n_iter, generator,
 * optimizer_G}`, utils/io.py `save_ckpt`), plain state_dicts, safetensors and bgfill checkpoints. Pixels in 0…1;
 * inside the network the mask is 1 = known on three channels (bgfill's API takes 1 = hole and inverts it); sizes
 * multiples of 16.
 */
export const rfrNet: Architecture = {
  name: 'rfrnet',
  title: 'RFR-Net: recurrent feature reasoning, Li et al., CVPR 2020',
  conventions: 'RGB in 0…1, mask 1 = known on three channels inside the network (bgfill passes 1 = hole and inverts it), height and width multiples of 16',
  anchorKey: RFRNET_ANCHOR_KEY,
  expectedKeys: (weights) => new Set(rfrNetParamSpecs(likelyConfig(weights)).map((s) => s.name)),
  create: (config, seed) => new RfrNet(config as Partial<RfrNetConfig>, { seed }),
  fromFile(file, options) {
    const weights = selectNetworkWeights(file, RFRNET_ANCHOR_KEY, options.onNote);
    const width = inferRfrNetWidth(weights);
    let config: RfrNetConfig;
    try {
      config = resolveRfrNetConfig({ ...(width !== undefined ? { width } : {}), ...storedConfig(file), ...(options.config ?? {}) });
    } catch (err) {
      if (err instanceof BgfillError) throw badFile(file.source, `cannot build RFR-Net from these weights: ${err.message}`, err);
      throw err;
    }
    return loadedOrDisposed((initial) => new RfrNet(config, { initial }), weights, { strict: options.strict ?? true, onWarning: options.onWarning, source: file.source });
  },
  exportOnnx: async (net, metadata) => exportRfrNetOnnx(rfrNetOf(net), { metadata }),
  onnxIo(net): OnnxIo {
    const r = rfrNetOf(net);
    return {
      requiredMultiple: RFRNET_MULTIPLE,
      pixels: UNIT_PIXELS,
      guidance: false,
      outputs: RFRNET_ONNX_OUTPUTS,
      attentionBytes: (width, height) => r.attentionBytes(width, height),
    };
  },
  training: rfrNetTraining,
};

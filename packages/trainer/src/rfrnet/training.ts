import { BgfillError } from '@bgfill/core';
import type { ArchTraining, TrainingKit } from '../arch/training.js';
import type { InpaintNet } from '../arch/net.js';
import { Adam } from '../train/adam.js';
import { RFRNET_LOSS_NAMES, rfrnetTrainSchema, type TrainConfig } from '../train/config.js';
import { readWeightFile } from '../weights/checkpoint.js';
import { RfrNet } from './network.js';
import { rfrTrainStep } from './train-step.js';
import type { MappedWeight } from '../weights/key-mapping.js';
import { VGG16_FILE, Vgg16Features, checkVgg16Weights } from './vgg16.js';

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

function rfrNetOf(net: InpaintNet): RfrNet {
  if (!(net instanceof RfrNet)) throw new Error(`internal: ${net.arch} network given to RFR-Net's training`);
  return net;
}

/**
 * How RFR-Net trains: the authors' objective (rfrObjective: L1 valid ×1 and hole ×6, perceptual ×0.05 and style
 * ×120 on VGG-16 pool1–3, total variation ×0.1; weights in `rfrnet.loss`), Adam on the trainable parameters, no
 * discriminator. With --init (fine-tuning) every batch norm stays on its running statistics, as the authors'
 * `finetune` mode does, unless `rfrnet.batchNorm` says 'train'.
 */
export const rfrNetTraining: ArchTraining = {
  lossNames: RFRNET_LOSS_NAMES,
  async prepare(config, { log }) {
    const inpaintSaNetOnly = Object.entries(config.generator).filter(([, v]) => v !== undefined).map(([k]) => `generator.${k}`);
    if (inpaintSaNetOnly.length > 0) {
      throw new BgfillError(
        `${inpaintSaNetOnly.join(', ')} (--cnum) apply to --arch inpaintsanet; RFR-Net's width comes from --init or rfrnet.width`,
        { subject: 'generator' },
      );
    }
    const rfr = rfrnetTrainSchema.parse(config.rfrnet ?? {});
    const needsVgg = rfr.loss.perceptual > 0 || rfr.loss.style > 0;
    if (needsVgg && rfr.vgg === null) {
      throw new BgfillError(
        `RFR-Net's perceptual and style losses need torchvision's ImageNet VGG-16 weights: pass --vgg ${VGG16_FILE} ` +
          '(https://download.pytorch.org/models/vgg16-397923af.pth), or set rfrnet.loss.perceptual and rfrnet.loss.style to 0',
        { subject: 'rfrnet.vgg' },
      );
    }
    // Read and check the VGG weights now, before any network is built.
    let vggWeights: ReadonlyMap<string, MappedWeight> | undefined;
    if (needsVgg && rfr.vgg !== null) {
      const file = await readWeightFile(rfr.vgg);
      vggWeights = checkVgg16Weights(file.weights, file.source);
    }
    const batchNorm = rfr.batchNorm ?? (config.init !== null ? 'frozen' : 'train');
    const w = rfr.loss;
    log(
      `RFR-Net objective: L1 valid ×${w.valid} and hole ×${w.hole}, perceptual ×${w.perceptual} and style ×${w.style} (VGG-16 pool1–3), TV ×${w.tv}; ` +
        `batch norm ${batchNorm === 'frozen' ? 'frozen on its running statistics (the authors\' fine-tuning mode)' : 'on batch statistics'}; ` +
        `InpaintSANet's loss.* and discriminator.* settings are not used`,
    );
    const netConfig = { ...(rfr.width !== undefined ? { width: rfr.width } : {}), ...(rfr.iterations !== undefined ? { iterations: rfr.iterations } : {}) };
    return {
      netConfig,
      resolve: (c: TrainConfig, net: InpaintNet): TrainConfig => {
        const { width, iterations } = rfrNetOf(net).config;
        return { ...c, rfrnet: { ...rfr, width, iterations, batchNorm } };
      },
      async setup(net, trainable): Promise<TrainingKit> {
        const rfrNet = rfrNetOf(net);
        const vgg = vggWeights ? Vgg16Features.fromWeights(vggWeights) : undefined;
        const optimizer = new Adam(rfrNet.params, trainable, { betas: config.optimizer.betas, eps: config.optimizer.eps });
        return {
          lossNames: RFRNET_LOSS_NAMES,
          progressFormat: ' | {ips} img/s | hole {hole} | style {style}',
          progressValues: (l) => ({ hole: fmt(l.l1Hole), style: fmt(l.style) }),
          parts: { generator: rfrNet, gOptimizer: optimizer },
          step: (batch, options) => rfrTrainStep({ net: rfrNet, vgg, optimizer, weights: rfr.loss, frozenBatchNorm: batchNorm === 'frozen' }, batch, options),
          dispose() {
            vgg?.dispose();
            optimizer.dispose();
          },
        };
      },
    };
  },
};

import { BgfillError } from '@bgfill/core';
import { msssimTensor } from '@bgfill/eval';
import type { ArchTraining, TrainingKit } from '../arch/training.js';
import type { InpaintNet } from '../arch/net.js';
import { InpaintGenerator } from '../model/generator.js';
import { Adam } from './adam.js';
import { LOSS_NAMES, type LossName, type TrainConfig } from './config.js';
import { SnPatchDiscriminator } from './discriminator.js';
import { chooseMsssimScales } from './msssim-loss.js';
import { trainStep } from './step.js';

const fmt = (v: number): string => (Math.abs(v) >= 1e-3 || v === 0 ? v.toFixed(4) : v.toExponential(2));

function generatorOf(net: InpaintNet): InpaintGenerator {
  if (!(net instanceof InpaintGenerator)) throw new Error(`internal: ${net.arch} network given to InpaintSANet's training`);
  return net;
}

/**
 * How InpaintSANet trains (src/train/README.md): L1 on the coarse and refined outputs, hinge GAN against an
 * SN-PatchGAN discriminator, optional 1 − MS-SSIM; Adam for both networks.
 */
export const inpaintSaNetTraining: ArchTraining = {
  lossNames: LOSS_NAMES,
  async prepare(config, { side, log }) {
    if (config.rfrnet !== undefined) {
      throw new BgfillError('the "rfrnet" settings apply to --arch rfrnet, and this run trains InpaintSANet', { subject: 'rfrnet' });
    }
    const msssim = config.loss.msssim > 0 ? chooseMsssimScales(side, config.loss.msssimScales, config.loss.msssimWindow) : undefined;
    return {
      netConfig: config.generator,
      resolve: (c: TrainConfig, net: InpaintNet): TrainConfig => ({ ...c, generator: { ...generatorOf(net).config, inChannels: 4 } }),
      async setup(net, trainable): Promise<TrainingKit> {
        const generator = generatorOf(net);
        if (generator.config.inChannels !== 4) throw new BgfillError('training supports 4-channel generators (image + mask) only', { subject: 'generator.inChannels' });
        const discriminator = new SnPatchDiscriminator({ cnum: config.discriminator.cnum, powerIterations: config.discriminator.powerIterations }, { seed: config.seed });
        const { betas, eps } = config.optimizer;
        const gOptimizer = new Adam(generator.params, trainable, { betas, eps });
        const dOptimizer = new Adam(discriminator.params, [...discriminator.params.keys()], { betas, eps });
        if (msssim) log(`MS-SSIM loss: ${msssim.scales} scales, window ${msssim.windowSize}`);
        const { scales, windowSize } = msssim ?? { scales: 0, windowSize: 0 };
        const similarity = msssim ? (pred: Parameters<typeof msssimTensor>[0], target: Parameters<typeof msssimTensor>[1]) => msssimTensor(pred, target, { dataRange: 2, scales, windowSize }) : undefined;
        return {
          lossNames: LOSS_NAMES,
          progressFormat: ' | {ips} img/s | L1 {l1} | adv {adv} | D {d}',
          progressValues: (l) => ({ l1: fmt(l.l1Refined), adv: fmt(l.adv), d: fmt(l.dTotal) }),
          parts: { generator, discriminator, gOptimizer, dOptimizer },
          step: async (batch, o) =>
            trainStep({ generator, discriminator, gOptimizer, dOptimizer, similarity }, batch, {
              loss: config.loss,
              gLr: o.gLr,
              dLr: o.dLr,
              step: o.step,
              injectNan: o.injectNan as LossName | undefined,
            }),
          dispose() {
            for (const d of [discriminator, gOptimizer, dOptimizer]) d.dispose();
          },
        };
      },
    };
  },
};

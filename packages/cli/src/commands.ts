import type { Command } from 'commander';
import { registerDemoCommand } from './demo-cli.js';
import { registerMasksCommands } from '@bgfill/masks/cli';
import { registerDatasetCommands } from '@bgfill/dataset/cli';
import { registerEvalCommands } from '@bgfill/eval/cli';
import { registerTrainerCommands } from '@bgfill/trainer/cli';

/**
 * Each package adds its own subcommands; this list is the only place that knows them all.
 * A package's `cli.ts` only declares options: heavy modules (tfjs, sharp pipelines) load inside actions.
 */
export function registerCommands(program: Command): void {
  registerMasksCommands(program);
  registerDatasetCommands(program);
  registerTrainerCommands(program);
  registerEvalCommands(program, {
    loadPredictor: async (p, o) => (await import('@bgfill/trainer')).createPredictor(p, o),
    resolveBackend: async (requested, log) => {
      const { selectEngine, parseEngineRequest } = await import('@bgfill/trainer');
      return (await selectEngine(parseEngineRequest(requested), { log })).name;
    },
    checkArch: async (name) => void (await import('@bgfill/trainer')).parseArchOption(name),
  });
  registerDemoCommand(program);
}

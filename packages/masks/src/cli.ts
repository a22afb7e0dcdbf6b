import type { Command } from 'commander';

/** Adds `bgfill masks …`. */
export function registerMasksCommands(program: Command): void {
  program.command('masks').description('Generate and analyse inpainting masks');
}

import { BgfillError, commandOutput } from '@bgfill/core';
import { DEFAULT_ARCH } from '../arch/registry.js';
import { configValueAt, readConfigFile, resolveTrainConfig, type TrainConfig } from './config.js';
import { listEpochs } from './epoch-dir.js';
import { readRunConfig } from './run-folder.js';
import { train, type TrainResult } from './train.js';

/** Fields a resumed run may change: more epochs, another backend or its kernels, a moved bundle (or VGG weights file). */
const RESUMABLE_CHANGES = new Set(['epochs', 'backend', 'kernels', 'data', 'out', 'rfrnet.vgg']);

export interface TrainCommandInput {
  configFile?: string;
  /** Dotted config paths → values given on the command line. */
  overrides: Record<string, unknown>;
  /** Dotted config path → the flag that set it, for messages. */
  flagOf: Record<string, string>;
  resume: boolean;
  progress: boolean;
  /** Human lines to stderr and a JSON summary on stdout (`--json`). */
  json?: boolean;
}

/**
 * Resolve the configuration of `bgfill train` and run it. A fresh run: the config file's fields, overridden by
 * flags. A resumed run: the run's config.json; flags may only extend `--epochs`, change `--backend` or `--kernels`,
 * or point `--data` elsewhere — any other difference is an error, since it would break the exact continuation —
 * unless the run finished no epoch: then it restarts from the beginning, and any setting may change.
 */
export async function resolveCommandConfig(input: TrainCommandInput): Promise<TrainConfig> {
  const base = input.configFile ? await readConfigFile(input.configFile) : {};
  const source = input.configFile ?? 'command line';
  if (!input.resume) {
    if (input.overrides.data === undefined && base.data === undefined) throw new BgfillError('--data is required (the dataset bundle to train on)', { subject: 'data' });
    return resolveTrainConfig(base, input.overrides, source);
  }
  const saved = await readRunConfig(String(input.overrides.out));
  const requested = { ...flatten(base), ...input.overrides };
  const resolved = resolveTrainConfig(saved as unknown as Record<string, unknown>, requested, source);
  // A run that finished no epoch restarts from the beginning on resume: nothing continues, so any setting may change
  // (the way out of a run that failed at its start, e.g. on a --crop larger than the images).
  if ((await listEpochs(resolved.out)).length === 0) return resolved;
  const conflicts: string[] = [];
  for (const path of Object.keys(requested)) {
    if (RESUMABLE_CHANGES.has(path)) continue;
    // config.json leaves InpaintSANet's name out (see the arch field): absent is that architecture.
    const before = JSON.stringify(configValueAt(saved, path) ?? (path === 'arch' ? DEFAULT_ARCH : undefined));
    const after = JSON.stringify(configValueAt(resolved, path));
    if (before !== after) conflicts.push(`${input.flagOf[path] ?? path} ${after} (the run has ${before})`);
  }
  if (conflicts.length > 0) {
    throw new BgfillError(`A resumed run keeps its config.json; these settings differ: ${conflicts.join(', ')}`, { subject: 'resume' });
  }
  return resolved;
}

/** `{a: {b: 1}}` → `{'a.b': 1}` (arrays are values). */
function flatten(value: Record<string, unknown>, prefix = ''): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    if (v !== null && typeof v === 'object' && !Array.isArray(v)) Object.assign(out, flatten(v as Record<string, unknown>, `${prefix}${k}.`));
    else out[`${prefix}${k}`] = v;
  }
  return out;
}

/** The `bgfill train` action. */
export async function runTrainCommand(input: TrainCommandInput): Promise<TrainResult> {
  const out = commandOutput({ json: input.json });
  const config = await resolveCommandConfig(input);
  const result = await train(config, {
    resume: input.resume,
    progress: input.progress ? undefined : false,
    log: (line) => out.info(line),
  });
  out.info(`done: ${result.lastEpoch} epochs, ${result.globalStep} steps; checkpoints in ${result.runDir}`);
  out.result(result);
  return result;
}

/**
 * A recipe at a point of training: every ramp in it replaced by its value there (see ramp.ts).
 */
import type { MaskConfig, MixComponent, PostStepRecipe } from './config-types.js';
import { POST_STEP_SCHEMAS, type PostStep } from './post.js';
import { isRamp, numericKind, rampAt, type Ramp, type TrainingProgress } from './ramp.js';
import { leafSchema } from './registry.js';

/** The schema shape a node's options are read against (for which options are integers). */
function shapeOf(node: Record<string, unknown>): Record<string, unknown> {
  const schema = typeof node.op === 'string' ? POST_STEP_SCHEMAS[node.op as keyof typeof POST_STEP_SCHEMAS] : leafSchema(String(node.strategy));
  return (schema as { shape?: Record<string, unknown> } | undefined)?.shape ?? {};
}

/**
 * A leaf node (strategy options or a post step) with its ramps replaced by their values at `progress`; the node itself
 * when it has none.
 * @example resolveOptions({ strategy: 'person-bank', bank: 'b/', dilate: ramp }, { epoch: 3 })
 */
export function resolveOptions<T extends object>(node: T, progress: TrainingProgress | undefined): T {
  const record = node as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  for (const key of Object.keys(record)) {
    const value = record[key];
    if (!isRamp(value)) continue;
    out ??= { ...record };
    out[key] = rampAt(value, progress, numericKind(shapeOf(record)[key])?.integer ?? false);
  }
  return (out ?? node) as T;
}

/**
 * A mix weight at `progress`.
 * @example resolveWeight(0.5, undefined) // 0.5
 */
export function resolveWeight(weight: number | Ramp, progress: TrainingProgress | undefined): number {
  return isRamp(weight) ? (rampAt(weight, progress, false) as number) : weight;
}

/**
 * Post steps at `progress`.
 * @example resolvePost([{ op: 'dilate', iterations: ramp, kernel: 'square' }], { epoch: 2 })
 */
export function resolvePost(steps: ReadonlyArray<PostStepRecipe> | undefined, progress: TrainingProgress | undefined): PostStep[] | undefined {
  return steps?.map((s) => resolveOptions(s, progress) as PostStep);
}

/**
 * The whole recipe at `progress`: the same tree with every ramp replaced by its value (its end value without
 * progress). Subtrees without ramps are returned as they are (same objects).
 * @example formatMaskConfig(resolveConfig(parseMaskConfig('person-bank:b/(dilate=ramp(2,10,0,8))'), { epoch: 4 })) // 'person-bank:b/(dilate=6)'
 */
export function resolveConfig(config: MaskConfig, progress: TrainingProgress | undefined): MaskConfig {
  if (collectRamps(config).length === 0) return config;
  const post = resolvePost(config.post, progress);
  if (config.strategy === 'mix') {
    const components = config.components.map(
      (c): MixComponent => ({ weight: resolveWeight(c.weight, progress), config: resolveConfig(c.config, progress) }),
    );
    return { ...config, components, ...(post ? { post } : {}) };
  }
  if (config.strategy === 'union') return { ...config, parts: config.parts.map((p) => resolveConfig(p, progress)), ...(post ? { post } : {}) };
  return { ...resolveOptions(config, progress), ...(post ? { post } : {}) };
}

/**
 * Every ramp of a recipe, in tree order (options, then post steps; mix weights before their components).
 * @example collectRamps(parseMaskConfig('person-box')) // []
 */
export function collectRamps(config: MaskConfig, out: Ramp[] = []): Ramp[] {
  const fromObject = (o: object) => {
    for (const v of Object.values(o)) if (isRamp(v)) out.push(v);
  };
  if (config.strategy === 'mix') {
    for (const c of config.components) {
      if (isRamp(c.weight)) out.push(c.weight);
      collectRamps(c.config, out);
    }
  } else if (config.strategy === 'union') for (const p of config.parts) collectRamps(p, out);
  else fromObject(config);
  for (const step of config.post ?? []) fromObject(step);
  return out;
}

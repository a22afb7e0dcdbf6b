/**
 * How far an output pixel of a super-resolution layers model can see: the receptive-field radius, in input pixels,
 * read from the model's Keras topology. Tiles that carry at least this much context on every side (clipped at the
 * image border, where the convolutions' own zero padding then applies exactly as on the whole image) produce
 * the same values as one run on the whole image.
 *
 * Per tensor the walk keeps the radius gathered at the input's resolution (`lr`), the radius gathered since the
 * last upsampling (`hr`, in pixels of the current resolution) and that resolution's factor. A stride-1 convolution
 * of kernel k and dilation d adds d·(k − 1)/2 to the current resolution's radius; nearest-neighbour upsampling and
 * depth-to-space by s map an output pixel i to input pixel ⌊i / s⌋, so a radius r at the finer resolution needs
 * ⌈r / f⌉ input pixels; Add, Concatenate and the elementwise layers take the largest of their inputs.
 */

interface KerasLayer {
  class_name: string;
  name: string;
  config: Record<string, unknown>;
  inbound_nodes: unknown[];
}

interface Reach {
  lr: number;
  hr: number;
  factor: number;
}

/** Layers that look at one pixel at a time (or merge tensors pixel by pixel). */
const POINTWISE = new Set(['InputLayer', 'Activation', 'ReLU', 'LeakyReLU', 'PReLU', 'Add', 'Concatenate', 'Multiply', 'MultiplyBeta', 'Lambda', 'Rescaling']);

function layersOf(topology: unknown): KerasLayer[] {
  const t = topology as { model_config?: { config?: { layers?: unknown } }; config?: { layers?: unknown } } | null;
  const layers = t?.model_config?.config?.layers ?? t?.config?.layers;
  if (!Array.isArray(layers)) throw new Error('internal: not a Keras functional-model topology (no config.layers)');
  return layers as KerasLayer[];
}

/** Names of the layers feeding `layer` (Keras 2 inbound_nodes: [[[name, node, tensor, kwargs], …]]). */
function inputsOf(layer: KerasLayer): string[] {
  const names: string[] = [];
  for (const node of layer.inbound_nodes) {
    for (const entry of node as unknown[]) names.push((entry as unknown[])[0] as string);
  }
  return names;
}

function pair(value: unknown, layer: KerasLayer, key: string): [number, number] {
  const v = Array.isArray(value) ? value : [value, value];
  if (v.length !== 2 || !v.every((x) => Number.isInteger(x) && (x as number) >= 1)) {
    throw new Error(`internal: layer ${layer.name}: ${key} ${JSON.stringify(value)} not understood`);
  }
  return v as [number, number];
}

function step(layer: KerasLayer, inputs: Reach[]): Reach {
  const factor = inputs[0]?.factor ?? 1;
  if (inputs.some((r) => r.factor !== factor)) throw new Error(`internal: layer ${layer.name} merges tensors of different resolutions`);
  const merged: Reach = { lr: Math.max(0, ...inputs.map((r) => r.lr)), hr: Math.max(0, ...inputs.map((r) => r.hr)), factor };
  const cls = layer.class_name;
  if (POINTWISE.has(cls)) return merged;
  if (cls === 'Conv2D') {
    const [kh, kw] = pair(layer.config.kernel_size, layer, 'kernel_size');
    const [dh, dw] = pair(layer.config.dilation_rate ?? 1, layer, 'dilation_rate');
    const [sh, sw] = pair(layer.config.strides ?? 1, layer, 'strides');
    if (sh !== 1 || sw !== 1) throw new Error(`internal: layer ${layer.name}: strided convolutions are not tiled`);
    if (layer.config.padding !== 'same' && (kh > 1 || kw > 1)) throw new Error(`internal: layer ${layer.name}: only "same" padding keeps tiles aligned`);
    const r = Math.max((dh * (kh - 1)) / 2, (dw * (kw - 1)) / 2);
    return factor === 1 ? { ...merged, lr: merged.lr + Math.ceil(r) } : { ...merged, hr: merged.hr + r };
  }
  let s: number | undefined;
  if (cls === 'UpSampling2D') {
    const [a, b] = pair(layer.config.size, layer, 'size');
    if (a !== b) throw new Error(`internal: layer ${layer.name}: unequal upsampling ${a}×${b}`);
    s = a;
  } else {
    const shuffle = /^PixelShuffle(\d+)x$/.exec(cls);
    if (shuffle) s = Number(shuffle[1]);
  }
  if (s === undefined) throw new Error(`internal: layer ${layer.name}: class ${cls} has no known receptive field`);
  // Fold the radius gathered at the current resolution into input pixels, then continue at the finer one.
  return { lr: merged.lr + Math.ceil(merged.hr / factor), hr: 0, factor: factor * s };
}

/**
 * The receptive-field radius (input pixels) and total upscaling factor of a Keras layers-model topology, as
 * `model.json`'s `modelTopology` holds it. Throws (a plain Error: the models are bgfill's own dependency) on a
 * layer whose reach it cannot tell.
 * @example receptiveField(modelJson.modelTopology) // → { radius: 10, scale: 4 } for esrgan-slim ×4
 */
export function receptiveField(topology: unknown): { radius: number; scale: number } {
  const layers = layersOf(topology);
  const byName = new Map(layers.map((l) => [l.name, l]));
  const reach = new Map<string, Reach>();
  const visit = (name: string, depth: number): Reach => {
    const known = reach.get(name);
    if (known) return known;
    const layer = byName.get(name);
    if (!layer || depth > layers.length) throw new Error(`internal: layer ${name} missing or in a cycle`);
    const r = step(layer, inputsOf(layer).map((n) => visit(n, depth + 1)));
    reach.set(name, r);
    return r;
  };
  const t = topology as { model_config?: { config?: { output_layers?: unknown[][] } }; config?: { output_layers?: unknown[][] } };
  const outputs = (t.model_config?.config?.output_layers ?? t.config?.output_layers ?? []).map((o) => o[0] as string);
  if (outputs.length !== 1) throw new Error(`internal: expected one output layer, found ${outputs.length}`);
  const out = visit(outputs[0], 0);
  return { radius: out.lr + Math.ceil(out.hr / out.factor), scale: out.factor };
}

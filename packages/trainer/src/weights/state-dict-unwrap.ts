import { PyDict, PyObject, type PyValue } from './pickle.js';
import { TorchTensor } from './torch-tensor.js';

/**
 * Keys under which training scripts commonly nest a generator's state_dict, in the order they are tried
 * (`{'state_dict': …}` from Lightning-style checkpoints, `{'netG': …}` / `{'netG_state_dict': …}` from GAN scripts
 * such as GatedConvolution_pytorch, `{'model': …}`, …).
 */
export const STATE_DICT_KEYS = [
  'state_dict',
  'model_state_dict',
  'model',
  'netG',
  'netG_state_dict',
  'generator',
  'generator_state_dict',
  'G',
  'net_G',
  'net',
  'params',
] as const;

/** The DataParallel / DistributedDataParallel prefix stripped when every key has it. */
export const DATA_PARALLEL_PREFIX = 'module.';

function tensorEntries(value: PyValue): Array<[string, TorchTensor]> | null {
  if (!(value instanceof PyDict) || value.items.size === 0) return null;
  const entries: Array<[string, TorchTensor]> = [];
  for (const [key, item] of value.items) if (item instanceof TorchTensor) entries.push([String(key), item]);
  // A state_dict holds tensors (and possibly a few extra non-tensor entries such as `_extra_state`).
  return entries.length > 0 && entries.length >= value.items.size / 2 ? entries : null;
}

/** Why no state_dict was found, for the error message. */
function describeRoot(root: PyValue): string {
  if (root instanceof PyDict) return `a dict with keys ${[...root.items.keys()].slice(0, 20).map(String).join(', ') || '(none)'}`;
  if (root instanceof PyObject) {
    const hint = root.cls.path.startsWith('torch.nn') || root.cls.name.match(/Net|Generator|Model/) ? '; save model.state_dict() instead of the module' : '';
    return `a pickled ${root.cls.path} object${hint}`;
  }
  if (root instanceof TorchTensor) return 'a single tensor';
  return `a ${Array.isArray(root) ? 'list' : typeof root}`;
}

/**
 * Find the state_dict inside a loaded checkpoint: the root itself when it maps names to tensors, else the first
 * of {@link STATE_DICT_KEYS} (searched two levels deep) that does, else the only value that does. Strips a
 * `module.` prefix shared by every key. Throws an Error saying what the checkpoint holds when nothing fits.
 * @example
 * findStateDict(unpickled) // → [['coarse_net.0.conv2d.weight', TorchTensor], …]
 */
export function findStateDict(root: PyValue): Array<[string, TorchTensor]> {
  const found = search(root, 0);
  if (!found) throw new Error(`no state_dict (a mapping of names to tensors) found in ${describeRoot(root)}`);
  if (found.every(([key]) => key.startsWith(DATA_PARALLEL_PREFIX))) {
    return found.map(([key, t]) => [key.slice(DATA_PARALLEL_PREFIX.length), t]);
  }
  return found;
}

function search(value: PyValue, depth: number): Array<[string, TorchTensor]> | null {
  const direct = tensorEntries(value);
  if (direct) return direct;
  if (!(value instanceof PyDict) || depth >= 2) return null;
  for (const key of STATE_DICT_KEYS) {
    if (value.items.has(key)) {
      const nested = search(value.items.get(key) as PyValue, depth + 1);
      if (nested) return nested;
    }
  }
  const candidates = [...value.items.values()].map((v) => tensorEntries(v)).filter((e) => e !== null);
  return candidates.length === 1 ? candidates[0] : null;
}

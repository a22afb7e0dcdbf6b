import { readFile } from 'node:fs/promises';
import { unzipSync } from 'fflate';
import { badFile, BgfillError, errorMessage } from '@bgfill/core';
import { PyDict, PyGlobal, isTuple, unpickle, type PyValue } from './pickle.js';
import { findStateDict } from './state-dict-unwrap.js';
import { STORAGE_DTYPES, TORCH_DTYPES, TorchStorage, TorchTensor, materialize } from './torch-tensor.js';
import { DTYPE_BYTES, type WeightMap } from './weight-tensor.js';

/** First bytes of a zip archive (PyTorch ≥ 1.6 `torch.save`). */
const ZIP_MAGIC = [0x50, 0x4b, 0x03, 0x04];
/** The legacy format's first pickle holds this magic number (torch/serialization.py MAGIC_NUMBER). */
const LEGACY_MAGIC = 0x1950a86a20f9469cfc6cn;

/**
 * Read a file or take bytes, naming the source for messages (the path, or '<what bytes>').
 * @example
 * const { bytes, source } = await readSource('model.pth', 'checkpoint');
 */
export async function readSource(input: string | Uint8Array, what: string): Promise<{ bytes: Uint8Array; source: string }> {
  if (typeof input !== 'string') return { bytes: input, source: `<${what} bytes>` };
  try {
    const buffer = await readFile(input);
    return { bytes: new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength), source: input };
  } catch (err) {
    throw badFile(input, `cannot read (${errorMessage(err)})`, err);
  }
}

function storageDtype(type: PyValue): TorchStorage['dtype'] {
  const name = type instanceof PyGlobal ? type.name : String(type);
  return STORAGE_DTYPES[name] ?? { unsupported: name };
}

/** Rebuild functions of torch._utils / torch._tensor that state dicts use; everything else stays opaque. */
function callTorchGlobal(global: PyGlobal, args: readonly PyValue[]): PyValue | undefined {
  switch (global.path) {
    case 'torch._utils._rebuild_tensor':
    case 'torch._utils._rebuild_tensor_v2':
    case 'torch._utils._rebuild_tensor_v3': {
      const [storage, offset, size, stride] = args;
      if (!(storage instanceof TorchStorage)) throw new Error(`${global.name} without a storage`);
      let dtype = null;
      if (global.name === '_rebuild_tensor_v3') {
        const d = args[6];
        dtype = d instanceof PyGlobal ? (TORCH_DTYPES[d.name] ?? null) : null;
      }
      const ints = (v: PyValue) => (Array.isArray(v) ? (v as PyValue[]).map(Number) : []);
      return new TorchTensor(storage, Number(offset), ints(size), ints(stride), dtype);
    }
    case 'torch._utils._rebuild_parameter':
    case 'torch._utils._rebuild_parameter_with_state':
      return args[0];
    case 'torch._tensor._rebuild_from_type_v2':
    case 'torch._tensor._rebuild_from_type': {
      // (func, type, args, state): rebuild with func(*args), ignoring the subclass.
      const [fn, , inner] = args;
      if (fn instanceof PyGlobal && Array.isArray(inner)) return callTorchGlobal(fn, inner as PyValue[]) ?? null;
      return undefined;
    }
    default:
      return undefined;
  }
}

function toWeightMap(root: PyValue, source: string): WeightMap {
  let entries;
  try {
    entries = findStateDict(root);
  } catch (err) {
    throw badFile(source, errorMessage(err), err);
  }
  const weights: WeightMap = new Map();
  for (const [name, tensor] of entries) {
    try {
      weights.set(name, materialize(tensor));
    } catch (err) {
      throw badFile(source, `tensor ${name}: ${errorMessage(err)}`, err);
    }
  }
  return weights;
}

/** The zip format: `<archive>/data.pkl` with storages in `<archive>/data/<key>`. */
function readZipCheckpoint(bytes: Uint8Array, source: string): PyValue {
  let files: Record<string, Uint8Array>;
  try {
    files = unzipSync(bytes, { filter: (f) => /^[^/]+\/(data\.pkl|byteorder|data\/[^/]+)$/.test(f.name) });
  } catch (err) {
    throw badFile(source, `not a readable zip archive (${errorMessage(err)})`, err);
  }
  const pkl = Object.keys(files).find((name) => name.endsWith('/data.pkl'));
  if (!pkl) throw badFile(source, 'zip archive without data.pkl: not a PyTorch checkpoint');
  const prefix = pkl.slice(0, -'data.pkl'.length);
  const byteorder = files[`${prefix}byteorder`];
  if (byteorder && new TextDecoder().decode(byteorder).trim() !== 'little') {
    throw badFile(source, 'big-endian checkpoint; re-save it on a little-endian machine');
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: PyValue): PyValue => {
    if (!isTuple(pid) || pid[0] !== 'storage' || pid.length < 5) throw badFile(source, `unexpected persistent id in ${pkl}`);
    const [, type, key, , numel] = pid;
    const k = String(key);
    let storage = storages.get(k);
    if (!storage) {
      storage = new TorchStorage(storageDtype(type), k, Number(numel));
      storage.bytes = files[`${prefix}data/${k}`];
      storages.set(k, storage);
    }
    return storage;
  };
  return unpickle(files[pkl], { source: `${source} (${pkl})`, persistentLoad, callGlobal: callTorchGlobal }).value;
}

/**
 * The legacy format (PyTorch < 1.6, and `_use_new_zipfile_serialization=False`): pickles of the magic number,
 * protocol version and system info, then the object with storages as persistent ids, then the sorted list of
 * storage keys, then each storage as an int64 element count followed by its raw bytes.
 */
function readLegacyCheckpoint(bytes: Uint8Array, source: string): PyValue {
  const magic = unpickle(bytes, { source });
  if (magic.value !== LEGACY_MAGIC) {
    throw badFile(source, 'a pickle file, but not a PyTorch checkpoint (no magic number)');
  }
  const protocol = unpickle(bytes, { source, offset: magic.end });
  if (protocol.value !== 1001) throw badFile(source, `unsupported legacy torch protocol version ${String(protocol.value)}`);
  const sysInfo = unpickle(bytes, { source, offset: protocol.end });
  if (sysInfo.value instanceof PyDict && sysInfo.value.items.get('little_endian') === false) {
    throw badFile(source, 'big-endian checkpoint; re-save it on a little-endian machine');
  }
  const storages = new Map<string, TorchStorage>();
  const persistentLoad = (pid: PyValue): PyValue => {
    if (!isTuple(pid) || pid[0] !== 'storage') {
      throw badFile(source, `unsupported persistent id ${isTuple(pid) ? String(pid[0]) : typeof pid} (a pickled module? save model.state_dict() instead)`);
    }
    const [, type, key, , numel, view] = pid;
    const k = String(key);
    let root = storages.get(k);
    if (!root) {
      root = new TorchStorage(storageDtype(type), k, Number(numel));
      storages.set(k, root);
    }
    if (isTuple(view) && view.length === 3) {
      const [viewKey, offset, size] = view;
      return new TorchStorage(root.dtype, String(viewKey), Number(size), root, Number(offset));
    }
    return root;
  };
  const main = unpickle(bytes, { source, offset: sysInfo.end, persistentLoad, callGlobal: callTorchGlobal });
  const keys = unpickle(bytes, { source, offset: main.end });
  if (!Array.isArray(keys.value)) throw badFile(source, 'legacy checkpoint without a storage key list');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = keys.end;
  for (const key of keys.value as PyValue[]) {
    const storage = storages.get(String(key));
    if (!storage) throw badFile(source, `legacy checkpoint lists storage ${String(key)} that no tensor uses`);
    if (pos + 8 > bytes.length) throw badFile(source, `truncated: storage ${String(key)} missing`);
    const count = Number(view.getBigInt64(pos, true));
    pos += 8;
    const size = typeof storage.dtype === 'string' ? DTYPE_BYTES[storage.dtype] : 1;
    const length = count * size;
    if (count < 0 || pos + length > bytes.length) throw badFile(source, `truncated: storage ${String(key)} needs ${length} bytes`);
    storage.bytes = bytes.subarray(pos, pos + length);
    pos += length;
  }
  return main.value;
}

/**
 * Load a whole PyTorch checkpoint's object tree (tensors as {@link TorchTensor}), without Python.
 * Accepts the zip format (PyTorch ≥ 1.6) and the legacy pickle format; other files throw a BgfillError.
 * @example
 * const root = await readTorchCheckpoint('run/epoch_10.pth');
 */
export async function readTorchCheckpoint(input: string | Uint8Array): Promise<{ root: PyValue; source: string }> {
  const { bytes, source } = await readSource(input, 'checkpoint');
  const parse = (reader: (b: Uint8Array, s: string) => PyValue) => {
    try {
      return { root: reader(bytes, source), source };
    } catch (err) {
      if (err instanceof BgfillError) throw err;
      throw badFile(source, `not a readable PyTorch checkpoint (${errorMessage(err)})`, err);
    }
  };
  if (ZIP_MAGIC.every((b, i) => bytes[i] === b)) return parse(readZipCheckpoint);
  if (bytes[0] === 0x80) return parse(readLegacyCheckpoint);
  if (bytes.length >= 262 && new TextDecoder().decode(bytes.subarray(257, 262)) === 'ustar') {
    throw badFile(source, 'a tar-format checkpoint (PyTorch < 0.4); re-save it with a newer PyTorch');
  }
  throw badFile(source, 'not a PyTorch checkpoint (neither a zip archive nor a pickle)');
}

/**
 * Read the state_dict of a `.pth` / `.pt` / `.tar` checkpoint without Python: tensors in PyTorch layout (OIHW),
 * float32/float16/bfloat16/int64/… (float64 becomes float32). Unwraps `{'state_dict': …}`, `{'model': …}`,
 * `{'netG': …}`-style wrappers and a `module.` prefix (see findStateDict).
 * @example
 * const weights = await readTorchStateDict('netG.pth'); weights.get('refine_attn.gamma')?.shape // → [1]
 */
export async function readTorchStateDict(input: string | Uint8Array): Promise<WeightMap> {
  const { root, source } = await readTorchCheckpoint(input);
  try {
    return toWeightMap(root, source);
  } catch (err) {
    if (err instanceof BgfillError) throw err;
    throw badFile(source, errorMessage(err), err);
  }
}

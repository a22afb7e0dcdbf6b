import { badFile } from '@bgfill/core';

/**
 * A minimal Python pickle virtual machine (protocols 0–5, minus out-of-band buffers and the extension registry),
 * enough for PyTorch checkpoints. It never runs code: a GLOBAL becomes a {@link PyGlobal} name, and calling one
 * (REDUCE, NEWOBJ, INST, OBJ) asks the `callGlobal` hook, which returns a value for the callables it knows and
 * undefined for the rest — those become opaque {@link PyObject}s, so a checkpoint holding optimizer state,
 * argparse namespaces or numpy scalars next to the weights still loads.
 *
 * Opcode meanings follow CPython's `Lib/pickletools.py`.
 */

/**
 * A class or function named by module and qualified name (never resolved to code).
 * @example
 * new PyGlobal('collections', 'OrderedDict').path // → 'collections.OrderedDict'
 */
export class PyGlobal {
  constructor(
    readonly module: string,
    readonly name: string,
  ) {}
  get path(): string {
    return `${this.module}.${this.name}`;
  }
}

/** Keys of a {@link PyDict}: scalars as themselves, tuples and other keys by a string form. */
export type PyKey = string | number | bigint | boolean | null;

/**
 * A Python dict (or OrderedDict); `attributes` holds instance state a BUILD set (e.g. state_dict `_metadata`).
 * @example
 * (unpickle(bytes, { source: 'x.pkl' }).value as PyDict).items.get('epoch')
 */
export class PyDict {
  readonly items = new Map<PyKey, PyValue>();
  attributes: PyValue = null;
  constructor(readonly className = 'builtins.dict') {}
}

/**
 * An instance of a class the VM does not model: its class, constructor arguments and state.
 * @example
 * (value as PyObject).cls.path // → 'argparse.Namespace'
 */
export class PyObject {
  state: PyValue = null;
  readonly listItems: PyValue[] = [];
  readonly dictItems = new Map<PyKey, PyValue>();
  constructor(
    readonly cls: PyGlobal,
    readonly args: readonly PyValue[],
  ) {}
}

/** Tuples are frozen arrays; lists are plain arrays. */
export type PyTuple = readonly PyValue[];

/** A Python value as the VM builds it; hooks may add their own object types (tensors, storages). */
export type PyValue = null | boolean | number | bigint | string | Uint8Array | PyValue[] | PyTuple | PyDict | PyGlobal | PyObject | object;

export interface UnpickleHooks {
  /** Resolve a persistent id (PyTorch: storage references). Required when the stream has PERSID/BINPERSID. */
  persistentLoad?: (pid: PyValue) => PyValue;
  /** Call a global with arguments; return undefined to leave it opaque. */
  callGlobal?: (global: PyGlobal, args: readonly PyValue[]) => PyValue | undefined;
}

export interface UnpickleOptions extends UnpickleHooks {
  /** Named in error messages. */
  source: string;
  /** Where the pickle starts in `bytes` (default 0). */
  offset?: number;
}

/** Opcode names, for error messages. */
const OPCODE_NAMES: Record<number, string> = {
  0x82: 'EXT1',
  0x83: 'EXT2',
  0x84: 'EXT4',
  0x97: 'NEXT_BUFFER',
  0x98: 'READONLY_BUFFER',
};

/**
 * Whether a value is a Python tuple (a frozen array).
 * @example
 * isTuple(Object.freeze([1, 2])) // → true
 */
export function isTuple(value: unknown): value is PyTuple {
  return Array.isArray(value) && Object.isFrozen(value);
}

function tuple(items: PyValue[]): PyTuple {
  return Object.freeze(items);
}

/**
 * The map key for a Python value: scalars as themselves, tuples as '(a, b)'.
 * @example
 * pyKey(Object.freeze([1, 'a'])) // → '(1, a)'
 */
export function pyKey(value: PyValue): PyKey {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'bigint' || typeof value === 'boolean') return value;
  if (Array.isArray(value)) return `(${value.map((v) => String(pyKey(v))).join(', ')})`;
  if (value instanceof PyGlobal) return value.path;
  return Object.prototype.toString.call(value);
}

const MARK = Symbol('mark');
type StackItem = PyValue | typeof MARK;

const utf8 = new TextDecoder('utf-8', { fatal: false });

function latin1(bytes: Uint8Array): string {
  let s = '';
  for (let i = 0; i < bytes.length; i++) s += String.fromCharCode(bytes[i]);
  return s;
}

/** A little-endian two's-complement integer of any length, as a number when safe, else a bigint. */
function decodeLong(bytes: Uint8Array): number | bigint {
  if (bytes.length === 0) return 0;
  let value = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) value = (value << 8n) | BigInt(bytes[i]);
  if (bytes[bytes.length - 1] & 0x80) value -= 1n << BigInt(bytes.length * 8);
  return value >= BigInt(Number.MIN_SAFE_INTEGER) && value <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(value) : value;
}

/** Parse a protocol-0 integer literal ("123", "-4L", "01"/"00" for True/False). */
function parseTextInt(text: string): number | bigint | boolean {
  if (text === '01') return true;
  if (text === '00') return false;
  const t = text.endsWith('L') ? text.slice(0, -1) : text;
  const big = BigInt(t);
  return big >= BigInt(Number.MIN_SAFE_INTEGER) && big <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(big) : big;
}

/**
 * Run one pickle from `bytes` (at `offset`) to its STOP; returns the value and the offset just past STOP.
 * Errors (truncated data, unknown or unsupported opcodes, malformed stack) are BgfillErrors naming `source`.
 * @example
 * const { value } = unpickle(dataPkl, { source: 'model.pth', persistentLoad: (pid) => storages.get(pid) });
 */
export function unpickle(bytes: Uint8Array, options: UnpickleOptions): { value: PyValue; end: number } {
  const { source } = options;
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let pos = options.offset ?? 0;
  const stack: StackItem[] = [];
  const marks: number[] = [];
  const memo = new Map<number, PyValue>();

  const fail = (reason: string): never => {
    throw badFile(source, `not a readable pickle (${reason})`);
  };
  const need = (n: number) => {
    if (pos + n > bytes.length) fail(`truncated at byte ${pos}, needs ${n} more`);
  };
  const readBytes = (n: number): Uint8Array => {
    if (!Number.isSafeInteger(n) || n < 0) fail(`bad length ${n} at byte ${pos}`);
    need(n);
    const out = bytes.subarray(pos, pos + n);
    pos += n;
    return out;
  };
  const u8 = () => {
    need(1);
    return bytes[pos++];
  };
  const u16 = () => {
    need(2);
    const v = view.getUint16(pos, true);
    pos += 2;
    return v;
  };
  const u32 = () => {
    need(4);
    const v = view.getUint32(pos, true);
    pos += 4;
    return v;
  };
  const i32 = () => {
    need(4);
    const v = view.getInt32(pos, true);
    pos += 4;
    return v;
  };
  const u64 = () => {
    need(8);
    const v = view.getBigUint64(pos, true);
    pos += 8;
    if (v > BigInt(Number.MAX_SAFE_INTEGER)) fail(`length ${v} too large at byte ${pos - 8}`);
    return Number(v);
  };
  const line = (): string => {
    const end = bytes.indexOf(0x0a, pos);
    if (end < 0) fail(`unterminated text argument at byte ${pos}`);
    const text = latin1(bytes.subarray(pos, end));
    pos = end + 1;
    return text;
  };
  const pop = (): PyValue => {
    if (stack.length === 0 || (marks.length && stack.length <= marks[marks.length - 1])) fail(`stack underflow at byte ${pos}`);
    const v = stack.pop();
    if (v === MARK) fail(`unexpected mark at byte ${pos}`);
    return v as PyValue;
  };
  const top = (): PyValue => {
    if (stack.length === 0) fail(`empty stack at byte ${pos}`);
    return stack[stack.length - 1] as PyValue;
  };
  const popMark = (): PyValue[] => {
    const m = marks.pop();
    if (m === undefined) return fail(`no mark to pop at byte ${pos}`);
    const items = stack.splice(m + 1) as PyValue[];
    stack.pop(); // the mark itself
    return items;
  };
  const call = (fn: PyValue, args: readonly PyValue[]): PyValue => {
    if (!(fn instanceof PyGlobal)) {
      if (fn instanceof PyObject || fn instanceof PyDict) return new PyObject(new PyGlobal('<unknown>', 'callable'), args);
      return fail(`cannot call a ${typeof fn} at byte ${pos}`);
    }
    const result = options.callGlobal?.(fn, args);
    if (result !== undefined) return result;
    if (fn.path === 'collections.OrderedDict' || fn.path === 'builtins.dict') return dictFrom(fn.path, args);
    if (fn.path === '_codecs.encode' && typeof args[0] === 'string') {
      // Protocol-2 pickles from Python 3 store bytes as _codecs.encode(text, 'latin1').
      return Uint8Array.from(args[0], (c) => c.charCodeAt(0) & 0xff);
    }
    if (fn.path === 'builtins.set' || fn.path === 'builtins.frozenset' || fn.path === 'builtins.list') {
      const o = new PyObject(fn, []);
      if (Array.isArray(args[0])) o.listItems.push(...(args[0] as PyValue[]));
      return o;
    }
    return new PyObject(fn, args);
  };
  const dictFrom = (className: string, args: readonly PyValue[]): PyDict => {
    const d = new PyDict(className);
    const init = args[0];
    if (Array.isArray(init)) {
      for (const pair of init) if (Array.isArray(pair) && pair.length === 2) d.items.set(pyKey(pair[0]), pair[1]);
    } else if (init instanceof PyDict) {
      for (const [k, v] of init.items) d.items.set(k, v);
    }
    return d;
  };
  const setItems = (target: PyValue, pairs: PyValue[]) => {
    if (pairs.length % 2 !== 0) fail(`odd number of items for SETITEMS at byte ${pos}`);
    const map = target instanceof PyDict ? target.items : target instanceof PyObject ? target.dictItems : fail(`SETITEM on a non-dict at byte ${pos}`);
    for (let i = 0; i < pairs.length; i += 2) map.set(pyKey(pairs[i]), pairs[i + 1]);
  };
  const appendItems = (target: PyValue, items: PyValue[]) => {
    if (Array.isArray(target) && !Object.isFrozen(target)) (target as PyValue[]).push(...items);
    else if (target instanceof PyObject) target.listItems.push(...items);
    else fail(`APPEND on a non-list at byte ${pos}`);
  };
  const persistent = (pid: PyValue): PyValue => {
    if (!options.persistentLoad) return fail(`persistent id at byte ${pos} but no persistent loader`);
    return options.persistentLoad(pid);
  };

  for (;;) {
    const at = pos;
    const op = u8();
    switch (op) {
      case 0x80: // PROTO
        if (u8() > 5) fail(`pickle protocol ${bytes[pos - 1]} is newer than 5`);
        break;
      case 0x95: // FRAME (length only; frames need no special handling when reading from memory)
        u64();
        break;
      case 0x2e: // STOP
        if (stack.length !== 1 || marks.length) fail(`STOP with ${stack.length} items on the stack at byte ${at}`);
        return { value: stack[0] as PyValue, end: pos };
      case 0x28: // MARK
        marks.push(stack.length);
        stack.push(MARK);
        break;
      case 0x30: // POP
        if (stack[stack.length - 1] === MARK) popMark();
        else pop();
        break;
      case 0x31: // POP_MARK
        popMark();
        break;
      case 0x32: // DUP
        stack.push(top());
        break;
      case 0x4e: // NONE
        stack.push(null);
        break;
      case 0x88: // NEWTRUE
        stack.push(true);
        break;
      case 0x89: // NEWFALSE
        stack.push(false);
        break;
      case 0x4a: // BININT
        stack.push(i32());
        break;
      case 0x4b: // BININT1
        stack.push(u8());
        break;
      case 0x4d: // BININT2
        stack.push(u16());
        break;
      case 0x49: // INT
        stack.push(parseTextInt(line()));
        break;
      case 0x4c: // LONG
        stack.push(parseTextInt(line()) as number | bigint);
        break;
      case 0x8a: // LONG1
        stack.push(decodeLong(readBytes(u8())));
        break;
      case 0x8b: // LONG4
        stack.push(decodeLong(readBytes(u32())));
        break;
      case 0x47: {
        // BINFLOAT (big-endian double)
        need(8);
        stack.push(view.getFloat64(pos, false));
        pos += 8;
        break;
      }
      case 0x46: // FLOAT
        stack.push(Number.parseFloat(line()));
        break;
      case 0x58: // BINUNICODE
        stack.push(utf8.decode(readBytes(u32())));
        break;
      case 0x8c: // SHORT_BINUNICODE
        stack.push(utf8.decode(readBytes(u8())));
        break;
      case 0x8d: // BINUNICODE8
        stack.push(utf8.decode(readBytes(u64())));
        break;
      case 0x56: // UNICODE (raw-unicode-escape; plain text in practice)
        stack.push(line());
        break;
      case 0x54: // BINSTRING (Python 2 str, read as latin-1 text)
        stack.push(latin1(readBytes(i32())));
        break;
      case 0x55: // SHORT_BINSTRING
        stack.push(latin1(readBytes(u8())));
        break;
      case 0x53: {
        // STRING: a quoted repr
        const text = line();
        stack.push(text.length >= 2 && (text[0] === "'" || text[0] === '"') ? text.slice(1, -1) : text);
        break;
      }
      case 0x42: // BINBYTES
        stack.push(readBytes(u32()).slice());
        break;
      case 0x43: // SHORT_BINBYTES
        stack.push(readBytes(u8()).slice());
        break;
      case 0x8e: // BINBYTES8
      case 0x96: // BYTEARRAY8
        stack.push(readBytes(u64()).slice());
        break;
      case 0x29: // EMPTY_TUPLE
        stack.push(tuple([]));
        break;
      case 0x85: // TUPLE1
        stack.push(tuple([pop()]));
        break;
      case 0x86: {
        // TUPLE2
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b]));
        break;
      }
      case 0x87: {
        // TUPLE3
        const c = pop();
        const b = pop();
        const a = pop();
        stack.push(tuple([a, b, c]));
        break;
      }
      case 0x74: // TUPLE
        stack.push(tuple(popMark()));
        break;
      case 0x5d: // EMPTY_LIST
        stack.push([]);
        break;
      case 0x6c: // LIST
        stack.push(popMark());
        break;
      case 0x61: {
        // APPEND
        const item = pop();
        appendItems(top(), [item]);
        break;
      }
      case 0x65: {
        // APPENDS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x7d: // EMPTY_DICT
        stack.push(new PyDict());
        break;
      case 0x64: {
        // DICT
        const d = new PyDict();
        setItems(d, popMark());
        stack.push(d);
        break;
      }
      case 0x73: {
        // SETITEM
        const value = pop();
        const key = pop();
        setItems(top(), [key, value]);
        break;
      }
      case 0x75: {
        // SETITEMS
        const pairs = popMark();
        setItems(top(), pairs);
        break;
      }
      case 0x8f: // EMPTY_SET
        stack.push(new PyObject(new PyGlobal('builtins', 'set'), []));
        break;
      case 0x90: {
        // ADDITEMS
        const items = popMark();
        appendItems(top(), items);
        break;
      }
      case 0x91: {
        // FROZENSET
        const o = new PyObject(new PyGlobal('builtins', 'frozenset'), []);
        o.listItems.push(...popMark());
        stack.push(o);
        break;
      }
      case 0x63: {
        // GLOBAL "module\nname\n"
        const module = line();
        stack.push(new PyGlobal(module, line()));
        break;
      }
      case 0x93: {
        // STACK_GLOBAL
        const name = pop();
        const module = pop();
        if (typeof module !== 'string' || typeof name !== 'string') fail(`STACK_GLOBAL needs two strings at byte ${at}`);
        stack.push(new PyGlobal(module as string, name as string));
        break;
      }
      case 0x52: {
        // REDUCE
        const args = pop();
        const fn = pop();
        stack.push(call(fn, Array.isArray(args) ? (args as PyValue[]) : [args]));
        break;
      }
      case 0x81: {
        // NEWOBJ
        const args = pop();
        const cls = pop();
        stack.push(call(cls, Array.isArray(args) ? (args as PyValue[]) : [args]));
        break;
      }
      case 0x92: {
        // NEWOBJ_EX (keyword arguments ignored)
        pop();
        const args = pop();
        const cls = pop();
        stack.push(call(cls, Array.isArray(args) ? (args as PyValue[]) : [args]));
        break;
      }
      case 0x69: {
        // INST "module\nname\n" with args above the mark
        const module = line();
        const name = line();
        stack.push(call(new PyGlobal(module, name), popMark()));
        break;
      }
      case 0x6f: {
        // OBJ: class and args above the mark
        const items = popMark();
        if (items.length === 0) fail(`OBJ without a class at byte ${at}`);
        stack.push(call(items[0], items.slice(1)));
        break;
      }
      case 0x62: {
        // BUILD
        const state = pop();
        const obj = top();
        if (obj instanceof PyDict) obj.attributes = state;
        else if (obj instanceof PyObject) obj.state = state;
        break;
      }
      case 0x71: // BINPUT
        memo.set(u8(), top());
        break;
      case 0x72: // LONG_BINPUT
        memo.set(u32(), top());
        break;
      case 0x70: // PUT
        memo.set(Number.parseInt(line(), 10), top());
        break;
      case 0x94: // MEMOIZE
        memo.set(memo.size, top());
        break;
      case 0x68: // BINGET
      case 0x6a: // LONG_BINGET
      case 0x67: {
        // GET
        const index = op === 0x68 ? u8() : op === 0x6a ? u32() : Number.parseInt(line(), 10);
        if (!memo.has(index)) fail(`memo key ${index} missing at byte ${at}`);
        stack.push(memo.get(index) as PyValue);
        break;
      }
      case 0x51: // BINPERSID
        stack.push(persistent(pop()));
        break;
      case 0x50: // PERSID
        stack.push(persistent(line()));
        break;
      default: {
        const name = OPCODE_NAMES[op];
        fail(
          name
            ? `unsupported pickle opcode ${name} (0x${op.toString(16)}) at byte ${at}`
            : `unknown pickle opcode 0x${op.toString(16).padStart(2, '0')} at byte ${at}`,
        );
      }
    }
  }
}

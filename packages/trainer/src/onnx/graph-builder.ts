import {
  AttributeType,
  TensorDataType,
  type OnnxAttribute,
  type OnnxGraph,
  type OnnxNode,
  type OnnxTensor,
  type OnnxValueInfo,
  type TensorDataTypeCode,
} from './onnx-proto.js';

/** Attribute constructors: `attr.ints('pads', [1, 1, 1, 1])`. */
export const attr = {
  float: (name: string, f: number): OnnxAttribute => ({ name, type: AttributeType.FLOAT, f }),
  int: (name: string, i: number): OnnxAttribute => ({ name, type: AttributeType.INT, i }),
  string: (name: string, s: string): OnnxAttribute => ({ name, type: AttributeType.STRING, s }),
  ints: (name: string, ints: number[]): OnnxAttribute => ({ name, type: AttributeType.INTS, ints }),
  floats: (name: string, floats: number[]): OnnxAttribute => ({ name, type: AttributeType.FLOATS, floats }),
};

function littleEndianBytes(values: Float32Array | Float64Array | BigInt64Array): Uint8Array {
  const out = new Uint8Array(values.byteLength);
  const view = new DataView(out.buffer);
  const width = values.BYTES_PER_ELEMENT;
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (typeof v === 'bigint') view.setBigInt64(i * width, v, true);
    else if (width === 4) view.setFloat32(i * width, v, true);
    else view.setFloat64(i * width, v, true);
  }
  return out;
}

/**
 * Builds an ONNX graph node by node. Values are named `<scope>/<what>` with a counter where needed, so the graph
 * reads like the module it comes from; initializers keep the names they are given (state_dict keys).
 * @example
 * const b = new GraphBuilder('net');
 * const x = b.input('x', TensorDataType.FLOAT, ['N', 3, 'H', 'W']);
 * const y = b.node('Sigmoid', [x], [], 'act');
 * b.output(y, 'y', TensorDataType.FLOAT, ['N', 3, 'H', 'W']);
 * const graph = b.build();
 */
export class GraphBuilder {
  private readonly nodes: OnnxNode[] = [];
  private readonly initializers: OnnxTensor[] = [];
  private readonly inputs: OnnxValueInfo[] = [];
  private readonly outputs: OnnxValueInfo[] = [];
  private readonly names = new Set<string>();
  private readonly constants = new Map<string, string>();

  constructor(readonly name: string) {}

  private unique(base: string): string {
    let name = base;
    for (let k = 2; this.names.has(name); k++) name = `${base}_${k}`;
    this.names.add(name);
    return name;
  }

  /** Declare a graph input; returns its name. */
  input(name: string, elemType: TensorDataTypeCode, dims: Array<number | string>, doc?: string): string {
    if (this.names.has(name)) throw new Error(`internal: ONNX value ${name} declared twice`);
    this.names.add(name);
    this.inputs.push({ name, elemType, dims, ...(doc ? { doc } : {}) });
    return name;
  }

  /** A float32 initializer under the given name (a state_dict key), `dims` as stored. */
  floatInitializer(name: string, dims: number[], values: Float32Array): string {
    const count = dims.reduce((a, b) => a * b, 1);
    if (values.length !== count) throw new Error(`internal: ${name} has ${values.length} values for dims [${dims.join(', ')}]`);
    if (this.names.has(name)) throw new Error(`internal: ONNX value ${name} declared twice`);
    this.names.add(name);
    this.initializers.push({ name, dims, dataType: TensorDataType.FLOAT, rawData: littleEndianBytes(values) });
    return name;
  }

  private constant(key: string, dataType: TensorDataTypeCode, dims: number[], bytes: () => Uint8Array): string {
    const known = this.constants.get(key);
    if (known) return known;
    const name = this.unique(`const/${key}`);
    this.initializers.push({ name, dims, dataType, rawData: bytes() });
    this.constants.set(key, name);
    return name;
  }

  /** A float32 scalar constant (shared by every use of the same value). */
  floatScalar(value: number): string {
    return this.constant(`f32:${Object.is(value, -0) ? '-0' : value}`, TensorDataType.FLOAT, [], () => littleEndianBytes(Float32Array.of(value)));
  }

  /** A float64 scalar constant. */
  doubleScalar(value: number): string {
    return this.constant(`f64:${value}`, TensorDataType.DOUBLE, [], () => littleEndianBytes(Float64Array.of(value)));
  }

  /** An int64 constant: a 1-D tensor, or a scalar with `scalar: true`. */
  int64(values: number[], scalar = false): string {
    if (scalar && values.length !== 1) throw new Error('internal: an int64 scalar has one value');
    return this.constant(`i64${scalar ? 's' : ''}:${values.join(',')}`, TensorDataType.INT64, scalar ? [] : [values.length], () =>
      littleEndianBytes(BigInt64Array.from(values, (v) => BigInt(v))),
    );
  }

  /** Add one node with one output, named `<name>` (made unique); returns the output's name. */
  node(opType: string, inputs: string[], attributes: OnnxAttribute[], name: string): string {
    const output = this.unique(name);
    this.nodes.push({ opType, name: output, inputs, outputs: [output], attributes });
    return output;
  }

  /** Declare `value` as a graph output under `name` (an Identity node renames it). */
  output(value: string, name: string, elemType: TensorDataTypeCode, dims: Array<number | string>, doc?: string): void {
    if (this.names.has(name)) throw new Error(`internal: ONNX value ${name} declared twice`);
    this.names.add(name);
    this.nodes.push({ opType: 'Identity', name, inputs: [value], outputs: [name], attributes: [] });
    this.outputs.push({ name, elemType, dims, ...(doc ? { doc } : {}) });
  }

  build(): OnnxGraph {
    return { name: this.name, nodes: [...this.nodes], initializers: [...this.initializers], inputs: [...this.inputs], outputs: [...this.outputs] };
  }
}

import protobuf from 'protobufjs';

/**
 * The subset of ONNX's protobuf schema that bgfill writes, as a protobufjs JSON descriptor.
 *
 * Message and field names, field numbers and packing are those of `onnx/onnx.proto` in onnx/onnx (a proto2
 * file: repeated scalars are unpacked unless marked `[packed = true]`, as TensorProto's `*_data` fields are).
 * Only the fields bgfill uses are listed; a parser skips nothing it needs, and other readers see a valid model.
 */
export const ONNX_DESCRIPTOR = {
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            ir_version: { type: 'int64', id: 1 },
            producer_name: { type: 'string', id: 2 },
            producer_version: { type: 'string', id: 3 },
            domain: { type: 'string', id: 4 },
            model_version: { type: 'int64', id: 5 },
            doc_string: { type: 'string', id: 6 },
            graph: { type: 'GraphProto', id: 7 },
            opset_import: { rule: 'repeated', type: 'OperatorSetIdProto', id: 8 },
            metadata_props: { rule: 'repeated', type: 'StringStringEntryProto', id: 14 },
          },
        },
        StringStringEntryProto: {
          fields: {
            key: { type: 'string', id: 1 },
            value: { type: 'string', id: 2 },
          },
        },
        OperatorSetIdProto: {
          fields: {
            domain: { type: 'string', id: 1 },
            version: { type: 'int64', id: 2 },
          },
        },
        GraphProto: {
          fields: {
            node: { rule: 'repeated', type: 'NodeProto', id: 1 },
            name: { type: 'string', id: 2 },
            initializer: { rule: 'repeated', type: 'TensorProto', id: 5 },
            doc_string: { type: 'string', id: 10 },
            input: { rule: 'repeated', type: 'ValueInfoProto', id: 11 },
            output: { rule: 'repeated', type: 'ValueInfoProto', id: 12 },
            value_info: { rule: 'repeated', type: 'ValueInfoProto', id: 13 },
          },
        },
        NodeProto: {
          fields: {
            input: { rule: 'repeated', type: 'string', id: 1 },
            output: { rule: 'repeated', type: 'string', id: 2 },
            name: { type: 'string', id: 3 },
            op_type: { type: 'string', id: 4 },
            attribute: { rule: 'repeated', type: 'AttributeProto', id: 5 },
            doc_string: { type: 'string', id: 6 },
            domain: { type: 'string', id: 7 },
          },
        },
        AttributeProto: {
          fields: {
            name: { type: 'string', id: 1 },
            f: { type: 'float', id: 2 },
            i: { type: 'int64', id: 3 },
            s: { type: 'bytes', id: 4 },
            t: { type: 'TensorProto', id: 5 },
            floats: { rule: 'repeated', type: 'float', id: 7, options: { packed: false } },
            ints: { rule: 'repeated', type: 'int64', id: 8, options: { packed: false } },
            strings: { rule: 'repeated', type: 'bytes', id: 9 },
            doc_string: { type: 'string', id: 13 },
            type: { type: 'int32', id: 20 },
          },
        },
        TensorProto: {
          fields: {
            dims: { rule: 'repeated', type: 'int64', id: 1, options: { packed: false } },
            data_type: { type: 'int32', id: 2 },
            float_data: { rule: 'repeated', type: 'float', id: 4, options: { packed: true } },
            int64_data: { rule: 'repeated', type: 'int64', id: 7, options: { packed: true } },
            name: { type: 'string', id: 8 },
            raw_data: { type: 'bytes', id: 9 },
            doc_string: { type: 'string', id: 12 },
          },
        },
        ValueInfoProto: {
          fields: {
            name: { type: 'string', id: 1 },
            type: { type: 'TypeProto', id: 2 },
            doc_string: { type: 'string', id: 3 },
          },
        },
        TypeProto: {
          fields: {
            tensor_type: { type: 'TypeProtoTensor', id: 1 },
            denotation: { type: 'string', id: 6 },
          },
        },
        // TypeProto.Tensor in onnx.proto (a nested message; flattened here, which changes nothing on the wire).
        TypeProtoTensor: {
          fields: {
            elem_type: { type: 'int32', id: 1 },
            shape: { type: 'TensorShapeProto', id: 2 },
          },
        },
        TensorShapeProto: {
          fields: {
            dim: { rule: 'repeated', type: 'TensorShapeDimension', id: 1 },
          },
        },
        // TensorShapeProto.Dimension: oneof value { dim_value = 1; dim_param = 2 }.
        TensorShapeDimension: {
          oneofs: { value: { oneof: ['dim_value', 'dim_param'] } },
          fields: {
            dim_value: { type: 'int64', id: 1 },
            dim_param: { type: 'string', id: 2 },
            denotation: { type: 'string', id: 3 },
          },
        },
      },
    },
  },
} as const;

/** TensorProto.DataType values (onnx.proto) that bgfill writes. */
export const TensorDataType = { FLOAT: 1, BOOL: 9, INT64: 7, DOUBLE: 11 } as const;
export type TensorDataTypeCode = (typeof TensorDataType)[keyof typeof TensorDataType];

/** AttributeProto.AttributeType values (onnx.proto) that bgfill writes. */
export const AttributeType = { FLOAT: 1, INT: 2, STRING: 3, TENSOR: 4, FLOATS: 6, INTS: 7 } as const;

/** An initializer: little-endian raw bytes of `dims` elements of `dataType`. */
export interface OnnxTensor {
  name: string;
  dims: number[];
  dataType: TensorDataTypeCode;
  rawData: Uint8Array;
}

/** A node attribute; exactly one value field is set, matching `type`. */
export type OnnxAttribute =
  | { name: string; type: typeof AttributeType.FLOAT; f: number }
  | { name: string; type: typeof AttributeType.INT; i: number }
  | { name: string; type: typeof AttributeType.STRING; s: string }
  | { name: string; type: typeof AttributeType.FLOATS; floats: number[] }
  | { name: string; type: typeof AttributeType.INTS; ints: number[] };

export interface OnnxNode {
  opType: string;
  name: string;
  inputs: string[];
  outputs: string[];
  attributes: OnnxAttribute[];
}

/** A graph input or output: element type and shape, each dimension a size or a symbolic name ("N"). */
export interface OnnxValueInfo {
  name: string;
  elemType: TensorDataTypeCode;
  dims: Array<number | string>;
  doc?: string;
}

export interface OnnxGraph {
  name: string;
  nodes: OnnxNode[];
  initializers: OnnxTensor[];
  inputs: OnnxValueInfo[];
  outputs: OnnxValueInfo[];
}

export interface OnnxModel {
  irVersion: number;
  /** Version of the default ("ai.onnx") operator set. */
  opsetVersion: number;
  producerName: string;
  producerVersion: string;
  docString: string;
  graph: OnnxGraph;
  /** metadata_props, written in key order. */
  metadata: Record<string, string>;
}

const root = protobuf.Root.fromJSON(ONNX_DESCRIPTOR as unknown as protobuf.INamespace);
const ModelType = root.lookupType('onnx.ModelProto');

function attributeMessage(a: OnnxAttribute): Record<string, unknown> {
  const base = { name: a.name, type: a.type };
  if ('f' in a) return { ...base, f: a.f };
  if ('i' in a) return { ...base, i: a.i };
  if ('s' in a) return { ...base, s: new TextEncoder().encode(a.s) };
  if ('floats' in a) return { ...base, floats: a.floats };
  return { ...base, ints: a.ints };
}

function valueInfoMessage(v: OnnxValueInfo): Record<string, unknown> {
  return {
    name: v.name,
    ...(v.doc ? { doc_string: v.doc } : {}),
    type: {
      tensor_type: {
        elem_type: v.elemType,
        shape: { dim: v.dims.map((d) => (typeof d === 'number' ? { dim_value: d } : { dim_param: d })) },
      },
    },
  };
}

/**
 * Serialise a model to ONNX's protobuf wire format (a `.onnx` file's bytes). Same model, same bytes.
 * @example
 * const bytes = encodeOnnxModel({ irVersion: 8, opsetVersion: 17, producerName: 'bgfill', producerVersion: '0.1.0', docString: '', graph, metadata: {} });
 */
export function encodeOnnxModel(model: OnnxModel): Uint8Array {
  const message = {
    ir_version: model.irVersion,
    producer_name: model.producerName,
    producer_version: model.producerVersion,
    doc_string: model.docString,
    opset_import: [{ domain: '', version: model.opsetVersion }],
    metadata_props: Object.keys(model.metadata)
      .sort()
      .map((key) => ({ key, value: model.metadata[key] })),
    graph: {
      name: model.graph.name,
      node: model.graph.nodes.map((n) => ({
        input: n.inputs,
        output: n.outputs,
        name: n.name,
        op_type: n.opType,
        attribute: n.attributes.map(attributeMessage),
      })),
      initializer: model.graph.initializers.map((t) => ({ name: t.name, dims: t.dims, data_type: t.dataType, raw_data: t.rawData })),
      input: model.graph.inputs.map(valueInfoMessage),
      output: model.graph.outputs.map(valueInfoMessage),
    },
  };
  const err = ModelType.verify(message);
  if (err) throw new Error(`internal: ONNX model does not fit the schema: ${err}`);
  return ModelType.encode(ModelType.fromObject(message)).finish();
}

interface DecodedDim {
  dim_value?: number;
  dim_param?: string;
}
interface DecodedValueInfo {
  name?: string;
  doc_string?: string;
  type?: { tensor_type?: { elem_type?: number; shape?: { dim?: DecodedDim[] } } };
}
interface DecodedModel {
  ir_version?: number;
  producer_name?: string;
  producer_version?: string;
  doc_string?: string;
  opset_import?: Array<{ domain?: string; version?: number }>;
  metadata_props?: Array<{ key?: string; value?: string }>;
  graph?: {
    name?: string;
    node?: Array<{ input?: string[]; output?: string[]; name?: string; op_type?: string; attribute?: Array<Record<string, unknown>> }>;
    initializer?: Array<{ name?: string; dims?: number[]; data_type?: number; raw_data?: Uint8Array }>;
    input?: DecodedValueInfo[];
    output?: DecodedValueInfo[];
  };
}

function decodeValueInfo(v: DecodedValueInfo): OnnxValueInfo {
  const tensor = v.type?.tensor_type;
  return {
    name: v.name ?? '',
    elemType: (tensor?.elem_type ?? 0) as TensorDataTypeCode,
    dims: (tensor?.shape?.dim ?? []).map((d) => (d.dim_param !== undefined && d.dim_param !== '' ? d.dim_param : Number(d.dim_value ?? 0))),
    ...(v.doc_string ? { doc: v.doc_string } : {}),
  };
}

function decodeAttribute(a: Record<string, unknown>): OnnxAttribute {
  const name = String(a.name ?? '');
  switch (a.type) {
    case AttributeType.FLOAT:
      return { name, type: AttributeType.FLOAT, f: Number(a.f ?? 0) };
    case AttributeType.INT:
      return { name, type: AttributeType.INT, i: Number(a.i ?? 0) };
    case AttributeType.STRING:
      return { name, type: AttributeType.STRING, s: new TextDecoder().decode((a.s as Uint8Array | undefined) ?? new Uint8Array()) };
    case AttributeType.FLOATS:
      return { name, type: AttributeType.FLOATS, floats: ((a.floats as number[] | undefined) ?? []).map(Number) };
    case AttributeType.INTS:
      return { name, type: AttributeType.INTS, ints: ((a.ints as number[] | undefined) ?? []).map(Number) };
    default:
      throw new Error(`attribute ${name}: type ${String(a.type)} is outside the subset bgfill reads`);
  }
}

/**
 * Parse the subset of an ONNX file that encodeOnnxModel writes (for checks and tests; fields outside the subset
 * are skipped, attributes of other types throw).
 * @example
 * const model = decodeOnnxModel(await readFile('model.onnx')); model.graph.initializers.map((t) => t.name)
 */
export function decodeOnnxModel(bytes: Uint8Array): OnnxModel {
  const decoded = ModelType.toObject(ModelType.decode(bytes), { longs: Number, bytes: Uint8Array, defaults: false, oneofs: false }) as DecodedModel;
  const g = decoded.graph ?? {};
  const opset = (decoded.opset_import ?? []).find((o) => (o.domain ?? '') === '');
  return {
    irVersion: Number(decoded.ir_version ?? 0),
    opsetVersion: Number(opset?.version ?? 0),
    producerName: decoded.producer_name ?? '',
    producerVersion: decoded.producer_version ?? '',
    docString: decoded.doc_string ?? '',
    metadata: Object.fromEntries((decoded.metadata_props ?? []).map((p) => [p.key ?? '', p.value ?? ''])),
    graph: {
      name: g.name ?? '',
      nodes: (g.node ?? []).map((n) => ({
        opType: n.op_type ?? '',
        name: n.name ?? '',
        inputs: n.input ?? [],
        outputs: n.output ?? [],
        attributes: (n.attribute ?? []).map(decodeAttribute),
      })),
      initializers: (g.initializer ?? []).map((t) => ({
        name: t.name ?? '',
        dims: (t.dims ?? []).map(Number),
        dataType: (t.data_type ?? 0) as TensorDataTypeCode,
        rawData: t.raw_data ?? new Uint8Array(),
      })),
      inputs: (g.input ?? []).map(decodeValueInfo),
      outputs: (g.output ?? []).map(decodeValueInfo),
    },
  };
}

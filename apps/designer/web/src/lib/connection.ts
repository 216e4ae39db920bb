/**
 * Which wires are allowed: the engine library's rule, on the client.
 *
 * Mirrors PortType.accepts (packages/bms-schemas/src/bms_schemas/values.py): the same
 * value type, or an integer into a number; units and enum labels must agree when both
 * sides declare them. Ports typed by a parameter (typeParam) or repeated N times
 * (repeatParam: in -> in1..inN) are resolved from the node's params, as
 * supervisor_engine/block.py does, with the schema's defaults for unset params.
 */
import type { BlockSpec, JsonValue, PortSpec, PortType, ValueType } from "../api/types";

export type Params = { [key: string]: JsonValue | undefined };

export interface ResolvedPort {
  name: string;
  type: PortType | null;
  required: boolean;
  doc: string;
}

const VALUE_TYPES: readonly ValueType[] = ["bool", "number", "integer", "enum", "string"];

/** A parameter's value, or its default from the block's parameter JSON Schema. */
export function paramValue(spec: BlockSpec, params: Params, name: string): JsonValue | undefined {
  if (params[name] !== undefined) return params[name];
  const props = (spec.paramsSchema as { properties?: Record<string, { default?: JsonValue }> })
    .properties;
  return props?.[name]?.default;
}

function isValueType(v: unknown): v is ValueType {
  return typeof v === "string" && (VALUE_TYPES as readonly string[]).includes(v);
}

/** The concrete ports of one side of a node: types and repetitions resolved from params. */
export function resolvePorts(spec: BlockSpec, ports: PortSpec[], params: Params): ResolvedPort[] {
  const out: ResolvedPort[] = [];
  for (const port of ports) {
    let type: PortType | null = port.type ?? null;
    if (!type && port.typeParam) {
      const v = paramValue(spec, params, port.typeParam);
      type = isValueType(v) ? { type: v } : null;
    }
    const base = { type, required: port.required ?? true, doc: port.doc ?? "" };
    if (!port.repeatParam) {
      out.push({ name: port.name, ...base });
      continue;
    }
    const n = Number(paramValue(spec, params, port.repeatParam) ?? 0);
    for (let i = 1; i <= (Number.isFinite(n) ? n : 0); i++) out.push({ name: `${port.name}${i}`, ...base });
  }
  return out;
}

export const inputsOf = (spec: BlockSpec, params: Params) => resolvePorts(spec, spec.inputs, params);
export const outputsOf = (spec: BlockSpec, params: Params) =>
  resolvePorts(spec, spec.outputs, params);

/** PortType.accepts: whether a wire from ``source`` may drive ``target``. */
export function accepts(target: PortType, source: PortType): boolean {
  if (source.type !== target.type && !(source.type === "integer" && target.type === "number")) {
    return false;
  }
  if (target.unit != null && source.unit != null && target.unit !== source.unit) return false;
  if (target.labels == null || source.labels == null) return true;
  return (
    target.labels.length === source.labels.length &&
    target.labels.every((label, i) => label === source.labels?.[i])
  );
}

/** A short form of a type, as PortType.describe: number[degC], enum[a|b], bool. */
export function describeType(t: PortType | null): string {
  if (!t) return "?";
  if (t.unit) return `${t.type}[${t.unit}]`;
  if (t.labels) return `enum[${t.labels.join("|")}]`;
  return t.type;
}

export interface NodeLike {
  id: string;
  type: string;
  params: Params;
}

export interface ConnectionLike {
  source: string | null;
  target: string | null;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

export interface EdgeLike {
  source: string;
  target: string;
  sourceHandle?: string | null;
  targetHandle?: string | null;
}

/**
 * Why a connection is refused, or null when it is allowed. ``edges`` are the wires
 * already drawn: an input takes one wire only.
 */
export function connectionProblem(
  conn: ConnectionLike,
  nodes: ReadonlyMap<string, NodeLike>,
  blocks: ReadonlyMap<string, BlockSpec>,
  edges: readonly EdgeLike[] = [],
): string | null {
  if (!conn.source || !conn.target || !conn.sourceHandle || !conn.targetHandle) {
    return "the wire must join an output port to an input port";
  }
  if (conn.source === conn.target) return "a block cannot drive itself";
  const src = nodes.get(conn.source);
  const dst = nodes.get(conn.target);
  if (!src || !dst) return "unknown node";
  const srcSpec = blocks.get(src.type);
  const dstSpec = blocks.get(dst.type);
  if (!srcSpec || !dstSpec) return "unknown block type";
  const out = outputsOf(srcSpec, src.params).find((p) => p.name === conn.sourceHandle);
  const inp = inputsOf(dstSpec, dst.params).find((p) => p.name === conn.targetHandle);
  if (!out) return `${src.id} has no output ${conn.sourceHandle}`;
  if (!inp) return `${dst.id} has no input ${conn.targetHandle}`;
  if (!out.type || !inp.type) return "a port's type is not known";
  if (!accepts(inp.type, out.type)) {
    return `${describeType(out.type)} cannot drive ${describeType(inp.type)}`;
  }
  const taken = edges.some((e) => e.target === conn.target && e.targetHandle === conn.targetHandle);
  if (taken) return `${dst.id}.${conn.targetHandle} is already wired`;
  return null;
}

/** The one rule given to <ReactFlow isValidConnection>. */
export function isValidConnection(
  conn: ConnectionLike,
  nodes: ReadonlyMap<string, NodeLike>,
  blocks: ReadonlyMap<string, BlockSpec>,
  edges: readonly EdgeLike[] = [],
): boolean {
  return connectionProblem(conn, nodes, blocks, edges) === null;
}

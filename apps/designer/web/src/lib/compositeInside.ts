/**
 * The inside of a composite instance, as the engine library flattens it: an instance ``zone_3``
 * of a composite with inner node ``pid`` runs as the flat node ``zone_3__pid`` (nested:
 * ``zone_3__loop__pid``), and validation reports it at the path ``zone_3 > pid``. This module
 * turns an instance path into the composite's inner blocks, wires and boundary ports for the
 * canvas, and maps the engine's flat node ids and the issues' paths back onto them.
 */
import type { Graph, JsonValue, ValidationIssue } from "../api/types";
import { type BlockNode, defaultPosition, edgeId, type WireEdge } from "./graph";
import { type PointUnit, nodeUnit } from "./liveUnits";

export type Definition = NonNullable<Graph["composites"]>[number];

/** Joins instance ids into a flat node id (supervisor_engine.composites.SEPARATOR). */
export const SEPARATOR = "__";
/** Joins instance ids in the path shown to the engineer (supervisor_engine.composites.PATH_SEPARATOR). */
export const PATH_SEPARATOR = " > ";

/** Node values from the engine stream: flat node id -> port -> [value, quality]. */
export type NodeValues = { [node: string]: { [port: string]: [JsonValue, string] } };

/** ``{name, version}`` of a ``composite:NAME@VERSION`` node type; null for a plain block. */
export function parseCompositeType(type: string): { name: string; version: number } | null {
  const m = /^composite:([A-Za-z_][A-Za-z0-9_-]*)@(\d+)$/.exec(type);
  return m ? { name: m[1]!, version: Number(m[2]) } : null;
}

export function isComposite(type: string): boolean {
  return parseCompositeType(type) !== null;
}

export function definitionOf(graph: Graph | null | undefined, type: string): Definition | undefined {
  const t = parseCompositeType(type);
  return t ? (graph?.composites ?? []).find((d) => d.name === t.name && d.version === t.version) : undefined;
}

/** One level of an opened path: the instance id, its type and the definition it instantiates. */
export interface Level {
  id: string;
  label: string;
  /** The instance's own parameter values (the composite's declared parameters). */
  params: { [key: string]: JsonValue };
  definition: Definition;
}

/**
 * The definitions along ``path`` (outermost instance first), or null when the path no longer
 * leads to a composite (the instance was deleted, or its composite is missing).
 */
export function resolvePath(graph: Graph | null | undefined, path: readonly string[]): Level[] | null {
  if (!graph || path.length === 0) return null;
  const levels: Level[] = [];
  let nodes: readonly { id: string; type: string; label?: string | null; params?: { [key: string]: JsonValue } }[] = graph.nodes ?? [];
  for (const id of path) {
    const node = nodes.find((n) => n.id === id);
    const definition = node ? definitionOf(graph, node.type) : undefined;
    if (!node || !definition) return null;
    levels.push({ id, label: node.label || id, params: node.params ?? {}, definition });
    nodes = definition.nodes;
  }
  return levels;
}

/** The flat node id the engine runs an inner node as. */
export function flatId(path: readonly string[], inner: string): string {
  return [...path, inner].join(SEPARATOR);
}

/** Ids of the boundary nodes that stand for a composite's own input and output ports. */
export const pinId = (side: "in" | "out", name: string) => `${side === "in" ? "input" : "output"}:${name}`;

const PIN_GAP_LEFT = 190;
const PIN_GAP_RIGHT = 250;
const PIN_STEP = 60;

export type PinData = { side: "in" | "out"; name: string; type: string; live?: string };

/**
 * The canvas of a definition: its inner blocks where the definition's layout puts them, one
 * node per declared input (left) and output (right), and wires from the inputs to the inner
 * ports they drive and from the inner ports behind the outputs.
 */
export function insideFlow(def: Definition): { nodes: BlockNode[]; pins: { id: string; position: { x: number; y: number }; data: PinData }[]; edges: WireEdge[] } {
  const layout = def.layout ?? {};
  const nodes: BlockNode[] = def.nodes.map((n, i) => ({
    id: n.id,
    type: "block",
    position: layout[n.id] ?? defaultPosition(i),
    data: { blockType: n.type, params: { ...(n.params ?? {}) }, label: n.label ?? null },
  }));
  // Each port sits at the edge, level with the inner block it drives or comes from, so its
  // wire runs straight; ports without a placed block stack below.
  const at = new Map(nodes.map((n) => [n.id, n.position]));
  const xs = nodes.map((n) => n.position.x);
  const left = Math.min(...xs, 0) - PIN_GAP_LEFT;
  const right = Math.max(...xs, 0) + PIN_GAP_RIGHT;
  const top = Math.min(...nodes.map((n) => n.position.y), 0);
  const typeText = (t: { type: string; unit?: string | null }) => (t.unit ? `${t.type}, ${t.unit}` : t.type);
  const place = (x: number, y: number | undefined, i: number, taken: number[]) => {
    let yy = y ?? top + i * PIN_STEP;
    while (taken.some((t) => Math.abs(t - yy) < PIN_STEP)) yy += PIN_STEP;
    taken.push(yy);
    return { x, y: yy };
  };
  const usedIn: number[] = [];
  const usedOut: number[] = [];
  const pins = [
    ...def.inputs.map((p, i) => ({
      id: pinId("in", p.name),
      position: place(left, at.get(p.targets[0]?.node ?? "")?.y, i, usedIn),
      data: { side: "in" as const, name: p.name, type: typeText(p.type) },
    })),
    ...def.outputs.map((p, i) => ({
      id: pinId("out", p.name),
      position: place(right, at.get(p.source.node)?.y, i, usedOut),
      data: { side: "out" as const, name: p.name, type: typeText(p.type) },
    })),
  ];
  const edges: WireEdge[] = [
    ...(def.edges ?? []).map((e) => ({
      id: edgeId(e),
      source: e.source,
      sourceHandle: e.sourcePort,
      target: e.target,
      targetHandle: e.targetPort,
    })),
    ...def.inputs.flatMap((p) =>
      p.targets.map((t) => ({
        id: `${pinId("in", p.name)}->${t.node}.${t.port}`,
        source: pinId("in", p.name),
        sourceHandle: "value",
        target: t.node,
        targetHandle: t.port,
        className: "boundary",
      })),
    ),
    ...def.outputs.map((p) => ({
      id: `${p.source.node}.${p.source.port}->${pinId("out", p.name)}`,
      source: p.source.node,
      sourceHandle: p.source.port,
      target: pinId("out", p.name),
      targetHandle: "value",
      className: "boundary",
    })),
  ];
  return { nodes, pins, edges };
}

/**
 * The outputs of the instance whose flat id is ``flat``, from the flat inner nodes behind its
 * declared outputs (through nested instances); undefined when the engine sent none of them.
 */
export function instanceValues(
  graph: Graph | null | undefined,
  def: Definition,
  flat: string,
  values: NodeValues,
): { [port: string]: [JsonValue, string] } | undefined {
  const out: { [port: string]: [JsonValue, string] } = {};
  let any = false;
  for (const p of def.outputs) {
    const inner = def.nodes.find((n) => n.id === p.source.node);
    const innerFlat = `${flat}${SEPARATOR}${p.source.node}`;
    const nested = inner ? definitionOf(graph, inner.type) : undefined;
    const ports = nested ? instanceValues(graph, nested, innerFlat, values) : values[innerFlat];
    const v = ports?.[p.source.port];
    if (v) {
      out[p.name] = v;
      any = true;
    }
  }
  return any ? out : undefined;
}

/** The live ports of each inner node of the instance at ``path`` (nested instances included). */
export function valuesInside(
  graph: Graph | null | undefined,
  def: Definition,
  path: readonly string[],
  values: NodeValues,
): Map<string, { [port: string]: [JsonValue, string] }> {
  const out = new Map<string, { [port: string]: [JsonValue, string] }>();
  for (const n of def.nodes) {
    const flat = flatId(path, n.id);
    const nested = definitionOf(graph, n.type);
    const ports = nested ? instanceValues(graph, nested, flat, values) : values[flat];
    if (ports) out.set(n.id, ports);
  }
  return out;
}

/** Where an issue is, as instance ids then the inner node: ``zone_3 > pid`` -> ["zone_3", "pid"]. */
export function issuePath(issue: Pick<ValidationIssue, "path" | "node">): string[] {
  if (issue.path) return issue.path.split(PATH_SEPARATOR);
  return issue.node ? [issue.node] : [];
}

/** The issues inside the instance at ``path``, by the inner node (of this level) they concern. */
export function issuesInside(issues: readonly ValidationIssue[], path: readonly string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const i of issues) {
    const p = issuePath(i);
    if (p.length <= path.length || path.some((id, k) => p[k] !== id)) continue;
    const inner = p[path.length]!;
    out.set(inner, [...(out.get(inner) ?? []), i.message]);
  }
  return out;
}

/**
 * The unit of an instance's output: the one its definition declares for it, else that of the
 * inner block behind it (through nested instances).
 */
export function outputUnit(graph: Graph | null | undefined, def: Definition, port: string, points: Map<string, PointUnit>): PointUnit {
  const out = def.outputs.find((o) => o.name === port);
  if (out?.type?.unit) return { unit: out.type.unit };
  const inner = out ? def.nodes.find((n) => n.id === out.source.node) : undefined;
  if (!out || !inner) return { unit: "" };
  const nested = definitionOf(graph, inner.type);
  if (nested) return outputUnit(graph, nested, out.source.port, points);
  return nodeUnit(inner.type, (inner.params ?? {}) as Record<string, unknown>, points);
}

/**
 * The values flowing into the opened instance's inputs: each from the output wired to it
 * one level up (the flow's wire for an outermost instance, the parent composite's for a nested one).
 */
export function inputValues(
  graph: Graph | null | undefined,
  levels: readonly Level[],
  values: NodeValues,
  points: Map<string, PointUnit>,
): Map<string, { value: [JsonValue, string]; unit: PointUnit }> {
  const out = new Map<string, { value: [JsonValue, string]; unit: PointUnit }>();
  const level = levels[levels.length - 1];
  if (!graph || !level) return out;
  const parent = levels.length > 1 ? levels[levels.length - 2]!.definition : null;
  const prefix = levels.slice(0, -1).map((l) => l.id);
  const siblings: readonly { id: string; type: string; params?: { [key: string]: JsonValue } }[] = parent ? parent.nodes : (graph.nodes ?? []);
  for (const e of parent ? (parent.edges ?? []) : (graph.edges ?? [])) {
    if (e.target !== level.id) continue;
    const source = siblings.find((n) => n.id === e.source);
    const flat = flatId(prefix, e.source);
    const nested = source ? definitionOf(graph, source.type) : undefined;
    const v = (nested ? instanceValues(graph, nested, flat, values) : values[flat])?.[e.sourcePort];
    if (!v || !source) continue;
    const unit = nested ? outputUnit(graph, nested, e.sourcePort, points) : nodeUnit(source.type, (source.params ?? {}) as Record<string, unknown>, points);
    out.set(e.targetPort, { value: v, unit });
  }
  return out;
}

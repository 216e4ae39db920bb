/**
 * Live values on the canvas: each block's outputs as text with their unit and the worst quality
 * among them, each wire the value of the output that drives it. Painted from the latest values of
 * every node, not only from the last change: a flow loaded onto the canvas (a tab switch, an undo,
 * a project that arrives after the stream's first values) shows its values at once, not when they
 * next change, which in a building at rest can be minutes.
 */
import type { BlockSpec, Graph } from "../api/types";
import { type NodeValues, definitionOf, instanceValues, outputUnit } from "./compositeInside";
import type { BlockNode, WireEdge } from "./graph";
import { type PointUnit, liveText, nodeUnit, outputPortUnit } from "./liveUnits";

/** What the text of a value depends on besides the value: composites, block types, point units. */
export interface LiveContext {
  graph: Graph | null | undefined;
  catalogue: ReadonlyMap<string, BlockSpec>;
  pointUnits: Map<string, PointUnit>;
}

type Ports = NodeValues[string];
type Drawn = Pick<BlockNode, "id" | "data">;

/** A node's live ports: its own, or a composite instance's from its flat inner nodes. */
function portsOf(ctx: LiveContext, values: NodeValues, node: Drawn): Ports | undefined {
  const def = definitionOf(ctx.graph, node.data.blockType);
  return def ? instanceValues(ctx.graph, def, node.id, values) : values[node.id];
}

/** Whether a value change of the nodes in `changed` can alter what `node` shows. */
function touched(ctx: LiveContext, node: Drawn, changed: ReadonlySet<string> | undefined): boolean {
  // an instance shows its flat inner nodes' values, which carry other ids
  return !changed || changed.has(node.id) || definitionOf(ctx.graph, node.data.blockType) !== undefined;
}

function unitOf(ctx: LiveContext, node: Drawn, port: string): PointUnit {
  const { blockType, params } = node.data;
  const def = definitionOf(ctx.graph, blockType);
  if (def) return outputUnit(ctx.graph, def, port, ctx.pointUnits);
  return outputPortUnit(ctx.catalogue.get(blockType), port, nodeUnit(blockType, params ?? {}, ctx.pointUnits));
}

/** The nodes with their live text; only those `changed` can alter, when it is given. */
export function paintNodes(
  nodes: BlockNode[],
  values: NodeValues,
  ctx: LiveContext,
  changed?: ReadonlySet<string>,
): BlockNode[] {
  return nodes.map((n) => {
    const ports = touched(ctx, n, changed) ? portsOf(ctx, values, n) : undefined;
    if (!ports) return n;
    const live: Record<string, string> = {};
    let status = "ok";
    for (const [port, [v, q]] of Object.entries(ports)) {
      live[port] = liveText(v, q, unitOf(ctx, n, port));
      if (q !== "ok" && status === "ok") status = q;
    }
    return { ...n, data: { ...n.data, live, status } };
  });
}

/** The wires labelled with the value of the output that drives them (`nodes`: the canvas's). */
export function paintEdges(
  edges: WireEdge[],
  nodes: readonly BlockNode[],
  values: NodeValues,
  ctx: LiveContext,
  changed?: ReadonlySet<string>,
): WireEdge[] {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return edges.map((e) => {
    const source = byId.get(e.source);
    if (!source || !e.sourceHandle || !touched(ctx, source, changed)) return e;
    const v = portsOf(ctx, values, source)?.[e.sourceHandle];
    return v ? { ...e, label: liveText(v[0], v[1], unitOf(ctx, source, e.sourceHandle)) } : e;
  });
}

/** Whether a node or wire on the canvas has values but shows none: the canvas was just loaded. */
export function unpainted(
  nodes: readonly BlockNode[],
  edges: readonly WireEdge[],
  values: NodeValues,
  ctx: LiveContext,
): boolean {
  const byId = new Map(nodes.map((n) => [n.id, n]));
  return (
    nodes.some((n) => n.data.live === undefined && portsOf(ctx, values, n) !== undefined) ||
    edges.some((e) => {
      const source = byId.get(e.source);
      return (
        e.label === undefined &&
        source !== undefined &&
        e.sourceHandle != null &&
        portsOf(ctx, values, source)?.[e.sourceHandle] !== undefined
      );
    })
  );
}

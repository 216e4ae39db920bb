/**
 * Between the server's Graph (nodes, edges, flows, layout; camelCase) and xyflow's
 * nodes and edges for one flow. Logic (type, params, wires) and layout (positions)
 * stay apart: positions come from and go back to ``graph.layout`` only.
 */
import type { Edge as RFEdge, Node as RFNode } from "@xyflow/react";
import type { Edge, Flow, Graph, GraphNode, JsonValue } from "../api/types";

export type BlockNodeData = {
  blockType: string;
  params: { [key: string]: JsonValue };
  label: string | null;
  /** Validation messages naming this node (set by the editor, not saved). */
  issues?: string[];
  /** Live output values by port (set by the editor, not saved). */
  live?: { [port: string]: string };
  /** Worst quality of its live outputs: ok, stale, fault, overridden... (not saved). */
  status?: string;
};
export type BlockNode = RFNode<BlockNodeData, "block">;
export type WireEdge = RFEdge;

/** The edge id, in the form validation issues use: 'source.port->target.port'. */
export function edgeId(e: Edge): string {
  return `${e.source}.${e.sourcePort}->${e.target}.${e.targetPort}`;
}

const GRID = 40;

/** Where a node without a stored position goes: a simple grid by index. */
export function defaultPosition(index: number): { x: number; y: number } {
  return { x: 40 + (index % 5) * 6 * GRID, y: 40 + Math.floor(index / 5) * 4 * GRID };
}

/** The xyflow nodes and edges of one flow. */
export function toFlow(graph: Graph, flowId: string): { nodes: BlockNode[]; edges: WireEdge[] } {
  const layout = graph.layout ?? {};
  const mine = (graph.nodes ?? []).filter((n) => n.flow === flowId);
  const ids = new Set(mine.map((n) => n.id));
  const nodes: BlockNode[] = mine.map((n, i) => ({
    id: n.id,
    type: "block",
    position: layout[n.id] ?? defaultPosition(i),
    data: { blockType: n.type, params: { ...(n.params ?? {}) }, label: n.label ?? null },
  }));
  const edges: WireEdge[] = (graph.edges ?? [])
    .filter((e) => ids.has(e.source) && ids.has(e.target))
    .map((e) => ({
      id: edgeId(e),
      source: e.source,
      sourceHandle: e.sourcePort,
      target: e.target,
      targetHandle: e.targetPort,
    }));
  return { nodes, edges };
}

/** The graph with one flow's nodes, edges and positions replaced by the canvas's. */
export function fromFlow(
  graph: Graph,
  flowId: string,
  nodes: readonly BlockNode[],
  edges: readonly WireEdge[],
): Graph {
  const others = (graph.nodes ?? []).filter((n) => n.flow !== flowId);
  const otherIds = new Set(others.map((n) => n.id));
  const mineIds = new Set(nodes.map((n) => n.id));
  const graphNodes: GraphNode[] = nodes.map((n) => {
    const node: GraphNode = { id: n.id, type: n.data.blockType, flow: flowId, params: n.data.params };
    if (n.data.label) node.label = n.data.label;
    return node;
  });
  const keptEdges = (graph.edges ?? []).filter((e) => otherIds.has(e.source) && otherIds.has(e.target));
  const newEdges: Edge[] = edges
    .filter((e) => mineIds.has(e.source) && mineIds.has(e.target) && e.sourceHandle && e.targetHandle)
    .map((e) => ({
      source: e.source,
      sourcePort: e.sourceHandle as string,
      target: e.target,
      targetPort: e.targetHandle as string,
    }));
  const layout: Graph["layout"] = {};
  for (const [id, pos] of Object.entries(graph.layout ?? {})) if (otherIds.has(id)) layout[id] = pos;
  for (const n of nodes) layout[n.id] = { x: Math.round(n.position.x), y: Math.round(n.position.y) };
  return {
    ...graph,
    nodes: [...others, ...graphNodes],
    edges: [...keptEdges, ...newEdges],
    layout,
  };
}

/** A fresh node id from the block type ('control.pid' -> 'pid1', 'pid2', ...). */
export function newNodeId(blockType: string, taken: ReadonlySet<string>): string {
  const stem = (blockType.split(".").pop() ?? "node").replace(/[^A-Za-z0-9_]/g, "_").replace(/^[^A-Za-z_]/, "_");
  for (let i = 1; ; i++) {
    const id = `${stem}${i}`;
    if (!taken.has(id)) return id;
  }
}

/** A fresh flow id and its default schedule (1 s scan). */
export function newFlow(taken: ReadonlySet<string>, name?: string): Flow {
  let i = 1;
  while (taken.has(`flow${i}`)) i++;
  return { id: `flow${i}`, name: name ?? `Flow ${i}`, schedule: { periodMs: 1000, phaseMs: 0 }, triggerOnChange: [] };
}

/** An empty graph with one flow, for a new project. */
export function emptyGraph(): Graph {
  return { nodes: [], edges: [], flows: [newFlow(new Set(), "Main")], layout: {} };
}

/**
 * One form for every equal graph, so "has it changed since the save?" is a string
 * comparison: nodes by id with null labels dropped, edges by id, layout keys sorted
 * and rounded, flows in their order (the evaluation order).
 */
export function canonicalGraph(graph: Graph): Graph {
  const nodes = [...(graph.nodes ?? [])]
    .sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0))
    .map((n) => {
      const node: GraphNode = { id: n.id, type: n.type, flow: n.flow, params: n.params ?? {} };
      if (n.label) node.label = n.label;
      return node;
    });
  const edges = [...(graph.edges ?? [])]
    .map((e) => ({ source: e.source, sourcePort: e.sourcePort, target: e.target, targetPort: e.targetPort }))
    .sort((a, b) => (edgeId(a) < edgeId(b) ? -1 : edgeId(a) > edgeId(b) ? 1 : 0));
  const layout: Graph["layout"] = {};
  for (const id of Object.keys(graph.layout ?? {}).sort()) {
    const p = graph.layout?.[id];
    if (p) layout[id] = { x: Math.round(p.x), y: Math.round(p.y) };
  }
  // The composites travel with the graph: a save without them would orphan every instance.
  const composites = graph.composites?.length ? { composites: graph.composites } : {};
  return { nodes, edges, flows: graph.flows ?? [], layout, ...composites };
}

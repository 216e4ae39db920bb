/**
 * "Arrange": a layered left-to-right layout by ELK (elkjs), which knows each block's ports,
 * so wires leave outputs on the right and enter inputs on the left in port order, blocks
 * never overlap, and crossings are minimised. Positions are snapped to the canvas grid.
 */
import ELK, { type ElkNode } from "elkjs/lib/elk.bundled.js";

export const GRID = 20;

export interface LayoutNode {
  id: string;
  position: { x: number; y: number };
  width: number;
  height: number;
  inputs: readonly string[];
  outputs: readonly string[];
}

export interface LayoutEdge {
  source: string;
  sourceHandle?: string | null;
  target: string;
  targetHandle?: string | null;
}

const elk = new ELK();

export const snap = (v: number): number => Math.round(v / GRID) * GRID;

const portId = (node: string, side: "in" | "out", name: string) => `${node}::${side}::${name}`;

/**
 * New positions (id -> top-left) for ``nodes``; edges to nodes outside the set are ignored.
 * The arranged block keeps its top-left corner where the set's was.
 */
export async function layoutNodes(
  nodes: readonly LayoutNode[],
  edges: readonly LayoutEdge[],
): Promise<Map<string, { x: number; y: number }>> {
  const ids = new Set(nodes.map((n) => n.id));
  const graph: ElkNode = {
    id: "root",
    layoutOptions: {
      "elk.algorithm": "layered",
      "elk.direction": "RIGHT",
      "elk.edgeRouting": "ORTHOGONAL",
      "elk.layered.spacing.nodeNodeBetweenLayers": "80",
      "elk.spacing.nodeNode": "40",
      "elk.spacing.componentComponent": "60",
      "elk.layered.crossingMinimization.strategy": "LAYER_SWEEP",
      "elk.layered.nodePlacement.strategy": "NETWORK_SIMPLEX",
      "elk.separateConnectedComponents": "true",
    },
    children: nodes.map((n) => ({
      id: n.id,
      width: Math.max(n.width, 1),
      height: Math.max(n.height, 1),
      layoutOptions: { "elk.portConstraints": "FIXED_ORDER" },
      ports: [
        ...n.inputs.map((p, i) => ({
          id: portId(n.id, "in", p),
          width: 8,
          height: 8,
          layoutOptions: { "elk.port.side": "WEST", "elk.port.index": String(n.inputs.length - i) },
        })),
        ...n.outputs.map((p, i) => ({
          id: portId(n.id, "out", p),
          width: 8,
          height: 8,
          layoutOptions: { "elk.port.side": "EAST", "elk.port.index": String(i) },
        })),
      ],
    })),
    edges: edges
      .filter((e) => ids.has(e.source) && ids.has(e.target) && e.source !== e.target)
      .map((e, i) => {
        const source = nodes.find((n) => n.id === e.source)!;
        const target = nodes.find((n) => n.id === e.target)!;
        const out = e.sourceHandle && source.outputs.includes(e.sourceHandle) ? portId(e.source, "out", e.sourceHandle) : e.source;
        const inp = e.targetHandle && target.inputs.includes(e.targetHandle) ? portId(e.target, "in", e.targetHandle) : e.target;
        return { id: `e${i}`, sources: [out], targets: [inp] };
      }),
  };
  const laid = await elk.layout(graph);
  const x0 = Math.min(...nodes.map((n) => n.position.x));
  const y0 = Math.min(...nodes.map((n) => n.position.y));
  const children = laid.children ?? [];
  const minX = Math.min(...children.map((c) => c.x ?? 0));
  const minY = Math.min(...children.map((c) => c.y ?? 0));
  const out = new Map<string, { x: number; y: number }>();
  for (const child of children) {
    out.set(child.id, { x: snap(x0 + (child.x ?? 0) - minX), y: snap(y0 + (child.y ?? 0) - minY) });
  }
  return out;
}

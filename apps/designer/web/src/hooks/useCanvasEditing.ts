/**
 * Editing on the canvas: wiring (refused connections say why), adding blocks (palette, drop),
 * editing a block's data, and selecting a block in any flow.
 */
import { type Connection, addEdge, useReactFlow } from "@xyflow/react";
import { type DragEvent, useCallback, useMemo, useState } from "react";
import type { BlockSpec } from "../api/types";
import { DRAG_MIME } from "../components/Palette";
import { connectionProblem, type ConnectionLike } from "../lib/connection";
import { FIT_VIEW } from "../lib/fitView";
import { type BlockNode, edgeId, newNodeId, toFlow, type WireEdge } from "../lib/graph";
import { type FlowDocument, withGraph } from "./useFlowDocument";

const REFUSAL_SHOWN_MS = 2500;

export function useCanvasEditing(doc: FlowDocument, catalogue: Map<string, BlockSpec>, onSelect: () => void) {
  const flow = useReactFlow<BlockNode, WireEdge>();
  const [refused, setRefused] = useState<string | null>(null);
  const { nodes, edges, setNodes, setEdges, projectRef, graphNow, flowId, setProject, applying, setFlowId } = doc;

  const nodeMap = useMemo(
    () => new Map(nodes.map((n) => [n.id, { id: n.id, type: n.data.blockType, params: n.data.params }])),
    [nodes],
  );
  const isValidConnection = useCallback(
    (c: ConnectionLike | WireEdge) => {
      const problem = connectionProblem(c as ConnectionLike, nodeMap, catalogue, edges);
      setRefused(problem);
      return problem === null;
    },
    [nodeMap, catalogue, edges],
  );
  const onConnect = useCallback(
    (c: Connection) => {
      if (connectionProblem(c, nodeMap, catalogue, edges)) return;
      const e = { source: c.source, sourcePort: c.sourceHandle ?? "", target: c.target, targetPort: c.targetHandle ?? "" };
      setEdges((es) => addEdge({ ...c, id: edgeId(e) }, es));
      setRefused(null);
    },
    [nodeMap, catalogue, edges, setEdges],
  );
  const onConnectEnd = useCallback(() => window.setTimeout(() => setRefused(null), REFUSAL_SHOWN_MS), []);

  // A block added by keyboard lands in free space, not on top of the block already there.
  const addBlock = useCallback(
    (type: string, position?: { x: number; y: number }) => {
      const taken = new Set((projectRef.current?.content.graph?.nodes ?? []).map((n) => n.id));
      for (const n of nodes) taken.add(n.id);
      const id = newNodeId(type, taken);
      const pos = position ?? freeSpot(flow.screenToFlowPosition({ x: window.innerWidth / 2, y: window.innerHeight / 2 }), nodes);
      setNodes((ns) => [
        ...ns.map((n) => ({ ...n, selected: false })),
        { id, type: "block", position: pos, selected: true, data: { blockType: type, params: {}, label: null } },
      ]);
      onSelect();
    },
    [nodes, flow, projectRef, setNodes, onSelect],
  );

  const onDrop = useCallback(
    (e: DragEvent) => {
      e.preventDefault();
      const type = e.dataTransfer.getData(DRAG_MIME);
      if (type) addBlock(type, flow.screenToFlowPosition({ x: e.clientX, y: e.clientY }));
    },
    [addBlock, flow],
  );

  const updateNode = useCallback(
    (id: string, patch: Partial<BlockNode["data"]>) =>
      setNodes((ns) => ns.map((n) => (n.id === id ? { ...n, data: { ...n.data, ...patch } } : n))),
    [setNodes],
  );

  /** Select a block, switching to its flow when it is on another one, and centre on it. */
  const selectNode = useCallback(
    (id: string) => {
      const g = graphNow();
      const owner = g?.nodes?.find((n) => n.id === id)?.flow;
      if (g && owner && owner !== flowId) {
        const p = projectRef.current;
        if (p) setProject(withGraph(p, g));
        const { nodes: n, edges: e } = toFlow(g, owner);
        applying.current = true;
        setNodes(n.map((x) => ({ ...x, selected: x.id === id })));
        setEdges(e);
        setFlowId(owner);
      } else {
        setNodes((ns) => ns.map((n) => ({ ...n, selected: n.id === id })));
      }
      onSelect();
      const target = nodes.find((n) => n.id === id);
      if (target) void flow.setCenter(target.position.x + 80, target.position.y + 40, { zoom: 1.2, duration: 200 });
    },
    [graphNow, flowId, projectRef, setProject, applying, setNodes, setEdges, setFlowId, onSelect, nodes, flow],
  );

  const fit = useCallback(() => void flow.fitView(FIT_VIEW), [flow]);

  return {
    refused,
    isValidConnection,
    onConnect,
    onConnectEnd,
    addBlock,
    onDrop,
    updateNode,
    selectNode,
    fit,
  };
}

const BLOCK_W = 200;
const BLOCK_H = 120;

type Placed = { position: { x: number; y: number }; measured?: { width?: number; height?: number } };

/** The first spot at or below ``at`` where a new block (about 200 x 120) covers no block. */
export function freeSpot(at: { x: number; y: number }, nodes: Placed[]): { x: number; y: number } {
  const pos = { ...at };
  for (let i = 0; i < 50; i++) {
    const hit = nodes.find((n) => {
      const w = n.measured?.width ?? BLOCK_W;
      const h = n.measured?.height ?? BLOCK_H;
      return pos.x < n.position.x + w && n.position.x < pos.x + BLOCK_W && pos.y < n.position.y + h && n.position.y < pos.y + BLOCK_H;
    });
    if (!hit) return pos;
    pos.y = hit.position.y + (hit.measured?.height ?? BLOCK_H) + 20;
  }
  return pos;
}

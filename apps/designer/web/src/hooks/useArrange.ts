/**
 * "Arrange" (toolbar button and the L key): ELK's layered layout of the selected blocks,
 * or of the whole flow when fewer than two are selected, sized from the rendered blocks
 * and with their ports in order, then the view fitted to the result as "Fit" fits it.
 */
import { useReactFlow } from "@xyflow/react";
import { useCallback } from "react";
import type { BlockSpec } from "../api/types";
import { inputsOf, outputsOf } from "../lib/connection";
import { FIT_VIEW } from "../lib/fitView";
import type { BlockNode, WireEdge } from "../lib/graph";
import { layoutNodes } from "../lib/layout";
import type { FlowDocument } from "./useFlowDocument";

const DEFAULT_SIZE = { width: 180, height: 90 };

export function useArrange(doc: FlowDocument, catalogue: ReadonlyMap<string, BlockSpec>, notify: (m: string) => void) {
  const flow = useReactFlow<BlockNode, WireEdge>();
  const { nodes, edges, setNodes } = doc;

  return useCallback(async () => {
    const selected = nodes.filter((n) => n.selected);
    const chosen = selected.length >= 2 ? selected : nodes;
    if (chosen.length === 0) return;
    const items = chosen.map((n) => {
      const spec = catalogue.get(n.data.blockType);
      return {
        id: n.id,
        position: n.position,
        width: n.measured?.width ?? DEFAULT_SIZE.width,
        height: n.measured?.height ?? DEFAULT_SIZE.height,
        inputs: spec ? inputsOf(spec, n.data.params).map((p) => p.name) : [],
        outputs: spec ? outputsOf(spec, n.data.params).map((p) => p.name) : [],
      };
    });
    try {
      const pos = await layoutNodes(items, edges);
      setNodes((ns) => ns.map((n) => (pos.has(n.id) ? { ...n, position: pos.get(n.id)! } : n)));
      notify(`Arranged ${pos.size} block${pos.size === 1 ? "" : "s"}.`);
      if (chosen === nodes) window.setTimeout(() => void flow.fitView({ ...FIT_VIEW, duration: 200 }), 50);
    } catch (err) {
      notify(`Arrange failed: ${err instanceof Error ? err.message : String(err)}`);
    }
  }, [nodes, edges, setNodes, catalogue, flow, notify]);
}

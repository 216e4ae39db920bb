/** The first load of the editor: the block catalogue and the project, its first flow on the canvas. */
import { useEffect, useMemo, useState } from "react";
import { api, unwrap } from "../api/client";
import type { BlockSpec, Graph } from "../api/types";
import { newFlow } from "../lib/graph";
import { type FlowDocument, withGraph } from "./useFlowDocument";

export function useProjectLoad(
  projectId: string,
  doc: FlowDocument,
  onLoaded: (graph: Graph) => void,
  notify: (message: string) => void,
) {
  const [blocks, setBlocks] = useState<BlockSpec[]>([]);
  const catalogue = useMemo(() => new Map(blocks.map((b) => [b.type, b])), [blocks]);
  const { setProject, loadFlow } = doc;

  useEffect(() => {
    let live = true;
    (async () => {
      try {
        const [cat, proj] = await Promise.all([
          api.GET("/api/blocks").then(unwrap),
          api.GET("/api/projects/{project_id}", { params: { path: { project_id: projectId } } }).then(unwrap),
        ]);
        if (!live) return;
        setBlocks(cat.blocks);
        const graph: Graph = proj.content.graph ?? { nodes: [], edges: [], flows: [], layout: {} };
        if (!graph.flows?.length) graph.flows = [newFlow(new Set(), "Main")];
        setProject(withGraph(proj, graph));
        onLoaded(graph);
        loadFlow(graph, graph.flows[0]!.id);
      } catch (e) {
        notify((e as Error).message);
      }
    })();
    return () => {
      live = false;
    };
    // Only a new project id is a new load (onLoaded and notify need not be stable).
  }, [projectId, loadFlow]);

  return { blocks, catalogue };
}

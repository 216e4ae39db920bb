/** "Make composite": the selected blocks become one instance of a new composite, built by the server. */
import { useCallback } from "react";
import { api, errorMessage } from "../api/client";
import type { FlowDocument } from "./useFlowDocument";

export function useMakeComposite(
  projectId: string,
  doc: FlowDocument,
  saveFirst: () => Promise<void>,
  markSaved: (g: NonNullable<ReturnType<FlowDocument["graphNow"]>>) => void,
  notify: (m: string) => void,
) {
  const { nodes, projectRef, showGraph } = doc;
  return useCallback(async () => {
    const chosen = nodes.filter((n) => n.selected).map((n) => n.id);
    if (chosen.length < 2) {
      notify("Select two or more blocks to make a composite of them.");
      return;
    }
    const name = window.prompt("Name of the new composite block (letters, digits, _)", "composite");
    if (!name) return;
    await saveFirst();
    const p = projectRef.current;
    if (!p) return;
    const r = await api.POST("/api/projects/{project_id}/composites", {
      params: { path: { project_id: projectId } },
      body: { revision: p.revision, nodes: chosen, name, title: "" },
    });
    if (!r.data) {
      notify(errorMessage(r, "could not make the composite"));
      return;
    }
    const graph = r.data.content.graph;
    if (!graph) return;
    markSaved(graph);
    showGraph(r.data, graph);
    notify(`Made composite “${name}” of ${chosen.length} blocks.`);
  }, [nodes, projectRef, showGraph, saveFirst, markSaved, projectId, notify]);
}

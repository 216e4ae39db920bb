/** Deleting the current flow (with its blocks and wires, after a confirmation) and moving it left or right. */
import { useCallback } from "react";
import { type FlowDocument, withGraph } from "./useFlowDocument";

export function useFlowOrganise(doc: FlowDocument, notify: (m: string) => void) {
  const { graphNow, projectRef, setProject, loadFlow, flowId } = doc;

  const deleteFlow = useCallback(() => {
    const g = graphNow();
    const p = projectRef.current;
    if (!g || !p) return;
    const flows = g.flows ?? [];
    const flow = flows.find((f) => f.id === flowId);
    if (!flow) return;
    if (flows.length === 1) {
      notify("A project keeps at least one flow: add another before deleting this one.");
      return;
    }
    const gone = new Set((g.nodes ?? []).filter((n) => n.flow === flowId).map((n) => n.id));
    if (!window.confirm(`Delete flow “${flow.name}” and its ${gone.size} block${gone.size === 1 ? "" : "s"}?`)) return;
    const layout = Object.fromEntries(Object.entries(g.layout ?? {}).filter(([id]) => !gone.has(id)));
    const next = {
      ...g,
      flows: flows.filter((f) => f.id !== flowId),
      nodes: (g.nodes ?? []).filter((n) => !gone.has(n.id)),
      edges: (g.edges ?? []).filter((e) => !gone.has(e.source) && !gone.has(e.target)),
      layout,
    };
    const index = flows.findIndex((f) => f.id === flowId);
    const neighbour = next.flows[Math.min(index, next.flows.length - 1)];
    setProject(withGraph(p, next));
    if (neighbour) loadFlow(next, neighbour.id);
    notify(`Deleted flow “${flow.name}”.`);
  }, [graphNow, projectRef, setProject, loadFlow, flowId, notify]);

  const moveFlow = useCallback(
    (by: -1 | 1) => {
      const g = graphNow();
      const p = projectRef.current;
      if (!g || !p) return;
      const flows = [...(g.flows ?? [])];
      const from = flows.findIndex((f) => f.id === flowId);
      const to = from + by;
      if (from < 0 || to < 0 || to >= flows.length) return;
      const [moved] = flows.splice(from, 1);
      if (!moved) return;
      flows.splice(to, 0, moved);
      const next = { ...g, flows };
      setProject(withGraph(p, next));
      loadFlow(next, flowId);
    },
    [graphNow, projectRef, setProject, loadFlow, flowId],
  );

  return { deleteFlow, moveFlow };
}

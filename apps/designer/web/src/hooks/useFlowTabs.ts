/** The project's flows as tabs: switch, add, rename, and set the current flow's scan period. */
import { useCallback } from "react";
import { newFlow } from "../lib/graph";
import { type FlowDocument, withGraph } from "./useFlowDocument";

const FIT_AFTER_SWITCH_MS = 50;

export function useFlowTabs(doc: FlowDocument, fit: () => void) {
  const { graphNow, projectRef, setProject, loadFlow, editGraph, flowId } = doc;

  const switchFlow = useCallback(
    (id: string) => {
      const g = graphNow();
      const p = projectRef.current;
      if (!g || !p) return;
      setProject(withGraph(p, g));
      loadFlow(g, id);
      window.setTimeout(fit, FIT_AFTER_SWITCH_MS);
    },
    [graphNow, projectRef, setProject, loadFlow, fit],
  );

  const addFlow = useCallback(() => {
    const g = graphNow();
    const p = projectRef.current;
    if (!g || !p) return;
    const f = newFlow(new Set((g.flows ?? []).map((x) => x.id)));
    const next = { ...g, flows: [...(g.flows ?? []), f] };
    setProject(withGraph(p, next));
    loadFlow(next, f.id);
  }, [graphNow, projectRef, setProject, loadFlow]);

  const renameFlow = useCallback(
    (id: string, current: string) => {
      const name = window.prompt("Flow name", current);
      if (!name) return;
      editGraph((g) => ({ ...g, flows: (g.flows ?? []).map((f) => (f.id === id ? { ...f, name } : f)) }));
    },
    [editGraph],
  );

  const setPeriod = useCallback(
    (ms: number) => {
      if (!(ms > 0)) return;
      editGraph((g) => ({
        ...g,
        flows: (g.flows ?? []).map((f) => (f.id === flowId ? { ...f, schedule: { ...f.schedule, periodMs: ms } } : f)),
      }));
    },
    [editGraph, flowId],
  );

  return { switchFlow, addFlow, renameFlow, setPeriod };
}
